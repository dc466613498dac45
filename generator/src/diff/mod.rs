//! `stepgen diff [FROM] TO`: what one step adds to another, in three sections — the feature
//! delta in words (`features`), the rendered files (`files`), and the synthesized
//! CloudFormation resources (`infra`; the synth itself in `synth`).
//!
//! The comparisons are pure functions of two `StepSpec`s, two `FileTree`s and two templates.
//! This module resolves the steps, renders both in memory (so the first two sections work
//! before `generate`), synthesizes the generated folders for the third, and prints.

pub mod features;
pub mod files;
pub mod infra;
mod synth;

use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::model::{Course, StepSpec};
use crate::render::{self, FileTree};
use synth::{FolderState, Job};

/// The arguments of `stepgen diff`.
#[derive(Debug, clap::Args)]
#[command(override_usage = "stepgen diff [OPTIONS] [FROM] TO")]
pub struct DiffArgs {
    /// TO, or FROM and TO: steps by id (step02) or folder name [FROM: the step TO extends].
    #[arg(value_name = "STEP", num_args = 1..=2, required = true)]
    pub steps: Vec<String>,
    /// Show the file summary (status, path, lines inserted and deleted) instead of the
    /// unified diffs; the feature and infrastructure sections stay.
    #[arg(long, conflicts_with = "name_only")]
    pub stat: bool,
    /// Print only the paths that differ, each after A (added), D (deleted) or M (modified),
    /// and nothing else.
    #[arg(long)]
    pub name_only: bool,
    /// Skip the infrastructure section (it needs both steps generated, and synthesizes them).
    #[arg(long)]
    pub no_infra: bool,
    /// Colour: auto (on a terminal unless NO_COLOR is set), always, never.
    #[arg(long, value_name = "WHEN", default_value = "auto")]
    pub color: ColorChoice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// ANSI colours, or none: every section paints through one of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    pub color: bool,
}

impl Style {
    pub const PLAIN: Style = Style { color: false };

    /// Colour on a terminal, unless `NO_COLOR` is set to something (see no-color.org).
    pub fn for_stdout(choice: ColorChoice) -> Style {
        let color = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::io::stdout().is_terminal()
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        };
        Style { color }
    }

    fn paint(self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    pub fn bold(self, text: &str) -> String {
        self.paint("1", text)
    }
    pub fn red(self, text: &str) -> String {
        self.paint("31", text)
    }
    pub fn green(self, text: &str) -> String {
        self.paint("32", text)
    }
    pub fn yellow(self, text: &str) -> String {
        self.paint("33", text)
    }
    pub fn cyan(self, text: &str) -> String {
        self.paint("36", text)
    }
}

/// Why `stepgen diff` stopped early; the exit code and, unless stdout closed, a message.
enum Stop {
    /// Bad arguments: an unknown step, a step with no previous step or not rendered yet.
    Usage(String),
    /// The synth (or reading its output) failed.
    Synth(String),
    /// Stdout was closed early (`stepgen diff … | head`): stop quietly.
    BrokenPipe,
}

/// Runs `stepgen diff`. `course_file` locates the repository (its `target/` holds the cloud
/// assemblies), `out` the generated step folders.
pub fn run(course_file: &Path, course: &Course, out: &Path, args: &DiffArgs) -> ExitCode {
    match diff(course_file, course, out, args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Stop::Usage(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
        Err(Stop::Synth(message)) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
        Err(Stop::BrokenPipe) => ExitCode::from(141),
    }
}

fn diff(course_file: &Path, course: &Course, out: &Path, args: &DiffArgs) -> Result<(), Stop> {
    let (from, to) = select(course, &args.steps)?;
    // The step asked about first: its error is the one to show.
    let to_tree = rendered(course, to)?;
    let from_tree = rendered(course, from)?;
    let changes = files::compare(&from_tree, &to_tree);
    if args.name_only {
        return emit(&files::name_only(&changes));
    }

    let style = Style::for_stdout(args.color);
    let mut text = style.bold(&format!("{} → {}: {}", from.id, to.id, to.title));
    text += &format!("\n  {} → {}\n\n", from.folder, to.folder);
    let phrases = features::feature_delta(from, to);
    let phrases = if phrases.is_empty() {
        "no change".to_owned()
    } else {
        phrases.join("; ")
    };
    text += &format!("{} {phrases}\n\n", style.bold("features:"));
    text += &format!("{}\n", style.bold("files:"));
    text += &files::stat(&changes, style);
    if !args.stat && !changes.is_empty() {
        text.push('\n');
        text += &files::patch(&changes, &from.folder, &to.folder, style);
    }
    emit(&text)?;

    if args.no_infra {
        return Ok(());
    }
    let infra = infrastructure(
        course_file,
        out,
        [(from, &from_tree), (to, &to_tree)],
        style,
    )?;
    emit(&format!("\n{}\n{infra}", style.bold("infrastructure:")))
}

/// The two steps named on the command line: `TO` (from the step it extends) or `FROM TO`.
fn select<'a>(course: &'a Course, names: &[String]) -> Result<(&'a StepSpec, &'a StepSpec), Stop> {
    let find = |name: &str| {
        course.step(name).ok_or_else(|| {
            let known: Vec<&str> = course.steps.iter().map(|s| s.id.as_str()).collect();
            Stop::Usage(format!(
                "no step named `{name}` in the course\n  help: name a step by id or folder; the steps are {}",
                known.join(", ")
            ))
        })
    };
    match names {
        [from, to] => Ok((find(from)?, find(to)?)),
        [to] => {
            let to = find(to)?;
            let Some(previous) = &to.extends else {
                return Err(Stop::Usage(format!(
                    "`{}` is the first step: it extends no step, so it has no previous step to diff against\n  help: name both steps, e.g. `stepgen diff {} <STEP>`",
                    to.id, to.id
                )));
            };
            Ok((find(previous)?, to))
        }
        _ => Err(Stop::Usage(
            "name one step (TO) or two (FROM TO)".to_owned(),
        )),
    }
}

