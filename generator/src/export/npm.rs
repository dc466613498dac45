//! The npm half of an export. In the repository the step's CDK app and its SPA are members of
//! the root npm workspace; in the export the CDK app's `package.json` becomes the workspace root
//! with the SPA (`web/`) as its member, so one `npm install` serves both, and the repository's
//! `package-lock.json` is cut down to the packages they reach, so versions stay the same.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use serde_json::{Map, Value, json};

use super::{ExportError, Files, Report, with_path};

pub(super) fn export(
    repo: &Path,
    step_dir: &Path,
    files: &mut Files,
    report: &mut Report,
) -> Result<(), ExportError> {
    let Some(root) = files.text("package.json").map(str::to_owned) else {
        return Ok(());
    };
    // Every other folder of the step with a package.json is a package of its own (web/).
    let members: Vec<String> = files
        .files
        .keys()
        .filter_map(|p| p.strip_suffix("/package.json"))
        .filter(|dir| !dir.split('/').any(|part| part == "node_modules"))
        .map(str::to_owned)
        .collect();
    if !members.is_empty() {
        files.insert("package.json", with_workspaces(&root, &members)?, false);
        report.rewritten.push((
            "package.json".into(),
            format!(
                "an npm workspace of the CDK app and {}, so one `npm install` serves both",
                members.join(", ")
            ),
        ));
    }

    let lock_path = repo.join("package-lock.json");
    let repo_lock: Value = match fs::read_to_string(&lock_path) {
        Ok(text) => serde_json::from_str(&text).map_err(|e| {
            ExportError::Invalid(format!("{}: not valid JSON: {e}", lock_path.display()))
        })?,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            report.added.push((
                "(no package-lock.json)".into(),
                "the repository has none; `npm install` resolves versions afresh".into(),
            ));
            return Ok(());
        }
        Err(err) => return Err(with_path(err, &lock_path).into()),
    };
    let step = fs::canonicalize(step_dir).map_err(|e| with_path(e, step_dir))?;
    let repo = fs::canonicalize(repo).map_err(|e| with_path(e, repo))?;
    let step_rel = step
        .strip_prefix(&repo)
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .unwrap_or_default();
    match cut_lock(&repo_lock, &step_rel, &members) {
        Ok(lock) => {
            let text = serde_json::to_string_pretty(&lock).map_err(|e| {
                ExportError::Invalid(format!("cannot write package-lock.json: {e}"))
            })?;
            files.insert("package-lock.json", text + "\n", false);
            report.added.push((
                "package-lock.json".into(),
                "the course's lock file cut down to the packages this step reaches: the same versions".into(),
            ));
        }
        Err(why) => report.added.push((
            "(no package-lock.json)".into(),
            format!("{why}; `npm install` resolves versions afresh"),
        )),
    }
    Ok(())
}

/// `package.json` with `"workspaces"` added after `"private"` (or first), keeping its layout.
fn with_workspaces(text: &str, members: &[String]) -> Result<String, ExportError> {
    let parsed: Value = serde_json::from_str(text)
        .map_err(|e| ExportError::Invalid(format!("the step's package.json: {e}")))?;
    if parsed.get("workspaces").is_some() {
        return Err(ExportError::Invalid(
            "the step's package.json already declares workspaces; stepgen export does not know how to merge them".into(),
        ));
    }
    let list: Vec<String> = members.iter().map(|m| format!("\"{m}\"")).collect();
    let entry = format!("  \"workspaces\": [{}],\n", list.join(", "));
    let mut out = String::with_capacity(text.len() + entry.len());
    let mut inserted = false;
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let after = lines
        .iter()
        .position(|l| l.trim_start().starts_with("\"private\""))
        .filter(|&i| lines[i].trim_end().ends_with(','))
        .unwrap_or(0);
    for (i, line) in lines.iter().enumerate() {
        out.push_str(line);
        if i == after && !inserted {
            out.push_str(&entry);
            inserted = true;
        }
    }
    serde_json::from_str::<Value>(&out).map_err(|e| {
        ExportError::Invalid(format!(
            "cannot add workspaces to the step's package.json ({e}); is it formatted one key per line?"
        ))
    })?;
    Ok(out)
}

