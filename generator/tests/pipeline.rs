//! The whole pipeline through the `stepgen` binary: determinism, write safety, `--check`,
//! `--dry-run` and the exit codes, on a temporary copy of the course.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use stepgen::model::Course;
use stepgen::render::render_step;

const STEP00: &str = "step00_todo_single_tenant_serverless";

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A temporary folder holding a copy of the course file, where `generated/` starts empty.
struct Workspace {
    dir: tempfile::TempDir,
}

impl Workspace {
    fn new() -> Workspace {
        let dir = tempfile::tempdir().unwrap();
        fs::copy(
            repo_root().join("steps.yaml"),
            dir.path().join("steps.yaml"),
        )
        .unwrap();
        Workspace { dir }
    }

    fn stepgen(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_stepgen"))
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .unwrap()
    }

    fn step_dir(&self) -> PathBuf {
        self.dir.path().join("generated").join(STEP00)
    }

    /// Every file under the workspace, with its bytes, sorted.
    fn snapshot(&self) -> Vec<(PathBuf, Vec<u8>)> {
        let mut files = Vec::new();
        collect(self.dir.path(), self.dir.path(), &mut files);
        files.sort();
        files
    }
}

fn collect(root: &Path, dir: &Path, files: &mut Vec<(PathBuf, Vec<u8>)>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(root, &path, files);
        } else {
            let bytes = fs::read(&path).unwrap();
            files.push((path.strip_prefix(root).unwrap().to_path_buf(), bytes));
        }
    }
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn rendering_twice_gives_identical_bytes() {
    let course = Course::load(&repo_root().join("steps.yaml")).unwrap();
    for step in &course.steps {
        let first = render_step(&course, step);
        let second = render_step(&course, step);
        assert_eq!(first, second, "{} renders differently twice", step.id);
    }
}

#[test]
fn generate_writes_the_step_then_has_nothing_left_to_do() {
    let ws = Workspace::new();
    let first = ws.stepgen(&["generate"]);
    assert!(first.status.success(), "{}", text(&first));
    assert!(ws.step_dir().join("README.md").is_file());
    assert!(ws.step_dir().join(".stepgen-manifest").is_file());
    // Every step of the course has its templates, the last one (container images) included.
    let course = Course::load(&repo_root().join("steps.yaml")).unwrap();
    let tally = format!(
        "{} step(s) rendered, 0 not rendered yet",
        course.steps.len()
    );
    assert!(text(&first).contains(&tally), "{}", text(&first));
    let step07 = ws
        .dir
        .path()
        .join("generated/step07_todo_multi_tenant_lambda_containers");
    assert!(step07.join("lambdas/api/Dockerfile").is_file());
    let written = ws.snapshot();

    let second = ws.stepgen(&["generate"]);
    assert!(second.status.success(), "{}", text(&second));
    assert!(
        text(&second).contains(" 0 created, 0 updated, 0 deleted"),
        "{}",
        text(&second)
    );
    assert_eq!(ws.snapshot(), written, "a second run changed files");

    let check = ws.stepgen(&["generate", "--check"]);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check));
}