fn rendered(course: &Course, step: &StepSpec) -> Result<FileTree, Stop> {
    render::render_step(course, step).map_err(|not_rendered| {
        Stop::Usage(format!(
            "`{}` ({}) is {not_rendered}, so there are no files to compare\n  help: `stepgen list` shows every step's features; diff two steps the templates already render",
            step.id, step.folder
        ))
    })
}

/// The infrastructure section: both steps synthesized (when their folders are generated and
/// fresh) and their templates compared; otherwise a note saying why it was skipped.
fn infrastructure(
    course_file: &Path,
    out: &Path,
    steps: [(&StepSpec, &FileTree); 2],
    style: Style,
) -> Result<String, Stop> {
    let absolute = |path: &Path| std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    // The course file sits at the repository root, beside node_modules and target/.
    let repo = absolute(course_file)
        .parent()
        .map_or_else(|| PathBuf::from("/"), Path::to_owned);
    let mut unusable = Vec::new();
    for (step, tree) in steps {
        let dir = out.join(&step.folder);
        let state = synth::folder_state(tree, &dir)
            .map_err(|err| Stop::Synth(format!("cannot read {}: {err}", dir.display())))?;
        match state {
            FolderState::Fresh => {}
            FolderState::Missing => {
                unusable.push(format!("{} is not generated", dir.display()));
            }
            FolderState::Stale(n) => {
                unusable.push(format!(
                    "{} is stale ({n} file(s) differ from what {} renders to)",
                    dir.display(),
                    step.id
                ));
            }
        }
    }
    if !unusable.is_empty() {
        let ids = if steps[0].0.id == steps[1].0.id {
            steps[0].0.id.clone()
        } else {
            format!("{} {}", steps[0].0.id, steps[1].0.id)
        };
        return Ok(format!(
            "skipped: {}\n  help: run `stepgen generate {ids}` to compare their synthesized templates, or pass --no-infra\n",
            unusable.join("; ")
        ));
    }

    let jobs = steps.map(|(step, _)| {
        let work = repo.join("target").join("diff").join(&step.id);
        Job {
            step_id: step.id.clone(),
            step_dir: absolute(&out.join(&step.folder)),
            cdk_out: work.join("cdk.out"),
            log: work.join("synth.log"),
        }
    });
    let mut stale: Vec<&Job> = jobs.iter().filter(|job| !job.is_fresh()).collect();
    stale.dedup_by(|a, b| a.step_id == b.step_id);
    if !stale.is_empty() {
        let shown = |path: &Path| {
            path.strip_prefix(&repo)
                .unwrap_or(path)
                .display()
                .to_string()
        };
        for job in &stale {
            eprintln!(
                "synthesizing {} offline: npx cdk synth -c skipBundling=true (log: {})",
                job.step_id,
                shown(&job.log)
            );
        }
        synth::synthesize(&stale).map_err(|err| Stop::Synth(err.to_string()))?;
    }
    let [from, to] = jobs.each_ref().map(synth::load_template);
    let delta = infra::template_delta(
        &from.map_err(|err| Stop::Synth(err.to_string()))?,
        &to.map_err(|err| Stop::Synth(err.to_string()))?,
    );
    Ok(infra::render(&delta, style))
}

/// Writes to stdout; a closed pipe ends the command quietly.
fn emit(text: &str) -> Result<(), Stop> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Err(Stop::BrokenPipe),
        Err(err) => panic!("cannot write to stdout: {err}"),
    }
}
