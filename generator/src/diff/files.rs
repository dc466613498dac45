//! The file diff of two rendered steps: which files a lesson adds, removes and changes, as a
//! stat summary, a name list, or unified diffs.

use std::collections::BTreeSet;

use similar::{ChangeTag, TextDiff};

use super::Style;
use crate::render::{FileTree, GeneratedFile};

/// Lines of unchanged context around each change in a unified diff.
const CONTEXT_LINES: usize = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Added,
    Removed,
    Changed,
}

impl Status {
    /// The letter `--name-only` shows, as git spells it.
    pub fn letter(self) -> char {
        match self {
            Status::Added => 'A',
            Status::Removed => 'D',
            Status::Changed => 'M',
        }
    }
}

/// One path whose file differs between the two trees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange<'a> {
    pub path: &'a str,
    pub status: Status,
    pub old: Option<&'a GeneratedFile>,
    pub new: Option<&'a GeneratedFile>,
    /// Lines inserted and deleted; `None` when either side is not text.
    pub lines: Option<LineCounts>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LineCounts {
    pub inserted: usize,
    pub deleted: usize,
}

/// Every path whose file differs (contents or executable bit), in path order.
pub fn compare<'a>(from: &'a FileTree, to: &'a FileTree) -> Vec<FileChange<'a>> {
    let paths: BTreeSet<&str> = from.paths().chain(to.paths()).collect();
    paths
        .into_iter()
        .filter_map(|path| {
            let (old, new) = (from.get(path), to.get(path));
            let status = match (old, new) {
                (Some(a), Some(b)) if a == b => return None,
                (Some(_), Some(_)) => Status::Changed,
                (Some(_), None) => Status::Removed,
                (None, _) => Status::Added,
            };
            let lines = match (side_text(old), side_text(new)) {
                (Some(a), Some(b)) => Some(count_lines(a, b)),
                _ => None,
            };
            Some(FileChange {
                path,
                status,
                old,
                new,
                lines,
            })
        })
        .collect()
}

/// The summary: one line per file (status, path, lines inserted and deleted), then the totals.
pub fn stat(changes: &[FileChange], style: Style) -> String {
    if changes.is_empty() {
        return "no file differs\n".to_owned();
    }
    let width = changes.iter().map(|c| c.path.len()).max().unwrap_or(0);
    let mut text = String::new();
    for change in changes {
        let counts = match (change.lines, change.old, change.new) {
            (None, _, _) => "binary".to_owned(),
            (
                Some(LineCounts {
                    inserted: 0,
                    deleted: 0,
                }),
                Some(a),
                Some(b),
            ) => {
                format!("mode {} → {}", mode(a), mode(b))
            }
            (Some(lines), _, _) => format!(
                "{} {}",
                style.green(&format!("+{}", lines.inserted)),
                style.red(&format!("-{}", lines.deleted))
            ),
        };
        text += &format!(
            " {} {:<width$} | {counts}\n",
            change.status.letter(),
            change.path
        );
    }
    let count = |status| changes.iter().filter(|c| c.status == status).count();
    let total = changes
        .iter()
        .filter_map(|c| c.lines)
        .fold(LineCounts::default(), |sum, lines| LineCounts {
            inserted: sum.inserted + lines.inserted,
            deleted: sum.deleted + lines.deleted,
        });
    text += &format!(
        " {} ({} added, {} removed, {} changed), {}, {}\n",
        plural(changes.len(), "file"),
        count(Status::Added),
        count(Status::Removed),
        count(Status::Changed),
        style.green(&format!("{}(+)", plural(total.inserted, "insertion"))),
        style.red(&format!("{}(-)", plural(total.deleted, "deletion"))),
    );
    text
}

/// One line per file: its status letter and path.
pub fn name_only(changes: &[FileChange]) -> String {
    changes
        .iter()
        .map(|c| format!("{} {}\n", c.status.letter(), c.path))
        .collect()
}

/// Unified diffs of every change, paths prefixed by the two step folders (so `patch -p1` applies
/// them inside a step folder).
pub fn patch(changes: &[FileChange], from_dir: &str, to_dir: &str, style: Style) -> String {
    let mut text = String::new();
    for change in changes {
        let old_name = match change.old {
            Some(_) => format!("{from_dir}/{}", change.path),
            None => "/dev/null".to_owned(),
        };
        let new_name = match change.new {
            Some(_) => format!("{to_dir}/{}", change.path),
            None => "/dev/null".to_owned(),
        };
        let (Some(old), Some(new)) = (side_text(change.old), side_text(change.new)) else {
            text += &style.bold(&format!("Binary files {old_name} and {new_name} differ"));
            text.push('\n');
            continue;
        };
        if let (Some(a), Some(b)) = (change.old, change.new)
            && a.executable != b.executable
        {
            text += &style.bold(&format!(
                "mode of {}: {} → {}",
                change.path,
                mode(a),
                mode(b)
            ));
            text.push('\n');
        }
        if old == new {
            continue;
        }
        text += &style.bold(&format!("--- {old_name}"));
        text.push('\n');
        text += &style.bold(&format!("+++ {new_name}"));
        text.push('\n');
        let diff = TextDiff::from_lines(old, new);
        for hunk in diff
            .unified_diff()
            .context_radius(CONTEXT_LINES)
            .iter_hunks()
        {
            text += &style.cyan(&hunk.header().to_string());
            text.push('\n');
            for line in hunk.iter_changes() {
                let body = line.value().strip_suffix('\n').unwrap_or(line.value());
                text += &match line.tag() {
                    ChangeTag::Equal => format!(" {body}"),
                    ChangeTag::Delete => style.red(&format!("-{body}")),
                    ChangeTag::Insert => style.green(&format!("+{body}")),
                };
                text.push('\n');
                if line.missing_newline() {
                    text += "\\ No newline at end of file\n";
                }
            }
        }
    }
    text
}

