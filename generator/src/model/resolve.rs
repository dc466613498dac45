//! From the raw YAML to validated steps: structure checks, `extends` resolution, feature
//! inheritance, and the rules that keep features from contradicting each other.

use std::collections::HashMap;
use std::path::Path;

use serde_saphyr::{Location, Spanned};

use super::raw::{RawCourse, RawFeatures, RawStep};
use super::{Auth, Course, CourseError, Diagnostic, Features, StepSpec, Tenancy};

pub(super) fn resolve(source: &str, path: &Path) -> Result<Course, CourseError> {
    let report = Reporter { source, path };
    let raw: RawCourse = serde_saphyr::from_str(source)
        .map_err(|err| CourseError::Invalid(vec![report.yaml_error(&err)]))?;

    let mut problems = Vec::new();
    check_structure(&raw, &report, &mut problems);
    if problems.is_empty() {
        check_extends(&raw.steps.value, &report, &mut problems);
    }
    if !problems.is_empty() {
        return Err(CourseError::Invalid(problems));
    }

    let features = inherit_features(&raw.steps.value);
    for (step, resolved) in raw.steps.value.iter().zip(&features) {
        check_feature_rules(step, resolved, &report, &mut problems);
    }
    if !problems.is_empty() {
        return Err(CourseError::Invalid(problems));
    }

    let steps = raw
        .steps
        .value
        .into_iter()
        .zip(features)
        .map(|(step, features)| StepSpec {
            id: step.id.value,
            extends: step.extends.map(|e| e.value),
            folder: step.folder.value,
            title: step.title.value.trim().to_string(),
            features,
            lesson: step.lesson.value.trim_end().to_string(),
        })
        .collect();
    Ok(Course {
        title: raw.course.title.value.trim().to_string(),
        steps,
    })
}

/// Builds diagnostics against one source file.
struct Reporter<'a> {
    source: &'a str,
    path: &'a Path,
}

impl Reporter<'_> {
    fn at(&self, location: &Location, message: String, help: impl Into<String>) -> Diagnostic {
        Diagnostic::new(
            self.source,
            self.path.to_path_buf(),
            (location.line(), location.column()),
            message,
            help,
        )
    }

    /// A YAML syntax or shape error from the parser, with a fix suited to its kind.
    fn yaml_error(&self, err: &serde_saphyr::Error) -> Diagnostic {
        let (line, column) = err
            .location()
            .map(|l| (l.line(), l.column()))
            .unwrap_or((1, 1));
        let text = err.without_snippet().to_string();
        let message = text
            .strip_suffix(&format!(" at line {line}, column {column}"))
            .unwrap_or(&text)
            .to_string();
        let help = if message.starts_with("unknown field") {
            "remove this key or fix its spelling; the keys allowed here are listed above"
        } else if message.starts_with("unknown variant") {
            "use one of the values listed above"
        } else if message.starts_with("missing field") {
            "add the missing key to this mapping"
        } else if message.starts_with("duplicate mapping key") {
            "a key may appear once per mapping: remove or merge the repeated one"
        } else if message.starts_with("invalid") {
            "give this key a value of the type the comment at the top of steps.yaml names"
        } else {
            "fix the YAML near this place; steps.yaml's header shows the expected layout"
        };
        Diagnostic::new(
            self.source,
            self.path.to_path_buf(),
            (line, column),
            message,
            help,
        )
    }
}

