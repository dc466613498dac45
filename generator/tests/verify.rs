//! `stepgen verify` through the real binary, on a copy of step00 (never on `generated/`).
//!
//! The copy lives under the repository's `target/` because the CDK app resolves `aws-cdk-lib`
//! (and `npx` finds `cdk`) from the repository's `node_modules` above it. Each synth takes
//! 10–40 s depending on how busy the machine is, so only one test synthesizes, twice.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const STEP00: &str = "step00_todo_single_tenant_serverless";
const SNAPSHOT: &str = "test/__snapshots__/TodoApp.template.json";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the generator sits in the repository")
        .to_owned()
}

/// A temporary `generated/` folder under the repository's `target/tmp`.
fn scratch(prefix: &str) -> tempfile::TempDir {
    let parent = repo().join("target/tmp");
    std::fs::create_dir_all(&parent).unwrap();
    tempfile::Builder::new()
        .prefix(prefix)
        .tempdir_in(parent)
        .unwrap()
}

/// Copies a step folder without what installs and builds leave in it.
fn copy_step(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if ["node_modules", "cdk.out", "dist", "config.json"].contains(&name.to_str().unwrap()) {
            continue;
        }
        let target = to.join(&name);
        if entry.file_type().unwrap().is_dir() {
            copy_step(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn stepgen(out: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stepgen"))
        .arg("--course")
        .arg(repo().join("steps.yaml"))
        .arg("--out")
        .arg(out)
        .args(args)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn assert_exit(output: &Output, code: i32) {
    assert_eq!(
        output.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        text(&output.stdout),
        text(&output.stderr)
    );
}

#[test]
fn a_changed_snapshot_is_reported_and_update_restores_it() {
    let dir = scratch("verify-");
    let out = dir.path().join("generated");
    let step = out.join(STEP00);
    copy_step(&repo().join("generated").join(STEP00), &step);
    let committed = std::fs::read_to_string(step.join(SNAPSHOT)).unwrap();
    let edited = committed.replacen("\"PAY_PER_REQUEST\"", "\"PROVISIONED\"", 1);
    assert_ne!(edited, committed, "the snapshot has a billing mode to edit");
    std::fs::write(step.join(SNAPSHOT), &edited).unwrap();
    let work = dir.path().join("work");
    let work = work.to_str().unwrap();

    let output = stepgen(
        &out,
        &["verify", "step00", "--format", "json", "--work-dir", work],
    );
    assert_exit(&output, 1);
    let report: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|err| {
        panic!(
            "--format json printed no JSON ({err}):\n{}",
            text(&output.stdout)
        )
    });
    assert_eq!(report["ok"], false);
    let step_report = &report["steps"][0];
    assert_eq!(step_report["step"], "step00");
    assert_eq!(step_report["ok"], false);
    assert!(step_report["resources"].as_u64().unwrap() > 0);
    assert_eq!(step_report["nag"], serde_json::json!([]), "{step_report:#}");
    assert_eq!(step_report["lint"]["errors"], 0, "{step_report:#}");
    let snapshot = &step_report["snapshots"][0];
    assert_eq!(snapshot["status"], "differs");
    let detail = snapshot["detail"].as_str().unwrap();
    assert!(
        detail.contains("DataTable") && detail.contains("Properties.BillingMode"),
        "{detail}"
    );
    let failures = step_report["failures"].to_string();
    assert!(
        failures.contains("stepgen verify step00 --update"),
        "{failures}"
    );

    let output = stepgen(&out, &["verify", "step00", "--update", "--work-dir", work]);
    assert_exit(&output, 0);
    let table = text(&output.stdout);
    assert!(table.contains("updated"), "{table}");
    assert!(table.contains("verify: all passed: 1 step(s)"), "{table}");
    // The same bytes the step's vitest test wrote: one snapshot, two checkers.
    assert_eq!(
        std::fs::read_to_string(step.join(SNAPSHOT)).unwrap(),
        committed
    );
}

#[test]
fn a_missing_tool_is_named_with_its_install_command() {
    let output = Command::new(env!("CARGO_BIN_EXE_stepgen"))
        .arg("--course")
        .arg(repo().join("steps.yaml"))
        .args(["verify", "step00"])
        .env("PATH", "/nonexistent")
        .output()
        .unwrap();
    assert_exit(&output, 1);
    let message = text(&output.stderr);
    assert!(message.contains("npx was not found on PATH"), "{message}");
    assert!(message.contains("install Node.js"), "{message}");
}

#[test]
fn unrendered_steps_are_usage_errors() {
    let dir = scratch("verify-empty-");
    let output = stepgen(dir.path(), &["verify"]);
    assert_exit(&output, 2);
    assert!(text(&output.stderr).contains("no rendered step"));
    let output = stepgen(dir.path(), &["verify", "step00"]);
    assert_exit(&output, 2);
    assert!(text(&output.stderr).contains("run `stepgen generate step00` first"));
    let output = stepgen(dir.path(), &["verify", "step99"]);
    assert_exit(&output, 2);
    assert!(text(&output.stderr).contains("no step named `step99`"));
}
