//! The processes `stepgen dev` starts: each in its own process group with its output in a log
//! file, polled until it answers, and stopped together — on SIGINT or SIGTERM, on a failure, or
//! when one of them dies.
//!
//! Own process groups matter twice: Ctrl-C in a terminal reaches only stepgen (which then stops
//! the children in order, instead of every process racing to exit), and stopping a group also
//! stops what a child started itself (`npx` → node → vite, `cargo` → rustc).

use std::fs::File;
use std::io::{self, Read};
use std::net::{Ipv4Addr, TcpListener};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use signal_hook::consts::{SIGINT, SIGTERM};

use super::DevError;

/// How long children get to exit after SIGTERM before they are killed.
const GRACE: Duration = Duration::from_secs(5);
/// How often waits look at signals, children and readiness.
const POLL: Duration = Duration::from_millis(100);

/// Remembers SIGINT or SIGTERM instead of dying on it, so that the children are stopped first.
pub struct StopSignal {
    received: Arc<AtomicUsize>,
}

impl StopSignal {
    pub fn install() -> io::Result<Self> {
        let received = Arc::new(AtomicUsize::new(0));
        for signal in [SIGINT, SIGTERM] {
            signal_hook::flag::register_usize(signal, Arc::clone(&received), signal as usize)?;
        }
        Ok(Self { received })
    }

    /// The name of the signal that asked stepgen to stop, if one did.
    pub fn received(&self) -> Option<&'static str> {
        match self.received.load(Ordering::SeqCst) {
            0 => None,
            n if n == SIGINT as usize => Some("SIGINT"),
            n if n == SIGTERM as usize => Some("SIGTERM"),
            _ => Some("a signal"),
        }
    }

    pub fn check(&self) -> Result<(), DevError> {
        match self.received() {
            Some(signal) => Err(DevError::Interrupted(signal)),
            None => Ok(()),
        }
    }
}

struct Running {
    name: String,
    child: Child,
    log: PathBuf,
    exited: Option<ExitStatus>,
}

/// The long-running children (emulator, API, dev server). Dropping it stops them all, so every
/// early return during startup cleans up too.
#[derive(Default)]
pub struct Children {
    running: Vec<Running>,
}

impl Children {
    /// Starts `command` in its own process group, its stdout and stderr appended to `log`.
    pub fn spawn(&mut self, name: &str, mut command: Command, log: &Path) -> Result<(), DevError> {
        isolate(&mut command, log)?;
        let child = command.spawn().map_err(|source| DevError::Io {
            context: format!("cannot start {name} ({:?})", command.get_program()),
            source,
        })?;
        self.running.push(Running {
            name: name.to_owned(),
            child,
            log: log.to_owned(),
            exited: None,
        });
        Ok(())
    }

    /// Fails, naming the child and showing its last log lines, if one has exited.
    pub fn check(&mut self) -> Result<(), DevError> {
        for running in &mut self.running {
            if running.exited.is_some() {
                continue;
            }
            if let Ok(Some(status)) = running.child.try_wait() {
                running.exited = Some(status);
                return Err(DevError::ChildDied {
                    name: running.name.clone(),
                    status: describe(status),
                    log: running.log.clone(),
                    tail: tail(&running.log, 15),
                });
            }
        }
        Ok(())
    }

    /// The process ids of the children (each is also its process group's id).
    pub fn pids(&self) -> Vec<u32> {
        self.running.iter().map(|r| r.child.id()).collect()
    }

    /// Sends SIGTERM to every child's process group, waits for the groups to empty, and kills
    /// what is left after the grace period. Returns the names of the children that had to be killed.
    pub fn stop_all(&mut self) -> Vec<String> {
        let groups: Vec<u32> = self.pids();
        for &group in &groups {
            signal_group(group, libc::SIGTERM);
        }
        let mut killed = Vec::new();
        if !self.wait_for_groups(GRACE) {
            for running in &self.running {
                if group_exists(running.child.id()) {
                    killed.push(running.name.clone());
                    signal_group(running.child.id(), libc::SIGKILL);
                }
            }
            self.wait_for_groups(Duration::from_secs(2));
        }
        self.running.clear();
        killed
    }

