//! `stepgen dev <STEP>`: runs a generated step on this machine with no AWS account — moto's
//! server for the AWS services, the step's own Rust API served locally, the SPA on Vite's dev
//! server — and stops all of it on Ctrl-C or SIGTERM.
//!
//! It lives beside the render pipeline, not inside it: it reads a rendered step folder and
//! runs external tools. The step's synthesized CloudFormation template is the only description
//! of what to create and how to configure the API (`template`, `provision`, `functions`);
//! `process` owns the children and their shutdown, `tools` the external programs, and
//! `consumers` stands in for Lambda's SQS event source mappings (a poller per mapping).

mod cognito_bridge;
mod consumers;
mod dynamo_bridge;
mod functions;
mod local_http;
mod process;
mod provision;
mod spa_config;
pub(crate) mod template;
pub(crate) mod tools;

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant, SystemTime};

use serde_json::json;

use process::{Children, StopSignal};
use provision::{Emulator, Provisioned};
use template::{Locals, Template, TemplateError};
use tools::{cargo, npm, python};

/// The ports tried first; a busy one is replaced by a free one.
pub const DEFAULT_SPA_PORT: u16 = 5173;
pub const DEFAULT_API_PORT: u16 = 3000;
pub const DEFAULT_EMULATOR_PORT: u16 = 4566;
pub const DEFAULT_COGNITO_PORT: u16 = 4567;
pub const DEFAULT_TRIGGER_PORT: u16 = 3001;
pub const DEFAULT_DYNAMO_BRIDGE_PORT: u16 = 4568;
/// The first queue consumer's; the next ones take the ports after it.
pub const DEFAULT_CONSUMER_PORT: u16 = 3002;

/// The local "account": moto's default account id, and a region for the SDKs.
const REGION: &str = "us-east-1";
const ACCOUNT: &str = "123456789012";

/// The inputs of `cdk synth`: when none is newer than the synthesized templates, they are reused.
const SYNTH_INPUTS: &[&str] = &["bin", "lib", "cdk.json", "package.json"];

/// How long each child may take to answer before startup fails.
const EMULATOR_TIMEOUT: Duration = Duration::from_secs(60);
const API_TIMEOUT: Duration = Duration::from_secs(30);
/// Lambda's default timeout, for a function whose template gives none.
const DEFAULT_FUNCTION_TIMEOUT: u64 = 3;
/// Added to a function's timeout locally, where its debug build may be slower than in Lambda.
const LOCAL_TIMEOUT_MARGIN: Duration = Duration::from_secs(10);
const SPA_TIMEOUT: Duration = Duration::from_secs(60);

