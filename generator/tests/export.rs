//! `stepgen export`: a standalone copy of step00, checked file by file, then built and tested
//! where it was written, away from the repository.
//!
//! The Rust build uses its own target folder, `target/export-test/`, so that it reuses nothing
//! the repository's builds made (a different workspace root, different feature unification) and
//! never waits on their lock; it is kept between runs, so only the first run compiles the AWS
//! SDK. The npm half installs offline from npm's cache (`npm ci --offline`, filled by the
//! repository's own `npm install`) and runs the CDK tests with vitest.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

use serde_json::Value;

const STEP00: &str = "step00_todo_single_tenant_serverless";

fn repo_root() -> PathBuf {
    fs::canonicalize(Path::new(env!("CARGO_MANIFEST_DIR")).join("..")).unwrap()
}

fn step_dir() -> PathBuf {
    repo_root().join("generated").join(STEP00)
}

/// Runs `stepgen` from the repository root, like a course author would.
fn stepgen(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stepgen"))
        .args(args)
        .current_dir(repo_root())
        .output()
        .unwrap()
}

/// Exports step00 into `<temp>/step00` and returns the folder.
fn export(temp: &tempfile::TempDir) -> PathBuf {
    let dest = temp.path().join("step00");
    let output = stepgen(&["export", "step00", dest.to_str().unwrap()]);
    assert!(
        output.status.success(),
        "stepgen export failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    dest
}

fn manifest_paths(dir: &Path) -> Vec<String> {
    fs::read_to_string(dir.join(".stepgen-manifest"))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(str::to_owned)
        .collect()
}

fn files_under(root: &Path) -> BTreeSet<String> {
    fn visit(root: &Path, dir: &Path, out: &mut BTreeSet<String>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                visit(root, &path, out);
            } else {
                let relative = path.strip_prefix(root).unwrap();
                out.insert(relative.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let mut out = BTreeSet::new();
    visit(root, root, &mut out);
    out
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn export_is_complete_and_points_nowhere_into_the_repository() {
    let temp = tempfile::tempdir().unwrap();
    let dest = temp.path().join("step00");
    let output = stepgen(&["export", "step00", dest.to_str().unwrap()]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    for next in [
        "cargo test",
        "npm install && npm test",
        "npx cdk synth -c skipBundling=true",
    ] {
        assert!(stdout.contains(next), "no `{next}` in:\n{stdout}");
    }

    let files = files_under(&dest);
    // Every file stepgen generated in the step, and the CDK snapshot vitest keeps beside them.
    for path in manifest_paths(&step_dir()) {
        assert!(
            files.contains(&path),
            "{path} is listed in the manifest but not exported"
        );
    }
    let snapshots = files_under(&step_dir().join("test/__snapshots__"));
    assert!(
        !snapshots.is_empty(),
        "step00 has no CDK snapshot to export"
    );
    for snapshot in snapshots {
        let path = format!("test/__snapshots__/{snapshot}");
        assert_eq!(
            fs::read(dest.join(&path)).ok(),
            fs::read(step_dir().join(&path)).ok(),
            "{path}"
        );
    }
    // Never installs, build output or per-machine files.
    for file in &files {
        for banned in ["node_modules/", "cdk.out/", "dist/", "target/"] {
            assert!(
                !file.starts_with(banned) && !file.contains(&format!("/{banned}")),
                "{file}"
            );
        }
        assert_ne!(file, "web/public/config.json");
    }
    // The runtime crates step00 links, and only those; their integration tests stay behind.
    let vendored: BTreeSet<&str> = files
        .iter()
        .filter_map(|f| f.strip_prefix("runtime-crates/"))
        .filter_map(|f| f.split('/').next())
        .collect();
    assert_eq!(
        vendored,
        BTreeSet::from([
            "api",
            "auth",
            "claims",
            "directory",
            "domain",
            "events",
            "metering",
            "storage",
            "tenancy"
        ])
    );
    assert!(
        !files
            .iter()
            .any(|f| f.starts_with("runtime-crates/api/tests/"))
    );
    for added in [
        "Cargo.toml",
        "Cargo.lock",
        "package-lock.json",
        ".gitignore",
    ] {
        assert!(files.contains(added), "no {added}");
    }

    // Nothing refers back into the repository.
    let repo = repo_root();
    let repo = repo.to_str().unwrap();
    for file in &files {
        let Ok(text) = fs::read_to_string(dest.join(file)) else {
            continue;
        };
        assert!(
            !text.contains("../../../../runtime-crates"),
            "{file} points at the repository's runtime-crates/"
        );
        assert!(
            !text.contains(repo),
            "{file} names the repository's path {repo}"
        );
    }
    let lambda = fs::read_to_string(dest.join("lambdas/api/Cargo.toml")).unwrap();
    assert!(
        lambda.contains("todo-api = { path = \"../../runtime-crates/api\" }"),
        "{lambda}"
    );
    let root = fs::read_to_string(dest.join("Cargo.toml")).unwrap();
    assert!(
        root.contains("[profile.release]") && root.contains("[workspace.package]"),
        "{root}"
    );
    assert!(
        !root.contains("todo-test-support") && !root.contains("generator"),
        "{root}"
    );
    let lock = fs::read_to_string(dest.join("Cargo.lock")).unwrap();
    assert!(
        !lock.contains("name = \"stepgen\""),
        "Cargo.lock keeps the generator's entry"
    );

    // npm: the CDK app's dependencies exactly as in the repository; the SPA unchanged; the
    // lock file's versions the repository's.
    let exported = json(&dest.join("package.json"));
    let original = json(&step_dir().join("package.json"));
    for field in [
        "name",
        "version",
        "dependencies",
        "devDependencies",
        "scripts",
    ] {
        assert_eq!(exported[field], original[field], "package.json {field}");
    }
    assert_eq!(exported["workspaces"], serde_json::json!(["web"]));
    assert_eq!(
        fs::read(dest.join("web/package.json")).unwrap(),
        fs::read(step_dir().join("web/package.json")).unwrap()
    );
    let repo_lock = json(&repo_root().join("package-lock.json"));
    let lock = json(&dest.join("package-lock.json"));
    let packages = lock["packages"].as_object().unwrap();
    assert!(
        packages.contains_key("node_modules/aws-cdk-lib")
            && packages.contains_key("node_modules/react")
    );
    for (path, entry) in packages {
        if path.starts_with("node_modules/") && entry.get("link").is_none() {
            assert_eq!(
                entry["version"], repo_lock["packages"][path]["version"],
                "{path}: version differs from the repository's lock"
            );
        }
    }
}

#[test]
fn export_never_writes_into_a_folder_that_is_not_empty() {
    let temp = tempfile::tempdir().unwrap();
    let dest = export(&temp);
    let before = files_under(&dest);
    let readme = fs::read(dest.join("README.md")).unwrap();
    fs::write(dest.join("README.md"), "my notes").unwrap();

    let again = stepgen(&["export", "step00", dest.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(stderr.contains("is not an empty folder"), "{stderr}");
    assert_eq!(files_under(&dest), before);
    assert_eq!(
        fs::read_to_string(dest.join("README.md")).unwrap(),
        "my notes"
    );
    assert_ne!(readme, b"my notes");

    // One foreign file is enough, and a file in the way is refused too.
    let other = temp.path().join("other");
    fs::create_dir(&other).unwrap();
    fs::write(other.join("notes.txt"), "mine").unwrap();
    assert_eq!(
        stepgen(&["export", "step00", other.to_str().unwrap()])
            .status
            .code(),
        Some(1)
    );
    assert_eq!(
        files_under(&other),
        BTreeSet::from(["notes.txt".to_owned()])
    );
    let file = temp.path().join("a-file");
    fs::write(&file, "x").unwrap();
    assert_eq!(
        stepgen(&["export", "step00", file.to_str().unwrap()])
            .status
            .code(),
        Some(1)
    );

    // An empty folder is fine; no staging folder is left beside it.
    let empty = temp.path().join("empty");
    fs::create_dir(&empty).unwrap();
    assert!(
        stepgen(&["export", "step00", empty.to_str().unwrap()])
            .status
            .success()
    );
    let names: BTreeSet<String> = fs::read_dir(temp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        BTreeSet::from(["a-file", "empty", "other", "step00"].map(String::from))
    );
}

#[test]
fn an_unknown_step_is_a_usage_error() {
    // (Every step of the course renders now, so there is no unrendered step to refuse.)
    let temp = tempfile::tempdir().unwrap();
    let dest = temp.path().join("out");
    let unknown = stepgen(&["export", "step99", dest.to_str().unwrap()]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no step named `step99`"));
    assert!(!dest.exists());
}

/// The export compiles and passes its Rust tests on its own, offline, with the locked versions.
#[test]
fn exported_rust_workspace_builds_and_tests_on_its_own() {
    let temp = tempfile::tempdir().unwrap();
    let dest = export(&temp);
    let lock_before = fs::read_to_string(dest.join("Cargo.lock")).unwrap();
    // lib/rust-function.ts runs `cargo lambda build` in the crate's folder: Cargo must find the
    // export's workspace from there (and so its Cargo.lock and its target/).
    let located = Command::new(env!("CARGO"))
        .args(["locate-project", "--workspace", "--message-format", "plain"])
        .current_dir(dest.join("lambdas/api"))
        .output()
        .unwrap();
    assert_eq!(
        fs::canonicalize(String::from_utf8(located.stdout).unwrap().trim()).unwrap(),
        fs::canonicalize(dest.join("Cargo.toml")).unwrap()
    );
    let started = Instant::now();
    let output = Command::new(env!("CARGO"))
        // Every member: the Lambda crate and the vendored crates' unit tests.
        .args(["test", "--offline", "--locked", "--workspace"])
        .env("CARGO_TARGET_DIR", repo_root().join("target/export-test"))
        .current_dir(&dest)
        .output()
        .unwrap();
    eprintln!(
        "cargo test in the export: {:.1} s",
        started.elapsed().as_secs_f64()
    );
    assert!(
        output.status.success(),
        "cargo test failed in the export:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("test result: ok"), "{stdout}");
    // --locked: the lock file already said everything; the build changed nothing in it.
    assert_eq!(
        fs::read_to_string(dest.join("Cargo.lock")).unwrap(),
        lock_before
    );
}

/// The export's npm workspace installs offline from its lock file and its CDK tests pass.
/// Skipped, saying so, where npm is not installed.
#[test]
fn exported_cdk_app_installs_offline_and_passes_its_tests() {
    if Command::new("npm").arg("--version").output().is_err() {
        eprintln!("skipped: npm is not installed");
        return;
    }
    let temp = tempfile::tempdir().unwrap();
    let dest = export(&temp);
    let run = |program: &str, args: &[&str]| {
        let started = Instant::now();
        let output = Command::new(program)
            .args(args)
            .current_dir(&dest)
            .output()
            .unwrap();
        eprintln!(
            "{program} {}: {:.1} s",
            args.join(" "),
            started.elapsed().as_secs_f64()
        );
        assert!(
            output.status.success(),
            "`{program} {}` failed in the export:\n{}\n{}",
            args.join(" "),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    };
    // `npm ci` refuses a lock file that does not match package.json: this checks the cut-down lock.
    run("npm", &["ci", "--offline", "--no-audit", "--no-fund"]);
    run("npx", &["--no-install", "vitest", "run"]);
}
