//! The `stepgen` command line: parses flags, runs the pipeline, prints, sets the exit code.
//!
//! Exit codes: 0 success; 1 `--check` found generated files out of date, or a write failed or
//! was refused; 2 invalid `steps.yaml` or command line.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};

/// `println!` that ends the program quietly when stdout is closed early (`stepgen list | head`),
/// instead of panicking on the broken pipe.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(err) = writeln!(std::io::stdout(), $($arg)*) {
            if err.kind() == std::io::ErrorKind::BrokenPipe {
                std::process::exit(141);
            }
            panic!("cannot write to stdout: {err}");
        }
    }};
}

use stepgen::model::{Course, StepSpec};
use stepgen::{output, plan_steps};

#[derive(Parser)]
#[command(
    name = "stepgen",
    version,
    about = "Renders the multi-tenant serverless todo SaaS course from steps.yaml",
    long_about = "Renders the multi-tenant serverless todo SaaS course: one complete AWS CDK \
                  application per step of steps.yaml, each in its own folder under generated/."
)]
struct Cli {
    /// The course definition.
    #[arg(long, global = true, value_name = "FILE", default_value = "steps.yaml")]
    course: PathBuf,
    /// Where step folders go [default: generated/ beside the course file].
    #[arg(long, global = true, value_name = "DIR")]
    out: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Render steps into their folders, changing only files whose bytes differ.
    ///
    /// Files stepgen generated before and no longer produces are deleted; files it did not
    /// generate are never touched (each step folder keeps a manifest of its own files).
    Generate {
        /// Steps to render, by id (step02) or folder name [default: every step].
        #[arg(value_name = "STEP")]
        steps: Vec<String>,
        /// Write nothing; list missing, stale and extra files and exit 1 if there are any.
        #[arg(long, conflicts_with = "dry_run")]
        check: bool,
        /// Write nothing; print what generate would create, update and delete.
        #[arg(long)]
        dry_run: bool,
    },
    /// Show every step of the course and its resolved features.
    List,
    /// Show what a step adds: its features in words, its files, its infrastructure.
    ///
    /// `stepgen diff step02` compares step02 with the step it extends; `stepgen diff step00
    /// step03` any two steps. Both are rendered in memory, so the first two sections work before
    /// `generate`: the feature delta, then the file diff (a summary, then unified diffs with 3
    /// lines of context). The third, the CloudFormation resources added, removed and changed
    /// (asset hashes ignored), needs both steps generated: it synthesizes each offline into
    /// target/diff/<STEP>/cdk.out (again only when its CDK sources changed). Coloured on a
    /// terminal unless NO_COLOR is set.
    ///
    /// Exit codes: 0 printed (differences are not a failure); 1 the synth failed; 2 unknown step,
    /// a first step with no previous step, or a step not rendered yet.
    Diff(stepgen::diff::DiffArgs),
    /// Run a generated step on this machine, with no AWS account, until Ctrl-C or SIGTERM.
    ///
    /// Installs what is missing on first run (the Python virtualenv `.venv` with moto, the npm
    /// workspace), synthesizes the step's CDK app offline (again only when its sources
    /// changed), starts moto's server as the AWS emulator, creates the resources the
    /// synthesized template declares (DynamoDB tables today), builds and serves the step's
    /// Rust API with its environment from the template, and runs the SPA on Vite's dev
    /// server. Prints the URLs; child output goes to target/dev/<STEP>/.
    ///
    /// Ports: SPA 5173, API 3000, emulator 4566, or free ones when those are busy.
    ///
    /// Exit codes: 0 stopped by a signal after startup; 1 startup failed or a process died;
    /// 2 unknown step; 130 stopped by a signal during startup.
    Dev {
        /// The step to run, by id (step00) or folder name.
        #[arg(value_name = "STEP")]
        step: String,
        /// Once everything answers, write the URLs, tables, demo user and child process ids
        /// here as JSON (removed again on exit), for test harnesses that start `stepgen dev`.
        #[arg(long, value_name = "PATH")]
        ready_file: Option<PathBuf>,
        /// In the silo steps, how long a new tenant's table stays CREATING, as on AWS (moto
        /// makes tables ACTIVE at once); the list shows as "preparing" meanwhile.
        #[arg(long, value_name = "SECONDS", default_value_t = 3)]
        table_creation_secs: u64,
    },
    /// Copy a rendered step out of the repository as a standalone project.
    ///
    /// Writes DIR (which must not exist yet, or be empty) with the step's generated files and
    /// CDK snapshot, the runtime crates its Lambdas link (vendored under runtime-crates/), a
    /// Cargo workspace with the course's Cargo.lock, and an npm workspace of the CDK app and
    /// its SPA with the course's package-lock.json cut down to them.
    ///
    /// Exit codes: 0 exported; 1 DIR is not empty, or the export failed (nothing is written);
    /// 2 unknown step, or a step that is not rendered.
    Export {
        /// The step to export, by id (step00) or folder name.
        #[arg(value_name = "STEP")]
        step: String,
        /// Where the standalone project goes.
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
    /// Synthesize, lint and snapshot-check rendered steps, in parallel.
    ///
    /// For each step (every rendered one by default): `cdk synth` offline into
    /// target/verify/<STEP>/cdk.out, cdk-nag's findings read from the synth, cfn-lint on each
    /// template (warnings are reported, errors fail), and the template compared with the
    /// step's committed snapshot, test/__snapshots__/<Stack>.template.json (the file its
    /// vitest test checks; asset hashes normalized). A progress line on a terminal, then a
    /// table.
    ///
    /// Exit codes: 0 every step passed; 1 a step failed (each failure is named) or a tool is
    /// missing; 2 unknown or unrendered step.
    Verify(stepgen::verify::VerifyArgs),
    /// Deploy a rendered step to AWS (or an emulator) with CloudFormation.
    ///
    /// Synthesizes the step (building its Rust Lambda and SPA unless --skip-bundling),
    /// uploads the assets to the CDK bootstrap bucket, creates a change set and shows it,
    /// executes it once confirmed, streams the stack's events until it settles, prints the
    /// outputs and writes the SPA's web/public/config.json.
    ///
    /// Exit codes: 0 deployed (or nothing to change); 1 failed, refused or declined;
    /// 2 unknown or unrendered step.
    Deploy(stepgen::deploy::DeployArgs),
    /// Delete a deployed step's stack (after confirmation) and stream its events.
    ///
    /// Exit codes: 0 deleted (or there was no stack); 1 failed, refused or declined;
    /// 2 unknown step.
    Destroy(stepgen::deploy::DestroyArgs),
    /// Create a user in a step's Cognito user pool, as an administrator: the first user of a
    /// step with sign-in (step01 has no sign-up).
    ///
    /// Deployed (the default): finds the user pool in the stack's UserPoolId output and has
    /// Cognito mail the user a temporary password. With --local: the user pool of the stack
    /// `stepgen dev <STEP>` runs, read from the step's web/public/config.json; no mail is sent
    /// and the temporary password is printed. At the first sign-in the SPA asks for a new
    /// password. The address counts as verified.
    ///
    /// Exit codes: 0 invited; 1 the user exists already, there is no stack or local stack, or
    /// the call failed; 2 unknown or unrendered step, a step without sign-in, or an invalid
    /// email address.
    Invite(stepgen::invite::InviteArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let course = match Course::load(&cli.course) {
        Ok(course) => course,
        Err(err) => {
            eprintln!("{err}");
            return ExitCode::from(2);
        }
    };
    let out = cli.out.clone().unwrap_or_else(|| {
        cli.course
            .parent()
            .unwrap_or(Path::new(""))
            .join("generated")
    });
    match cli.command {
        Command::List => {
            say!("{}", list_table(&course).trim_end());
            ExitCode::SUCCESS
        }
        Command::Generate {
            steps,
            check,
            dry_run,
        } => generate(&course, &steps, &out, Mode::from_flags(check, dry_run)),
        Command::Dev {
            step,
            ready_file,
            table_creation_secs,
        } => dev(
            &cli.course,
            &course,
            &step,
            &out,
            ready_file,
            Duration::from_secs(table_creation_secs),
        ),
        Command::Diff(args) => stepgen::diff::run(&cli.course, &course, &out, &args),
        Command::Export { step, dir } => {
            stepgen::export::main(&cli.course, &course, &step, &out, &dir)
        }
        Command::Verify(args) => stepgen::verify::run(&cli.course, &course, &out, &args),
        Command::Deploy(args) => stepgen::deploy::deploy(&cli.course, &course, &out, &args),
        Command::Destroy(args) => stepgen::deploy::destroy(&cli.course, &course, &out, &args),
        Command::Invite(args) => stepgen::invite::run(&cli.course, &course, &out, &args),
    }
}

fn dev(
    course_file: &Path,
    course: &Course,
    name: &str,
    out: &Path,
    ready_file: Option<PathBuf>,
    table_creation: Duration,
) -> ExitCode {
    let step = match select_steps(course, &[name.to_owned()]) {
        Ok(steps) => steps[0],
        Err(err) => {
            eprintln!("{err}");
            return ExitCode::from(2);
        }
    };
    let step_dir = out.join(&step.folder);
    if !step_dir.join("cdk.json").is_file() {
        eprintln!(
            "error: {} has no rendered CDK app\n  help: run `stepgen generate {}` first (`stepgen generate` says whether the step has templates yet)",
            step_dir.display(),
            step.id
        );
        return ExitCode::FAILURE;
    }
    // The course file sits at the repository root, beside .venv, node_modules and target/.
    let absolute = |path: &Path| std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    let course_file = absolute(course_file);
    let options = stepgen::dev::Options {
        repo: course_file.parent().unwrap_or(Path::new("/")).to_owned(),
        step_id: step.id.clone(),
        step_dir: absolute(&step_dir),
        ready_file: ready_file.map(|path| absolute(&path)),
        table_creation,
    };
    match stepgen::dev::run(&options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err @ stepgen::dev::DevError::Interrupted(_)) => {
            eprintln!("{err}");
            ExitCode::from(130)
        }
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Write,
    Check,
    DryRun,
}

impl Mode {
    fn from_flags(check: bool, dry_run: bool) -> Mode {
        match (check, dry_run) {
            (true, _) => Mode::Check,
            (_, true) => Mode::DryRun,
            _ => Mode::Write,
        }
    }
}

fn generate(course: &Course, names: &[String], out: &Path, mode: Mode) -> ExitCode {
    let started = Instant::now();
    let steps = match select_steps(course, names) {
        Ok(steps) => steps,
        Err(err) => {
            eprintln!("{err}");
            return ExitCode::from(2);
        }
    };
    let plans = match plan_steps(course, &steps, out) {
        Ok(plans) => plans,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::FAILURE;
        }
    };

    let mut rendered = 0;
    let mut not_rendered = 0;
    let mut differences = 0;
    let mut conflicts = Vec::new();
    for plan in &plans {
        let name = &plan.step.folder;
        match &plan.outcome {
            Err(reason) => {
                not_rendered += 1;
                say!("{name}: {reason}");
            }
            Ok((_, step_plan)) => {
                rendered += 1;
                differences += step_plan.changes.len();
                let shown = out.join(name);
                conflicts.extend(step_plan.conflicts.iter().map(|p| shown.join(p)));
                match mode {
                    Mode::Write => say!("{name}: {}", summary(step_plan)),
                    Mode::DryRun => {
                        say!("{name}: would change {}", summary(step_plan));
                        for change in &step_plan.changes {
                            say!(
                                "  {:<6} {}",
                                change.action(),
                                shown.join(change.path()).display()
                            );
                        }
                    }
                    Mode::Check => {
                        for change in &step_plan.changes {
                            say!(
                                "{}: {}",
                                shown.join(change.path()).display(),
                                change.staleness()
                            );
                        }
                    }
                }
            }
        }
    }

    if !conflicts.is_empty() {
        eprintln!(
            "error: stepgen did not generate these files and will not overwrite or take them over:"
        );
        for path in &conflicts {
            eprintln!("  {}", path.display());
        }
        eprintln!(
            "  help: move them out of the way (or delete them if they are not yours), then run again; nothing was written"
        );
        return ExitCode::FAILURE;
    }

    let tally = format!("{rendered} step(s) rendered, {not_rendered} not rendered yet");
    match mode {
        Mode::Check if differences > 0 => {
            eprintln!(
                "{} is out of date: {differences} file(s) differ from steps.yaml and templates/ ({tally}).\n  help: run `cargo run -p stepgen -- generate` and commit the result",
                out.display()
            );
            ExitCode::FAILURE
        }
        Mode::Check => {
            say!("{} is up to date ({tally})", out.display());
            ExitCode::SUCCESS
        }
        Mode::DryRun => {
            say!("dry run: nothing written ({tally})");
            ExitCode::SUCCESS
        }
        Mode::Write => {
            for plan in &plans {
                if let Ok((tree, step_plan)) = &plan.outcome
                    && let Err(err) = output::apply(step_plan, tree)
                {
                    eprintln!("error: {err}");
                    return ExitCode::FAILURE;
                }
            }
            say!("{tally} in {} ms", started.elapsed().as_millis());
            ExitCode::SUCCESS
        }
    }
}

fn summary(plan: &output::Plan) -> String {
    let count = |kind: fn(&output::Change) -> bool| plan.changes.iter().filter(|c| kind(c)).count();
    format!(
        "{} created, {} updated, {} deleted, {} unchanged",
        count(|c| matches!(c, output::Change::Create(_))),
        count(|c| matches!(c, output::Change::Update(_))),
        count(|c| matches!(c, output::Change::Delete(_))),
        plan.unchanged
    )
}

/// The named steps, or all of them; an unknown name is a usage error that lists the known ones.
fn select_steps<'a>(course: &'a Course, names: &[String]) -> Result<Vec<&'a StepSpec>, String> {
    if names.is_empty() {
        return Ok(course.steps.iter().collect());
    }
    let mut selected: Vec<&'a StepSpec> = Vec::new();
    for name in names {
        let step = course.step(name).ok_or_else(|| {
            let known = course.steps.iter().map(|s| s.id.as_str()).collect::<Vec<_>>();
            format!(
                "error: no step named `{name}` in the course\n  help: name a step by id or folder; the steps are {}",
                known.join(", ")
            )
        })?;
        // `step00` and its folder name are the same step: plan (and write) it once.
        if !selected.iter().any(|s| s.id == step.id) {
            selected.push(step);
        }
    }
    Ok(selected)
}

fn list_table(course: &Course) -> String {
    let header = [
        "STEP",
        "EXTENDS",
        "TENANCY",
        "AUTH",
        "PACKAGING",
        "ARCH",
        "ALSO",
        "TITLE",
    ];
    let rows: Vec<[String; 8]> = course
        .steps
        .iter()
        .map(|s| {
            let f = &s.features;
            let flags = f.enabled_flags();
            [
                s.id.clone(),
                s.extends.clone().unwrap_or_else(|| "-".into()),
                f.tenancy.to_string(),
                f.auth.to_string(),
                f.packaging.to_string(),
                f.architecture.to_string(),
                if flags.is_empty() {
                    "-".into()
                } else {
                    flags.join(",")
                },
                s.title.clone(),
            ]
        })
        .collect();
    format!(
        "{}\n\n{}",
        course.title,
        stepgen::table::aligned(header, &rows)
    )
}
