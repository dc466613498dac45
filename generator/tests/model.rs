//! The course model: the real steps.yaml resolves as the course intends, and each kind of
//! invalid input is refused with its place in the file and a fix.

use std::path::Path;

use stepgen::model::{Architecture, Auth, Course, CourseError, Diagnostic, Packaging, Tenancy};

fn repo_course() -> Course {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../steps.yaml");
    Course::load(&path).expect("steps.yaml is valid")
}

/// Parses `yaml` and returns its diagnostics; panics if it is valid.
fn problems(yaml: &str) -> Vec<Diagnostic> {
    match Course::parse(yaml, Path::new("steps.yaml")) {
        Ok(_) => panic!("expected an invalid course:\n{yaml}"),
        Err(CourseError::Invalid(diagnostics)) => diagnostics,
        Err(other) => panic!("unexpected error: {other}"),
    }
}

/// The one diagnostic of an invalid course.
fn problem(yaml: &str) -> Diagnostic {
    let mut all = problems(yaml);
    assert_eq!(all.len(), 1, "expected one problem, got {all:#?}");
    all.remove(0)
}

const TWO_STEPS: &str = "\
course:
  title: T
steps:
  - id: step00
    folder: step00_base
    title: Base
    lesson: Base lesson.
  - id: step01
    extends: step00
    folder: step01_auth
    title: Auth
    features:
      auth: cognito
    lesson: Auth lesson.
";

#[test]
fn the_course_declares_eight_steps_in_order() {
    let course = repo_course();
    let ids: Vec<_> = course.steps.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "step00", "step01", "step02", "step03", "step04", "step05", "step06", "step07"
        ]
    );
    let folders: Vec<_> = course.steps.iter().map(|s| s.folder.as_str()).collect();
    assert_eq!(folders[4], "step04_todo_multi_tenant_metrices");
}

#[test]
fn features_are_inherited_and_overridden() {
    let course = repo_course();
    let step = |id| &course.step(id).unwrap().features;

    assert_eq!(step("step00").tenancy, Tenancy::Single);
    assert_eq!(step("step00").auth, Auth::None);
    assert_eq!(step("step01").auth, Auth::Cognito);
    assert_eq!(step("step02").tenancy, Tenancy::Pool);
    assert!(step("step02").signup && !step("step02").sharing);
    assert!(step("step03").sharing);
    assert!(step("step04").tenant_claims && step("step04").metering);
    assert_eq!(step("step05").tenancy, Tenancy::Silo);
    assert!(step("step05").sharing, "silo keeps what step04 had");
    assert!(step("step06").events && !step("step05").events);
    assert_eq!(step("step07").packaging, Packaging::Image);
    assert_eq!(step("step07").architecture, Architecture::X86_64);
}

#[test]
fn a_step_is_found_by_id_or_folder() {
    let course = repo_course();
    assert_eq!(
        course.step("step02").unwrap().folder,
        "step02_todo_multi_tenant"
    );
    assert_eq!(
        course.step("step02_todo_multi_tenant").unwrap().id,
        "step02"
    );
    assert!(course.step("step99").is_none());
}

#[test]
fn a_small_valid_course_resolves() {
    let course = Course::parse(TWO_STEPS, Path::new("steps.yaml")).unwrap();
    assert_eq!(course.title, "T");
    assert_eq!(course.steps[1].extends.as_deref(), Some("step00"));
    assert_eq!(course.steps[1].features.auth, Auth::Cognito);
    assert_eq!(course.steps[0].features.auth, Auth::None);
}

#[test]
fn an_unknown_key_is_refused_where_it_stands() {
    let yaml = TWO_STEPS.replace("    title: Auth\n", "    title: Auth\n    colour: blue\n");
    let p = problem(&yaml);
    assert_eq!((p.line, p.column), (12, 5));
    assert!(
        p.message.contains("unknown field `colour`"),
        "{}",
        p.message
    );
    assert!(p.help.contains("remove this key"), "{}", p.help);
    assert_eq!(p.source_line, "    colour: blue");
}

#[test]
fn an_unknown_feature_value_names_the_allowed_ones() {
    let p = problem(&TWO_STEPS.replace("auth: cognito", "auth: okta"));
    assert_eq!((p.line, p.column), (13, 13));
    assert!(
        p.message.contains("okta") && p.message.contains("cognito"),
        "{}",
        p.message
    );
}

#[test]
fn a_wrong_type_is_refused() {
    let yaml = TWO_STEPS.replace("auth: cognito", "sharing: maybe");
    let p = problem(&yaml);
    assert_eq!(p.line, 13);
    assert!(p.message.contains("invalid"), "{}", p.message);
    assert!(p.help.contains("type"), "{}", p.help);
}

#[test]
fn a_missing_required_key_is_refused() {
    let p = problem(&TWO_STEPS.replace("    lesson: Base lesson.\n", ""));
    assert!(
        p.message.contains("missing field `lesson`"),
        "{}",
        p.message
    );
}

