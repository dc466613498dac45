//! The rendered files of one step: a sorted map, so iteration order never depends on hashing.

use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    pub contents: Vec<u8>,
    pub executable: bool,
}

/// Relative path (always `/`-separated) → file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileTree {
    files: BTreeMap<String, GeneratedFile>,
}

impl FileTree {
    /// Adds a file; a path added twice is a bug in the template list.
    pub fn insert(&mut self, path: &str, contents: impl Into<Vec<u8>>, executable: bool) {
        debug_assert!(
            !path.starts_with('/') && !path.split('/').any(|part| part == ".." || part.is_empty()),
            "rendered paths are relative and normalized: {path}"
        );
        let previous = self.files.insert(
            path.to_string(),
            GeneratedFile {
                contents: contents.into(),
                executable,
            },
        );
        assert!(previous.is_none(), "{path} is rendered twice");
    }

    pub fn get(&self, path: &str) -> Option<&GeneratedFile> {
        self.files.get(path)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &GeneratedFile)> {
        self.files.iter().map(|(path, file)| (path.as_str(), file))
    }

    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.files.keys().map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}