/// What to run, and where.
pub struct Options {
    /// The repository root: `.venv`, `node_modules`, `target/` and the Cargo workspace.
    pub repo: PathBuf,
    /// The step's id (`step00`), used for the log folder and in the ready file.
    pub step_id: String,
    /// The rendered step folder.
    pub step_dir: PathBuf,
    /// Where to write a JSON description of the running step once everything answers.
    pub ready_file: Option<PathBuf>,
    /// How long a new tenant table stays `CREATING` (silo steps), see [`dynamo_bridge`].
    pub table_creation: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum DevError {
    #[error(
        "{program} was not found on PATH; `stepgen dev` needs it to {purpose}\n  help: {install}"
    )]
    MissingTool {
        program: &'static str,
        purpose: &'static str,
        install: &'static str,
    },
    #[error("{what} failed ({status}); the end of {}:\n{tail}", log.display())]
    CommandFailed {
        what: String,
        status: String,
        log: PathBuf,
        tail: String,
    },
    #[error("{name} stopped unexpectedly ({status}); the end of {}:\n{tail}", log.display())]
    ChildDied {
        name: String,
        status: String,
        log: PathBuf,
        tail: String,
    },
    #[error("{what} did not answer within {seconds} s; the end of {}:\n{tail}", log.display())]
    NotReady {
        what: String,
        seconds: u64,
        log: PathBuf,
        tail: String,
    },
    #[error("reading the synthesized template: {0}")]
    Template(#[from] TemplateError),
    #[error("{0}")]
    Setup(String),
    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
    #[error("stopped by {0} before the step was ready")]
    Interrupted(&'static str),
}

/// Runs the step until SIGINT or SIGTERM. Every child is stopped before this returns, whether
/// startup failed, a child died, or a signal asked to stop.
pub fn run(options: &Options) -> Result<(), DevError> {
    let stop = StopSignal::install().map_err(|source| DevError::Io {
        context: "cannot install the SIGINT/SIGTERM handlers".into(),
        source,
    })?;
    let log_dir = options.repo.join("target/dev").join(&options.step_id);
    std::fs::create_dir_all(&log_dir).map_err(|source| DevError::Io {
        context: format!("cannot create {}", log_dir.display()),
        source,
    })?;
    let lock = lock_step(&log_dir, &options.step_id)?;
    // A ready file left by an earlier run must not announce this one before it is ready.
    if let Some(ready_file) = &options.ready_file {
        let _ = std::fs::remove_file(ready_file);
    }
    let mut session = Session {
        repo: options.repo.clone(),
        log_dir,
        stop,
        children: Children::default(),
        pollers: consumers::Pollers::default(),
        _lock: lock,
    };
    say(&format!(
        "stepgen dev {}: logs in {}",
        options.step_id,
        session.shown(&session.log_dir)
    ));
    let outcome = start(&mut session, options).and_then(|()| {
        let signal = process::supervise(&session.stop, &mut session.children)?;
        say(&format!("\n{signal} received: stopping"));
        Ok(())
    });
    match &outcome {
        Err(DevError::ChildDied { name, .. }) => say(&format!("{name} died: stopping the others")),
        Err(DevError::Interrupted(signal)) => say(&format!("{signal} received: stopping")),
        Err(_) => say("startup failed: stopping what was started"),
        Ok(()) => {}
    }
    // No new deliveries, then the functions stop (ending a delivery under way), then the
    // pollers are waited for.
    session.pollers.signal_stop();
    let killed = session.children.stop_all();
    session.pollers.stop();
    if !killed.is_empty() {
        say(&format!(
            "killed (still running after SIGTERM and a grace period): {}",
            killed.join(", ")
        ));
    }
    if let Some(ready_file) = &options.ready_file {
        let _ = std::fs::remove_file(ready_file);
    }
    if outcome.is_ok() {
        say("stopped");
    }
    outcome
}

/// What every stage shares: the repository, the log folder, the stop signal, the children.
pub struct Session {
    pub repo: PathBuf,
    log_dir: PathBuf,
    stop: StopSignal,
    children: Children,
    /// The queue pollers that invoke the local consumers, see [`consumers`].
    pollers: consumers::Pollers,
    /// Held while the step runs; see [`lock_step`].
    _lock: File,
}

impl Session {
    fn log(&self, name: &str) -> PathBuf {
        self.log_dir.join(name)
    }

    /// A path as the user best reads it: relative to the repository when inside it.
    fn shown(&self, path: &Path) -> String {
        path.strip_prefix(&self.repo)
            .unwrap_or(path)
            .display()
            .to_string()
    }

    /// Runs a one-off command for `stage`, its output in `log_name`, with a progress line.
    pub fn run(
        &mut self,
        stage: &str,
        what: &str,
        command: Command,
        log_name: &str,
    ) -> Result<(), DevError> {
        self.run_logged(stage, what, command, log_name, false)
            .map(drop)
    }

    /// Like [`Session::run`], returning the command's stdout (only stderr is logged).
    pub fn run_capturing(
        &mut self,
        stage: &str,
        what: &str,
        command: Command,
        log_name: &str,
    ) -> Result<String, DevError> {
        self.run_logged(stage, what, command, log_name, true)
    }

    fn run_logged(
        &mut self,
        stage: &str,
        what: &str,
        command: Command,
        log_name: &str,
        capture: bool,
    ) -> Result<String, DevError> {
        let log = self.log(log_name);
        let started = Instant::now();
        begin(stage, &format!("{what} (log: {})", self.shown(&log)));
        let output = process::run_to_completion(
            what,
            command,
            &log,
            capture,
            &self.stop,
            &mut self.children,
        );
        end(&match &output {
            Ok(_) => format!("done in {}", seconds(started.elapsed())),
            Err(DevError::Interrupted(_)) => "interrupted".to_owned(),
            Err(_) => "failed".to_owned(),
        });
        output
    }
}

/// One `stepgen dev` per step at a time: two would share the step's `web/public/config.json`
/// and log folder, and the SPA of one would call the API of the other. The lock goes away with
/// the process, however it ends.
fn lock_step(log_dir: &Path, step_id: &str) -> Result<File, DevError> {
    use std::os::fd::AsRawFd;
    let path = log_dir.join("lock");
    let io_error = |source| DevError::Io {
        context: format!("cannot lock {}", path.display()),
        source,
    };
    let mut file = File::options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(io_error)?;
    // SAFETY: flock only reads the descriptor, which `file` keeps open.
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
        let mut holder = String::new();
        let _ = file.read_to_string(&mut holder);
        return Err(DevError::Setup(format!(
            "another `stepgen dev {step_id}` is running (pid {}); two would share the step's web/public/config.json\n  help: stop that one first (Ctrl-C in its terminal, or `kill {}`)",
            holder.trim(),
            holder.trim()
        )));
    }
    file.set_len(0).map_err(io_error)?;
    writeln!(file, "{}", std::process::id()).map_err(io_error)?;
    Ok(file)
}

struct Ports {
    spa: u16,
    api: u16,
    emulator: u16,
}

impl Ports {
    fn all(&self) -> Vec<u16> {
        vec![self.spa, self.api, self.emulator]
    }
}