#[test]
fn broken_yaml_is_refused_with_its_place() {
    let p = problem("course:\n  title: T\nsteps: [\n");
    assert_eq!(p.line, 3);
    assert!(p.help.contains("YAML"), "{}", p.help);
}

#[test]
fn a_duplicate_step_id_is_refused_at_the_second_one() {
    let yaml = TWO_STEPS
        .replace("  - id: step01", "  - id: step00")
        .replace("extends: step00", "extends: step01");
    let all = problems(&yaml);
    let dup = all
        .iter()
        .find(|p| p.message.contains("used twice"))
        .expect("a duplicate-id problem");
    assert_eq!(dup.line, 8);
    assert!(dup.message.contains("first on line 4"), "{}", dup.message);
}

#[test]
fn extends_naming_a_missing_step_lists_the_known_ones() {
    let p = problem(&TWO_STEPS.replace("extends: step00", "extends: step42"));
    assert_eq!((p.line, p.column), (9, 14));
    assert!(p.message.contains("`step42`"), "{}", p.message);
    assert!(p.help.contains("`step00`, `step01`"), "{}", p.help);
}

#[test]
fn an_extends_cycle_is_refused_once() {
    let yaml = TWO_STEPS.replace(
        "    folder: step00_base\n",
        "    extends: step01\n    folder: step00_base\n",
    );
    let p = problem(&yaml);
    assert!(
        p.message.contains("cycle: step00 → step01 → step00"),
        "{}",
        p.message
    );
    assert_eq!(p.line, 5);
}

#[test]
fn a_step_extending_itself_is_a_cycle() {
    let p = problem(&TWO_STEPS.replace("extends: step00", "extends: step01"));
    assert!(
        p.message.contains("cycle: step01 → step01"),
        "{}",
        p.message
    );
}

#[test]
fn sharing_without_multi_tenancy_is_a_contradiction() {
    let p = problem(&TWO_STEPS.replace("auth: cognito", "sharing: true"));
    assert_eq!((p.line, p.column), (13, 16));
    assert!(
        p.message
            .contains("step `step01`: sharing a list needs multi-tenancy"),
        "{}",
        p.message
    );
    assert!(p.help.contains("tenancy: pool"), "{}", p.help);
}

#[test]
fn multi_tenancy_without_sign_in_is_a_contradiction() {
    let p = problem(&TWO_STEPS.replace("auth: cognito", "tenancy: silo"));
    assert!(
        p.message.contains("multi-tenancy needs sign-in"),
        "{}",
        p.message
    );
    assert!(p.help.contains("auth: cognito"), "{}", p.help);
}

#[test]
fn metering_sign_up_and_claims_need_what_they_build_on() {
    for (feature, expected) in [
        ("metering: true", "metering needs multi-tenancy"),
        (
            "tenant_claims: true",
            "tenant ids in tokens need multi-tenancy",
        ),
    ] {
        let p = problem(&TWO_STEPS.replace("auth: cognito", feature));
        assert!(p.message.contains(expected), "{}", p.message);
    }
    let p = problem(&TWO_STEPS.replace("      auth: cognito\n", "      signup: true\n"));
    assert!(p.message.contains("sign-up needs sign-in"), "{}", p.message);
}

#[test]
fn a_contradiction_introduced_by_a_later_override_points_at_the_override() {
    // step01 is multi-tenant and shares; step02 drops back to one tenant but keeps sharing.
    let yaml = format!(
        "{}  - id: step02\n    extends: step01\n    folder: step02_x\n    title: X\n    features:\n      tenancy: single\n    lesson: L.\n",
        TWO_STEPS.replace(
            "auth: cognito",
            "auth: cognito\n      tenancy: pool\n      sharing: true"
        )
    );
    let p = problem(&yaml);
    assert!(p.message.starts_with("step `step02`"), "{}", p.message);
    assert_eq!(p.source_line, "      tenancy: single");
}

#[test]
fn a_title_must_be_one_line() {
    let p = problem(&TWO_STEPS.replace("title: Auth", "title: \"Auth\\nand more\""));
    assert!(p.message.contains("not one line"), "{}", p.message);
    assert_eq!(p.line, 11);
}

#[test]
fn a_folder_must_be_named_after_its_step() {
    let p = problem(&TWO_STEPS.replace("folder: step01_auth", "folder: ../escape"));
    assert!(
        p.message.contains("is not `step01_<slug>`"),
        "{}",
        p.message
    );
}

#[test]
fn the_rendered_message_names_file_line_column_and_help() {
    let err = Course::parse(
        &TWO_STEPS.replace("extends: step00", "extends: nope"),
        Path::new("course/steps.yaml"),
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("--> course/steps.yaml:9:14"), "{text}");
    assert!(text.contains("9 |     extends: nope"), "{text}");
    assert!(text.contains("= help:"), "{text}");
    assert!(text.contains("Nothing was written."), "{text}");
}