fn check_structure(raw: &RawCourse, report: &Reporter, problems: &mut Vec<Diagnostic>) {
    if raw.course.title.value.trim().is_empty() {
        problems.push(report.at(
            &raw.course.title.referenced,
            "the course title is empty".into(),
            "give the course a title, e.g. `title: My course`",
        ));
    }
    if raw.steps.value.is_empty() {
        problems.push(report.at(
            &raw.steps.referenced,
            "the course has no steps".into(),
            "add at least one step with id, folder, title and lesson",
        ));
    }

    let mut seen_ids: HashMap<&str, u64> = HashMap::new();
    let mut seen_folders: HashMap<&str, u64> = HashMap::new();
    for step in &raw.steps.value {
        let id = step.id.value.as_str();
        if !is_identifier(id) {
            problems.push(report.at(
                &step.id.referenced,
                format!("step id `{id}` is not a valid id"),
                "use lowercase letters, digits and `_`, starting with a letter, e.g. `step08`",
            ));
        }
        if let Some(first) = seen_ids.insert(id, step.id.referenced.line()) {
            problems.push(report.at(
                &step.id.referenced,
                format!("step id `{id}` is used twice (first on line {first})"),
                "give every step its own id",
            ));
        }

        let folder = step.folder.value.as_str();
        if !is_identifier(folder) || !folder.starts_with(&format!("{id}_")) {
            problems.push(report.at(
                &step.folder.referenced,
                format!("folder `{folder}` of step `{id}` is not `{id}_<slug>`"),
                format!(
                    "name the folder after the step, e.g. `{id}_todo_app`: lowercase letters, digits and `_`"
                ),
            ));
        }
        if let Some(first) = seen_folders.insert(folder, step.folder.referenced.line()) {
            problems.push(report.at(
                &step.folder.referenced,
                format!("folder `{folder}` is used twice (first on line {first})"),
                "give every step its own folder",
            ));
        }

        for (key, text) in [("title", &step.title), ("lesson", &step.lesson)] {
            if text.value.trim().is_empty() {
                problems.push(report.at(
                    &text.referenced,
                    format!("step `{id}` has an empty {key}"),
                    format!("write the step's {key}"),
                ));
            }
        }
        // Titles land in code (the stack description) and headings: one line of text.
        if step.title.value.trim().chars().any(char::is_control) {
            problems.push(report.at(
                &step.title.referenced,
                format!("the title of step `{id}` is not one line of text"),
                "write the title on one line; longer text belongs in the lesson",
            ));
        }
    }
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Every `extends` names a step of the course, and following them never comes back around.
fn check_extends(steps: &[RawStep], report: &Reporter, problems: &mut Vec<Diagnostic>) {
    let index = step_index(steps);
    let known = steps
        .iter()
        .map(|s| format!("`{}`", s.id.value))
        .collect::<Vec<_>>()
        .join(", ");
    for step in steps {
        if let Some(parent) = &step.extends
            && !index.contains_key(parent.value.as_str())
        {
            problems.push(report.at(
                &parent.referenced,
                format!(
                    "step `{}` extends `{}`, which is not a step of this course",
                    step.id.value, parent.value
                ),
                format!("extend one of {known}, or remove `extends` to start from scratch"),
            ));
        }
    }
    if !problems.is_empty() {
        return;
    }

    let mut reported_in_cycle: Vec<bool> = vec![false; steps.len()];
    for (start, step) in steps.iter().enumerate() {
        let mut chain = vec![start];
        let mut current = start;
        while let Some(parent) = &steps[current].extends {
            current = index[parent.value.as_str()];
            if let Some(pos) = chain.iter().position(|&seen| seen == current) {
                let cycle = &chain[pos..];
                if cycle.contains(&start) && !cycle.iter().any(|&i| reported_in_cycle[i]) {
                    cycle.iter().for_each(|&i| reported_in_cycle[i] = true);
                    let names = cycle
                        .iter()
                        .chain(std::iter::once(&current))
                        .map(|&i| steps[i].id.value.as_str())
                        .collect::<Vec<_>>()
                        .join(" → ");
                    let at = step.extends.as_ref().expect("a step in a cycle extends");
                    problems.push(report.at(
                        &at.referenced,
                        format!("`extends` forms a cycle: {names}"),
                        "every chain of `extends` must end at a step without `extends`",
                    ));
                }
                break;
            }
            chain.push(current);
        }
    }
}

fn step_index(steps: &[RawStep]) -> HashMap<&str, usize> {
    steps
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.value.as_str(), i))
        .collect()
}

/// Resolves each step's features: its parent's (or the defaults) with its own delta on top.
/// Requires `check_extends` to have passed.
fn inherit_features(steps: &[RawStep]) -> Vec<Features> {
    fn resolve_one(
        i: usize,
        steps: &[RawStep],
        index: &HashMap<&str, usize>,
        done: &mut [Option<Features>],
    ) -> Features {
        if let Some(features) = done[i] {
            return features;
        }
        let base = match &steps[i].extends {
            Some(parent) => resolve_one(index[parent.value.as_str()], steps, index, done),
            None => Features::default(),
        };
        let features = match &steps[i].features {
            Some(delta) => apply(base, &delta.value),
            None => base,
        };
        done[i] = Some(features);
        features
    }

    let index = step_index(steps);
    let mut done = vec![None; steps.len()];
    (0..steps.len())
        .map(|i| resolve_one(i, steps, &index, &mut done))
        .collect()
}

