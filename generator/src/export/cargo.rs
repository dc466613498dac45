//! The Rust half of an export: vendor the runtime crates the step's Lambda crates link, point
//! the Lambda crates' path dependencies at them, and write the workspace `Cargo.toml` (with the
//! repository's `Cargo.lock`) that the repository root used to provide.
//!
//! Cargo.toml files are edited as text, line by line, so that their comments and layout reach
//! the student unchanged; only the lines that must change do.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use super::{ExportError, Files, Report, run_tool, walk, with_path};

/// Top-level folders of a vendored crate that are left out: its integration tests (with their
/// fixtures) need the repository's test helpers and the moto emulator, and the crates are
/// tested in the repository; their unit tests in `src/` come along and run in the export.
const LEFT_OUT: &[&str] = &["tests", "target"];

/// A workspace package as `cargo metadata --no-deps` describes it.
struct Package {
    dir: PathBuf,
    deps: Vec<Dep>,
}

struct Dep {
    /// The name it goes by in `Cargo.toml` (its `rename`, else the package name).
    key: String,
    /// "normal", "dev" or "build".
    kind: String,
    /// The folder of a path dependency.
    path: Option<PathBuf>,
}

/// Adds the Cargo side of the export to `files`; returns whether the step has Lambda crates
/// (and so whether the export is a Cargo workspace whose lock file should be pruned).
pub(super) fn export(
    repo: &Path,
    step_dir: &Path,
    files: &mut Files,
    report: &mut Report,
) -> Result<bool, ExportError> {
    let repo = canonical(repo)?;
    let step_dir = canonical(step_dir)?;
    let packages = workspace_packages(&repo)?;

    // The step's own crates, by folder relative to the step (`lambdas/api`).
    let lambdas: BTreeMap<String, &Package> = packages
        .iter()
        .filter_map(|p| Some((relative_to(&p.dir, &step_dir)?, p)))
        .collect();
    if lambdas.is_empty() {
        return Ok(false);
    }

    // Everything they link through path dependencies, transitively; dev-dependencies only
    // serve tests that stay in the repository.
    let by_dir: BTreeMap<&Path, &Package> = packages.iter().map(|p| (p.dir.as_path(), p)).collect();
    let mut vendored: BTreeMap<String, &Package> = BTreeMap::new();
    let mut queue: Vec<&Package> = lambdas.values().copied().collect();
    while let Some(package) = queue.pop() {
        for dep in &package.deps {
            let Some(path) = &dep.path else { continue };
            if dep.kind == "dev" || path.starts_with(&step_dir) {
                continue;
            }
            let relative = relative_to(path, &repo).ok_or_else(|| {
                ExportError::Invalid(format!(
                    "{} links {}, which is outside the repository; stepgen export only vendors crates from the repository",
                    package.dir.display(),
                    path.display()
                ))
            })?;
            let target = by_dir.get(path.as_path()).ok_or_else(|| {
                ExportError::Invalid(format!(
                    "{} is not a member of the repository's Cargo workspace",
                    path.display()
                ))
            })?;
            if vendored.insert(relative, target).is_none() {
                queue.push(target);
            }
        }
    }
    // Where each exported crate's folder ends up, by its folder in the repository.
    let mut placed: BTreeMap<PathBuf, String> = vendored
        .iter()
        .map(|(relative, p)| (p.dir.clone(), relative.clone()))
        .collect();
    placed.extend(
        lambdas
            .iter()
            .map(|(relative, p)| (p.dir.clone(), relative.clone())),
    );

    let mut manifests = Vec::new();
    for (relative, package) in &lambdas {
        let path = format!("{relative}/Cargo.toml");
        let text = files.text(&path).ok_or_else(|| {
            ExportError::Invalid(format!(
                "{}/{path} is not listed in the step's manifest",
                step_dir.display()
            ))
        })?;
        let rewritten = rewrite_path_deps(text, &package.dir, relative, &placed, &path)?;
        if rewritten != text {
            report.rewritten.push((
                path.clone(),
                "path dependencies point at the vendored runtime-crates/".into(),
            ));
        }
        files.insert(path, rewritten.clone(), false);
        manifests.push(rewritten);
    }

    for (relative, package) in &vendored {
        for file in walk(&package.dir, LEFT_OUT)? {
            let source = package.dir.join(&file);
            let bytes = fs::read(&source).map_err(|e| with_path(e, &source))?;
            let executable = super::is_executable(&source)?;
            files.insert(format!("{relative}/{file}"), bytes, executable);
        }
        let path = format!("{relative}/Cargo.toml");
        let text = files.text(&path).unwrap_or_default().to_owned();
        if text.contains("[[test]]") || text.contains("[[bench]]") {
            return Err(ExportError::Invalid(format!(
                "{path} declares [[test]] or [[bench]] targets; stepgen export leaves a vendored crate's tests/ out and cannot follow them"
            )));
        }
        // Dev-dependencies on crates that are not exported (the repository's test helpers)
        // go, with the integration tests that use them.
        let left_out: Vec<&str> = package
            .deps
            .iter()
            .filter(|d| d.kind == "dev")
            .filter(|d| d.path.as_ref().is_some_and(|p| !placed.contains_key(p)))
            .map(|d| d.key.as_str())
            .collect();
        let mut rewritten = comment_out_dev_deps(&text, &left_out, &path)?;
        rewritten = rewrite_path_deps(&rewritten, &package.dir, relative, &placed, &path)?;
        if rewritten != text {
            report.rewritten.push((
                path.clone(),
                format!(
                    "dev-dependencies on crates the export leaves out ({}) commented out",
                    left_out.join(", ")
                ),
            ));
        }
        files.insert(path, rewritten.clone(), false);
        manifests.push(rewritten);
        report.vendored.push(relative.clone());
    }

    let root_path = repo.join("Cargo.toml");
    let root = fs::read_to_string(&root_path).map_err(|e| with_path(e, &root_path))?;
    let members: Vec<&String> = lambdas.keys().chain(vendored.keys()).collect();
    let used: BTreeSet<String> = manifests.iter().flat_map(|m| workspace_keys(m)).collect();
    files.insert(
        "Cargo.toml",
        root_manifest(&root, &members, &used, &placed, &repo)?,
        false,
    );
    report.added.push((
        "Cargo.toml".into(),
        "the Cargo workspace: the Lambda crate(s) and the vendored runtime crates, with the course's [workspace.package], [workspace.dependencies] entries they use and [profile.release]".into(),
    ));
    let lock_path = repo.join("Cargo.lock");
    let lock = fs::read(&lock_path).map_err(|e| with_path(e, &lock_path))?;
    files.insert("Cargo.lock", lock, false);
    report.added.push((
        "Cargo.lock".into(),
        "the course's lock file, so every crate version stays the same (pruned to what the export uses)".into(),
    ));
    Ok(true)
}

