//! One step's verification: synthesize its CDK app offline, read cdk-nag's findings from the
//! cloud assembly, lint each template with cfn-lint, compare each with its snapshot.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use serde::Serialize;
use serde_json::Value;

use super::snapshot::{self, Snapshot};
use crate::dev::template::stack_template_files;
use crate::dev::tools::npm;

/// The validation plugins built into aws-cdk-lib; every other plugin's findings are cdk-nag's.
const BUILT_IN_PLUGINS: &[&str] = &["CloudFormation Validate", "Construct Annotations"];

/// Lines of a failed command's log shown in the report.
const LOG_TAIL_LINES: usize = 20;

/// What every step's check shares.
pub struct Context {
    pub repo: PathBuf,
    /// Per-step cloud assemblies and logs go in `<work_dir>/<step id>/`.
    pub work_dir: PathBuf,
    pub cfn_lint: PathBuf,
    pub update: bool,
}

/// A rendered step to verify.
pub struct Target {
    pub id: String,
    pub folder: String,
    pub dir: PathBuf,
}

/// What a step's check is doing, for the progress line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Synth,
    Lint,
    Snapshot,
}

impl Phase {
    pub fn word(self) -> &'static str {
        match self {
            Phase::Synth => "synth",
            Phase::Lint => "cfn-lint",
            Phase::Snapshot => "snapshot",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct StepReport {
    pub step: String,
    pub folder: String,
    pub ok: bool,
    /// Resources in all of the app's templates; `None` when nothing was synthesized.
    pub resources: Option<usize>,
    pub lint: Option<Lint>,
    /// Unacknowledged cdk-nag findings, one per rule and construct; `None` when the synth left
    /// no validation report.
    pub nag: Option<Vec<Violation>>,
    /// Findings of aws-cdk-lib's own validation plugins (construct annotations, template checks).
    pub validation: Vec<Violation>,
    pub snapshots: Vec<StackSnapshot>,
    pub seconds: f64,
    /// Why the step failed, one line each, empty when it passed.
    pub failures: Vec<String>,
    pub synth_log: PathBuf,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Lint {
    pub errors: usize,
    pub warnings: usize,
    pub informational: usize,
    pub findings: Vec<LintFinding>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LintFinding {
    pub level: String,
    pub rule: String,
    pub message: String,
    /// Where in the template, e.g. `Resources/Fn/DependsOn/0`.
    pub path: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    pub plugin: String,
    pub rule: String,
    pub severity: String,
    pub construct: String,
    pub description: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct StackSnapshot {
    pub stack: String,
    pub file: PathBuf,
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl StackSnapshot {
    fn new(stack: &str, file: PathBuf, snapshot: &Snapshot) -> StackSnapshot {
        StackSnapshot {
            stack: stack.to_owned(),
            file,
            status: snapshot.word(),
            detail: match snapshot {
                Snapshot::Differs(detail) => Some(detail.clone()),
                _ => None,
            },
        }
    }
}

/// Verifies one step; `progress` hears each phase as it starts.
pub fn run(context: &Context, target: &Target, progress: &dyn Fn(Phase)) -> StepReport {
    let started = Instant::now();
    let work = context.work_dir.join(&target.id);
    let cdk_out = work.join("cdk.out");
    let mut report = StepReport {
        step: target.id.clone(),
        folder: target.folder.clone(),
        ok: false,
        resources: None,
        lint: None,
        nag: None,
        validation: Vec::new(),
        snapshots: Vec::new(),
        seconds: 0.0,
        failures: Vec::new(),
        synth_log: work.join("synth.log"),
    };
    verify(context, target, &cdk_out, &mut report, progress);
    report.ok = report.failures.is_empty();
    report.seconds = (started.elapsed().as_secs_f64() * 10.0).round() / 10.0;
    report
}

fn verify(
    context: &Context,
    target: &Target,
    cdk_out: &Path,
    report: &mut StepReport,
    progress: &dyn Fn(Phase),
) {
    progress(Phase::Synth);
    let synth_status = match synthesize(&target.dir, cdk_out, &report.synth_log) {
        Ok(status) => status,
        Err(reason) => return report.failures.push(reason),
    };
    // cdk-nag fails the synth on an unacknowledged finding, after writing the templates and
    // the validation report: read both before judging the exit status.
    if let Some(violations) = read_validation_report(cdk_out) {
        let (built_in, nag): (Vec<Violation>, Vec<Violation>) = violations
            .into_iter()
            .partition(|v| BUILT_IN_PLUGINS.contains(&v.plugin.as_str()));
        if !nag.is_empty() {
            report.failures.push(format!(
                "cdk-nag: {} unacknowledged finding(s): {}",
                nag.len(),
                summarize_violations(&nag)
            ));
        }
        report.nag = Some(nag);
        report.validation = built_in;
    }
    let has_findings =
        report.nag.as_ref().is_some_and(|nag| !nag.is_empty()) || !report.validation.is_empty();
    if !synth_status.success() {
        if !has_findings {
            return report.failures.push(format!(
                "cdk synth failed ({synth_status}); the end of {}:\n{}",
                report.synth_log.display(),
                tail(&report.synth_log)
            ));
        }
        if report.failures.is_empty() {
            report.failures.push(format!(
                "cdk synth failed on aws-cdk-lib's own validation: {}",
                summarize_violations(&report.validation)
            ));
        }
    }
    let stacks = match stack_template_files(cdk_out) {
        Ok(stacks) => stacks,
        Err(err) => return report.failures.push(err.to_string()),
    };

    progress(Phase::Lint);
    let mut resources = 0;
    let mut lint = Lint::default();
    for (_, template) in &stacks {
        match std::fs::read_to_string(template)
            .ok()
            .and_then(|text| serde_json::from_str::<Value>(&text).ok())
        {
            Some(json) => resources += json["Resources"].as_object().map_or(0, |r| r.len()),
            None => report
                .failures
                .push(format!("cannot read {} as JSON", template.display())),
        }
        match run_cfn_lint(&context.cfn_lint, template) {
            Ok(findings) => lint.add(findings),
            Err(reason) => report.failures.push(reason),
        }
    }
    report.resources = Some(resources);
    if lint.errors > 0 {
        report.failures.push(format!(
            "cfn-lint: {} error(s): {}",
            lint.errors,
            lint.findings
                .iter()
                .filter(|f| f.level == "Error")
                .map(|f| format!("{} at {}", f.rule, f.path))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    report.lint = Some(lint);

    progress(Phase::Snapshot);
    for (stack, template) in &stacks {
        let file_name = template.file_name().unwrap_or_default();
        let snapshot_file = target.dir.join("test/__snapshots__").join(file_name);
        let outcome = std::fs::read_to_string(template)
            .map_err(|err| format!("cannot read {}: {err}", template.display()))
            .and_then(|text| {
                snapshot::normalize(&text).ok_or_else(|| {
                    format!(
                        "{} is not laid out as `cdk synth` writes templates (JSON, one space per level)",
                        template.display()
                    )
                })
            })
            .and_then(|normalized| {
                snapshot::check(&normalized, &snapshot_file, context.update)
                    .map_err(|err| format!("cannot write {}: {err}", snapshot_file.display()))
            });
        match outcome {
            Ok(snapshot) => {
                let shown = snapshot_file
                    .strip_prefix(&target.dir)
                    .unwrap_or(&snapshot_file)
                    .to_owned();
                match &snapshot {
                    Snapshot::Differs(detail) => report.failures.push(format!(
                        "snapshot {} differs from the synthesized template: {detail}\n  help: if the change is intended, run `stepgen verify {} --update` and review the diff",
                        shown.display(),
                        target.id
                    )),
                    Snapshot::Missing => report.failures.push(format!(
                        "snapshot {} is missing\n  help: run `stepgen verify {} --update` and commit it",
                        shown.display(),
                        target.id
                    )),
                    Snapshot::Matches | Snapshot::Updated => {}
                }
                report
                    .snapshots
                    .push(StackSnapshot::new(stack, shown, &snapshot));
            }
            Err(reason) => report.failures.push(reason),
        }
    }
}

/// `cdk synth` offline into `cdk_out`, without the path and asset metadata and the analytics
/// resource that only the CLI adds (the test's app has none of them, and the snapshot is the
/// test's). Its output goes to `log`.
fn synthesize(
    step_dir: &Path,
    cdk_out: &Path,
    log: &Path,
) -> Result<std::process::ExitStatus, String> {
    // A template left by an earlier run must never be checked in place of this run's.
    match std::fs::remove_dir_all(cdk_out) {
        Ok(()) => {}
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
        Err(err) => return Err(format!("cannot remove {}: {err}", cdk_out.display())),
    }
    if let Some(dir) = log.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|err| format!("cannot create {}: {err}", dir.display()))?;
    }
    let output =
        File::create(log).map_err(|err| format!("cannot create {}: {err}", log.display()))?;
    let errors = output
        .try_clone()
        .map_err(|err| format!("cannot open {}: {err}", log.display()))?;
    let mut command = npm::synth_command(step_dir, cdk_out).map_err(|err| err.to_string())?;
    command
        .args([
            "--no-path-metadata",
            "--no-asset-metadata",
            "--no-version-reporting",
        ])
        .stdin(Stdio::null())
        .stdout(output)
        .stderr(errors)
        .status()
        .map_err(|err| {
            format!(
                "cannot start `npx cdk synth` in {}: {err}",
                step_dir.display()
            )
        })
}

/// Every finding in the cloud assembly's `validation-report.json`, or `None` without one.
fn read_validation_report(cdk_out: &Path) -> Option<Vec<Violation>> {
    let text = std::fs::read_to_string(cdk_out.join("validation-report.json")).ok()?;
    let report: Value = serde_json::from_str(&text).ok()?;
    Some(violations(&report))
}

/// The report's findings, one per rule and construct, in the report's order.
pub fn violations(report: &Value) -> Vec<Violation> {
    let str_at = |value: &Value, key: &str| value[key].as_str().unwrap_or_default().to_owned();
    let list = |value: &Value, key: &str| value[key].as_array().cloned().unwrap_or_default();
    let mut found = Vec::new();
    for plugin in list(report, "pluginReports") {
        for violation in list(&plugin, "violations") {
            let constructs = list(&violation, "violatingConstructs");
            let paths: Vec<String> = if constructs.is_empty() {
                vec![String::new()]
            } else {
                constructs
                    .iter()
                    .map(|c| str_at(c, "constructPath"))
                    .collect()
            };
            for construct in paths {
                found.push(Violation {
                    plugin: str_at(&plugin, "pluginName"),
                    rule: str_at(&violation, "ruleName"),
                    severity: str_at(&violation, "severity"),
                    construct,
                    description: str_at(&violation, "description"),
                });
            }
        }
    }
    found
}

fn summarize_violations(violations: &[Violation]) -> String {
    violations
        .iter()
        .map(|v| format!("{} {} on {}", v.severity, v.rule, v.construct))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Lint {
    fn add(&mut self, findings: Vec<LintFinding>) {
        for finding in findings {
            match finding.level.as_str() {
                "Error" => self.errors += 1,
                "Warning" => self.warnings += 1,
                _ => self.informational += 1,
            }
            self.findings.push(finding);
        }
    }
}

/// cfn-lint's findings on one template. Its exit status is a bit set (2 errors, 4 warnings,
/// 8 informational); any other bit means cfn-lint itself failed.
fn run_cfn_lint(cfn_lint: &Path, template: &Path) -> Result<Vec<LintFinding>, String> {
    let output = Command::new(cfn_lint)
        .args(["--format", "json"])
        .arg(template)
        .stdin(Stdio::null())
        .output()
        .map_err(|err| format!("cannot run {}: {err}", cfn_lint.display()))?;
    let code = output.status.code().unwrap_or(-1);
    let findings = serde_json::from_slice::<Value>(&output.stdout)
        .ok()
        .and_then(|json| json.as_array().map(|items| parse_lint(items)));
    match findings {
        Some(findings) if code >= 0 && code & !(2 | 4 | 8) == 0 => Ok(findings),
        _ => Err(format!(
            "cfn-lint failed on {} ({}): {}",
            template.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        )),
    }
}

/// cfn-lint's `--format json` findings.
pub fn parse_lint(items: &[Value]) -> Vec<LintFinding> {
    items
        .iter()
        .map(|item| LintFinding {
            level: item["Level"].as_str().unwrap_or("Error").to_owned(),
            rule: item["Rule"]["Id"].as_str().unwrap_or("?").to_owned(),
            message: item["Message"].as_str().unwrap_or_default().to_owned(),
            path: item["Location"]["Path"]
                .as_array()
                .map(|parts| {
                    parts
                        .iter()
                        .map(|p| p.as_str().map_or_else(|| p.to_string(), str::to_owned))
                        .collect::<Vec<_>>()
                        .join("/")
                })
                .unwrap_or_default(),
        })
        .collect()
}

fn tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(LOG_TAIL_LINES)..]
        .iter()
        .map(|line| format!("    | {line}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn nag_findings_are_counted_per_rule_and_construct() {
        // As cdk-nag 3 writes it when a bucket breaks two rules (trimmed).
        let report = json!({"pluginReports": [{
        "pluginName": "AwsSolutions", "conclusion": "failure",
        "violations": [
            {"ruleName": "AwsSolutions-S1", "description": "The S3 Bucket has server access logs disabled.",
             "severity": "error", "violatingConstructs": [
                {"constructPath": "TodoApp/A/Resource"}, {"constructPath": "TodoApp/B/Resource"}]},
            {"ruleName": "AwsSolutions-S10", "description": "no SSL", "severity": "error",
             "violatingConstructs": [{"constructPath": "TodoApp/A/Resource"}]}
        ]}]});
        let found = violations(&report);
        assert_eq!(found.len(), 3);
        assert_eq!(found[1].construct, "TodoApp/B/Resource");
        assert_eq!(found[2].rule, "AwsSolutions-S10");
        assert!(violations(&json!({"pluginReports": []})).is_empty());
    }

    #[test]
    fn lint_findings_keep_level_rule_and_path() {
        let items = json!([{
            "Level": "Warning", "Message": "dependency already enforced",
            "Rule": {"Id": "W3005"},
            "Location": {"Path": ["Resources", "Fn", "DependsOn", 0]}
        }]);
        let findings = parse_lint(items.as_array().unwrap());
        assert_eq!(findings[0].rule, "W3005");
        assert_eq!(findings[0].path, "Resources/Fn/DependsOn/0");
        let mut lint = Lint::default();
        lint.add(findings);
        assert_eq!((lint.errors, lint.warnings), (0, 1));
    }
}
