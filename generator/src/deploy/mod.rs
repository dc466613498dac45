//! `stepgen deploy <STEP>` and `stepgen destroy <STEP>`: a rendered step on AWS (or on an
//! emulator such as moto's server) through CloudFormation, the way `cdk deploy` does it —
//! synthesize, publish the assets to the CDK bootstrap bucket, create a change set, show it,
//! execute it once confirmed, follow the stack's events — but in one Rust binary that also
//! writes the SPA's runtime config and explains each failure.
//!
//! Unlike `cdk deploy`, it calls AWS with your own credentials instead of assuming the
//! bootstrap's deploy and publishing roles; CloudFormation still runs with the bootstrap's
//! execution role, as with the CDK.
//!
//! `assembly` reads the cloud assembly, `aws` connects and checks the bootstrap, `assets`
//! publishes, `stack` drives CloudFormation, `config` derives the SPA's config,
//! `tenant_tables` deletes the silo model's tables, which the API creates outside the stack.

mod assembly;
mod assets;
pub(crate) mod aws;
mod config;
pub(crate) mod stack;
mod tenant_tables;

use std::io::{BufRead as _, IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

use crate::dev::tools::{self, NPX};
use crate::model::{Course, StepSpec};
use crate::render::StepView;
use assembly::Assembly;
use aws::Clients;

/// The arguments of `stepgen deploy`.
#[derive(Debug, clap::Args)]
pub struct DeployArgs {
    /// The step to deploy, by id (step00) or folder name.
    #[arg(value_name = "STEP")]
    pub step: String,
    /// Execute the change set without asking (needed when there is no terminal to ask on).
    #[arg(long, short)]
    pub yes: bool,
    /// Synthesize without building the Rust Lambda and the SPA: their sources are uploaded as
    /// they are, so the infrastructure deploys but the API and the site do not work. For a
    /// quick look at the infrastructure, or an emulator.
    #[arg(long)]
    pub skip_bundling: bool,
    /// Deploy this cloud assembly (a cdk.out folder synthesized earlier) instead of
    /// synthesizing the step again.
    #[arg(long, value_name = "DIR", conflicts_with = "skip_bundling")]
    pub cloud_assembly: Option<PathBuf>,
    #[command(flatten)]
    pub target: TargetArgs,
}

/// The arguments of `stepgen destroy`.
#[derive(Debug, clap::Args)]
pub struct DestroyArgs {
    /// The step whose stack to delete, by id (step00) or folder name.
    #[arg(value_name = "STEP")]
    pub step: String,
    /// Delete without asking (needed when there is no terminal to ask on).
    #[arg(long, short)]
    pub yes: bool,
    #[command(flatten)]
    pub target: TargetArgs,
}

/// Where to deploy: AWS as your configuration says, or anywhere else.
#[derive(Debug, Clone, clap::Args)]
pub struct TargetArgs {
    /// The AWS region [default: AWS_REGION, or your profile's region].
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// Send every AWS call to this URL instead of AWS (e.g. moto's server on loopback).
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    /// An unknown or unrendered step.
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    Setup(String),
    #[error("{0}")]
    Aws(String),
    #[error("{0}")]
    Failed(String),
    #[error(
        "account {account} in {region} is not bootstrapped for the CDK: {what}\n  help: bootstrap it once with `npx cdk bootstrap aws://{account}/{region}` in the step's folder; it creates the asset bucket, the deployment roles and the version parameter"
    )]
    NotBootstrapped {
        what: String,
        account: String,
        region: String,
    },
    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
    #[error(
        "`stepgen {0}` asks for confirmation, and there is no terminal to ask on\n  help: run it in a terminal, or pass --yes to {0} without asking"
    )]
    NeedsConfirmation(&'static str),
    #[error("{0}")]
    Declined(String),
}

/// Runs `stepgen deploy`; the exit code says how it went.
pub fn deploy(course_file: &Path, course: &Course, out: &Path, args: &DeployArgs) -> ExitCode {
    let outcome = StepContext::new(course_file, course, out, &args.step, true)
        .and_then(|step| block_on(run_deploy(&step, args)));
    exit_code(outcome)
}