/// Runs `cargo metadata --offline` in the written export: it checks that the workspace resolves
/// with the versions already locked, and makes Cargo drop the lock entries the export does not
/// use (the generator's, the test helpers').
pub(super) fn prune_lock(dir: &Path) -> Result<(), ExportError> {
    let mut command = Command::new("cargo");
    command
        .args([
            "metadata",
            "--offline",
            "--format-version",
            "1",
            "--manifest-path",
        ])
        .arg(dir.join("Cargo.toml"))
        .current_dir(dir);
    run_tool(command, "resolve the exported Cargo workspace offline").map(drop)
}

fn workspace_packages(repo: &Path) -> Result<Vec<Package>, ExportError> {
    let mut command = Command::new("cargo");
    command
        .args([
            "metadata",
            "--no-deps",
            "--offline",
            "--format-version",
            "1",
            "--manifest-path",
        ])
        .arg(repo.join("Cargo.toml"))
        .current_dir(repo);
    let stdout = run_tool(command, "list the repository's Cargo workspace")?;
    let metadata: Value = serde_json::from_str(&stdout)
        .map_err(|e| ExportError::Invalid(format!("cannot read `cargo metadata` output: {e}")))?;
    let empty = Vec::new();
    let mut packages = Vec::new();
    for package in metadata["packages"].as_array().unwrap_or(&empty) {
        let manifest = Path::new(package["manifest_path"].as_str().unwrap_or_default());
        let dir = canonical(manifest.parent().unwrap_or(Path::new("/")))?;
        let mut deps = Vec::new();
        for dep in package["dependencies"].as_array().unwrap_or(&empty) {
            let key = dep["rename"]
                .as_str()
                .or(dep["name"].as_str())
                .unwrap_or_default()
                .to_owned();
            let kind = dep["kind"].as_str().unwrap_or("normal").to_owned();
            let path = match dep["path"].as_str() {
                Some(path) => Some(canonical(Path::new(path))?),
                None => None,
            };
            deps.push(Dep { key, kind, path });
        }
        packages.push(Package { dir, deps });
    }
    Ok(packages)
}

