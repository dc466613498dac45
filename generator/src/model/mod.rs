//! The course model: `steps.yaml` parsed, inherited and validated into one `StepSpec` per step.
//!
//! Nothing is rendered from a course that does not pass `load`; every problem it finds is a
//! `Diagnostic` that names the file, line and column and says how to fix it.

mod diagnostic;
mod raw;
mod resolve;

use std::fmt;
use std::path::Path;

use serde::Deserialize;

pub use diagnostic::{CourseError, Diagnostic};

/// The whole course, steps in the order `steps.yaml` lists them.
#[derive(Debug, Clone, PartialEq)]
pub struct Course {
    pub title: String,
    pub steps: Vec<StepSpec>,
}

/// One step, complete: its features are the inherited ones with its own delta applied.
#[derive(Debug, Clone, PartialEq)]
pub struct StepSpec {
    /// Short id, e.g. `step02`; also the prefix of `folder`.
    pub id: String,
    /// The step this one is the previous step plus a lesson of; `None` for the first step.
    pub extends: Option<String>,
    /// Folder under `generated/`, e.g. `step02_todo_multi_tenant`.
    pub folder: String,
    pub title: String,
    pub features: Features,
    /// Markdown: what the step adds and why.
    pub lesson: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Features {
    pub tenancy: Tenancy,
    pub auth: Auth,
    pub signup: bool,
    pub sharing: bool,
    pub tenant_claims: bool,
    pub metering: bool,
    pub events: bool,
    pub packaging: Packaging,
    pub architecture: Architecture,
}

/// Who shares the data store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tenancy {
    /// One tenant: everyone works on the same data.
    #[default]
    Single,
    /// Many tenants in one table, partitioned by tenant id.
    Pool,
    /// Each tenant in a store of its own.
    Silo,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Auth {
    #[default]
    None,
    Cognito,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Packaging {
    #[default]
    Zip,
    Image,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Architecture {
    #[default]
    X86_64,
    Arm64,
}

impl Tenancy {
    pub fn is_multi_tenant(self) -> bool {
        self != Tenancy::Single
    }
}

impl fmt::Display for Tenancy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Tenancy::Single => "single",
            Tenancy::Pool => "pool",
            Tenancy::Silo => "silo",
        })
    }
}

impl fmt::Display for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Auth::None => "none",
            Auth::Cognito => "cognito",
        })
    }
}

impl fmt::Display for Packaging {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Packaging::Zip => "zip",
            Packaging::Image => "image",
        })
    }
}

impl fmt::Display for Architecture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Architecture::X86_64 => "x86_64",
            Architecture::Arm64 => "arm64",
        })
    }
}

impl Features {
    /// The boolean features that are on, by their `steps.yaml` key, in declaration order.
    pub fn enabled_flags(&self) -> Vec<&'static str> {
        [
            ("signup", self.signup),
            ("sharing", self.sharing),
            ("tenant_claims", self.tenant_claims),
            ("metering", self.metering),
            ("events", self.events),
        ]
        .into_iter()
        .filter_map(|(name, on)| on.then_some(name))
        .collect()
    }
}

impl Course {
    /// Reads and validates a course file.
    pub fn load(path: &Path) -> Result<Course, CourseError> {
        let source = std::fs::read_to_string(path).map_err(|err| CourseError::Unreadable {
            path: path.to_path_buf(),
            reason: err.to_string(),
        })?;
        Course::parse(&source, path)
    }

    /// Validates course text; `path` is only used to name the file in diagnostics.
    pub fn parse(source: &str, path: &Path) -> Result<Course, CourseError> {
        resolve::resolve(source, path)
    }

    /// Finds a step by its id (`step02`) or its folder name.
    pub fn step(&self, name: &str) -> Option<&StepSpec> {
        self.steps.iter().find(|s| s.id == name || s.folder == name)
    }
}