/// Runs `stepgen destroy`.
pub fn destroy(course_file: &Path, course: &Course, out: &Path, args: &DestroyArgs) -> ExitCode {
    let outcome = StepContext::new(course_file, course, out, &args.step, false)
        .and_then(|step| block_on(run_destroy(&step, args)));
    exit_code(outcome)
}

pub(crate) fn exit_code(outcome: Result<(), DeployError>) -> ExitCode {
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(DeployError::Usage(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
        Err(err @ DeployError::Declined(_)) => {
            eprintln!("{err}");
            ExitCode::FAILURE
        }
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

pub(crate) fn block_on(
    work: impl Future<Output = Result<(), DeployError>>,
) -> Result<(), DeployError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|source| DeployError::Io {
            context: "cannot start the async runtime".into(),
            source,
        })?
        .block_on(work)
}

/// The step being deployed and where its files are.
pub(crate) struct StepContext<'a> {
    pub step: &'a StepSpec,
    /// The CloudFormation stack name, derived from the step as the CDK app derives it.
    pub stack_name: String,
    pub step_dir: PathBuf,
    pub repo: PathBuf,
}

impl<'a> StepContext<'a> {
    pub fn new(
        course_file: &Path,
        course: &'a Course,
        out: &Path,
        name: &str,
        must_be_rendered: bool,
    ) -> Result<StepContext<'a>, DeployError> {
        let absolute = |path: &Path| std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
        let step = course.step(name).ok_or_else(|| {
            let known: Vec<&str> = course.steps.iter().map(|s| s.id.as_str()).collect();
            DeployError::Usage(format!(
                "no step named `{name}` in the course\n  help: name a step by id or folder; the steps are {}",
                known.join(", ")
            ))
        })?;
        let step_dir = absolute(&out.join(&step.folder));
        if must_be_rendered && !step_dir.join("cdk.json").is_file() {
            return Err(DeployError::Usage(format!(
                "{} has no rendered CDK app\n  help: run `stepgen generate {}` first (`stepgen generate` says whether the step has templates yet)",
                step_dir.display(),
                step.id
            )));
        }
        Ok(StepContext {
            step,
            stack_name: StepView::new(course, step).stack_name,
            step_dir,
            // The course file sits at the repository root, beside node_modules and target/.
            repo: absolute(course_file)
                .parent()
                .map_or_else(|| PathBuf::from("/"), Path::to_owned),
        })
    }

    pub fn shown(&self, path: &Path) -> String {
        path.strip_prefix(&self.repo)
            .unwrap_or(path)
            .display()
            .to_string()
    }
}

async fn run_deploy(context: &StepContext<'_>, args: &DeployArgs) -> Result<(), DeployError> {
    require_confirmation_possible(args.yes, "deploy")?;
    let clients = aws::connect(&target(&args.target)).await?;
    announce("deploying", context, &clients, &args.target);

    let assembly_dir = match &args.cloud_assembly {
        Some(dir) => std::path::absolute(dir).unwrap_or_else(|_| dir.clone()),
        None => {
            let cdk_out = context
                .repo
                .join("target/deploy")
                .join(&context.step.id)
                .join("cdk.out");
            synthesize(context, &cdk_out, args.skip_bundling)?;
            cdk_out
        }
    };
    let assembly = assembly::read(&assembly_dir).map_err(DeployError::Setup)?;
    if !assembly.image_assets.is_empty() {
        return Err(DeployError::Setup(format!(
            "the app has container image assets ({}), which `stepgen deploy` does not publish\n  help: deploy this step with `npx cdk deploy` in {}",
            assembly.image_assets.join(", "),
            context.step_dir.display()
        )));
    }
    aws::check_bootstrap(&clients, &assembly).await?;
    let destinations: usize = assembly
        .file_assets
        .iter()
        .map(|a| a.destinations.len())
        .sum();
    say(&format!(
        "assets: {destinations} to the CDK bootstrap bucket"
    ));
    assets::publish(&clients.s3, &assembly.file_assets, &clients.environment).await?;
    for stack in &assembly.stacks {
        deploy_stack(context, &clients, &assembly, stack, args.yes).await?;
    }
    Ok(())
}