/// Rewrites every `path = "…"` of a dependency in a crate's manifest (read from `source_dir`)
/// so that it points at the same crate's place in the export, from the crate's own place
/// `new_dir`.
fn rewrite_path_deps(
    text: &str,
    source_dir: &Path,
    new_dir: &str,
    placed: &BTreeMap<PathBuf, String>,
    shown: &str,
) -> Result<String, ExportError> {
    rewrite_path_deps_in("", text, source_dir, new_dir, placed, shown)
}

/// [`rewrite_path_deps`] for text that starts inside the table named `table`.
fn rewrite_path_deps_in(
    table: &str,
    text: &str,
    source_dir: &Path,
    new_dir: &str,
    placed: &BTreeMap<PathBuf, String>,
    shown: &str,
) -> Result<String, ExportError> {
    let mut out = String::with_capacity(text.len());
    let mut section = table.to_owned();
    for line in text.split_inclusive('\n') {
        if let Some(header) = table_header(line.trim()) {
            section = header.to_owned();
        }
        let literal = in_dependency_table(&section)
            .then(|| path_literal(line))
            .flatten();
        let Some((start, end)) = literal else {
            out.push_str(line);
            continue;
        };
        let literal = &line[start..end];
        let target = canonical(&source_dir.join(literal))?;
        let place = placed.get(&target).ok_or_else(|| {
            ExportError::Invalid(format!(
                "{shown}: path dependency `{literal}` is not part of the export"
            ))
        })?;
        out.push_str(&line[..start]);
        out.push_str(&relative_path(new_dir, place));
        out.push_str(&line[end..]);
    }
    Ok(out)
}

/// The byte range of the string in a `path = "…"` key-value on this line, if there is one.
fn path_literal(line: &str) -> Option<(usize, usize)> {
    if line.trim_start().starts_with('#') {
        return None;
    }
    let bytes = line.as_bytes();
    let mut from = 0;
    while let Some(found) = line[from..].find("path") {
        let at = from + found;
        from = at + 4;
        let before_ok = at == 0 || !is_key_char(bytes[at - 1]);
        let rest = line[at + 4..].trim_start();
        if before_ok && let Some(value) = rest.strip_prefix('=') {
            let value = value.trim_start();
            if let Some(inner) = value.strip_prefix('"') {
                let start = line.len() - inner.len();
                let end = start + inner.find('"')?;
                return Some((start, end));
            }
        }
    }
    None
}

fn is_key_char(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_' || byte == b'.'
}

/// Comments out, under `[dev-dependencies]` (and target-specific ones), the entries named
/// `keys`, with a line that says why.
fn comment_out_dev_deps(text: &str, keys: &[&str], shown: &str) -> Result<String, ExportError> {
    let mut out = String::with_capacity(text.len());
    let mut found = BTreeSet::new();
    let mut in_dev = false;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim();
        if let Some(header) = table_header(trimmed) {
            in_dev = header.ends_with("dev-dependencies");
        } else if in_dev && let Some(key) = keys.iter().find(|k| entry_key(trimmed) == Some(k)) {
            out.push_str(&format!(
                "# Left out by `stepgen export`: {key} is a test helper of the course repository,\n# used only by this crate's integration tests (tests/), which stay there too.\n# "
            ));
            found.insert(*key);
        }
        out.push_str(line);
    }
    if let Some(missing) = keys.iter().find(|k| !found.contains(*k)) {
        return Err(ExportError::Invalid(format!(
            "{shown}: cannot find the dev-dependency `{missing}` on a line of its own under [dev-dependencies]"
        )));
    }
    Ok(out)
}

/// The table name of a `[table]` header line.
fn table_header(trimmed: &str) -> Option<&str> {
    let inner = trimmed.strip_prefix('[')?;
    if inner.starts_with('[') {
        return None;
    }
    let end = inner.find(']')?;
    Some(inner[..end].trim())
}