fn start(session: &mut Session, options: &Options) -> Result<(), DevError> {
    let started = Instant::now();
    // Fail early, naming every tool's install command, before anything is started.
    tools::NPX.find()?;
    tools::CARGO.find()?;
    let installed_moto = python::ensure_moto(session)?;
    let installed_npm = npm::ensure_workspace(session)?;
    if !installed_moto && !installed_npm {
        stage(
            "setup",
            "moto (.venv) and the npm workspace (node_modules) are installed",
        );
    }

    let ports = pick_ports()?;
    let spa_url = format!("http://127.0.0.1:{}/", ports.spa);
    let api_url = format!("http://127.0.0.1:{}/", ports.api);
    let emulator_url = format!("http://127.0.0.1:{}/", ports.emulator);

    // The emulator and the dev server need nothing from the template: they start now and come
    // up while the app synthesizes and the API compiles.
    let emulator_log = session.log("emulator.log");
    session.children.spawn(
        "the emulator (moto)",
        python::moto_command(&session.repo, ports.emulator),
        &emulator_log,
    )?;
    stage("emulator", &format!("starting moto on {emulator_url}"));
    let web_dir = options.step_dir.join("web");
    // config.json is written once the resources exist; Vite serves files that appear later in
    // `public/` only if the folder was there when it started.
    let public = web_dir.join("public");
    std::fs::create_dir_all(&public).map_err(|source| DevError::Io {
        context: format!("cannot create {}", public.display()),
        source,
    })?;
    let spa_log = session.log("spa.log");
    session.children.spawn(
        "the SPA dev server (Vite)",
        npm::vite_command(&web_dir, ports.spa)?,
        &spa_log,
    )?;
    stage("spa", &format!("starting Vite on {spa_url}"));

    let cdk_out = session.log_dir.join("cdk.out");
    if synth_is_fresh(&options.step_dir, &cdk_out) {
        stage(
            "synth",
            &format!(
                "{} is newer than the CDK app's sources: not synthesizing again",
                session.shown(&cdk_out)
            ),
        );
    } else {
        let synth = npm::synth_command(&options.step_dir, &cdk_out)?;
        session.run(
            "synth",
            "npx cdk synth -c skipBundling=true",
            synth,
            "synth.log",
        )?;
    }
    let template = template::load(&cdk_out)?;

    let rust_functions = functions::rust_functions(&template, &cdk_out, &options.step_dir);
    let api = api_function(&rust_functions)?;
    let trigger = cognito_bridge::trigger_in(&template)
        .map(|config| trigger_function(&rust_functions, config))
        .transpose()?;
    let metadata = cargo::workspace_metadata(session)?;
    let binary_of = |function: &functions::RustFunction| {
        cargo::binary_of(&metadata, &function.crate_dir).map_err(|reason| {
            DevError::Setup(format!("function {}: {reason}", function.logical_id))
        })
    };
    let binary = binary_of(api)?;
    let trigger_binary = trigger
        .map(|(function, _)| binary_of(function))
        .transpose()?;
    let mappings = consumers::sqs_mappings(&template);
    let consumer_functions = consumer_functions(&rust_functions, &mappings)?;
    let consumer_binaries = consumer_functions
        .iter()
        .map(|function| binary_of(function))
        .collect::<Result<Vec<_>, _>>()?;
    let binaries: Vec<_> = [Some(binary.clone()), trigger_binary.clone()]
        .into_iter()
        .flatten()
        .chain(consumer_binaries.iter().cloned())
        .collect();
    let executables = cargo::build(session, &binaries)?;

    let waited = process::wait_until(
        "the emulator (moto)",
        &emulator_log,
        EMULATOR_TIMEOUT,
        &session.stop,
        &mut session.children,
        || answers(&format!("{emulator_url}moto-api/")),
    )?;
    stage("emulator", &format!("ready (waited {})", seconds(waited)));
    let emulator = Emulator::new(&emulator_url, REGION);
    // The functions run as local processes, and the mappings to them as pollers.
    let run_locally: BTreeSet<&str> = [Some(api.logical_id), trigger.map(|(f, _)| f.logical_id)]
        .into_iter()
        .flatten()
        .chain(consumer_functions.iter().map(|f| f.logical_id))
        .chain(
            mappings
                .iter()
                .filter(|m| {
                    consumer_functions
                        .iter()
                        .any(|f| f.logical_id == m.function)
                })
                .map(|m| m.logical_id),
        )
        .collect();
    let provisioned = provision_all(&emulator, &template, &run_locally)?;

    let mut locals = Locals::new(REGION, ACCOUNT);
    for resource in &provisioned {
        locals.set_ref(&resource.logical_id, &resource.name);
        for (attribute, value) in &resource.attributes {
            locals.set_attribute(&resource.logical_id, attribute, value);
        }
    }
    let has_user_pool = provisioned
        .iter()
        .any(|p| p.kind == "AWS::Cognito::UserPool");
    // Ports for the parts only some steps have, picked once the template says which.
    let mut taken = ports.all();
    let mut pick_more = |preferred: u16, what: &str| -> Result<u16, DevError> {
        let port = pick_port(preferred, what, &taken)?;
        taken.push(port);
        Ok(port)
    };
    let trigger_port = trigger
        .map(|_| pick_more(DEFAULT_TRIGGER_PORT, "token trigger"))
        .transpose()?;
    let consumer_ports = (DEFAULT_CONSUMER_PORT..)
        .zip(&consumer_functions)
        .map(|(preferred, _)| pick_more(preferred, "queue consumer"))
        .collect::<Result<Vec<_>, _>>()?;
    let cognito_url = if has_user_pool {
        let port = pick_more(DEFAULT_COGNITO_PORT, "Cognito bridge")?;
        let url = format!("http://127.0.0.1:{port}/");
        cognito_bridge::start(
            port,
            cognito_bridge::BridgeConfig {
                emulator_url: emulator_url.clone(),
                trigger: trigger
                    .zip(trigger_port)
                    .map(|((_, version), port)| (format!("http://127.0.0.1:{port}/"), version)),
                region: REGION.to_owned(),
            },
        )
        .map_err(|source| DevError::Io {
            context: format!("cannot start the Cognito bridge on {url}"),
            source,
        })?;
        stage(
            "cognito",
            &format!("the bridge to the emulator's user pools listens on {url}"),
        );
        Some(url)
    } else {
        None
    };
    let cognito_endpoint = cognito_url.as_deref().unwrap_or(&emulator_url);
    let spa_config =
        spa_config::local_config(&template, &cdk_out, &locals, &api_url, cognito_endpoint)
            .map_err(DevError::Setup)?;
    write_spa_config(&web_dir, &spa_config)?;
    stage(
        "spa",
        &format!("web/public/config.json points the SPA at {api_url}"),
    );

    if let (Some((function, _)), Some(trigger_binary), Some(trigger_port)) =
        (trigger, &trigger_binary, trigger_port)
    {
        let overrides = local_environment(trigger_port, &ports, &emulator_url);
        let environment = functions::environment(function, &template, &locals, &overrides)
            .map_err(DevError::Setup)?;
        let trigger_log = session.log("trigger.log");
        session.children.spawn(
            &format!("the token trigger ({})", trigger_binary.bin),
            function_command(
                &session.repo,
                &executables[&trigger_binary.bin],
                &environment,
            ),
            &trigger_log,
        )?;
        let waited = process::wait_until(
            "the token trigger",
            &trigger_log,
            API_TIMEOUT,
            &session.stop,
            &mut session.children,
            || listens(trigger_port),
        )?;
        stage(
            "trigger",
            &format!(
                "{} ({}) runs on every token the bridge issues (waited {})",
                trigger_binary.bin,
                function.logical_id,
                seconds(waited)
            ),
        );
    }

    let overrides = local_environment(ports.api, &ports, &emulator_url);
    let mut environment =
        functions::environment(api, &template, &locals, &overrides).map_err(DevError::Setup)?;
    if let Some(pool) = environment.get("COGNITO_USER_POOL_ID") {
        // In AWS the API finds the pool's signing keys from its id; here the bridge publishes
        // the emulator's and its own.
        let jwks = format!("{cognito_endpoint}{pool}/.well-known/jwks.json");
        environment.insert("COGNITO_JWKS_URL".to_owned(), jwks);
    }
    let mut consumer_environments = Vec::new();
    for (function, &port) in consumer_functions.iter().zip(&consumer_ports) {
        let overrides = local_environment(port, &ports, &emulator_url);
        consumer_environments.push(
            functions::environment(function, &template, &locals, &overrides)
                .map_err(DevError::Setup)?,
        );
    }
    let tenant_table_prefix = std::iter::once(&environment)
        .chain(&consumer_environments)
        .find_map(|environment| environment.get("TENANT_TABLE_PREFIX"))
        .cloned();
    if let Some(prefix) = tenant_table_prefix {
        // A tenant's table takes time to create on AWS; locally the bridge makes it so, for
        // every function that works with tenant tables (the API, a provisioner).
        let port = pick_more(DEFAULT_DYNAMO_BRIDGE_PORT, "DynamoDB bridge")?;
        let url = format!("http://127.0.0.1:{port}");
        dynamo_bridge::start(
            port,
            dynamo_bridge::DynamoBridgeConfig {
                emulator_url: emulator_url.clone(),
                table_prefix: prefix.clone(),
                creating_for: options.table_creation,
            },
        )
        .map_err(|source| DevError::Io {
            context: format!("cannot start the DynamoDB bridge on {url}"),
            source,
        })?;
        let mut users = Vec::new();
        let bridged = std::iter::once(("the API", &mut environment)).chain(
            consumer_binaries
                .iter()
                .map(|b| b.bin.as_str())
                .zip(&mut consumer_environments),
        );
        for (user, environment) in bridged {
            if environment.contains_key("TENANT_TABLE_PREFIX") {
                environment.insert("AWS_ENDPOINT_URL_DYNAMODB".to_owned(), url.clone());
                users.push(user);
            }
        }
        stage(
            "dynamodb",
            &format!(
                "the DynamoDB calls of {} go through {url}, where a new tenant table ({prefix}*) is CREATING for {}",
                users.join(", "),
                seconds(options.table_creation)
            ),
        );
    }
    let api_log = session.log("api.log");
    session.children.spawn(
        &format!("the API ({})", binary.bin),
        function_command(&session.repo, &executables[&binary.bin], &environment),
        &api_log,
    )?;
    let waited = process::wait_until(
        "the API",
        &api_log,
        API_TIMEOUT,
        &session.stop,
        &mut session.children,
        || answers(&format!("{api_url}health")),
    )?;
    stage(
        "api",
        &format!(
            "{} ({}) answers on {api_url} (waited {})",
            binary.bin,
            api.logical_id,
            seconds(waited)
        ),
    );
    start_consumers(
        session,
        Consumers {
            functions: &consumer_functions,
            binaries: &consumer_binaries,
            environments: consumer_environments,
            ports: &consumer_ports,
            mappings: &mappings,
            executables: &executables,
            provisioned: &provisioned,
        },
        &emulator_url,
    )?;
    process::wait_until(
        "the SPA dev server (Vite)",
        &spa_log,
        SPA_TIMEOUT,
        &session.stop,
        &mut session.children,
        || answers(&spa_url),
    )?;

    announce(
        session,
        options,
        [&spa_url, &api_url, &emulator_url],
        cognito_url.as_deref(),
        &provisioned,
        &spa_config,
        started.elapsed(),
    )
}