async fn deploy_stack(
    context: &StepContext<'_>,
    clients: &Clients,
    assembly: &Assembly,
    stack: &assembly::Stack,
    yes: bool,
) -> Result<(), DeployError> {
    let cloudformation = &clients.cloudformation;
    let environment = &clients.environment;
    let name = &stack.name;
    let mut existing = stack::describe(cloudformation, name).await?;
    if let Some(state) = &existing {
        if matches!(
            state.status.as_str(),
            "ROLLBACK_COMPLETE" | "REVIEW_IN_PROGRESS"
        ) {
            // What an earlier failed or declined first deploy leaves: a name and no resources.
            say(&format!(
                "{name} is {} after an earlier deploy that created nothing: deleting it first",
                state.status
            ));
            delete_and_watch(cloudformation, name, &state.id, 0).await?;
            existing = None;
        } else if state.status.ends_with("_IN_PROGRESS") {
            return Err(DeployError::Failed(format!(
                "{name} is {}: another operation is still running on it\n  help: wait until it finishes, then deploy again",
                state.status
            )));
        }
    }
    let template_url = stack
        .template_object_url
        .as_deref()
        .and_then(|url| assembly::template_url(&environment.resolve(url), environment))
        .ok_or_else(|| {
            DeployError::Setup(format!(
                "stack {name} has no published template (the app must use the CDK's default stack synthesizer)"
            ))
        })?;
    let request = stack::ChangeSetRequest {
        stack_name: name,
        template_url: &template_url,
        create: existing.is_none(),
        role_arn: stack
            .execution_role_arn
            .as_deref()
            .map(|arn| environment.resolve(arn)),
    };
    say(&format!(
        "change set: {} {name}",
        if request.create {
            "creating"
        } else {
            "updating"
        }
    ));
    match stack::create_change_set(cloudformation, &request).await? {
        None => say(&format!("  no changes: {name} is up to date")),
        Some((change_set, changes)) => {
            print!("{}", stack::render_changes(&changes));
            let question = format!(
                "Deploy these changes to {name} in account {} ({})?",
                environment.account, environment.region
            );
            if !confirm(yes, &question)? {
                stack::delete_change_set(cloudformation, &change_set, name).await;
                if request.create {
                    // The declined change set left an empty stack in REVIEW_IN_PROGRESS.
                    let _ = stack::delete(cloudformation, name).await;
                }
                return Err(DeployError::Declined(format!(
                    "not deployed: the change set was declined and deleted; {name} is as it was"
                )));
            }
            let stack_id = stack::describe(cloudformation, name)
                .await?
                .map_or_else(|| name.clone(), |s| s.id);
            let seen = stack::current_event_ids(cloudformation, &stack_id).await?;
            cloudformation
                .execute_change_set()
                .change_set_name(&change_set)
                .stack_name(name)
                .send()
                .await
                .map_err(|err| {
                    DeployError::Aws(format!(
                        "executing the change set: {}",
                        aws_sdk_cloudformation::error::DisplayErrorContext(&err)
                    ))
                })?;
            say(&format!("events of {name}:"));
            let (status, reason, events) =
                stack::watch(cloudformation, name, &stack_id, seen, changes.len()).await?;
            if !stack::succeeded(&status) {
                return Err(DeployError::Failed(format!(
                    "deploying {name} failed: {}",
                    stack::failure_summary(name, &status, reason.as_deref(), &events)
                )));
            }
            say(&format!("{name}: {status}"));
        }
    }
    let state = stack::describe(cloudformation, name)
        .await?
        .ok_or_else(|| DeployError::Failed(format!("{name} disappeared after deploying")))?;
    if state.outputs.is_empty() {
        say("outputs: none");
    } else {
        say("outputs:");
        let width = state
            .outputs
            .iter()
            .map(|(key, ..)| key.len())
            .max()
            .unwrap_or(0);
        for (key, value, description) in &state.outputs {
            let note = description
                .as_deref()
                .map(|d| format!("  ({d})"))
                .unwrap_or_default();
            say(&format!("  {key:<width$}  {value}{note}"));
        }
    }
    write_spa_config(context, clients, assembly, stack).await
}