/// The key of a `key = …` or `key.field = …` line.
fn entry_key(trimmed: &str) -> Option<&str> {
    if trimmed.starts_with('#') {
        return None;
    }
    let end = trimmed.find(|c: char| c == '=' || c == '.' || c.is_whitespace())?;
    let key = &trimmed[..end];
    (!key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
    .then_some(key)
}

/// The dependencies a manifest inherits from `[workspace.dependencies]`.
fn workspace_keys(text: &str) -> Vec<String> {
    let mut keys = Vec::new();
    let mut section = String::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if let Some(header) = table_header(trimmed) {
            section = header.to_owned();
            continue;
        }
        let compact: String = trimmed.chars().filter(|c| !c.is_whitespace()).collect();
        if is_dependency_table(&section) {
            if let Some(key) = entry_key(trimmed)
                && compact.contains("workspace=true")
            {
                keys.push(key.to_owned());
            }
        } else if let Some((table, key)) = section.rsplit_once('.')
            && is_dependency_table(table)
            && compact == "workspace=true"
        {
            // `[dependencies.foo]` with `workspace = true` inside.
            keys.push(key.to_owned());
        }
    }
    keys
}

fn is_dependency_table(name: &str) -> bool {
    name.ends_with("dependencies")
}

/// A dependency table, or a `[dependencies.foo]` table of one dependency.
fn in_dependency_table(name: &str) -> bool {
    is_dependency_table(name)
        || name
            .rsplit_once('.')
            .is_some_and(|(table, _)| is_dependency_table(table))
}

/// One `[table]` of a TOML file as text: the comment lines right above its header, the header,
/// and its lines up to the next table's comments.
struct Table<'a> {
    name: &'a str,
    text: Vec<&'a str>,
    body: Vec<&'a str>,
}

fn tables(text: &str) -> Vec<Table<'_>> {
    let mut tables: Vec<Table> = Vec::new();
    let mut pending: Vec<&str> = Vec::new();
    for line in text.lines() {
        if let Some(name) = table_header(line.trim()) {
            // Trailing comments of the previous table belong to this one's header.
            let mut comments = Vec::new();
            while pending
                .last()
                .is_some_and(|l| l.trim_start().starts_with('#'))
            {
                comments.insert(0, pending.pop().unwrap_or_default());
            }
            while pending.last().is_some_and(|l| l.trim().is_empty()) {
                pending.pop();
            }
            if let Some(previous) = tables.last_mut() {
                previous.body = std::mem::take(&mut pending);
            }
            pending.clear();
            comments.push(line);
            tables.push(Table {
                name,
                text: comments,
                body: Vec::new(),
            });
        } else {
            pending.push(line);
        }
    }
    while pending.last().is_some_and(|l| l.trim().is_empty()) {
        pending.pop();
    }
    if let Some(last) = tables.last_mut() {
        last.body = pending;
    }
    tables
}

/// The export's root `Cargo.toml`.
fn root_manifest(
    repo_manifest: &str,
    members: &[&String],
    used: &BTreeSet<String>,
    placed: &BTreeMap<PathBuf, String>,
    repo: &Path,
) -> Result<String, ExportError> {
    let tables = tables(repo_manifest);
    let table = |name: &str| tables.iter().find(|t| t.name == name);
    let missing = |name: &str| {
        ExportError::Invalid(format!(
            "{}: no [{name}] table to copy",
            repo.join("Cargo.toml").display()
        ))
    };

    let mut out = String::from(
        "# The Cargo workspace of this step: its Lambda crate(s) and the runtime crates they link,\n\
         # exported from the stepgen course by `stepgen export`. Cargo.lock keeps the course's\n\
         # exact dependency versions.\n[workspace]\n",
    );
    let workspace = table("workspace").ok_or_else(|| missing("workspace"))?;
    for line in &workspace.body {
        if entry_key(line.trim()) == Some("resolver") {
            out.push_str(line);
            out.push('\n');
        }
    }
    out.push_str("members = [\n");
    for member in members {
        out.push_str(&format!("    \"{member}\",\n"));
    }
    out.push_str("]\n");

    for name in ["workspace.package", "profile.release"] {
        let Some(table) = table(name) else {
            if name == "workspace.package" {
                return Err(missing(name));
            }
            continue;
        };
        out.push('\n');
        for line in table.text.iter().chain(&table.body) {
            out.push_str(line);
            out.push('\n');
        }
    }

    if !used.is_empty() {
        let deps =
            table("workspace.dependencies").ok_or_else(|| missing("workspace.dependencies"))?;
        out.push_str(
            "\n# One version of each dependency for every crate that links it (copied from the\n\
             # course's workspace: the entries these crates use).\n[workspace.dependencies]\n",
        );
        let mut written = BTreeSet::new();
        let mut comments: Vec<&str> = Vec::new();
        for line in &deps.body {
            let trimmed = line.trim();
            if trimmed.starts_with('#') {
                comments.push(line);
                continue;
            }
            match entry_key(trimmed) {
                Some(key) if used.contains(key) => {
                    for comment in comments.drain(..) {
                        out.push_str(comment);
                        out.push('\n');
                    }
                    // The vendored crates keep their repository-relative folders; the lookup
                    // still checks that an entry's path is one of them.
                    let line = rewrite_path_deps_in(
                        "workspace.dependencies",
                        &format!("{line}\n"),
                        repo,
                        "",
                        placed,
                        "[workspace.dependencies]",
                    )?;
                    out.push_str(&line);
                    written.insert(key.to_owned());
                }
                _ => comments.clear(),
            }
        }
        if let Some(missing) = used.iter().find(|k| !written.contains(*k)) {
            return Err(ExportError::Invalid(format!(
                "{}: [workspace.dependencies] has no `{missing}` entry on a line of its own, which the exported crates inherit",
                repo.join("Cargo.toml").display()
            )));
        }
    }
    Ok(out)
}

