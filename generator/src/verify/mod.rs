//! `stepgen verify [STEP…]`: every rendered step's CDK app synthesized offline, its templates
//! linted with cfn-lint, its cdk-nag findings counted and its template snapshot compared — the
//! steps in parallel, one report at the end.
//!
//! `check` verifies one step; `snapshot` owns the snapshot format; this module picks the steps
//! and the tools, runs the checks on a small pool of threads and reports.

mod check;
mod snapshot;

use std::io::{IsTerminal as _, Write as _};
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::dev::tools::{self, NPX};
use crate::model::Course;
use check::{Context, Phase, StepReport, Target};

/// The arguments of `stepgen verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// Steps to verify, by id (step00) or folder name [default: every rendered step].
    #[arg(value_name = "STEP")]
    pub steps: Vec<String>,
    /// Rewrite each template snapshot that differs from the synthesized template (the same
    /// file the step's vitest test checks), instead of failing.
    #[arg(long)]
    pub update: bool,
    /// `text` (a table; progress on a terminal) or `json` (for CI).
    #[arg(long, value_name = "FORMAT", default_value = "text")]
    pub format: Format,
    /// How many steps to verify at once [default: the number of CPU cores].
    #[arg(long, short, value_name = "N")]
    pub jobs: Option<NonZeroUsize>,
    /// Where the cloud assemblies and synth logs go [default: target/verify].
    #[arg(long, value_name = "DIR")]
    pub work_dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// Runs `stepgen verify`: 0 every step passed, 1 a step failed or a tool is missing, 2 an
/// unknown or unrendered step.
pub fn run(course_file: &Path, course: &Course, out: &Path, args: &VerifyArgs) -> ExitCode {
    let absolute = |path: &Path| std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    // The course file sits at the repository root, beside .venv, node_modules and target/.
    let repo = absolute(course_file)
        .parent()
        .map_or_else(|| PathBuf::from("/"), Path::to_owned);
    let targets = match select(course, &absolute(out), &args.steps) {
        Ok(targets) => targets,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let cfn_lint = match find_tools(&repo) {
        Ok(cfn_lint) => cfn_lint,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::FAILURE;
        }
    };
    let context = Context {
        work_dir: args
            .work_dir
            .as_deref()
            .map_or_else(|| repo.join("target/verify"), absolute),
        repo,
        cfn_lint,
        update: args.update,
    };
    let jobs = args
        .jobs
        .or_else(|| std::thread::available_parallelism().ok())
        .map_or(1, NonZeroUsize::get)
        .min(targets.len().max(1));

    let started = Instant::now();
    let progress = Progress::new(args.format == Format::Text && std::io::stderr().is_terminal());
    let reports = verify_all(&context, &targets, jobs, progress);
    let elapsed = started.elapsed();

    let failed: Vec<&StepReport> = reports.iter().filter(|r| !r.ok).collect();
    let text = match args.format {
        Format::Json => format!(
            "{:#}\n",
            json!({
                "ok": failed.is_empty(),
                "seconds": round(elapsed.as_secs_f64()),
                "jobs": jobs,
                "steps": reports,
            })
        ),
        Format::Text => render_text(&context.repo, &reports, elapsed, jobs),
    };
    let mut stdout = std::io::stdout().lock();
    if let Err(err) = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        && err.kind() != std::io::ErrorKind::BrokenPipe
    {
        eprintln!("error: cannot write to stdout: {err}");
    }
    if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// The named steps, or every rendered one; a named step must be rendered.
fn select(course: &Course, out: &Path, names: &[String]) -> Result<Vec<Target>, String> {
    let target = |step: &crate::model::StepSpec| Target {
        id: step.id.clone(),
        folder: step.folder.clone(),
        dir: out.join(&step.folder),
    };
    let rendered = |target: &Target| target.dir.join("cdk.json").is_file();
    if names.is_empty() {
        let targets: Vec<Target> = course.steps.iter().map(target).filter(rendered).collect();
        if targets.is_empty() {
            return Err(format!(
                "no rendered step under {}\n  help: run `stepgen generate` first",
                out.display()
            ));
        }
        return Ok(targets);
    }
    let mut targets: Vec<Target> = Vec::new();
    for name in names {
        let step = course.step(name).ok_or_else(|| {
            let known: Vec<&str> = course.steps.iter().map(|s| s.id.as_str()).collect();
            format!(
                "no step named `{name}` in the course\n  help: name a step by id or folder; the steps are {}",
                known.join(", ")
            )
        })?;
        let candidate = target(step);
        if !rendered(&candidate) {
            return Err(format!(
                "{} has no rendered CDK app\n  help: run `stepgen generate {}` first (`stepgen generate` says whether the step has templates yet)",
                candidate.dir.display(),
                step.id
            ));
        }
        if !targets.iter().any(|t| t.id == candidate.id) {
            targets.push(candidate);
        }
    }
    Ok(targets)
}

/// Checks that npx, the workspace's CDK CLI and cfn-lint are installed; returns cfn-lint.
fn find_tools(repo: &Path) -> Result<PathBuf, String> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    if tools::find_in_path(NPX.program, &path).is_none() {
        return Err(format!(
            "{} was not found on PATH; `stepgen verify` needs it to synthesize the CDK apps\n  help: {}",
            NPX.program, NPX.install
        ));
    }
    if !repo.join("node_modules/.bin/cdk").is_file() {
        return Err(format!(
            "the CDK CLI is not installed in {}\n  help: run `npm ci` there (tests/run does it too)",
            repo.join("node_modules").display()
        ));
    }
    let cfn_lint = repo.join(".venv/bin/cfn-lint");
    if !cfn_lint.is_file() {
        return Err(format!(
            "{} is missing; `stepgen verify` lints the templates with it\n  help: run `python3 -m venv .venv && .venv/bin/pip install -r tests/requirements.txt` in {} (tests/run does it too)",
            cfn_lint.display(),
            repo.display()
        ));
    }
    Ok(cfn_lint)
}

