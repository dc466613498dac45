//! A step's committed template snapshot (`test/__snapshots__/<Stack>.template.json`): the
//! synthesized template normalized exactly as the step's vitest test normalizes it, so the
//! step has one snapshot that both `vitest` and `stepgen verify` check and either may refresh.
//!
//! The vitest test writes `JSON.stringify(template, null, 2)` with every 64-hex-digit asset
//! hash replaced by `<asset-hash>`, and no final newline. `cdk synth` writes the same object
//! with `JSON.stringify(template, undefined, 1)`, so doubling each line's indentation and
//! replacing the hashes gives the vitest text byte for byte, key order included, without
//! re-serializing JSON (serde_json would sort the keys). Synthesizing without path metadata,
//! asset metadata and version reporting keeps everything else identical to the test's app.

use std::path::Path;

use serde_json::Value;

use crate::diff::infra;

/// What `cdk synth` writes in place of what the test's in-memory app writes.
const ASSET_HASH: &str = "<asset-hash>";

/// How a stack's snapshot compares with its synthesized template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Snapshot {
    Matches,
    /// The snapshot differs; the detail says where, in words.
    Differs(String),
    /// No snapshot committed for this stack.
    Missing,
    /// `--update` wrote a new or changed snapshot.
    Updated,
}

impl Snapshot {
    /// One word for the table and the JSON report.
    pub fn word(&self) -> &'static str {
        match self {
            Snapshot::Matches => "matches",
            Snapshot::Differs(_) => "differs",
            Snapshot::Missing => "missing",
            Snapshot::Updated => "updated",
        }
    }
}

/// The template text `cdk synth` wrote, normalized as the vitest snapshot is. `None` when the
/// text is not indented JSON as `cdk synth` writes it (one space per level).
pub fn normalize(synthesized: &str) -> Option<String> {
    let mut lines = Vec::new();
    for line in synthesized.trim_end().lines() {
        let content = line.trim_start_matches(' ');
        let depth = line.len() - content.len();
        lines.push(format!(
            "{}{}",
            "  ".repeat(depth),
            replace_asset_hashes(content)
        ));
    }
    // Doubling is only right for JSON indented one space per level, as `cdk synth` writes it.
    let one_space = lines.len() < 2 || lines[1].starts_with("  \"");
    let text = lines.join("\n");
    (one_space && serde_json::from_str::<Value>(&text).is_ok()).then_some(text)
}

/// Every run of exactly 64 lowercase hex digits becomes `<asset-hash>`, like the test's
/// `/[0-9a-f]{64}/g` (which also matches inside longer runs, 64 digits at a time).
fn replace_asset_hashes(text: &str) -> String {
    let bytes = text.as_bytes();
    let is_hex = |b: u8| b.is_ascii_digit() || (b'a'..=b'f').contains(&b);
    let mut out = String::with_capacity(text.len());
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes.len() - i >= 64 && bytes[i..i + 64].iter().all(|&b| is_hex(b)) {
            out.push_str(&text[start..i]);
            out.push_str(ASSET_HASH);
            i += 64;
            start = i;
        } else {
            i += 1;
        }
    }
    out.push_str(&text[start..]);
    out
}

/// Compares the normalized template with the snapshot file, or (with `update`) writes it.
pub fn check(normalized: &str, snapshot_file: &Path, update: bool) -> std::io::Result<Snapshot> {
    let committed = match std::fs::read_to_string(snapshot_file) {
        Ok(text) => Some(text),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
        Err(err) => return Err(err),
    };
    if committed.as_deref() == Some(normalized) {
        return Ok(Snapshot::Matches);
    }
    if update {
        if let Some(parent) = snapshot_file.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let temporary = snapshot_file.with_extension("json.tmp-stepgen");
        std::fs::write(&temporary, normalized)?;
        std::fs::rename(&temporary, snapshot_file)?;
        return Ok(Snapshot::Updated);
    }
    Ok(match committed {
        None => Snapshot::Missing,
        Some(committed) => Snapshot::Differs(describe_difference(&committed, normalized)),
    })
}

