//! npm: the root workspace (the CDK toolchain and every SPA's dependencies), offline
//! `cdk synth`, and Vite's dev server.

use std::path::Path;
use std::process::Command;

use super::super::Session;
use super::{DevError, NPM, NPX};

/// Runs `npm ci` at the repository root unless `node_modules` exists. Returns whether it did.
pub fn ensure_workspace(session: &mut Session) -> Result<bool, DevError> {
    if session.repo.join("node_modules").is_dir() {
        return Ok(false);
    }
    let mut install = Command::new(NPM.find()?);
    install
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(&session.repo);
    session.run("setup", "npm ci (first run only)", install, "setup-npm.log")?;
    Ok(true)
}

/// Synthesizes the CDK app in `step_dir` into `out_dir` without bundling (no Rust or SPA
/// build): the templates alone, which is all the local run reads.
pub fn synth_command(step_dir: &Path, out_dir: &Path) -> Result<Command, DevError> {
    let mut command = Command::new(NPX.find()?);
    command
        // `--no`: use the workspace's CDK CLI, never download one.
        .args([
            "--no",
            "--",
            "cdk",
            "synth",
            "--quiet",
            "-c",
            "skipBundling=true",
            "--output",
        ])
        .arg(out_dir)
        .current_dir(step_dir);
    Ok(command)
}

/// Vite's dev server for the SPA in `web_dir`, on exactly `port` (fail rather than move, since
/// the API already allows that origin).
pub fn vite_command(web_dir: &Path, port: u16) -> Result<Command, DevError> {
    let mut command = Command::new(NPX.find()?);
    command
        .args([
            "--no",
            "--",
            "vite",
            "--host",
            "127.0.0.1",
            "--port",
            &port.to_string(),
            "--strictPort",
        ])
        .current_dir(web_dir);
    Ok(command)
}
