//! stepgen: renders a course of AWS CDK applications from one declarative `steps.yaml`.
//!
//! The pipeline is `model` (parse and validate the course) → `render` (a pure function from a
//! step to its files) → `output` (compare with the disk, then write only what changed).
//! Beside the pipeline, `dev` runs a rendered step on this machine (`stepgen dev`), `verify`
//! synthesizes, lints and snapshot-checks rendered steps, `deploy` deploys one to AWS, `invite`
//! creates a user in a step's user pool.

pub mod deploy;
pub mod dev;
pub mod diff;
pub mod export;
pub mod invite;
pub mod model;
pub mod output;
pub mod render;
pub mod table;
pub mod verify;

use std::io;
use std::path::Path;

use model::{Course, StepSpec};
use output::Plan;
use render::{FileTree, NotRendered};

/// One step's rendering, planned against the disk.
pub struct StepPlan<'a> {
    pub step: &'a StepSpec,
    /// The step's files (manifest included) and what writing them would change, or why the
    /// step has no templates yet.
    pub outcome: Result<(FileTree, Plan), NotRendered>,
}

/// Renders `steps` and compares each with its folder under `out_dir`. Reads only.
pub fn plan_steps<'a>(
    course: &'a Course,
    steps: &[&'a StepSpec],
    out_dir: &Path,
) -> io::Result<Vec<StepPlan<'a>>> {
    steps
        .iter()
        .map(|&step| {
            let outcome = match render::render_step(course, step) {
                Ok(tree) => {
                    let tree = output::with_manifest(&tree);
                    let plan = output::plan(&tree, &out_dir.join(&step.folder))?;
                    Ok((tree, plan))
                }
                Err(not_rendered) => Err(not_rendered),
            };
            Ok(StepPlan { step, outcome })
        })
        .collect()
}