/// A side's contents as text; an absent side is empty text, a binary one is `None`.
fn side_text(file: Option<&GeneratedFile>) -> Option<&str> {
    match file {
        None => Some(""),
        Some(file) if file.contents.contains(&0) => None,
        Some(file) => std::str::from_utf8(&file.contents).ok(),
    }
}

fn count_lines(old: &str, new: &str) -> LineCounts {
    let diff = TextDiff::from_lines(old, new);
    let mut counts = LineCounts::default();
    for change in diff.iter_all_changes() {
        match change.tag() {
            ChangeTag::Insert => counts.inserted += 1,
            ChangeTag::Delete => counts.deleted += 1,
            ChangeTag::Equal => {}
        }
    }
    counts
}

fn mode(file: &GeneratedFile) -> &'static str {
    if file.executable { "755" } else { "644" }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(files: &[(&str, &str)]) -> FileTree {
        let mut tree = FileTree::default();
        for (path, contents) in files {
            tree.insert(path, *contents, false);
        }
        tree
    }

    fn trees() -> (FileTree, FileTree) {
        let from = tree(&[
            ("README.md", "# Step\n"),
            ("lib/app.ts", "a\nb\nc\nd\ne\nf\ng\nh\n"),
            ("lib/old.ts", "gone\nsoon\n"),
        ]);
        let to = tree(&[
            ("README.md", "# Step\n"),
            ("lib/app.ts", "a\nb\nc\nD\ne\nf\ng\nh\n"),
            ("lib/new.ts", "fresh\n"),
        ]);
        (from, to)
    }

    #[test]
    fn added_removed_and_changed_files_with_their_line_counts() {
        let (from, to) = trees();
        let changes = compare(&from, &to);
        let summary: Vec<_> = changes
            .iter()
            .map(|c| (c.path, c.status, c.lines.map(|l| (l.inserted, l.deleted))))
            .collect();
        assert_eq!(
            summary,
            [
                ("lib/app.ts", Status::Changed, Some((1, 1))),
                ("lib/new.ts", Status::Added, Some((1, 0))),
                ("lib/old.ts", Status::Removed, Some((0, 2))),
            ]
        );
    }

    #[test]
    fn stat_counts_files_and_lines() {
        let (from, to) = trees();
        let text = stat(&compare(&from, &to), Style::PLAIN);
        assert_eq!(
            text,
            " M lib/app.ts | +1 -1\n A lib/new.ts | +1 -0\n D lib/old.ts | +0 -2\n \
             3 files (1 added, 1 removed, 1 changed), 2 insertions(+), 3 deletions(-)\n"
        );
    }

    #[test]
    fn name_only_gives_git_letters() {
        let (from, to) = trees();
        assert_eq!(
            name_only(&compare(&from, &to)),
            "M lib/app.ts\nA lib/new.ts\nD lib/old.ts\n"
        );
    }

    #[test]
    fn patch_is_a_unified_diff_with_three_lines_of_context() {
        let (from, to) = trees();
        let text = patch(&compare(&from, &to), "s0", "s1", Style::PLAIN);
        assert_eq!(
            text,
            "--- s0/lib/app.ts\n+++ s1/lib/app.ts\n@@ -1,7 +1,7 @@\n a\n b\n c\n-d\n+D\n e\n f\n g\n\
             --- /dev/null\n+++ s1/lib/new.ts\n@@ -0,0 +1 @@\n+fresh\n\
             --- s0/lib/old.ts\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-gone\n-soon\n"
        );
    }

    #[test]
    fn colour_only_when_asked() {
        let (from, to) = trees();
        let changes = compare(&from, &to);
        let plain = patch(&changes, "s0", "s1", Style::PLAIN);
        let coloured = patch(&changes, "s0", "s1", Style { color: true });
        assert!(!plain.contains('\x1b'));
        assert!(coloured.contains("\x1b[31m-d\x1b[0m"), "{coloured:?}");
        assert!(coloured.contains("\x1b[32m+D\x1b[0m"), "{coloured:?}");
    }

    #[test]
    fn identical_trees_have_no_changes() {
        let (from, _) = trees();
        let changes = compare(&from, &from);
        assert!(changes.is_empty());
        assert_eq!(stat(&changes, Style::PLAIN), "no file differs\n");
    }

    #[test]
    fn binary_files_and_missing_final_newlines() {
        let mut from = tree(&[("tail.txt", "x\ny")]);
        from.insert("logo.png", vec![0u8, 1, 2], false);
        let mut to = tree(&[("tail.txt", "x\nz\n")]);
        to.insert("logo.png", vec![0u8, 1, 3], false);
        let changes = compare(&from, &to);
        assert_eq!(changes[0].lines, None);
        let text = patch(&changes, "s0", "s1", Style::PLAIN);
        assert!(
            text.contains("Binary files s0/logo.png and s1/logo.png differ\n"),
            "{text}"
        );
        assert!(
            text.contains("-y\n\\ No newline at end of file\n+z\n"),
            "{text}"
        );
        assert!(stat(&changes, Style::PLAIN).contains(" M logo.png | binary\n"));
    }
}
