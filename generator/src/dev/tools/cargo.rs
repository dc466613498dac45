//! Cargo: which binary a Lambda crate builds, and building it for this machine, where it
//! serves HTTP itself (the same router that runs in Lambda).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use super::super::Session;
use super::{CARGO, DevError};

/// A Cargo package and the one binary it builds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrateBinary {
    pub package: String,
    pub bin: String,
}

/// The workspace's packages as `cargo metadata --no-deps` describes them.
pub fn workspace_metadata(session: &mut Session) -> Result<Value, DevError> {
    let mut command = Command::new(CARGO.find()?);
    command
        .args(["metadata", "--no-deps", "--format-version", "1"])
        .current_dir(&session.repo);
    let stdout = session.run_capturing("build", "cargo metadata", command, "cargo-metadata.log")?;
    serde_json::from_str(&stdout)
        .map_err(|e| DevError::Setup(format!("cannot read `cargo metadata` output: {e}")))
}

/// The package whose `Cargo.toml` is in `crate_dir`, and its only binary.
pub fn binary_of(metadata: &Value, crate_dir: &Path) -> Result<CrateBinary, String> {
    let wanted = canonical(&crate_dir.join("Cargo.toml"));
    let packages = metadata["packages"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    let package = packages
        .iter()
        .find(|p| p["manifest_path"].as_str().map(|m| canonical(Path::new(m))) == Some(wanted.clone()))
        .ok_or_else(|| {
            format!(
                "{} is not a member of the Cargo workspace; add it to `members` in the root Cargo.toml",
                crate_dir.display()
            )
        })?;
    let name = package["name"].as_str().unwrap_or_default().to_owned();
    let bins: Vec<String> = package["targets"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter(|t| {
            t["kind"]
                .as_array()
                .is_some_and(|k| k.iter().any(|k| k == "bin"))
        })
        .filter_map(|t| t["name"].as_str().map(str::to_owned))
        .collect();
    match bins.as_slice() {
        [bin] => Ok(CrateBinary {
            package: name,
            bin: bin.clone(),
        }),
        [] => Err(format!("package {name} builds no binary")),
        _ => Err(format!(
            "package {name} builds several binaries ({}); `stepgen dev` cannot tell which one the function runs",
            bins.join(", ")
        )),
    }
}

/// Builds the binaries (debug profile: much faster to compile, and fast enough for one user)
/// and returns each one's executable, by binary name.
pub fn build(
    session: &mut Session,
    binaries: &[CrateBinary],
) -> Result<BTreeMap<String, PathBuf>, DevError> {
    let mut command = Command::new(CARGO.find()?);
    command
        .args(["build", "--message-format=json-render-diagnostics"])
        .current_dir(&session.repo);
    for binary in binaries {
        command.args(["-p", &binary.package, "--bin", &binary.bin]);
    }
    let shown = binaries
        .iter()
        .map(|b| format!("-p {}", b.package))
        .collect::<Vec<_>>()
        .join(" ");
    let stdout = session.run_capturing(
        "build",
        &format!("cargo build {shown}"),
        command,
        "build.log",
    )?;
    let executables = executables(&stdout);
    for binary in binaries {
        if !executables.contains_key(&binary.bin) {
            return Err(DevError::Setup(format!(
                "cargo built no executable named {} (package {})",
                binary.bin, binary.package
            )));
        }
    }
    Ok(executables)
}

/// The executables in cargo's JSON messages, by target name.
fn executables(messages: &str) -> BTreeMap<String, PathBuf> {
    messages
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-artifact")
        .filter_map(|m| {
            let name = m["target"]["name"].as_str()?.to_owned();
            let executable = m["executable"].as_str()?;
            Some((name, PathBuf::from(executable)))
        })
        .collect()
}

fn canonical(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_owned())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_crate_in_a_folder_and_its_binary_are_found() {
        let metadata = json!({"packages": [
            {"name": "lib-only", "manifest_path": "/r/lib/Cargo.toml", "targets": [{"name": "lib_only", "kind": ["lib"]}]},
            {"name": "step00-api", "manifest_path": "/r/generated/s/lambdas/api/Cargo.toml",
             "targets": [{"name": "step00-api", "kind": ["bin"]}]},
            {"name": "two", "manifest_path": "/r/two/Cargo.toml",
             "targets": [{"name": "a", "kind": ["bin"]}, {"name": "b", "kind": ["bin"]}]}
        ]});
        assert_eq!(
            binary_of(&metadata, Path::new("/r/generated/s/lambdas/api")).unwrap(),
            CrateBinary {
                package: "step00-api".into(),
                bin: "step00-api".into()
            }
        );
        assert!(
            binary_of(&metadata, Path::new("/r/lib"))
                .unwrap_err()
                .contains("no binary")
        );
        assert!(
            binary_of(&metadata, Path::new("/r/two"))
                .unwrap_err()
                .contains("a, b")
        );
        assert!(
            binary_of(&metadata, Path::new("/r/none"))
                .unwrap_err()
                .contains("not a member")
        );
    }

    #[test]
    fn executables_come_from_compiler_artifact_messages() {
        let messages = [
            json!({"reason": "compiler-artifact", "target": {"name": "todo_api", "kind": ["lib"]}, "executable": null}),
            json!({"reason": "compiler-artifact", "target": {"name": "step00-api", "kind": ["bin"]}, "executable": "/t/debug/step00-api"}),
            json!({"reason": "build-finished", "success": true}),
        ]
        .map(|m| m.to_string())
        .join("\n");
        let found = executables(&messages);
        assert_eq!(found.len(), 1);
        assert_eq!(found["step00-api"], PathBuf::from("/t/debug/step00-api"));
    }
}