/// The Rust functions that event source mappings feed from the template's queues, each once,
/// in the mappings' order. A mapping to a function that is not a Rust function of the step is
/// left out (and reported as not emulated).
fn consumer_functions<'a, 't>(
    functions: &'a [functions::RustFunction<'t>],
    mappings: &[consumers::Mapping],
) -> Result<Vec<&'a functions::RustFunction<'t>>, DevError> {
    let mut consumers: Vec<&functions::RustFunction> = Vec::new();
    for mapping in mappings {
        let Some(function) = functions.iter().find(|f| f.logical_id == mapping.function) else {
            continue;
        };
        if consumers
            .iter()
            .any(|c| c.logical_id == function.logical_id)
        {
            continue;
        }
        if !function.crate_dir.join("Cargo.toml").is_file() {
            return Err(DevError::Setup(format!(
                "function {}: its code at {} is not a Rust crate folder; the template was synthesized with bundling\n  help: delete that step's cdk.out under target/dev/ and run again",
                function.logical_id,
                function.crate_dir.display()
            )));
        }
        consumers.push(function);
    }
    Ok(consumers)
}

/// What [`start_consumers`] starts: the consumer functions with their binaries, environments
/// and ports (in the same order), and what they consume.
struct Consumers<'a, 't> {
    functions: &'a [&'a functions::RustFunction<'t>],
    binaries: &'a [cargo::CrateBinary],
    environments: Vec<BTreeMap<String, String>>,
    ports: &'a [u16],
    mappings: &'a [consumers::Mapping<'t>],
    executables: &'a BTreeMap<String, PathBuf>,
    provisioned: &'a [Provisioned],
}

