//! A private `moto_server` process on a free loopback port, killed on drop.

use std::fs::File;
use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long moto may take to start; it is a Python program and the machine may be busy
/// compiling, so this is generous.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);

/// A running moto server. Every emulated service shares it; the helpers for each service
/// wrap one of these.
pub(crate) struct MotoServer {
    process: Child,
    endpoint: String,
    log_path: PathBuf,
}

impl MotoServer {
    /// Starts moto; call [`Self::wait_until_ready`] before using it.
    ///
    /// # Panics
    ///
    /// When moto cannot be found or started; the message says how to fix it.
    pub(crate) fn spawn() -> Self {
        let program = find_moto_server();
        let port = free_loopback_port();
        let log_path = std::env::temp_dir().join(format!("todo-test-moto-{port}.log"));
        // moto logs every request; a file (unlike a pipe nobody reads) can never fill up
        // and stall the server, and it is there to read when something goes wrong.
        let log = File::create(&log_path)
            .unwrap_or_else(|e| panic!("cannot create moto log {}: {e}", log_path.display()));
        let log_for_stderr = log
            .try_clone()
            .unwrap_or_else(|e| panic!("cannot share moto log {}: {e}", log_path.display()));
        let process = Command::new(&program)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_for_stderr)
            .spawn()
            .unwrap_or_else(|e| {
                let _ = std::fs::remove_file(&log_path);
                panic!(
                    "cannot start {}: {e}; run tests/run once to create .venv, or set MOTO_SERVER",
                    program.display()
                )
            });
        Self {
            process,
            endpoint: format!("http://127.0.0.1:{port}"),
            log_path,
        }
    }

    /// The emulator's URL, e.g. `http://127.0.0.1:41234`.
    pub(crate) fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Waits until `ready` (a request to the service the caller needs) succeeds.
    ///
    /// # Panics
    ///
    /// When moto exits or does not answer in time; the message includes its log.
    pub(crate) async fn wait_until_ready(&mut self, ready: impl AsyncFn() -> bool) {
        let deadline = Instant::now() + STARTUP_TIMEOUT;
        loop {
            if let Ok(Some(status)) = self.process.try_wait() {
                panic!(
                    "moto_server exited during startup ({status}); its log:\n{}",
                    self.log()
                );
            }
            if ready().await {
                return;
            }
            if Instant::now() > deadline {
                panic!(
                    "moto_server did not answer at {} within {STARTUP_TIMEOUT:?}; its log:\n{}",
                    self.endpoint,
                    self.log()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// What moto has logged so far, for failure messages.
    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path)
            .unwrap_or_else(|e| format!("(cannot read {}: {e})", self.log_path.display()))
    }
}

impl Drop for MotoServer {
    fn drop(&mut self) {
        // Errors are ignored: the process may already have exited, and a failing drop must
        // not hide the test's own failure.
        let _ = self.process.kill();
        let _ = self.process.wait();
        let _ = std::fs::remove_file(&self.log_path);
    }
}

fn find_moto_server() -> PathBuf {
    if let Some(path) = std::env::var_os("MOTO_SERVER") {
        return PathBuf::from(path);
    }
    let workspace_root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let in_venv = workspace_root.join(".venv/bin/moto_server");
    if in_venv.is_file() {
        return in_venv;
    }
    if let Some(on_path) = find_on_path("moto_server") {
        return on_path;
    }
    panic!(
        "moto_server not found (looked at $MOTO_SERVER, {}, and PATH): \
         run tests/run once to create .venv, or set MOTO_SERVER",
        in_venv.display()
    );
}

fn find_on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// A port that was free a moment ago. The OS picks it, so parallel tests do not collide;
/// the tiny window before moto binds it is acceptable for tests.
fn free_loopback_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("the OS can always hand out a loopback port")
}
