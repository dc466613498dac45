//! `stepgen diff` through the real binary, on a temporary course: the repository's steps.yaml
//! plus a step that extends step00 with `architecture: arm64`.
//!
//! The temporary course lives under the repository's `target/` because the generated CDK app
//! resolves `aws-cdk-lib` (and `npx` finds `cdk`) from the repository's `node_modules` above it.
//! The infrastructure test synthesizes two steps (tens of seconds on a busy machine).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const ARM64_STEP: &str = "
  - id: step08
    extends: step00
    folder: step08_todo_arm64
    title: The same app on arm64
    features:
      architecture: arm64
    lesson: |
      The same app, its Lambda on Graviton.
";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the generator sits in the repository")
        .to_owned()
}

struct Course {
    dir: tempfile::TempDir,
}

impl Course {
    fn new() -> Course {
        let parent = repo().join("target").join("tmp");
        std::fs::create_dir_all(&parent).unwrap();
        let dir = tempfile::Builder::new()
            .prefix("diff-course-")
            .tempdir_in(parent)
            .unwrap();
        let steps = std::fs::read_to_string(repo().join("steps.yaml")).unwrap();
        std::fs::write(dir.path().join("steps.yaml"), steps + ARM64_STEP).unwrap();
        Course { dir }
    }

    fn stepgen(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_stepgen"))
            .arg("--course")
            .arg(self.dir.path().join("steps.yaml"))
            .args(args)
            .env_remove("NO_COLOR")
            .output()
            .unwrap()
    }