/// `path` relative to `base` as a `/`-separated string, if it is inside it.
fn relative_to(path: &Path, base: &Path) -> Option<String> {
    let rest = path.strip_prefix(base).ok()?;
    let parts: Vec<String> = rest
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// The relative path from folder `from` to `to`, both `/`-separated and relative to one root.
fn relative_path(from: &str, to: &str) -> String {
    let from: Vec<&str> = from.split('/').filter(|p| !p.is_empty()).collect();
    let to: Vec<&str> = to.split('/').filter(|p| !p.is_empty()).collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<&str> = vec![".."; from.len() - common];
    parts.extend(&to[common..]);
    if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    }
}

fn canonical(path: &Path) -> Result<PathBuf, ExportError> {
    fs::canonicalize(path).map_err(|e| with_path(e, path).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths() {
        assert_eq!(
            relative_path("lambdas/api", "runtime-crates/api"),
            "../../runtime-crates/api"
        );
        assert_eq!(
            relative_path("", "runtime-crates/api"),
            "runtime-crates/api"
        );
        assert_eq!(
            relative_path("runtime-crates/api", "runtime-crates/domain"),
            "../domain"
        );
    }

    #[test]
    fn finds_path_literals() {
        let line = "todo-api = { path = \"../../x\" }\n";
        let (start, end) = path_literal(line).unwrap();
        assert_eq!(&line[start..end], "../../x");
        assert_eq!(path_literal("xpath = \"a\"\n"), None);
        assert_eq!(path_literal("# path = \"a\"\n"), None);
        let line = "[[bin]]\npath = \"src/main.rs\"";
        assert!(path_literal(line.lines().nth(1).unwrap()).is_some());
    }

    #[test]
    fn workspace_keys_of_a_manifest() {
        let text = "[package]\nedition.workspace = true\n\n[dependencies]\naxum.workspace = true\n\
                    tokio = { workspace = true, features = [\"sync\"] }\nbase64 = \"0.22\"\n\n\
                    [dependencies.serde]\nworkspace = true\n";
        assert_eq!(workspace_keys(text), ["axum", "tokio", "serde"]);
    }

    #[test]
    fn comments_out_only_the_named_dev_dependency() {
        let text = "[dependencies]\nhelper = \"1\"\n\n[dev-dependencies]\nhelper.workspace = true\ntower.workspace = true\n";
        let out = comment_out_dev_deps(text, &["helper"], "Cargo.toml").unwrap();
        assert!(out.contains("[dependencies]\nhelper = \"1\"\n"));
        assert!(out.contains("# helper.workspace = true\ntower.workspace = true\n"));
        assert!(comment_out_dev_deps(text, &["absent"], "Cargo.toml").is_err());
    }

    #[test]
    fn tables_keep_their_comments() {
        let text = "[a]\nx = 1\n\n# about b\n[b]\n# inside b\ny = 2\n\n# trailing\n";
        let tables = tables(text);
        assert_eq!(tables[0].body, ["x = 1"]);
        assert_eq!(tables[1].text, ["# about b", "[b]"]);
        assert_eq!(tables[1].body, ["# inside b", "y = 2", "", "# trailing"]);
    }
}
