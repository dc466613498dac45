//! The feature delta of two steps in words: the first thing a student reads about a lesson.

use std::fmt::Display;

use crate::model::{Auth, StepSpec};

/// One phrase per feature that differs between `from` and `to`, in the order the course
/// introduces the features (sign-in, tenancy, sign-up, sharing, …), so that the delta from the
/// first step to the last reads like the course.
pub fn feature_delta(from: &StepSpec, to: &StepSpec) -> Vec<String> {
    let (a, b) = (&from.features, &to.features);
    let mut phrases = Vec::new();
    if a.auth != b.auth {
        let key = format!("auth: {} → {}", a.auth, b.auth);
        phrases.push(match (sign_in(a.auth), sign_in(b.auth)) {
            (None, Some(added)) => format!("adds: {added} ({key})"),
            (Some(removed), None) => format!("removes: {removed} ({key})"),
            _ => format!("sign-in ({key})"),
        });
    }
    setting(&mut phrases, "tenancy", a.tenancy, b.tenancy);
    let switches = [
        ("sign-up", a.signup, b.signup),
        ("list sharing", a.sharing, b.sharing),
        ("tenant ids in tokens", a.tenant_claims, b.tenant_claims),
        ("per-tenant metering", a.metering, b.metering),
        ("domain events on EventBridge", a.events, b.events),
    ];
    for (name, was, is) in switches {
        if was != is {
            let verb = if is { "adds" } else { "removes" };
            phrases.push(format!("{verb}: {name}"));
        }
    }
    setting(&mut phrases, "Lambda packaging", a.packaging, b.packaging);
    setting(
        &mut phrases,
        "Lambda architecture",
        a.architecture,
        b.architecture,
    );
    phrases
}

/// What a student sees of an `auth` setting; `None` when there is no sign-in.
fn sign_in(auth: Auth) -> Option<&'static str> {
    match auth {
        Auth::None => None,
        Auth::Cognito => Some("Cognito sign-in"),
    }
}

/// A setting with more than two values reads as `name: old → new`.
fn setting<T: PartialEq + Display>(phrases: &mut Vec<String>, name: &str, was: T, is: T) {
    if was != is {
        phrases.push(format!("{name}: {was} → {is}"));
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::model::Course;

    fn course() -> Course {
        let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../steps.yaml");
        Course::load(&file).expect("the repository's steps.yaml is valid")
    }

    fn delta(course: &Course, from: &str, to: &str) -> Vec<String> {
        feature_delta(course.step(from).unwrap(), course.step(to).unwrap())
    }

    #[test]
    fn step01_adds_cognito_sign_in() {
        assert_eq!(
            delta(&course(), "step00", "step01"),
            ["adds: Cognito sign-in (auth: none → cognito)"]
        );
    }

    #[test]
    fn step05_moves_from_the_pool_to_the_silo_model() {
        assert_eq!(
            delta(&course(), "step04", "step05"),
            ["tenancy: pool → silo"]
        );
    }

    #[test]
    fn several_steps_at_once_read_in_course_order() {
        assert_eq!(
            delta(&course(), "step00", "step02"),
            [
                "adds: Cognito sign-in (auth: none → cognito)",
                "tenancy: single → pool",
                "adds: sign-up",
            ]
        );
    }

    #[test]
    fn going_backwards_removes_what_the_lessons_added() {
        let course = course();
        assert_eq!(
            delta(&course, "step07", "step06"),
            ["Lambda packaging: image → zip"]
        );
        assert_eq!(
            delta(&course, "step04", "step03"),
            [
                "removes: tenant ids in tokens",
                "removes: per-tenant metering"
            ]
        );
        assert_eq!(
            delta(&course, "step01", "step00"),
            ["removes: Cognito sign-in (auth: cognito → none)"]
        );
    }

    #[test]
    fn a_step_compared_with_itself_has_no_delta() {
        assert!(delta(&course(), "step03", "step03").is_empty());
    }
}
