//! `stepgen export`: a standalone copy of one rendered step that a student can take out of the
//! repository and build on its own.
//!
//! The export holds the step folder's generated files (the ones its `.stepgen-manifest` lists,
//! plus the committed CDK snapshot under `test/__snapshots__/`), the runtime crates its Lambda
//! crates link (vendored under the same repository-relative paths, so `runtime-crates/api` stays
//! `runtime-crates/api`), and the glue that the repository root provided: a Cargo workspace with
//! the repository's `Cargo.lock`, and an npm workspace of the CDK app and its SPA with a
//! `package-lock.json` cut down from the repository's.
//!
//! Everything is assembled in memory, written to a staging folder beside the destination, and
//! renamed into place at the end: a failed export leaves nothing behind, and an existing
//! non-empty destination is never touched.

mod cargo;
mod npm;

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::model::{Course, StepSpec};
use crate::output::{self, MANIFEST};
use crate::render;

/// The committed CDK template snapshot: vitest owns it, not stepgen, so the manifest omits it.
const SNAPSHOT_DIR: &str = "test/__snapshots__";

/// What to export, and where.
pub struct Options<'a> {
    pub course: &'a Course,
    pub step: &'a StepSpec,
    /// The repository root: its `Cargo.toml`, `Cargo.lock`, `package-lock.json`, runtime crates.
    pub repo: PathBuf,
    /// The rendered step folder (`generated/stepNN_<slug>`).
    pub step_dir: PathBuf,
    /// The destination; must not exist yet or be empty.
    pub dest: PathBuf,
}

/// Why an export did not happen. Nothing was written in any case.
#[derive(Debug)]
pub enum ExportError {
    /// The destination exists and is not an empty folder.
    NotEmpty(PathBuf),
    /// The step has no templates yet, or its folder was never generated.
    NotRendered(String),
    /// The repository is not in the shape the export expects (a crate outside it, an entry
    /// missing from the root `Cargo.toml`, …), or a tool failed.
    Invalid(String),
    Io(io::Error),
}

impl ExportError {
    /// The process exit code: 2 for a step that cannot be exported at all (like a usage error),
    /// 1 for a refused destination or a failure.
    pub fn exit_code(&self) -> u8 {
        match self {
            ExportError::NotRendered(_) => 2,
            _ => 1,
        }
    }
}

impl fmt::Display for ExportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExportError::NotEmpty(dir) => write!(
                f,
                "{} exists and is not an empty folder; stepgen export never writes into one\n  help: name a new folder (it is created) or an empty one",
                dir.display()
            ),
            ExportError::NotRendered(why) | ExportError::Invalid(why) => f.write_str(why),
            ExportError::Io(err) => write!(f, "{err}"),
        }
    }
}

impl std::error::Error for ExportError {}

impl From<io::Error> for ExportError {
    fn from(err: io::Error) -> Self {
        ExportError::Io(err)
    }
}

/// What an export wrote, for the command to print.
#[derive(Debug)]
pub struct Report {
    pub dest: PathBuf,
    /// Every file written, relative to `dest`, sorted.
    pub files: Vec<String>,
    /// Files copied from the step folder unchanged.
    pub step_files: usize,
    /// The vendored crates' folders, relative to `dest`.
    pub vendored: Vec<String>,
    /// Files changed on the way, each with what changed.
    pub rewritten: Vec<(String, String)>,
    /// Files the export adds, each with what it is.
    pub added: Vec<(String, String)>,
    /// Set when the step folder differs from what the templates render now.
    pub stale: Option<String>,
}

/// An export being assembled: relative path -> (bytes, executable).
#[derive(Default)]
struct Files {
    files: BTreeMap<String, (Vec<u8>, bool)>,
}

impl Files {
    fn insert(&mut self, path: impl Into<String>, bytes: impl Into<Vec<u8>>, executable: bool) {
        self.files.insert(path.into(), (bytes.into(), executable));
    }

    fn text(&self, path: &str) -> Option<&str> {
        self.files
            .get(path)
            .and_then(|(bytes, _)| std::str::from_utf8(bytes).ok())
    }
}

/// `stepgen export STEP DIR`: exports, prints what was written and what to run next, and
/// returns the exit code.
pub fn main(
    course_file: &Path,
    course: &Course,
    name: &str,
    out: &Path,
    dest: &Path,
) -> std::process::ExitCode {
    use std::process::ExitCode;
    let Some(step) = course.step(name) else {
        let known: Vec<&str> = course.steps.iter().map(|s| s.id.as_str()).collect();
        eprintln!(
            "error: no step named `{name}` in the course\n  help: name a step by id or folder; the steps are {}",
            known.join(", ")
        );
        return ExitCode::from(2);
    };
    let absolute = |path: &Path| std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    let options = Options {
        course,
        step,
        repo: absolute(course_file)
            .parent()
            .unwrap_or(Path::new("/"))
            .to_owned(),
        step_dir: absolute(&out.join(&step.folder)),
        dest: absolute(dest),
    };
    match run(&options) {
        Ok(report) => {
            print!("{}", report.render(dest));
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(err.exit_code())
        }
    }
}