/// Starts each consumer function as a local server and, once it listens, a poller per mapping
/// that feeds it.
fn start_consumers(
    session: &mut Session,
    consumers: Consumers,
    emulator_url: &str,
) -> Result<(), DevError> {
    let queue = |logical_id: &str| {
        consumers
            .provisioned
            .iter()
            .find(|p| p.logical_id == logical_id && p.kind == "AWS::SQS::Queue")
    };
    let started = consumers
        .functions
        .iter()
        .zip(consumers.binaries)
        .zip(consumers.environments)
        .zip(consumers.ports);
    for (((function, binary), environment), &port) in started {
        let log = session.log(&format!("{}.log", binary.bin));
        session.children.spawn(
            &format!("the queue consumer {}", binary.bin),
            function_command(
                &session.repo,
                &consumers.executables[&binary.bin],
                &environment,
            ),
            &log,
        )?;
        let waited = process::wait_until(
            &format!("the queue consumer {}", binary.bin),
            &log,
            API_TIMEOUT,
            &session.stop,
            &mut session.children,
            || listens(port),
        )?;
        let timeout = function.timeout.unwrap_or(DEFAULT_FUNCTION_TIMEOUT);
        let mut fed_from = Vec::new();
        for mapping in consumers
            .mappings
            .iter()
            .filter(|m| m.function == function.logical_id)
        {
            let queue = queue(mapping.queue).ok_or_else(|| {
                DevError::Setup(format!(
                    "event source mapping {}: its queue {} was not created in the emulator",
                    mapping.logical_id, mapping.queue
                ))
            })?;
            session
                .pollers
                .start(consumers::PollerConfig {
                    mapping: mapping.logical_id.to_owned(),
                    queue: mapping.queue.to_owned(),
                    queue_url: queue.name.clone(),
                    queue_arn: queue.attributes.get("Arn").cloned().unwrap_or_default(),
                    emulator_url: emulator_url.to_owned(),
                    region: REGION.to_owned(),
                    function_url: format!("http://127.0.0.1:{port}/"),
                    batch_size: mapping.batch_size,
                    report_failures: mapping.report_failures,
                    invocation_timeout: Duration::from_secs(timeout) + LOCAL_TIMEOUT_MARGIN,
                    log: log.clone(),
                })
                .map_err(|source| DevError::Io {
                    context: format!("cannot start the poller of {}", mapping.logical_id),
                    source,
                })?;
            fed_from.push(mapping.queue);
        }
        stage(
            "consumer",
            &format!(
                "{} ({}) on 127.0.0.1:{port} gets the messages of {} (waited {})",
                binary.bin,
                function.logical_id,
                fed_from.join(", "),
                seconds(waited)
            ),
        );
    }
    Ok(())
}