    /// Reaps the children and waits until none of their process groups has a member left.
    fn wait_for_groups(&mut self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            for running in &mut self.running {
                if running.exited.is_none()
                    && let Ok(Some(status)) = running.child.try_wait()
                {
                    running.exited = Some(status);
                }
            }
            let alive = self
                .running
                .iter()
                .any(|r| r.exited.is_none() || group_exists(r.child.id()));
            if !alive {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            thread::sleep(Duration::from_millis(25));
        }
    }
}

impl Drop for Children {
    fn drop(&mut self) {
        self.stop_all();
    }
}

/// Runs a one-off command (install, synth, build) to completion, its output in `log`, while
/// watching for signals and for the long-running children dying. Returns its stdout when
/// `capture_stdout` is set (then only stderr goes to the log).
pub fn run_to_completion(
    what: &str,
    mut command: Command,
    log: &Path,
    capture_stdout: bool,
    stop: &StopSignal,
    children: &mut Children,
) -> Result<String, DevError> {
    isolate(&mut command, log)?;
    if capture_stdout {
        command.stdout(Stdio::piped());
    }
    let mut child = command.spawn().map_err(|source| DevError::Io {
        context: format!("cannot run {what} ({:?})", command.get_program()),
        source,
    })?;
    // A pipe holds only 64 KiB: read it while the command runs, or it blocks on a full pipe.
    let reader = child.stdout.take().map(|mut stdout| {
        thread::spawn(move || {
            let mut text = String::new();
            stdout.read_to_string(&mut text).map(|_| text)
        })
    });
    let status = loop {
        let interrupted = stop.check().and_then(|()| children.check());
        if let Err(err) = interrupted {
            stop_one(&mut child);
            return Err(err);
        }
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => thread::sleep(POLL),
            Err(source) => {
                return Err(DevError::Io {
                    context: format!("cannot wait for {what}"),
                    source,
                });
            }
        }
    };
    let stdout = match reader {
        Some(reader) => reader
            .join()
            .expect("the stdout reader does not panic")
            .unwrap_or_default(),
        None => String::new(),
    };
    if !status.success() {
        return Err(DevError::CommandFailed {
            what: what.to_owned(),
            status: describe(status),
            log: log.to_owned(),
            tail: tail(log, 25),
        });
    }
    Ok(stdout)
}

/// Polls `ready` until it answers true, failing on a signal, a dead child or the timeout.
/// Returns how long it took.
pub fn wait_until(
    what: &str,
    log: &Path,
    timeout: Duration,
    stop: &StopSignal,
    children: &mut Children,
    mut ready: impl FnMut() -> bool,
) -> Result<Duration, DevError> {
    let started = Instant::now();
    loop {
        stop.check()?;
        children.check()?;
        if ready() {
            return Ok(started.elapsed());
        }
        if started.elapsed() > timeout {
            return Err(DevError::NotReady {
                what: what.to_owned(),
                seconds: timeout.as_secs(),
                log: log.to_owned(),
                tail: tail(log, 15),
            });
        }
        thread::sleep(POLL);
    }
}

/// Blocks until a signal arrives (Ok) or a child dies (the error says which).
pub fn supervise(stop: &StopSignal, children: &mut Children) -> Result<&'static str, DevError> {
    loop {
        if let Some(signal) = stop.received() {
            return Ok(signal);
        }
        children.check()?;
        thread::sleep(POLL);
    }
}

/// `preferred` if nothing listens on it on the loopback interface and it is not in `taken`,
/// otherwise a free port the kernel picks. The flag says whether it was replaced.
pub fn pick_port(preferred: u16, taken: &[u16]) -> io::Result<(u16, bool)> {
    if !taken.contains(&preferred) && TcpListener::bind((Ipv4Addr::LOCALHOST, preferred)).is_ok() {
        return Ok((preferred, false));
    }
    loop {
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
            .local_addr()?
            .port();
        if !taken.contains(&port) {
            return Ok((port, true));
        }
    }
}

/// True when something accepts connections on the loopback `port`.
#[cfg(test)]
fn port_in_use(port: u16) -> bool {
    TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_err()
}