/// Writes `web/public/config.json` with what the stack published beside the SPA.
async fn write_spa_config(
    context: &StepContext<'_>,
    clients: &Clients,
    assembly: &Assembly,
    stack: &assembly::Stack,
) -> Result<(), DeployError> {
    let web = context.step_dir.join("web");
    if !web.is_dir() {
        return Ok(());
    }
    let text = std::fs::read_to_string(&stack.template_file).map_err(|source| DeployError::Io {
        context: format!("cannot read {}", stack.template_file.display()),
        source,
    })?;
    let template: serde_json::Value = serde_json::from_str(&text).map_err(|err| {
        DeployError::Setup(format!(
            "{} is not JSON: {err}",
            stack.template_file.display()
        ))
    })?;
    let ids = stack::physical_ids(&clients.cloudformation, &stack.name).await?;
    let Some(config) = config::spa_config(&template, assembly, &clients.environment, &ids)
        .map_err(DeployError::Failed)?
    else {
        return Ok(());
    };
    let path = web.join("public/config.json");
    let io_error = |source| DeployError::Io {
        context: format!("cannot write {}", path.display()),
        source,
    };
    std::fs::create_dir_all(web.join("public")).map_err(io_error)?;
    let temporary = path.with_extension("json.tmp-stepgen");
    std::fs::write(&temporary, format!("{config:#}\n"))
        .and_then(|()| std::fs::rename(&temporary, &path))
        .map_err(io_error)?;
    say(&format!(
        "wrote {} (the SPA's runtime config, as the stack published it): {config}",
        context.shown(&path)
    ));
    Ok(())
}

async fn run_destroy(context: &StepContext<'_>, args: &DestroyArgs) -> Result<(), DeployError> {
    require_confirmation_possible(args.yes, "destroy")?;
    let clients = aws::connect(&target(&args.target)).await?;
    announce("destroying", context, &clients, &args.target);
    let cloudformation = &clients.cloudformation;
    let environment = &clients.environment;
    let name = &context.stack_name;
    let Some(state) = stack::describe(cloudformation, name).await? else {
        say(&format!(
            "no stack named {name} in account {} ({}): nothing to destroy",
            environment.account, environment.region
        ));
        return Ok(());
    };
    let resources = stack::physical_ids(cloudformation, name).await?.len();
    // The silo model's tenant tables are created by the API, outside the stack.
    let tenant_prefix = tenant_tables::prefix(name, &state.outputs)?;
    let tenants = match &tenant_prefix {
        Some(prefix) => {
            let tables = tenant_tables::list(&clients.dynamodb, prefix).await?;
            format!(
                " and its {} ({prefix}*)",
                tenant_tables::count(tables.len())
            )
        }
        None => String::new(),
    };
    let question = format!(
        "Delete {name} ({}, {resources} resources, their data included){tenants} from account {} ({})?",
        state.status, environment.account, environment.region
    );
    if !confirm(args.yes, &question)? {
        return Err(DeployError::Declined(format!(
            "not destroyed: {name} is as it was"
        )));
    }
    delete_and_watch(cloudformation, name, &state.id, resources).await?;
    say(&format!("{name}: deleted"));
    if let Some(prefix) = &tenant_prefix {
        // Listed again: the API may have created one while the stack was being deleted.
        let tables = tenant_tables::list(&clients.dynamodb, prefix).await?;
        say(&format!(
            "deleting {} ({prefix}*):",
            tenant_tables::count(tables.len())
        ));
        tenant_tables::delete(&clients.dynamodb, prefix, &tables).await?;
    }
    Ok(())
}

