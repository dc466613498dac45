//! The I/O behind the infrastructure delta: whether a step's folder is generated and fresh, its
//! offline `cdk synth` (skipped while a cloud assembly newer than the app's sources exists),
//! and its synthesized templates read back as JSON.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};

use serde_json::{Map, Value};

use crate::dev::{self, DevError, tools::npm};
use crate::output;
use crate::render::FileTree;

/// Lines of a failed synth's log shown in the error.
const LOG_TAIL_LINES: usize = 25;

/// Whether a step folder holds exactly what the step renders to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FolderState {
    Fresh,
    Missing,
    /// This many files are missing, stale or no longer generated.
    Stale(usize),
}

/// Compares the step's rendered `tree` with its folder on disk; reads only.
pub fn folder_state(tree: &FileTree, step_dir: &Path) -> std::io::Result<FolderState> {
    if !step_dir.join("cdk.json").is_file() {
        return Ok(FolderState::Missing);
    }
    let plan = output::plan(&output::with_manifest(tree), step_dir)?;
    let differences = plan.changes.len() + plan.conflicts.len();
    Ok(if differences == 0 {
        FolderState::Fresh
    } else {
        FolderState::Stale(differences)
    })
}

/// One step's CDK app and where its cloud assembly and synth log go.
pub struct Job {
    pub step_id: String,
    pub step_dir: PathBuf,
    pub cdk_out: PathBuf,
    pub log: PathBuf,
}

impl Job {
    /// True when a cloud assembly newer than every source of the app is already there.
    pub fn is_fresh(&self) -> bool {
        dev::synth_is_fresh(&self.step_dir, &self.cdk_out)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    #[error("cannot synthesize: {0}")]
    Tool(#[from] DevError),
    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
    #[error("`cdk synth` of {step} failed ({status}); the end of {}:\n{tail}", log.display())]
    Failed {
        step: String,
        status: String,
        log: PathBuf,
        tail: String,
    },
    #[error("reading the synthesized templates of {step}: {reason}")]
    Template { step: String, reason: String },
}

/// Synthesizes every job at once (each offline, without bundling), output in its log.
pub fn synthesize(jobs: &[&Job]) -> Result<(), SynthError> {
    let spawned: Vec<(&Job, Result<Child, SynthError>)> =
        jobs.iter().map(|job| (*job, spawn(job))).collect();
    let mut first_error = None;
    for (job, child) in spawned {
        let outcome = child.and_then(|mut child| {
            let status = child.wait().map_err(|source| SynthError::Io {
                context: format!("waiting for `cdk synth` of {}", job.step_id),
                source,
            })?;
            if status.success() {
                Ok(())
            } else {
                Err(SynthError::Failed {
                    step: job.step_id.clone(),
                    status: status.to_string(),
                    log: job.log.clone(),
                    tail: tail(&job.log),
                })
            }
        });
        if let Err(err) = outcome {
            first_error.get_or_insert(err);
        }
    }
    first_error.map_or(Ok(()), Err)
}

fn spawn(job: &Job) -> Result<Child, SynthError> {
    let io_error = |context: String| move |source| SynthError::Io { context, source };
    if let Some(dir) = job.log.parent() {
        std::fs::create_dir_all(dir)
            .map_err(io_error(format!("cannot create {}", dir.display())))?;
    }
    let log =
        File::create(&job.log).map_err(io_error(format!("cannot create {}", job.log.display())))?;
    let log_too = log
        .try_clone()
        .map_err(io_error(format!("cannot open {}", job.log.display())))?;
    let mut command = npm::synth_command(&job.step_dir, &job.cdk_out)?;
    command
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_too)
        .spawn()
        .map_err(io_error(format!(
            "cannot start `npx cdk synth` in {}",
            job.step_dir.display()
        )))
}

/// Every stack's template in the cloud assembly, as one template whose `Resources` are all the
/// stacks' resources (logical ids are unique across an app's stacks, as `stepgen dev` requires).
pub fn load_template(job: &Job) -> Result<Value, SynthError> {
    let fail = |reason: String| SynthError::Template {
        step: job.step_id.clone(),
        reason,
    };
    let stacks =
        dev::template::stack_template_files(&job.cdk_out).map_err(|err| fail(err.to_string()))?;
    let mut resources = Map::new();
    for (_, path) in stacks {
        let text = std::fs::read_to_string(&path)
            .map_err(|err| fail(format!("cannot read {}: {err}", path.display())))?;
        let template: Value = serde_json::from_str(&text)
            .map_err(|err| fail(format!("{} is not JSON: {err}", path.display())))?;
        if let Some(stack_resources) = template.get("Resources").and_then(Value::as_object) {
            resources.extend(stack_resources.clone());
        }
    }
    Ok(Value::Object(Map::from_iter([(
        "Resources".to_owned(),
        Value::Object(resources),
    )])))
}

fn tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(LOG_TAIL_LINES)..].join("\n")
}
