//! The external programs `stepgen dev` needs, one small module each: where to find them, and
//! the command that installs one that is missing.

pub mod cargo;
pub mod npm;
pub mod python;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use super::DevError;

/// A program looked up on `PATH`.
pub struct Tool {
    pub program: &'static str,
    /// What `stepgen dev` uses it for (completes "needs it to …").
    pub purpose: &'static str,
    /// How to install it, shown when it is missing.
    pub install: &'static str,
}

pub const PYTHON: Tool = Tool {
    program: "python3",
    purpose: "create the virtualenv with moto, the AWS emulator",
    install: "install Python 3.11+ with venv: `sudo apt-get install python3 python3-venv` (Debian/Ubuntu) or `brew install python` (macOS)",
};

pub const NPX: Tool = Tool {
    program: "npx",
    purpose: "synthesize the CDK app and run Vite",
    install: "install Node.js 20+ with npm: `sudo apt-get install nodejs npm` (Debian/Ubuntu), `brew install node` (macOS), or from https://nodejs.org",
};

pub const NPM: Tool = Tool {
    program: "npm",
    purpose: "install the npm workspace (CDK toolchain, SPA dependencies)",
    install: NPX.install,
};

pub const CARGO: Tool = Tool {
    program: "cargo",
    purpose: "build the step's Rust Lambda to serve its API locally",
    install: "install Rust with rustup: `curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh`",
};

impl Tool {
    /// The program's path, or an error that says how to install it.
    pub fn find(&self) -> Result<PathBuf, DevError> {
        let path = std::env::var_os("PATH").unwrap_or_default();
        find_in_path(self.program, &path).ok_or(DevError::MissingTool {
            program: self.program,
            purpose: self.purpose,
            install: self.install,
        })
    }
}

/// The first executable file named `program` in the `PATH`-style list `path`.
pub fn find_in_path(program: &str, path: &OsStr) -> Option<PathBuf> {
    std::env::split_paths(path)
        .map(|dir| dir.join(program))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn finds_only_executables_in_path_order() {
        let dir = tempfile::tempdir().unwrap();
        let (first, second) = (dir.path().join("a"), dir.path().join("b"));
        std::fs::create_dir_all(&first).unwrap();
        std::fs::create_dir_all(&second).unwrap();
        std::fs::write(first.join("tool"), "not executable").unwrap();
        std::fs::write(second.join("tool"), "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(second.join("tool"), std::fs::Permissions::from_mode(0o755))
            .unwrap();
        let path = std::env::join_paths([&first, &second]).unwrap();
        assert_eq!(find_in_path("tool", &path), Some(second.join("tool")));
        assert_eq!(find_in_path("missing", &path), None);
    }

    #[test]
    fn a_missing_tool_names_its_install_command() {
        let tool = Tool {
            program: "surely-not-installed-anywhere",
            ..PYTHON
        };
        let message = tool.find().unwrap_err().to_string();
        assert!(
            message.contains("surely-not-installed-anywhere was not found"),
            "{message}"
        );
        assert!(message.contains("apt-get install python3"), "{message}");
    }
}
