//! `stepgen dev step00` end to end, on the repository's generated step00: the real binary,
//! moto from `.venv`, the step's API built by cargo, and Vite from `node_modules`.
//!
//! Slow on a cold machine (it synthesizes the CDK app and builds the API): the wait for the
//! ready file is generous. It needs `.venv` and `node_modules` (`tests/run` installs both, and
//! `stepgen dev` installs them itself when missing).

use std::io::Read as _;
use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const READY_TIMEOUT: Duration = Duration::from_secs(900);
const EXIT_TIMEOUT: Duration = Duration::from_secs(30);

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the generator sits in the repository")
        .to_owned()
}

/// The `stepgen dev` child; stopped (SIGTERM, then SIGKILL) if the test fails half-way.
struct Dev {
    child: Child,
    output: PathBuf,
}

impl Dev {
    fn output(&self) -> String {
        std::fs::read_to_string(&self.output).unwrap_or_default()
    }

    fn signal(&self, signal: libc::c_int) {
        let pid = libc::pid_t::try_from(self.child.id()).unwrap();
        // SAFETY: kill has no memory-safety preconditions.
        unsafe { libc::kill(pid, signal) };
    }

    fn wait_for_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            thread::sleep(Duration::from_millis(50));
        }
        None
    }
}

impl Drop for Dev {
    fn drop(&mut self) {
        if self.child.try_wait().unwrap().is_none() {
            self.signal(libc::SIGTERM);
            if self.wait_for_exit(EXIT_TIMEOUT).is_none() {
                let _ = self.child.kill();
                let _ = self.child.wait();
            }
        }
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(10)))
        .http_status_as_error(false)
        .proxy(None)
        .build()
        .into()
}

fn get(url: &str, accept: &str) -> (u16, String) {
    let mut response = agent().get(url).header("Accept", accept).call().unwrap();
    let body = response.body_mut().read_to_string().unwrap();
    (response.status().as_u16(), body)
}

fn port_of(url: &str) -> u16 {
    let authority = url.trim_start_matches("http://").trim_end_matches('/');
    authority.rsplit_once(':').unwrap().1.parse().unwrap()
}

fn group_exists(group: u64) -> bool {
    let group = libc::pid_t::try_from(group).unwrap();
    // SAFETY: signal 0 only checks that the process group exists.
    let result = unsafe { libc::kill(-group, 0) };
    result == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

fn start(ready_file: &Path, output: &Path) -> Dev {
    let log = std::fs::File::create(output).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_stepgen"))
        .args(["dev", "step00", "--ready-file"])
        .arg(ready_file)
        .current_dir(repo())
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap();
    Dev {
        child,
        output: output.to_owned(),
    }
}

enum Ready {
    Yes,
    StepBusy,
}

fn wait_until_ready(dev: &mut Dev, ready_file: &Path, started: Instant) -> Ready {
    while !ready_file.exists() {
        if let Some(status) = dev.child.try_wait().unwrap() {
            let output = dev.output();
            if output.contains("another `stepgen dev step00` is running") {
                return Ready::StepBusy;
            }
            panic!("stepgen dev exited ({status}) before it was ready:\n{output}");
        }
        assert!(
            started.elapsed() < READY_TIMEOUT,
            "no ready file after {READY_TIMEOUT:?}:\n{}",
            dev.output()
        );
        thread::sleep(Duration::from_millis(200));
    }
    Ready::Yes
}

#[test]
fn dev_runs_step00_locally_and_stops_everything_on_sigterm() {
    let scratch = tempfile::tempdir().unwrap();
    let ready_file = scratch.path().join("ready.json");
    let started = Instant::now();
    // Another `stepgen dev step00` (the browser tests, a developer) holds the step's lock:
    // wait for it to finish rather than fail.
    let mut dev = loop {
        let mut dev = start(&ready_file, &scratch.path().join("stepgen-dev.out"));
        match wait_until_ready(&mut dev, &ready_file, started) {
            Ready::Yes => break dev,
            Ready::StepBusy => thread::sleep(Duration::from_secs(2)),
        }
    };
    let mut text = String::new();
    std::fs::File::open(&ready_file)
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    let ready: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(ready["step"], "step00");
    assert_eq!(ready["user"], Value::Null, "step00 has no sign-in");
    let tables = ready["tables"].as_object().unwrap();
    assert_eq!(tables.len(), 1, "{ready}");
    let (spa, api, emulator) = (
        ready["spa"].as_str().unwrap(),
        ready["api"].as_str().unwrap(),
        ready["emulator"].as_str().unwrap(),
    );

    let (status, index) = get(spa, "text/html");
    assert_eq!(status, 200);
    assert!(index.contains("<div id=\"root\">"), "{index}");
    let (status, config) = get(&format!("{spa}config.json"), "application/json");
    assert_eq!(status, 200);
    assert_eq!(
        serde_json::from_str::<Value>(&config).unwrap(),
        json!({"apiUrl": api})
    );

    let (status, empty) = get(&format!("{api}todos"), "application/json");
    assert_eq!(
        (status, serde_json::from_str::<Value>(&empty).unwrap()),
        (200, json!({"todos": []}))
    );
    let mut created = agent()
        .post(&format!("{api}todos"))
        .header("Content-Type", "application/json")
        .header("Origin", spa.trim_end_matches('/'))
        .send(json!({"title": "buy milk"}).to_string())
        .unwrap();
    assert_eq!(created.status().as_u16(), 201);
    assert_eq!(
        created.headers()["access-control-allow-origin"],
        spa.trim_end_matches('/'),
        "the API allows the local SPA's origin"
    );
    let todo: Value = serde_json::from_str(&created.body_mut().read_to_string().unwrap()).unwrap();
    let (status, listed) = get(&format!("{api}todos"), "application/json");
    assert_eq!(status, 200);
    let listed: Value = serde_json::from_str(&listed).unwrap();
    assert_eq!(
        listed["todos"],
        json!([todo]),
        "the todo round-trips through DynamoDB on moto"
    );

    let pids: Vec<u64> = ready["pids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_u64().unwrap())
        .collect();
    assert_eq!(pids.len(), 3, "emulator, SPA and API: {ready}");
    dev.signal(libc::SIGTERM);
    let status = dev.wait_for_exit(EXIT_TIMEOUT).unwrap_or_else(|| {
        panic!(
            "stepgen dev still runs {EXIT_TIMEOUT:?} after SIGTERM:\n{}",
            dev.output()
        )
    });
    assert!(status.success(), "{status}:\n{}", dev.output());
    assert!(!ready_file.exists(), "the ready file is removed on exit");
    for url in [spa, api, emulator] {
        let port = port_of(url);
        assert!(
            TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_ok(),
            "port {port} ({url}) is still in use after stepgen dev exited"
        );
    }
    for pid in pids {
        assert!(
            !group_exists(pid),
            "a process of group {pid} survived stepgen dev"
        );
    }
}