/// Where two template texts differ, in words: resources added, removed or changed (as
/// `stepgen diff` reports them), other sections, or only their layout.
pub fn describe_difference(committed: &str, synthesized: &str) -> String {
    let (Ok(old), Ok(new)) = (
        serde_json::from_str::<Value>(committed),
        serde_json::from_str::<Value>(synthesized),
    ) else {
        return "the snapshot is not valid JSON".to_owned();
    };
    let mut parts = Vec::new();
    let delta = infra::template_delta(&old, &new);
    let ids = |refs: &mut dyn Iterator<Item = &infra::ResourceRef>| {
        refs.map(|r| r.logical_id.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !delta.added.is_empty() {
        parts.push(format!("resources added: {}", ids(&mut delta.added.iter())));
    }
    if !delta.removed.is_empty() {
        parts.push(format!(
            "resources removed: {}",
            ids(&mut delta.removed.iter())
        ));
    }
    for change in &delta.changed {
        let mut paths = change.paths.iter().take(3).cloned().collect::<Vec<_>>();
        if change.paths.len() > 3 {
            paths.push(format!("{} more", change.paths.len() - 3));
        }
        parts.push(format!(
            "{} changed ({})",
            change.resource.logical_id,
            paths.join(", ")
        ));
    }
    let sections = |value: &Value| value.as_object().cloned().unwrap_or_default();
    let (old_sections, new_sections) = (sections(&old), sections(&new));
    let mut names: Vec<&String> = old_sections.keys().chain(new_sections.keys()).collect();
    names.sort();
    names.dedup();
    for name in names {
        if name != "Resources" && old_sections.get(name) != new_sections.get(name) {
            parts.push(format!("{name} differ"));
        }
    }
    if parts.is_empty() {
        if old == new {
            "the same template, laid out differently (key order or whitespace)".to_owned()
        } else {
            "asset hashes or CDK metadata differ".to_owned()
        }
    } else {
        parts.join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASH: &str = "6dba3da2af96b69a187d689b326e5272b9abc8671c0427845a8bed243e02877d";

    #[test]
    fn cdk_synth_output_becomes_the_vitest_snapshot_text() {
        let synthesized = format!(
            "{{\n \"Resources\": {{\n  \"Fn\": {{\n   \"Key\": \"{HASH}.zip\",\n   \"List\": [\n    1,\n    []\n   ]\n  }}\n }}\n}}"
        );
        let expected = "{\n  \"Resources\": {\n    \"Fn\": {\n      \"Key\": \"<asset-hash>.zip\",\n      \"List\": [\n        1,\n        []\n      ]\n    }\n  }\n}";
        assert_eq!(normalize(&synthesized).unwrap(), expected);
    }

    #[test]
    fn key_order_is_kept() {
        let normalized = normalize("{\n \"b\": 1,\n \"a\": 2\n}\n").unwrap();
        assert_eq!(normalized, "{\n  \"b\": 1,\n  \"a\": 2\n}");
    }

    #[test]
    fn text_not_indented_by_one_space_is_refused() {
        assert_eq!(normalize("{\n  \"a\": 1\n}"), None);
        assert_eq!(normalize("not json"), None);
    }

    #[test]
    fn hashes_are_replaced_like_the_tests_regex() {
        assert_eq!(replace_asset_hashes(HASH), ASSET_HASH);
        // 63 digits stay; 65 digits are one hash and one digit.
        assert_eq!(replace_asset_hashes(&HASH[1..]), &HASH[1..]);
        assert_eq!(
            replace_asset_hashes(&format!("{HASH}a")),
            format!("{ASSET_HASH}a")
        );
        assert_eq!(
            replace_asset_hashes(&HASH.to_uppercase()),
            HASH.to_uppercase()
        );
    }

    #[test]
    fn a_difference_names_the_resource_and_the_property() {
        let old = r#"{"Resources": {"T": {"Type": "AWS::DynamoDB::Table", "Properties": {"BillingMode": "PAY_PER_REQUEST"}}}}"#;
        let new = r#"{"Resources": {"T": {"Type": "AWS::DynamoDB::Table", "Properties": {"BillingMode": "PROVISIONED"}}, "Q": {"Type": "AWS::SQS::Queue"}}, "Outputs": {}}"#;
        assert_eq!(
            describe_difference(old, new),
            "resources added: Q; T changed (Properties.BillingMode); Outputs differ"
        );
        assert_eq!(
            describe_difference("{\"a\": 1, \"b\": 2}", "{\"b\": 2, \"a\": 1}"),
            "the same template, laid out differently (key order or whitespace)"
        );
    }

    #[test]
    fn update_writes_only_what_differs() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("__snapshots__/S.template.json");
        assert_eq!(check("{}", &file, false).unwrap(), Snapshot::Missing);
        assert_eq!(check("{}", &file, true).unwrap(), Snapshot::Updated);
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "{}");
        assert_eq!(check("{}", &file, true).unwrap(), Snapshot::Matches);
        assert!(matches!(
            check("{\"a\": 1}", &file, false).unwrap(),
            Snapshot::Differs(_)
        ));
    }
}