/// The last `lines` lines of a log file, indented for an error message.
pub fn tail(log: &Path, lines: usize) -> String {
    let text = std::fs::read(log)
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    let start = all.len().saturating_sub(lines);
    all[start..]
        .iter()
        .map(|line| format!("    | {line}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// No terminal input, output to `log`, a process group of its own, and (on Linux) SIGTERM if
/// stepgen itself dies without cleaning up, e.g. on SIGKILL.
fn isolate(command: &mut Command, log: &Path) -> Result<(), DevError> {
    // Emptied, then written in append mode: lines stepgen adds to a child's log (a queue
    // poller's deliveries) are never overwritten by the child's own.
    let file = File::create(log)
        .and_then(|_| File::options().append(true).open(log))
        .map_err(|source| DevError::Io {
            context: format!("cannot create the log file {}", log.display()),
            source,
        })?;
    let copy = file.try_clone().map_err(|source| DevError::Io {
        context: format!("cannot open the log file {}", log.display()),
        source,
    })?;
    command
        .stdin(Stdio::null())
        .stdout(copy)
        .stderr(file)
        .process_group(0);
    #[cfg(target_os = "linux")]
    // SAFETY: prctl is async-signal-safe and the closure touches no memory of the parent.
    unsafe {
        command.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) == -1 {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        });
    }
    Ok(())
}

/// Stops a one-off command's whole process group and reaps it.
fn stop_one(child: &mut Child) {
    let group = child.id();
    signal_group(group, libc::SIGTERM);
    let deadline = Instant::now() + GRACE;
    while Instant::now() < deadline {
        if matches!(child.try_wait(), Ok(Some(_))) && !group_exists(group) {
            return;
        }
        thread::sleep(Duration::from_millis(25));
    }
    signal_group(group, libc::SIGKILL);
    let _ = child.wait();
}

fn signal_group(group: u32, signal: libc::c_int) {
    let Ok(group) = libc::pid_t::try_from(group) else {
        return;
    };
    // SAFETY: kill has no memory-safety preconditions; a negative pid addresses the group.
    unsafe {
        libc::kill(-group, signal);
    }
}

/// True while any process (a zombie included) belongs to the process group.
pub fn group_exists(group: u32) -> bool {
    let Ok(group) = libc::pid_t::try_from(group) else {
        return false;
    };
    // SAFETY: signal 0 only checks that the group exists and may be signalled.
    let result = unsafe { libc::kill(-group, 0) };
    result == 0 || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

fn describe(status: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit status {code}"),
        (None, Some(signal)) => format!("killed by signal {signal}"),
        _ => status.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_busy_preferred_port_is_replaced_by_a_free_one() {
        let busy = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let busy_port = busy.local_addr().unwrap().port();
        let (port, replaced) = pick_port(busy_port, &[]).unwrap();
        assert!(replaced);
        assert_ne!(port, busy_port);
        assert!(!port_in_use(port));
        drop(busy);
        let (port, replaced) = pick_port(busy_port, &[busy_port]).unwrap();
        assert!(
            replaced,
            "a port already handed out is not handed out twice"
        );
        assert_ne!(port, busy_port);
    }

    #[test]
    fn tail_keeps_the_last_lines() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("x.log");
        std::fs::write(&log, "one\ntwo\nthree\n").unwrap();
        assert_eq!(tail(&log, 2), "    | two\n    | three");
        assert_eq!(tail(&dir.path().join("missing.log"), 2), "");
    }

    #[test]
    fn stopping_children_ends_their_whole_process_group() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("sleep.log");
        let mut children = Children::default();
        // The shell starts a grandchild: stopping must reach it too.
        let mut command = Command::new("sh");
        command.args(["-c", "sleep 60 & sleep 60; wait"]);
        children.spawn("sleeper", command, &log).unwrap();
        let group = children.pids()[0];
        children.check().unwrap();
        assert!(group_exists(group));
        assert!(children.stop_all().is_empty());
        assert!(!group_exists(group));
    }

    #[test]
    fn a_child_that_dies_is_reported_with_its_log() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("fail.log");
        let mut children = Children::default();
        let mut command = Command::new("sh");
        command.args(["-c", "echo 'address already in use'; exit 3"]);
        children.spawn("server", command, &log).unwrap();
        let stop = StopSignal {
            received: Arc::new(AtomicUsize::new(0)),
        };
        let err = wait_until(
            "server",
            &log,
            Duration::from_secs(10),
            &stop,
            &mut children,
            || false,
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("server stopped unexpectedly (exit status 3)"),
            "{err}"
        );
        assert!(err.contains("address already in use"), "{err}");
    }
}