impl Report {
    /// What was written and the commands to run next, as printed by `stepgen export`.
    pub fn render(&self, shown: &Path) -> String {
        let mut out = String::new();
        if let Some(stale) = &self.stale {
            out += &format!("warning: {stale}\n");
        }
        out += &format!(
            "exported {} file(s) to {}:\n  {} generated step file(s) (the step's {MANIFEST}, and its CDK snapshot)\n",
            self.files.len(),
            shown.display(),
            self.step_files
        );
        if !self.vendored.is_empty() {
            out += &format!(
                "  vendored runtime crates: {} (their integration tests, tests/, stay in the course repository)\n",
                self.vendored.join(", ")
            );
        }
        for (path, what) in &self.rewritten {
            out += &format!("  rewritten {path}: {what}\n");
        }
        for (path, what) in &self.added {
            out += &format!("  added {path}: {what}\n");
        }
        let has = |path: &str| self.files.iter().any(|f| f == path);
        out += &format!("next:\n  cd {}\n", shown.display());
        if has("Cargo.toml") {
            out += "  cargo test                            # the Lambda crate(s) and the runtime crates' unit tests\n";
        }
        if has("package.json") {
            out +=
                "  npm install && npm test               # the CDK app's tests (vitest, cdk-nag)\n";
            if has("web/package.json") {
                out += "  npm test -w web                       # the SPA's tests\n";
            }
            out += "  npx cdk synth -c skipBundling=true    # the CloudFormation template, without building the Lambda\n";
        }
        out
    }
}

/// Exports the step; see the module documentation.
pub fn run(options: &Options) -> Result<Report, ExportError> {
    let step = options.step;
    if let Err(not_rendered) = render::render_step(options.course, step) {
        return Err(ExportError::NotRendered(format!(
            "step `{}` is not rendered: {not_rendered}\n  help: only rendered steps can be exported; `stepgen generate` lists them",
            step.id
        )));
    }
    if !options.step_dir.join(MANIFEST).is_file() {
        return Err(ExportError::NotRendered(format!(
            "{} has not been generated (it has no {MANIFEST})\n  help: run `stepgen generate {}` first",
            options.step_dir.display(),
            step.id
        )));
    }
    check_destination(&options.dest)?;
    let stale = staleness(options)?;

    let mut files = Files::default();
    let step_files = copy_step(&options.step_dir, &mut files)?;
    let mut report = Report {
        dest: options.dest.clone(),
        files: Vec::new(),
        step_files,
        vendored: Vec::new(),
        rewritten: Vec::new(),
        added: Vec::new(),
        stale,
    };
    let cargo = cargo::export(&options.repo, &options.step_dir, &mut files, &mut report)?;
    npm::export(&options.repo, &options.step_dir, &mut files, &mut report)?;
    files.insert(".gitignore", GITIGNORE, false);
    report
        .added
        .push((".gitignore".into(), "build output and installs".into()));

    report.files = files.files.keys().cloned().collect();
    write_all(&options.dest, &files, cargo.then_some(cargo::prune_lock))?;
    Ok(report)
}

const GITIGNORE: &str = "\
/target/
node_modules/
cdk.out/
dist/
*.tsbuildinfo
# Written by deploys and local runs; never part of the source.
web/public/config.json
";

/// The destination must not exist, or be an empty folder.
fn check_destination(dest: &Path) -> Result<(), ExportError> {
    match fs::read_dir(dest) {
        Ok(mut entries) => match entries.next() {
            None => Ok(()),
            Some(_) => Err(ExportError::NotEmpty(dest.to_owned())),
        },
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(_) if dest.exists() => Err(ExportError::NotEmpty(dest.to_owned())),
        Err(err) => Err(with_path(err, dest).into()),
    }
}

/// A warning when the step folder is not what the templates render now (the export copies the
/// folder as it is on disk).
fn staleness(options: &Options) -> Result<Option<String>, ExportError> {
    let Ok(tree) = render::render_step(options.course, options.step) else {
        return Ok(None);
    };
    let plan = output::plan(&output::with_manifest(&tree), &options.step_dir)?;
    Ok((!plan.changes.is_empty()).then(|| {
        format!(
            "{} differs from what steps.yaml and templates/ render now ({} file(s)); the export copies it as it is. Run `stepgen generate {}` first for a fresh copy.",
            options.step_dir.display(),
            plan.changes.len(),
            options.step.id
        )
    }))
}