fn apply(base: Features, delta: &RawFeatures) -> Features {
    fn or<T: Copy>(set: &Option<Spanned<T>>, inherited: T) -> T {
        set.as_ref().map_or(inherited, |s| s.value)
    }
    Features {
        tenancy: or(&delta.tenancy, base.tenancy),
        auth: or(&delta.auth, base.auth),
        signup: or(&delta.signup, base.signup),
        sharing: or(&delta.sharing, base.sharing),
        tenant_claims: or(&delta.tenant_claims, base.tenant_claims),
        metering: or(&delta.metering, base.metering),
        events: or(&delta.events, base.events),
        packaging: or(&delta.packaging, base.packaging),
        architecture: or(&delta.architecture, base.architecture),
    }
}

/// A pair of features that cannot go together.
struct Rule {
    violated: fn(&Features) -> bool,
    /// The feature that needs the other, then the feature it needs (by `steps.yaml` key).
    keys: [&'static str; 2],
    problem: &'static str,
    help: &'static str,
}

const RULES: &[Rule] = &[
    Rule {
        violated: |f| f.tenancy.is_multi_tenant() && f.auth == Auth::None,
        keys: ["tenancy", "auth"],
        problem: "multi-tenancy needs sign-in: the tenant is chosen by who the caller is",
        help: "set `auth: cognito` on this step or a step it extends, or set `tenancy: single`",
    },
    Rule {
        violated: |f| f.signup && f.auth == Auth::None,
        keys: ["signup", "auth"],
        problem: "sign-up needs sign-in",
        help: "set `auth: cognito` on this step or a step it extends, or remove `signup: true`",
    },
    Rule {
        violated: |f| f.sharing && f.tenancy == Tenancy::Single,
        keys: ["sharing", "tenancy"],
        problem: "sharing a list needs multi-tenancy: with one tenant everyone already shares everything",
        help: "set `tenancy: pool` or `tenancy: silo` on this step or a step it extends, or remove `sharing: true`",
    },
    Rule {
        violated: |f| f.tenant_claims && f.tenancy == Tenancy::Single,
        keys: ["tenant_claims", "tenancy"],
        problem: "tenant ids in tokens need multi-tenancy",
        help: "set `tenancy: pool` or `tenancy: silo` on this step or a step it extends, or remove `tenant_claims: true`",
    },
    Rule {
        violated: |f| f.metering && f.tenancy == Tenancy::Single,
        keys: ["metering", "tenancy"],
        problem: "per-tenant metering needs multi-tenancy",
        help: "set `tenancy: pool` or `tenancy: silo` on this step or a step it extends, or remove `metering: true`",
    },
];

/// Reports a broken rule at the step that breaks it: the one that sets either feature. A
/// contradiction inherited unchanged is reported once, where it was introduced.
fn check_feature_rules(
    step: &RawStep,
    features: &Features,
    report: &Reporter,
    problems: &mut Vec<Diagnostic>,
) {
    let Some(delta) = &step.features else { return };
    for rule in RULES.iter().filter(|rule| (rule.violated)(features)) {
        let [needs, needed] = rule.keys;
        let Some(location) =
            set_here(&delta.value, needs).or_else(|| set_here(&delta.value, needed))
        else {
            continue;
        };
        problems.push(report.at(
            &location,
            format!("step `{}`: {}", step.id.value, rule.problem),
            rule.help,
        ));
    }
}

/// Where this step's delta sets a feature, if it does.
fn set_here(delta: &RawFeatures, key: &str) -> Option<Location> {
    fn at<T>(value: &Option<Spanned<T>>) -> Option<Location> {
        value.as_ref().map(|s| s.referenced)
    }
    match key {
        "tenancy" => at(&delta.tenancy),
        "auth" => at(&delta.auth),
        "signup" => at(&delta.signup),
        "sharing" => at(&delta.sharing),
        "tenant_claims" => at(&delta.tenant_claims),
        "metering" => at(&delta.metering),
        "events" => at(&delta.events),
        "packaging" => at(&delta.packaging),
        "architecture" => at(&delta.architecture),
        other => unreachable!("no feature named {other}"),
    }
}