/// The repository's lock file re-rooted at the step (`step_rel`, e.g.
/// `generated/step00_…`) with `members` as its workspaces, keeping only the packages the step
/// and its members reach by Node's resolution.
fn cut_lock(lock: &Value, step_rel: &str, members: &[String]) -> Result<Value, String> {
    let packages = lock["packages"]
        .as_object()
        .ok_or("the repository's package-lock.json has no `packages` (lockfile v2 or later)")?;
    let entry = |at: &str| {
        packages
            .get(at)
            .cloned()
            .ok_or_else(|| format!("the repository's package-lock.json does not list `{at}`"))
    };
    let nested = format!("{step_rel}/node_modules/");
    if packages.keys().any(|k| k.starts_with(&nested)) {
        return Err(format!(
            "the repository's package-lock.json installs packages under {nested}, which would clash with the hoisted ones"
        ));
    }

    let mut pool: BTreeMap<String, Value> = packages
        .iter()
        .filter(|(k, _)| k.starts_with("node_modules/"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mut root = entry(step_rel)?;
    if !members.is_empty() {
        root["workspaces"] = json!(members);
    }
    pool.insert(String::new(), root.clone());
    let mut links = Vec::new();
    for member in members {
        let from = format!("{step_rel}/{member}");
        let value = entry(&from)?;
        let name = value["name"]
            .as_str()
            .ok_or_else(|| format!("`{from}` in the lock file has no name"))?;
        let link = format!("node_modules/{name}");
        pool.insert(link.clone(), json!({ "resolved": member, "link": true }));
        links.push(link);
        pool.insert(member.clone(), value);
        let prefix = format!("{from}/node_modules/");
        for (k, v) in packages.iter().filter(|(k, _)| k.starts_with(&prefix)) {
            pool.insert(format!("{member}/{}", &k[from.len() + 1..]), v.clone());
        }
    }

    // Keep what the root and its members reach, and the members' links.
    let mut kept = BTreeSet::new();
    let mut queue: Vec<String> = std::iter::once(String::new())
        .chain(members.iter().cloned())
        .chain(links)
        .collect();
    while let Some(at) = queue.pop() {
        if !kept.insert(at.clone()) {
            continue;
        }
        let package = &pool[&at];
        if package["link"] == json!(true) {
            if let Some(target) = package["resolved"].as_str()
                && pool.contains_key(target)
            {
                queue.push(target.to_owned());
            }
            continue;
        }
        let mut fields = vec!["dependencies", "optionalDependencies", "peerDependencies"];
        if at.is_empty() || members.contains(&at) {
            fields.push("devDependencies");
        }
        for field in fields {
            let Some(deps) = package[field].as_object() else {
                continue;
            };
            for name in deps.keys() {
                if let Some(found) = resolve(&pool, &at, name) {
                    queue.push(found);
                }
            }
        }
    }
    let packages: Map<String, Value> = pool.into_iter().filter(|(k, _)| kept.contains(k)).collect();

    let mut out = Map::new();
    out.insert("name".into(), root["name"].clone());
    if let Some(version) = root.get("version") {
        out.insert("version".into(), version.clone());
    }
    out.insert("lockfileVersion".into(), lock["lockfileVersion"].clone());
    out.insert("requires".into(), json!(true));
    out.insert("packages".into(), Value::Object(packages));
    Ok(Value::Object(out))
}

/// Where Node finds package `name` required from the package at `at`: the nearest
/// `node_modules/<name>` walking up from it.
fn resolve(pool: &BTreeMap<String, Value>, at: &str, name: &str) -> Option<String> {
    let mut base = at.to_owned();
    loop {
        let candidate = if base.is_empty() {
            format!("node_modules/{name}")
        } else {
            format!("{base}/node_modules/{name}")
        };
        if pool.contains_key(&candidate) {
            return Some(candidate);
        }
        if base.is_empty() {
            return None;
        }
        base = match base.rfind("node_modules/") {
            Some(i) => base[..i].trim_end_matches('/').to_owned(),
            None => String::new(),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds_workspaces_after_private() {
        let text = "{\n  \"name\": \"a\",\n  \"private\": true,\n  \"type\": \"module\"\n}\n";
        let out = with_workspaces(text, &["web".into()]).unwrap();
        assert_eq!(
            out,
            "{\n  \"name\": \"a\",\n  \"private\": true,\n  \"workspaces\": [\"web\"],\n  \"type\": \"module\"\n}\n"
        );
    }

    #[test]
    fn cuts_a_lock_down_to_what_the_step_reaches() {
        let lock = json!({
            "name": "repo", "lockfileVersion": 3, "requires": true,
            "packages": {
                "": { "name": "repo", "workspaces": ["s", "s/web", "other"] },
                "s": { "name": "s", "version": "1.0.0", "dependencies": { "a": "1" }, "devDependencies": { "t": "1" } },
                "s/web": { "name": "s-web", "dependencies": { "b": "1" } },
                "other": { "name": "other", "dependencies": { "unused": "1" } },
                "node_modules/a": { "version": "1.0.0", "dependencies": { "c": "1" } },
                "node_modules/a/node_modules/c": { "version": "1.0.0", "inBundle": true },
                "node_modules/b": { "version": "1.0.0", "peerDependencies": { "a": "1" } },
                "node_modules/c": { "version": "2.0.0" },
                "node_modules/t": { "version": "1.0.0", "dev": true },
                "node_modules/unused": { "version": "1.0.0" },
                "node_modules/s": { "resolved": "s", "link": true },
                "node_modules/s-web": { "resolved": "s/web", "link": true },
                "node_modules/other": { "resolved": "other", "link": true }
            }
        });
        let out = cut_lock(&lock, "s", &["web".into()]).unwrap();
        let keys: Vec<&String> = out["packages"].as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            [
                "",
                "node_modules/a",
                "node_modules/a/node_modules/c",
                "node_modules/b",
                "node_modules/s-web",
                "node_modules/t",
                "web"
            ]
        );
        assert_eq!(out["packages"][""]["workspaces"], json!(["web"]));
        assert_eq!(out["packages"]["node_modules/s-web"]["resolved"], "web");
        assert_eq!(out["name"], "s");
    }
}