    fn step_dir(&self, folder: &str) -> PathBuf {
        self.dir.path().join("generated").join(folder)
    }
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

fn assert_exit(output: &Output, code: i32) {
    assert_eq!(
        output.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        stdout(output),
        stderr(output)
    );
}

#[test]
fn features_and_file_diff_of_a_step_against_the_one_it_extends() {
    let course = Course::new();
    let output = course.stepgen(&["diff", "step08", "--no-infra"]);
    assert_exit(&output, 0);
    let text = stdout(&output);
    assert!(!text.contains('\x1b'), "piped output has no escape codes");
    assert!(
        text.contains("features: Lambda architecture: x86_64 → arm64\n"),
        "{text}"
    );
    assert!(text.contains(" M lib/todo-app.ts "), "{text}");
    assert!(
        text.contains(
            "--- step00_todo_single_tenant_serverless/lib/todo-app.ts\n+++ step08_todo_arm64/lib/todo-app.ts\n"
        ),
        "{text}"
    );
    let removed = text
        .lines()
        .any(|l| l.starts_with('-') && l.contains("lambda.Architecture.X86_64"));
    let added = text
        .lines()
        .any(|l| l.starts_with('+') && l.contains("lambda.Architecture.ARM_64"));
    assert!(removed && added, "{text}");
    assert!(!text.contains("infrastructure:"), "--no-infra skips it");
    assert!(
        !course.dir.path().join("generated").exists(),
        "diff compares in memory and writes no step folder"
    );
}

#[test]
fn two_named_steps_by_id_or_folder_and_the_short_forms() {
    let course = Course::new();
    let output = course.stepgen(&[
        "diff",
        "step00_todo_single_tenant_serverless",
        "step08",
        "--name-only",
    ]);
    assert_exit(&output, 0);
    let text = stdout(&output);
    assert!(text.lines().all(|l| l.starts_with("M ")), "{text}");
    assert!(text.lines().any(|l| l == "M lib/todo-app.ts"), "{text}");

    let output = course.stepgen(&["diff", "step08", "--stat", "--no-infra"]);
    assert_exit(&output, 0);
    let text = stdout(&output);
    assert!(text.contains(" M lib/todo-app.ts "), "{text}");
    assert!(
        !text.contains("--- "),
        "--stat shows no unified diff: {text}"
    );

    let output = course.stepgen(&["diff", "step08", "step08", "--no-infra"]);
    assert_exit(&output, 0);
    let text = stdout(&output);
    assert!(text.contains("features: no change\n"), "{text}");
    assert!(text.contains("no file differs\n"), "{text}");

    let output = course.stepgen(&["diff", "step08", "--no-infra", "--color", "always"]);
    assert_exit(&output, 0);
    assert!(stdout(&output).contains("\x1b[32m+"), "{}", stdout(&output));
}

#[test]
fn steps_that_cannot_be_diffed_exit_2_with_a_reason() {
    let course = Course::new();
    let first = course.stepgen(&["diff", "step00"]);
    assert_exit(&first, 2);
    assert!(
        stderr(&first).contains("`step00` is the first step"),
        "{}",
        stderr(&first)
    );

    let unknown = course.stepgen(&["diff", "step99"]);
    assert_exit(&unknown, 2);
    assert!(stderr(&unknown).contains("no step named `step99`"));

    assert_exit(&course.stepgen(&["diff", "step00", "step08", "step01"]), 2);
    assert_exit(&course.stepgen(&["diff"]), 2);
}

/// Every step of the course renders (no step is left to refuse as "not rendered yet"); the last
/// lesson's file diff is its packaging: a Dockerfile per Lambda and the image variant of
/// RustFunction.
#[test]
fn the_container_images_lesson_adds_a_dockerfile_per_lambda() {
    let course = Course::new();
    let output = course.stepgen(&["diff", "step07", "--no-infra", "--stat"]);
    assert_exit(&output, 0);
    let text = stdout(&output);
    assert!(text.contains("Lambda packaging: zip → image"), "{text}");
    for lambda in ["api", "token", "provisioner", "rollup"] {
        assert!(
            text.contains(&format!(" A lambdas/{lambda}/Dockerfile ")),
            "{text}"
        );
    }
    assert!(text.contains(" M lib/rust-function.ts "), "{text}");
}

#[test]
fn infrastructure_is_skipped_with_a_reason_until_both_steps_are_generated() {
    let course = Course::new();
    let output = course.stepgen(&["diff", "step08"]);
    assert_exit(&output, 0);
    let text = stdout(&output);
    assert!(text.contains("infrastructure:\nskipped: "), "{text}");
    assert!(
        text.contains("step08_todo_arm64 is not generated"),
        "{text}"
    );
    assert!(
        text.contains("run `stepgen generate step00 step08`"),
        "{text}"
    );
}

/// Slow: synthesizes step00 and step08 with the workspace's CDK CLI.
#[test]
fn infrastructure_delta_from_the_synthesized_templates() {
    let course = Course::new();
    assert_exit(&course.stepgen(&["generate", "step00", "step08"]), 0);

    let output = course.stepgen(&["diff", "step08", "--stat"]);
    assert_exit(&output, 0);
    let text = stdout(&output);
    assert!(!text.contains('\x1b'), "{text}");
    let infra = text
        .split_once("infrastructure:\n")
        .unwrap_or_else(|| panic!("no infrastructure section: {text}"))
        .1;
    let lines: Vec<&str> = infra.lines().collect();
    let function = lines
        .iter()
        .position(|l| l.starts_with("  ~ AWS::Lambda::Function "))
        .unwrap_or_else(|| panic!("the function changed: {infra}"));
    assert_eq!(lines[function + 1].trim(), "Properties.Architectures[0]");
    assert!(
        !infra.contains("AWS::DynamoDB::Table"),
        "the table is the same in both steps: {infra}"
    );
    assert!(
        stderr(&output).contains("synthesizing step08 offline"),
        "{}",
        stderr(&output)
    );

    let again = course.stepgen(&["diff", "step08", "--stat"]);
    assert_exit(&again, 0);
    assert!(
        !stderr(&again).contains("synthesizing"),
        "a cloud assembly newer than the sources is reused: {}",
        stderr(&again)
    );
    assert_eq!(stdout(&again), text);

    let source = course.step_dir("step08_todo_arm64").join("lib/todo-app.ts");
    let edited = std::fs::read_to_string(&source).unwrap() + "// a student's edit\n";
    std::fs::write(&source, edited).unwrap();
    let stale = course.stepgen(&["diff", "step08"]);
    assert_exit(&stale, 0);
    assert!(
        stdout(&stale).contains("step08_todo_arm64 is stale (1 file(s) differ"),
        "{}",
        stdout(&stale)
    );
}
