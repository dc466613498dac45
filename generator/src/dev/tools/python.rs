//! Python: the repository's virtualenv `.venv`, which holds moto's server (the AWS emulator),
//! installed from `tests/requirements.txt` like the rest of the test tools.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::super::Session;
use super::{DevError, PYTHON};

/// Where moto's server is once the virtualenv is installed.
pub fn moto_server(repo: &Path) -> PathBuf {
    repo.join(".venv/bin/moto_server")
}

/// Creates `.venv` and installs the test requirements unless moto's server is already there.
/// Returns whether it installed anything.
pub fn ensure_moto(session: &mut Session) -> Result<bool, DevError> {
    let repo = session.repo.clone();
    if moto_server(&repo).is_file() {
        return Ok(false);
    }
    let python = PYTHON.find()?;
    let mut venv = Command::new(python);
    venv.args(["-m", "venv", ".venv"]).current_dir(&repo);
    session.run("setup", "python3 -m venv .venv", venv, "setup-venv.log")?;
    let mut pip = Command::new(repo.join(".venv/bin/pip"));
    pip.args([
        "install",
        "--disable-pip-version-check",
        "-r",
        "tests/requirements.txt",
    ])
    .current_dir(&repo);
    session.run(
        "setup",
        ".venv/bin/pip install -r tests/requirements.txt",
        pip,
        "setup-pip.log",
    )?;
    if !moto_server(&repo).is_file() {
        return Err(DevError::Setup(format!(
            "{} is still missing after installing tests/requirements.txt\n  help: make sure the file lists moto[server]",
            moto_server(&repo).display()
        )));
    }
    Ok(true)
}

/// moto's server on the loopback interface only.
pub fn moto_command(repo: &Path, port: u16) -> Command {
    let mut command = Command::new(moto_server(repo));
    command.args(["-H", "127.0.0.1", "-p", &port.to_string()]);
    command
}