/// A local function's process: its binary with `environment`, and nothing of the real account.
fn function_command(
    repo: &Path,
    executable: &Path,
    environment: &BTreeMap<String, String>,
) -> Command {
    let mut command = Command::new(executable);
    command
        .current_dir(repo)
        // Never the real account's session or profile, and never the Lambda host.
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .envs(environment);
    command
}

/// The function the template's user pool calls before issuing tokens, and the event version.
fn trigger_function<'a, 't>(
    functions: &'a [functions::RustFunction<'t>],
    config: cognito_bridge::TriggerConfig,
) -> Result<
    (
        &'a functions::RustFunction<'t>,
        cognito_bridge::EventVersion,
    ),
    DevError,
> {
    functions
        .iter()
        .find(|f| f.logical_id == config.function)
        .map(|f| (f, config.version))
        .ok_or_else(|| {
            DevError::Setup(format!(
                "the user pool's pre-token-generation trigger {} is not a Rust function of the step; `stepgen dev` runs only those",
                config.function
            ))
        })
}

/// What a local function's environment gets on this machine whatever the template says: its
/// port, the SPA's origin (by either name of the loopback host), the emulator, a region and
/// dummy keys.
fn local_environment(port: u16, ports: &Ports, emulator_url: &str) -> BTreeMap<String, String> {
    [
        ("PORT", port.to_string()),
        (
            "ALLOWED_ORIGIN",
            format!("http://127.0.0.1:{0},http://localhost:{0}", ports.spa),
        ),
        (
            "AWS_ENDPOINT_URL",
            emulator_url.trim_end_matches('/').to_owned(),
        ),
        ("AWS_REGION", REGION.to_owned()),
        ("AWS_DEFAULT_REGION", REGION.to_owned()),
        ("AWS_ACCESS_KEY_ID", "local".to_owned()),
        ("AWS_SECRET_ACCESS_KEY", "local".to_owned()),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_owned(), value))
    .collect()
}

/// Prints what runs where and, when asked, writes the ready file.
fn announce(
    session: &Session,
    options: &Options,
    [spa_url, api_url, emulator_url]: [&str; 3],
    cognito_url: Option<&str>,
    provisioned: &[Provisioned],
    spa_config: &serde_json::Value,
    elapsed: Duration,
) -> Result<(), DevError> {
    let tables: BTreeMap<&str, &str> = provisioned
        .iter()
        .filter(|p| p.kind == "AWS::DynamoDB::Table")
        .map(|p| (p.logical_id.as_str(), p.name.as_str()))
        .collect();
    // A queue's `Ref` is its URL.
    let queues: BTreeMap<&str, &str> = provisioned
        .iter()
        .filter(|p| p.kind == "AWS::SQS::Queue")
        .map(|p| (p.logical_id.as_str(), p.name.as_str()))
        .collect();
    let user = provisioned.iter().find_map(|p| p.demo_user.as_ref());
    say(&format!(
        "\n{} is running (ready in {}); stop it with Ctrl-C",
        options.step_id,
        seconds(elapsed)
    ));
    say(&format!("  SPA       {spa_url}"));
    say(&format!("  API       {api_url}"));
    say(&format!(
        "  emulator  {emulator_url}  (moto: any credentials, region {REGION})"
    ));
    if let Some(cognito_url) = cognito_url {
        say(&format!(
            "  cognito   {cognito_url}  (the emulator's user pools, with token refresh and the step's trigger)"
        ));
    }
    let table_names: Vec<&str> = tables.values().copied().collect();
    say(&format!("  tables    {}", or_none(&table_names.join(", "))));
    let buses: BTreeMap<&str, &str> = provisioned
        .iter()
        .filter(|p| p.kind == "AWS::Events::EventBus")
        .map(|p| (p.logical_id.as_str(), p.name.as_str()))
        .collect();
    if !buses.is_empty() {
        let names: Vec<&str> = buses.values().copied().collect();
        say(&format!("  events    {}", names.join(", ")));
    }
    if !queues.is_empty() {
        let names: Vec<&str> = queues.keys().copied().collect();
        say(&format!("  queues    {}", names.join(", ")));
    }
    match user {
        Some(user) => say(&format!(
            "  sign in   {} / {}",
            user.username, user.password
        )),
        None => say("  sign in   no sign-in in this step"),
    }
    say(&format!(
        "  logs      {} (a .log per process: emulator, api, spa{}{})",
        session.shown(&session.log_dir),
        if session.log("trigger.log").exists() {
            ", trigger"
        } else {
            ""
        },
        if session.pollers.is_empty() {
            ""
        } else {
            ", and each queue consumer's, with its deliveries"
        }
    ));
    if let Some(ready_file) = &options.ready_file {
        let ready = json!({
            "step": options.step_id,
            "spa": spa_url,
            "api": api_url,
            "emulator": emulator_url,
            "cognito": cognito_url,
            "tables": tables,
            "queues": queues,
            "eventBuses": buses,
            "user": user,
            "spaConfig": spa_config,
            "pids": session.children.pids(),
        });
        write_atomically(ready_file, &format!("{ready:#}\n"))?;
    }
    Ok(())
}