/// Deletes a stack and follows its events until it is gone.
async fn delete_and_watch(
    cloudformation: &aws_sdk_cloudformation::Client,
    name: &str,
    stack_id: &str,
    resources: usize,
) -> Result<(), DeployError> {
    let seen = stack::current_event_ids(cloudformation, stack_id).await?;
    stack::delete(cloudformation, stack_id).await?;
    say(&format!("events of {name}:"));
    let (status, reason, events) =
        stack::watch(cloudformation, name, stack_id, seen, resources).await?;
    if status != "DELETE_COMPLETE" {
        return Err(DeployError::Failed(format!(
            "deleting {name} failed: {}",
            stack::failure_summary(name, &status, reason.as_deref(), &events)
        )));
    }
    Ok(())
}

pub(crate) fn target(args: &TargetArgs) -> aws::Target {
    aws::Target {
        region: args.region.clone(),
        endpoint_url: args.endpoint_url.clone(),
    }
}

fn announce(verb: &str, context: &StepContext<'_>, clients: &Clients, target: &TargetArgs) {
    let endpoint = target
        .endpoint_url
        .as_deref()
        .map(|url| format!(" at {url}"))
        .unwrap_or_default();
    say(&format!(
        "{verb} {} ({}): account {}, region {}{endpoint}",
        context.step.id,
        context.stack_name,
        clients.environment.account,
        clients.environment.region
    ));
}

/// `cdk synth` into `cdk_out`, its output shown as it goes (bundling compiles the Lambda and
/// builds the SPA, which takes minutes the first time).
fn synthesize(
    context: &StepContext<'_>,
    cdk_out: &Path,
    skip_bundling: bool,
) -> Result<(), DeployError> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let npx = tools::find_in_path(NPX.program, &path).ok_or_else(|| {
        DeployError::Setup(format!(
            "{} was not found on PATH; `stepgen deploy` needs it to synthesize the CDK app\n  help: {}",
            NPX.program, NPX.install
        ))
    })?;
    match std::fs::remove_dir_all(cdk_out) {
        Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
            return Err(DeployError::Io {
                context: format!("cannot remove {}", cdk_out.display()),
                source: err,
            });
        }
        _ => {}
    }
    let mut command = Command::new(npx);
    // `--no`: use the workspace's CDK CLI, never download one.
    command.args(["--no", "--", "cdk", "synth", "--quiet"]);
    if skip_bundling {
        command.args(["-c", "skipBundling=true"]);
    }
    command
        .arg("--output")
        .arg(cdk_out)
        .current_dir(&context.step_dir)
        .stdin(Stdio::null());
    say(&format!(
        "synth: npx cdk synth{} into {}",
        if skip_bundling {
            " -c skipBundling=true"
        } else {
            " (building the Lambda and the SPA)"
        },
        context.shown(cdk_out)
    ));
    let status = command.status().map_err(|source| DeployError::Io {
        context: format!(
            "cannot start `npx cdk synth` in {}",
            context.step_dir.display()
        ),
        source,
    })?;
    if !status.success() {
        return Err(DeployError::Failed(format!(
            "`cdk synth` of {} failed ({status}); its output is above",
            context.step.id
        )));
    }
    Ok(())
}

/// Fails early, before anything is synthesized or uploaded, when a question could not be asked.
fn require_confirmation_possible(yes: bool, verb: &'static str) -> Result<(), DeployError> {
    if yes || std::io::stdin().is_terminal() {
        Ok(())
    } else {
        Err(DeployError::NeedsConfirmation(verb))
    }
}

/// Asks on the terminal; only "y" or "yes" is a yes.
fn confirm(yes: bool, question: &str) -> Result<bool, DeployError> {
    if yes {
        return Ok(true);
    }
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|source| DeployError::Io {
            context: "cannot read the answer".into(),
            source,
        })?;
    Ok(matches!(
        answer.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}

/// Prints a line; a closed stdout does not stop a deployment half-way.
pub(crate) fn say(line: &str) {
    let _ = writeln!(std::io::stdout(), "{line}");
}