/// What the worker threads tell the reporting thread.
enum Event {
    Started(usize, Phase),
    Done(usize, Box<StepReport>),
}

/// Verifies the targets on `jobs` threads; reports come back in the targets' order.
fn verify_all(
    context: &Context,
    targets: &[Target],
    jobs: usize,
    mut progress: Progress,
) -> Vec<StepReport> {
    let next = AtomicUsize::new(0);
    let (sender, receiver) = mpsc::channel();
    let mut reports: Vec<Option<StepReport>> = targets.iter().map(|_| None).collect();
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            let sender = sender.clone();
            let next = &next;
            scope.spawn(move || {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(target) = targets.get(index) else {
                        break;
                    };
                    let report = check::run(context, target, &|phase| {
                        let _ = sender.send(Event::Started(index, phase));
                    });
                    let _ = sender.send(Event::Done(index, Box::new(report)));
                }
            });
        }
        drop(sender);
        let mut phases: Vec<Option<Phase>> = targets.iter().map(|_| None).collect();
        let mut done = 0;
        loop {
            match receiver.recv_timeout(Duration::from_millis(250)) {
                Ok(Event::Started(index, phase)) => phases[index] = Some(phase),
                Ok(Event::Done(index, report)) => {
                    phases[index] = None;
                    done += 1;
                    progress.finished(&report, done, targets.len());
                    reports[index] = Some(*report);
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
            let running: Vec<String> = targets
                .iter()
                .zip(&phases)
                .filter_map(|(t, p)| p.map(|p| format!("{} {}", t.id, p.word())))
                .collect();
            progress.running(&running, done, targets.len());
        }
        progress.clear();
    });
    reports.into_iter().flatten().collect()
}

/// Progress on stderr: one redrawn line on a terminal, a line per finished step otherwise.
struct Progress {
    terminal: bool,
    started: Instant,
}

impl Progress {
    fn new(terminal: bool) -> Progress {
        Progress {
            terminal,
            started: Instant::now(),
        }
    }

    fn running(&mut self, running: &[String], done: usize, total: usize) {
        if self.terminal && !running.is_empty() {
            let bar = bar(done, total, 20);
            eprint!(
                "\r\x1b[2K{bar} {done}/{total}  {}  {:.0} s",
                running.join(", "),
                self.started.elapsed().as_secs_f64()
            );
            let _ = std::io::stderr().flush();
        }
    }

    fn finished(&mut self, report: &StepReport, done: usize, total: usize) {
        let verdict = if report.ok { "ok" } else { "FAILED" };
        if self.terminal {
            eprint!("\r\x1b[2K");
        }
        eprintln!(
            "[{done}/{total}] {}: {verdict} in {:.1} s",
            report.step, report.seconds
        );
    }

    fn clear(&mut self) {
        if self.terminal {
            eprint!("\r\x1b[2K");
            let _ = std::io::stderr().flush();
        }
    }
}