/// Copies the files the step's manifest lists and the CDK snapshot; returns how many.
fn copy_step(step_dir: &Path, files: &mut Files) -> Result<usize, ExportError> {
    let manifest_path = step_dir.join(MANIFEST);
    let manifest = fs::read_to_string(&manifest_path).map_err(|e| with_path(e, &manifest_path))?;
    let mut count = 0;
    for line in manifest.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        if line.starts_with('/') || line.split('/').any(|part| part == "..") {
            return Err(ExportError::Invalid(format!(
                "{}: `{line}` points outside the step folder",
                manifest_path.display()
            )));
        }
        let source = step_dir.join(line);
        let bytes = fs::read(&source).map_err(|e| {
            with_path(
                io::Error::new(
                    e.kind(),
                    format!("{e} (listed in {MANIFEST}; run `stepgen generate` to restore it)"),
                ),
                &source,
            )
        })?;
        files.insert(line, bytes, is_executable(&source)?);
        count += 1;
    }
    let snapshots = step_dir.join(SNAPSHOT_DIR);
    if snapshots.is_dir() {
        for relative in walk(&snapshots, &[])? {
            let source = snapshots.join(&relative);
            let bytes = fs::read(&source).map_err(|e| with_path(e, &source))?;
            files.insert(
                format!("{SNAPSHOT_DIR}/{relative}"),
                bytes,
                is_executable(&source)?,
            );
            count += 1;
        }
    }
    Ok(count)
}

/// Every file under `dir`, as sorted `/`-separated relative paths, skipping the top-level
/// entries named in `skip`. Symbolic links are followed.
fn walk(dir: &Path, skip: &[&str]) -> Result<Vec<String>, ExportError> {
    fn visit(dir: &Path, prefix: &str, skip: &[&str], out: &mut Vec<String>) -> io::Result<()> {
        for entry in fs::read_dir(dir).map_err(|e| with_path(e, dir))? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if prefix.is_empty() && skip.contains(&name.as_str()) {
                continue;
            }
            let relative = if prefix.is_empty() {
                name
            } else {
                format!("{prefix}/{name}")
            };
            let path = entry.path();
            if path.is_dir() {
                visit(&path, &relative, &[], out)?;
            } else {
                out.push(relative);
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    visit(dir, "", skip, &mut out)?;
    out.sort();
    Ok(out)
}

/// A last step run in the staging folder before it is renamed into place.
type Finish = fn(&Path) -> Result<(), ExportError>;

/// Writes the files into a staging folder beside `dest`, runs `finish` there, and renames the
/// folder into place. Renaming onto an existing folder only succeeds if it is empty, so a folder
/// that filled up in the meantime is never overwritten.
fn write_all(dest: &Path, files: &Files, finish: Option<Finish>) -> Result<(), ExportError> {
    let dest = std::path::absolute(dest).map_err(|e| with_path(e, dest))?;
    let parent = dest.parent().unwrap_or(Path::new("/"));
    let name = dest
        .file_name()
        .ok_or_else(|| ExportError::Invalid(format!("{} names no folder", dest.display())))?
        .to_string_lossy();
    fs::create_dir_all(parent).map_err(|e| with_path(e, parent))?;
    let staging = parent.join(format!(".{name}.stepgen-export-{}", std::process::id()));
    let result = (|| {
        for (path, (bytes, executable)) in &files.files {
            let target = staging.join(path);
            if let Some(dir) = target.parent() {
                fs::create_dir_all(dir).map_err(|e| with_path(e, dir))?;
            }
            fs::write(&target, bytes).map_err(|e| with_path(e, &target))?;
            set_executable(&target, *executable)?;
        }
        if let Some(finish) = finish {
            finish(&staging)?;
        }
        check_destination(&dest)?;
        fs::rename(&staging, &dest).map_err(|e| match e.kind() {
            io::ErrorKind::DirectoryNotEmpty | io::ErrorKind::AlreadyExists => {
                ExportError::NotEmpty(dest.clone())
            }
            _ => with_path(e, &dest).into(),
        })
    })();
    if result.is_err() {
        let _ = fs::remove_dir_all(&staging);
    }
    result
}

/// Runs a command to completion; its failure (with stderr) becomes an error.
fn run_tool(mut command: Command, what: &str) -> Result<String, ExportError> {
    let program = command.get_program().to_string_lossy().into_owned();
    let output = command.output().map_err(|e| {
        ExportError::Invalid(format!(
            "cannot run `{program}` to {what}: {e}\n  help: stepgen export needs Rust's cargo on PATH (https://rustup.rs)"
        ))
    })?;
    if !output.status.success() {
        return Err(ExportError::Invalid(format!(
            "`{program}` failed to {what} ({}):\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim_end()
        )));
    }
    String::from_utf8(output.stdout)
        .map_err(|e| ExportError::Invalid(format!("`{program}` printed invalid UTF-8: {e}")))
}

fn with_path(err: io::Error, path: &Path) -> io::Error {
    io::Error::new(err.kind(), format!("{}: {err}", path.display()))
}

#[cfg(unix)]
fn is_executable(path: &Path) -> io::Result<bool> {
    use std::os::unix::fs::PermissionsExt;
    let meta = fs::metadata(path).map_err(|e| with_path(e, path))?;
    Ok(meta.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(_path: &Path) -> io::Result<bool> {
    Ok(false)
}

#[cfg(unix)]
fn set_executable(path: &Path, executable: bool) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    if executable {
        fs::set_permissions(path, fs::Permissions::from_mode(0o755))
            .map_err(|e| with_path(e, path))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn set_executable(_path: &Path, _executable: bool) -> io::Result<()> {
    Ok(())
}