#[test]
fn a_foreign_file_in_a_step_folder_survives_generate() {
    let ws = Workspace::new();
    assert!(ws.stepgen(&["generate"]).status.success());
    let notes = ws.step_dir().join("my-notes.md");
    fs::write(&notes, "mine").unwrap();

    let out = ws.stepgen(&["generate"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(fs::read_to_string(&notes).unwrap(), "mine");
    let check = ws.stepgen(&["generate", "--check"]);
    assert_eq!(
        check.status.code(),
        Some(0),
        "a foreign file is not staleness: {}",
        text(&check)
    );
}

#[test]
fn a_foreign_file_where_a_generated_one_belongs_is_never_overwritten() {
    let ws = Workspace::new();
    fs::create_dir_all(ws.step_dir()).unwrap();
    let readme = ws.step_dir().join("README.md");
    fs::write(&readme, "my own readme").unwrap();

    let out = ws.stepgen(&["generate"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("will not overwrite"), "{}", text(&out));
    assert!(text(&out).contains("README.md"), "{}", text(&out));
    assert_eq!(fs::read_to_string(&readme).unwrap(), "my own readme");
    assert!(
        !ws.step_dir().join(".stepgen-manifest").exists(),
        "nothing is written when any file conflicts"
    );
}

#[test]
fn a_foreign_file_identical_to_a_generated_one_is_not_taken_over() {
    let ws = Workspace::new();
    assert!(ws.stepgen(&["generate"]).status.success());
    // Someone's own copy of a file, byte for byte what the template renders, without a
    // manifest claiming it: listing it would let a later run delete it.
    let readme = fs::read(ws.step_dir().join("README.md")).unwrap();
    fs::remove_dir_all(ws.step_dir()).unwrap();
    fs::create_dir_all(ws.step_dir()).unwrap();
    fs::write(ws.step_dir().join("README.md"), &readme).unwrap();

    let out = ws.stepgen(&["generate"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("README.md"), "{}", text(&out));
    assert!(!ws.step_dir().join(".stepgen-manifest").exists());
}

#[test]
fn naming_a_step_twice_renders_it_once() {
    let ws = Workspace::new();
    let out = ws.stepgen(&["generate", "step00", STEP00]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(text(&out).matches(STEP00).count(), 1, "{}", text(&out));
}

#[test]
fn a_file_generated_before_and_no_longer_produced_is_removed() {
    let ws = Workspace::new();
    assert!(ws.stepgen(&["generate"]).status.success());
    // Pretend an earlier version of the templates produced lib/old.ts.
    let old = ws.step_dir().join("lib/old/old.ts");
    fs::create_dir_all(old.parent().unwrap()).unwrap();
    fs::write(&old, "export {};\n").unwrap();
    let manifest = ws.step_dir().join(".stepgen-manifest");
    let listed = fs::read_to_string(&manifest).unwrap() + "lib/old/old.ts\n";
    fs::write(&manifest, listed).unwrap();

    let check = ws.stepgen(&["generate", "--check"]);
    assert_eq!(check.status.code(), Some(1));
    assert!(
        text(&check).contains("lib/old/old.ts: extra"),
        "{}",
        text(&check)
    );

    let out = ws.stepgen(&["generate"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(!old.exists(), "the stale generated file is deleted");
    assert!(!old.parent().unwrap().exists(), "its emptied folder too");
    assert_eq!(ws.stepgen(&["generate", "--check"]).status.code(), Some(0));
}

#[test]
fn check_lists_missing_files_and_writes_nothing() {
    let ws = Workspace::new();
    assert!(ws.stepgen(&["generate"]).status.success());
    fs::remove_file(ws.step_dir().join("README.md")).unwrap();
    let before = ws.snapshot();

    let check = ws.stepgen(&["generate", "--check"]);
    assert_eq!(check.status.code(), Some(1), "{}", text(&check));
    assert!(
        text(&check).contains("README.md: missing"),
        "{}",
        text(&check)
    );
    assert!(
        text(&check).contains("cargo run -p stepgen -- generate"),
        "{}",
        text(&check)
    );
    assert_eq!(ws.snapshot(), before, "--check writes nothing");
}

#[test]
fn check_reports_a_hand_edited_generated_file_as_stale() {
    let ws = Workspace::new();
    assert!(ws.stepgen(&["generate"]).status.success());
    fs::write(ws.step_dir().join("README.md"), "edited by hand").unwrap();

    let check = ws.stepgen(&["generate", "--check"]);
    assert_eq!(check.status.code(), Some(1));
    assert!(
        text(&check).contains("README.md: stale"),
        "{}",
        text(&check)
    );

    let dry = ws.stepgen(&["generate", "--dry-run"]);
    assert!(dry.status.success());
    assert!(text(&dry).contains("update"), "{}", text(&dry));
    assert_eq!(
        fs::read_to_string(ws.step_dir().join("README.md")).unwrap(),
        "edited by hand"
    );

    assert!(ws.stepgen(&["generate"]).status.success());
    assert_ne!(
        fs::read_to_string(ws.step_dir().join("README.md")).unwrap(),
        "edited by hand"
    );
}

#[test]
fn dry_run_on_an_empty_folder_lists_creations_and_writes_nothing() {
    let ws = Workspace::new();
    let out = ws.stepgen(&["generate", "--dry-run", "step00"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("create"), "{}", text(&out));
    assert!(!ws.dir.path().join("generated").exists());
}

#[test]
fn an_invalid_course_exits_2_and_writes_nothing() {
    let ws = Workspace::new();
    let course = ws.dir.path().join("steps.yaml");
    let broken = fs::read_to_string(&course)
        .unwrap()
        .replace("extends: step02", "extends: step99");
    fs::write(&course, broken).unwrap();

    let out = ws.stepgen(&["generate"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("steps.yaml:"), "{}", text(&out));
    assert!(text(&out).contains("`step99`"), "{}", text(&out));
    assert!(!ws.dir.path().join("generated").exists());
}

#[test]
fn an_unknown_step_name_exits_2() {
    let ws = Workspace::new();
    let out = ws.stepgen(&["generate", "step42"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("no step named `step42`"),
        "{}",
        text(&out)
    );
}

#[test]
fn a_missing_course_file_says_how_to_point_at_one() {
    let ws = Workspace::new();
    let out = ws.stepgen(&["--course", "nope.yaml", "list"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("--course"), "{}", text(&out));
}

#[test]
fn list_shows_every_step_and_its_features() {
    let ws = Workspace::new();
    let out = ws.stepgen(&["list"]);
    assert!(out.status.success());
    let table = text(&out);
    for id in ["step00", "step03", "step07"] {
        assert!(table.contains(id), "{table}");
    }
    let step07 = table.lines().find(|l| l.starts_with("step07")).unwrap();
    assert!(step07.contains("silo") && step07.contains("image") && step07.contains("events"));
}