/// The one Rust function API Gateway invokes: the local API.
fn api_function<'a, 't>(
    functions: &'a [functions::RustFunction<'t>],
) -> Result<&'a functions::RustFunction<'t>, DevError> {
    let serving: Vec<&functions::RustFunction> =
        functions.iter().filter(|f| f.serves_api).collect();
    let [api] = serving.as_slice() else {
        let ids: Vec<&str> = serving.iter().map(|f| f.logical_id).collect();
        return Err(DevError::Setup(format!(
            "`stepgen dev` serves exactly one Rust function behind API Gateway; the template has {} ({})",
            serving.len(),
            or_none(&ids.join(", "))
        )));
    };
    if !api.crate_dir.join("Cargo.toml").is_file() {
        return Err(DevError::Setup(format!(
            "function {}: its code at {} is not a Rust crate folder; the template was synthesized with bundling\n  help: delete that step's cdk.out under target/dev/ and run again",
            api.logical_id,
            api.crate_dir.display()
        )));
    }
    Ok(api)
}

/// Creates every emulated resource, in the provisioners' order, and reports the rest.
fn provision_all(
    emulator: &Emulator,
    template: &Template,
    run_locally: &BTreeSet<&str>,
) -> Result<Vec<Provisioned>, DevError> {
    let plan = provision::plan(template, run_locally);
    let mut locals = Locals::new(REGION, ACCOUNT);
    let mut provisioned = Vec::new();
    for (logical_id, resource, provisioner) in &plan.create {
        let created = provisioner(emulator, &locals, logical_id, resource).map_err(|reason| {
            DevError::Setup(format!(
                "cannot create {logical_id} ({}) in the emulator: {reason}",
                resource.kind
            ))
        })?;
        stage(
            "create",
            &format!("{} {logical_id} as {:?}", resource.kind, created.name),
        );
        locals.set_ref(logical_id, &created.name);
        for (attribute, value) in &created.attributes {
            locals.set_attribute(logical_id, attribute, value);
        }
        provisioned.push(created);
    }
    let skipped: Vec<String> = plan
        .not_emulated
        .iter()
        .map(|(kind, count)| match count {
            1 => (*kind).to_owned(),
            n => format!("{kind} ×{n}"),
        })
        .collect();
    if !skipped.is_empty() {
        stage("skip", "not emulated (not needed to run locally):");
        for line in wrap(&skipped, 90) {
            say(&format!("            {line}"));
        }
    }
    Ok(provisioned)
}

fn pick_ports() -> Result<Ports, DevError> {
    let emulator = pick_port(DEFAULT_EMULATOR_PORT, "emulator", &[])?;
    let api = pick_port(DEFAULT_API_PORT, "API", &[emulator])?;
    let spa = pick_port(DEFAULT_SPA_PORT, "SPA", &[emulator, api])?;
    Ok(Ports { spa, api, emulator })
}

/// `preferred` if it is free and not `taken`, else a free port; says so when it differs.
fn pick_port(preferred: u16, what: &str, taken: &[u16]) -> Result<u16, DevError> {
    let (port, replaced) = process::pick_port(preferred, taken).map_err(|source| DevError::Io {
        context: "cannot find a free TCP port".into(),
        source,
    })?;
    if replaced {
        stage(
            "ports",
            &format!("{preferred} is busy: the {what} uses {port}"),
        );
    }
    Ok(port)
}

/// `web/public/config.json`, which the SPA reads at run time to find the API (and the user
/// pool). Not generated (and gitignored): it differs per machine and per deployment.
fn write_spa_config(web_dir: &Path, config: &serde_json::Value) -> Result<(), DevError> {
    write_atomically(
        &web_dir.join("public/config.json"),
        &format!("{config:#}\n"),
    )
}

/// True when the synthesized templates exist and are newer than every input of `cdk synth`.
pub(crate) fn synth_is_fresh(step_dir: &Path, cdk_out: &Path) -> bool {
    let Ok(stacks) = template::stack_template_files(cdk_out) else {
        return false;
    };
    let outputs =
        std::iter::once(cdk_out.join("manifest.json")).chain(stacks.into_iter().map(|(_, p)| p));
    let mut oldest_output = None;
    for output in outputs {
        let Some(modified) = modified(&output) else {
            return false;
        };
        oldest_output = Some(oldest_output.map_or(modified, |o: SystemTime| o.min(modified)));
    }
    let newest_input = SYNTH_INPUTS
        .iter()
        .filter_map(|input| newest_file(&step_dir.join(input)))
        .max();
    match (oldest_output, newest_input) {
        (Some(output), Some(input)) => output > input,
        _ => false,
    }
}