fn bar(done: usize, total: usize, width: usize) -> String {
    let filled = (done * width).checked_div(total).unwrap_or(width);
    format!("[{}{}]", "#".repeat(filled), "-".repeat(width - filled))
}

/// The table, each failure in full, and a closing line.
fn render_text(repo: &Path, reports: &[StepReport], elapsed: Duration, jobs: usize) -> String {
    let header = [
        "STEP",
        "RESOURCES",
        "CFN-LINT",
        "CDK-NAG",
        "SNAPSHOT",
        "TIME",
        "RESULT",
    ];
    let rows: Vec<[String; 7]> = reports.iter().map(row).collect();
    let mut text = crate::table::aligned(header, &rows);
    let shown = |path: &Path| {
        path.strip_prefix(repo)
            .unwrap_or(path)
            .display()
            .to_string()
    };
    let failed: Vec<&StepReport> = reports.iter().filter(|r| !r.ok).collect();
    for report in &failed {
        text += &format!(
            "\n{} failed (synth log: {}):\n",
            report.step,
            shown(&report.synth_log)
        );
        for failure in &report.failures {
            text += &format!("  - {}\n", failure.replace('\n', "\n    "));
        }
    }
    let warnings: usize = reports
        .iter()
        .filter_map(|r| r.lint.as_ref())
        .map(|l| l.warnings)
        .sum();
    let summary = format!(
        "{} step(s) in {:.1} s, {jobs} at a time",
        reports.len(),
        elapsed.as_secs_f64()
    );
    text += &if failed.is_empty() {
        format!("\nverify: all passed: {summary}")
    } else {
        let names: Vec<&str> = failed.iter().map(|r| r.step.as_str()).collect();
        format!(
            "\nverify: {} failed ({}): {summary}",
            failed.len(),
            names.join(", ")
        )
    };
    if warnings > 0 {
        text += &format!(" (cfn-lint warnings: {warnings}; `--format json` lists them)");
    }
    text + "\n"
}

fn row(report: &StepReport) -> [String; 7] {
    let or_dash = |value: Option<String>| value.unwrap_or_else(|| "-".to_owned());
    let lint = report.lint.as_ref().map(|lint| {
        if lint.errors == 0 && lint.warnings == 0 {
            "clean".to_owned()
        } else {
            format!("{} E, {} W", lint.errors, lint.warnings)
        }
    });
    let snapshot = if report.snapshots.is_empty() {
        "-".to_owned()
    } else {
        let mut words: Vec<&str> = report.snapshots.iter().map(|s| s.status).collect();
        words.dedup();
        words.join(",")
    };
    [
        report.step.clone(),
        or_dash(report.resources.map(|n| n.to_string())),
        or_dash(lint),
        or_dash(report.nag.as_ref().map(|nag| nag.len().to_string())),
        snapshot,
        format!("{:.1} s", report.seconds),
        if report.ok { "ok" } else { "FAILED" }.to_owned(),
    ]
}

fn round(seconds: f64) -> f64 {
    (seconds * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bar_fills_with_finished_steps() {
        assert_eq!(bar(0, 4, 8), "[--------]");
        assert_eq!(bar(1, 4, 8), "[##------]");
        assert_eq!(bar(4, 4, 8), "[########]");
    }

    #[test]
    fn the_table_names_failures_and_their_reasons() {
        let report = |step: &str, failures: Vec<String>| StepReport {
            step: step.to_owned(),
            folder: format!("{step}_x"),
            ok: failures.is_empty(),
            resources: Some(44),
            lint: Some(check::Lint {
                warnings: 3,
                ..Default::default()
            }),
            nag: Some(Vec::new()),
            validation: Vec::new(),
            snapshots: Vec::new(),
            seconds: 12.04,
            failures,
            synth_log: PathBuf::from("/r/target/verify/x/synth.log"),
        };
        let text = render_text(
            Path::new("/r"),
            &[
                report("step00", vec![]),
                report("step01", vec!["snapshot differs".into()]),
            ],
            Duration::from_secs(14),
            2,
        );
        assert!(
            text.starts_with("STEP    RESOURCES  CFN-LINT  CDK-NAG"),
            "{text}"
        );
        assert!(text.contains("step00  44         0 E, 3 W  0"), "{text}");
        assert!(
            text.contains(
                "step01 failed (synth log: target/verify/x/synth.log):\n  - snapshot differs"
            ),
            "{text}"
        );
        assert!(
            text.contains("verify: 1 failed (step01): 2 step(s) in 14.0 s, 2 at a time"),
            "{text}"
        );
    }
}