fn modified(path: &Path) -> Option<SystemTime> {
    path.metadata().and_then(|m| m.modified()).ok()
}

/// The latest modification time of a file, or of any file under a folder.
fn newest_file(path: &Path) -> Option<SystemTime> {
    if !path.is_dir() {
        return modified(path);
    }
    std::fs::read_dir(path)
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|entry| newest_file(&entry.path()))
        .max()
}

/// Writes through a temporary file and a rename, so a reader never sees half a file.
fn write_atomically(path: &Path, contents: &str) -> Result<(), DevError> {
    let temporary = path.with_extension("tmp-stepgen");
    std::fs::write(&temporary, contents)
        .and_then(|()| std::fs::rename(&temporary, path))
        .map_err(|source| DevError::Io {
            context: format!("cannot write {}", path.display()),
            source,
        })
}

/// An agent for plain-HTTP calls to local servers: no proxy (loopback only), statuses as data.
fn http_agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .proxy(None)
        .build()
        .into()
}

/// True when something listens on the loopback `port` (the trigger answers only POST).
fn listens(port: u16) -> bool {
    std::net::TcpStream::connect_timeout(
        &std::net::SocketAddr::from(([127, 0, 0, 1], port)),
        Duration::from_secs(1),
    )
    .is_ok()
}

/// True when `url` answers 200.
fn answers(url: &str) -> bool {
    http_agent(Duration::from_secs(2))
        .get(url)
        .call()
        .is_ok_and(|response| response.status() == 200)
}

/// Prints a line; a closed stdout does not stop the run (the children still need stopping).
fn say(line: &str) {
    let _ = writeln!(std::io::stdout(), "{line}");
}

fn stage(name: &str, message: &str) {
    say(&format!("  {name:<9} {message}"));
}

/// Starts a progress line that [`end`] completes.
fn begin(name: &str, message: &str) {
    let _ = write!(std::io::stdout(), "  {name:<9} {message} … ");
    let _ = std::io::stdout().flush();
}

fn end(message: &str) {
    say(message);
}

fn seconds(duration: Duration) -> String {
    format!("{:.1} s", duration.as_secs_f64())
}

fn or_none(text: &str) -> &str {
    if text.is_empty() { "none" } else { text }
}

/// Joins `items` with commas into lines of at most about `width` characters.
fn wrap(items: &[String], width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for item in items {
        match lines.last_mut() {
            Some(line) if line.len() + item.len() + 2 <= width => {
                line.push_str(", ");
                line.push_str(item);
            }
            _ => lines.push(item.clone()),
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use std::fs::{File, FileTimes};

    use super::*;

    fn touch(path: &Path, time: SystemTime) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let file = File::create(path).unwrap();
        file.set_times(FileTimes::new().set_modified(time)).unwrap();
    }

    #[test]
    fn synth_is_reused_only_while_newer_than_every_input() {
        let dir = tempfile::tempdir().unwrap();
        let (step, out) = (dir.path().join("step"), dir.path().join("out"));
        let t = |secs: u64| SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000 + secs);
        for input in [
            "bin/app.ts",
            "lib/a.ts",
            "lib/sub/b.ts",
            "cdk.json",
            "package.json",
        ] {
            touch(&step.join(input), t(0));
        }
        assert!(!synth_is_fresh(&step, &out), "nothing synthesized yet");
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(
            out.join("manifest.json"),
            r#"{"artifacts": {"S": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "S.template.json"}}}}"#,
        )
        .unwrap();
        File::options()
            .write(true)
            .open(out.join("manifest.json"))
            .unwrap()
            .set_times(FileTimes::new().set_modified(t(10)))
            .unwrap();
        assert!(
            !synth_is_fresh(&step, &out),
            "the stack's template is missing"
        );
        touch(&out.join("S.template.json"), t(10));
        assert!(synth_is_fresh(&step, &out));
        touch(&step.join("lib/sub/b.ts"), t(20));
        assert!(!synth_is_fresh(&step, &out), "a nested source changed");
    }

    #[test]
    fn spa_config_is_written_into_public() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("public")).unwrap();
        let config = json!({"apiUrl": "http://127.0.0.1:3000/"});
        write_spa_config(dir.path(), &config).unwrap();
        let written = std::fs::read_to_string(dir.path().join("public/config.json")).unwrap();
        let value: serde_json::Value = serde_json::from_str(&written).unwrap();
        assert_eq!(value, config);
    }

    #[test]
    fn wrap_keeps_lines_short() {
        let items: Vec<String> = ["aaaa", "bbbb", "cccc"].map(String::from).to_vec();
        assert_eq!(wrap(&items, 10), ["aaaa, bbbb", "cccc"]);
    }
}
