//! The SPA's runtime config (`web/public/config.json`) of a deployed stack: the same JSON the
//! stack publishes beside the SPA, so `npm run dev` in `web/` talks to the deployed API.
//!
//! The stack publishes it with a `BucketDeployment` whose source is a `config.json` asset
//! holding markers (`<<marker:0xbaba:0>>`); the template maps each marker to a `Ref`, which
//! the deployed stack's physical resource ids and its region resolve.

use std::collections::BTreeMap;

use serde_json::Value;

use super::assembly::{Assembly, Environment};

const BUCKET_DEPLOYMENT: &str = "Custom::CDKBucketDeployment";
const CONFIG_FILE: &str = "config.json";

/// The config the stack publishes, markers resolved, or `Ok(None)` when the template
/// publishes no `config.json`.
pub fn spa_config(
    template: &Value,
    assembly: &Assembly,
    environment: &Environment,
    physical_ids: &BTreeMap<String, String>,
) -> Result<Option<Value>, String> {
    let resources = template["Resources"].as_object().into_iter().flatten();
    for (logical_id, resource) in resources {
        if resource["Type"] != BUCKET_DEPLOYMENT {
            continue;
        }
        let properties = &resource["Properties"];
        let keys = properties["SourceObjectKeys"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        for (index, key) in keys.iter().enumerate() {
            let Some(text) = key.as_str().and_then(|key| config_source(assembly, key)) else {
                continue;
            };
            let markers = &properties["SourceMarkers"][index];
            let json_escape = properties["SourceMarkersConfig"][index]["jsonEscape"] == true;
            let resolved = replace_markers(&text, markers, json_escape, |expression| {
                resolve(expression, environment, physical_ids)
            })
            .map_err(|marker| {
                format!("{logical_id}: cannot resolve {marker} of the SPA's {CONFIG_FILE}")
            })?;
            return serde_json::from_str(&resolved).map(Some).map_err(|err| {
                format!("the SPA's {CONFIG_FILE} is not JSON once resolved: {err}")
            });
        }
    }
    Ok(None)
}

/// The text of `config.json` in the asset published under `object_key`, if it has one.
fn config_source(assembly: &Assembly, object_key: &str) -> Option<String> {
    let asset = assembly
        .file_assets
        .iter()
        .find(|asset| asset.destinations.iter().any(|(_, key)| key == object_key))?;
    std::fs::read_to_string(asset.source.join(CONFIG_FILE)).ok()
}

/// Replaces each marker with its value; `Err` names a marker that did not resolve.
fn replace_markers(
    text: &str,
    markers: &Value,
    json_escape: bool,
    resolve: impl Fn(&Value) -> Option<String>,
) -> Result<String, String> {
    let mut text = text.to_owned();
    for (marker, expression) in markers.as_object().into_iter().flatten() {
        let value = resolve(expression).ok_or_else(|| format!("{marker} ({expression})"))?;
        let value = if json_escape {
            let quoted = Value::String(value).to_string();
            quoted[1..quoted.len() - 1].to_owned()
        } else {
            value
        };
        text = text.replace(marker.as_str(), &value);
    }
    Ok(text)
}

/// A marker's value: a literal, a pseudo parameter, or a resource's `Ref` (its physical id).
fn resolve(
    expression: &Value,
    environment: &Environment,
    physical_ids: &BTreeMap<String, String>,
) -> Option<String> {
    if let Some(literal) = expression.as_str() {
        return Some(literal.to_owned());
    }
    let name = expression["Ref"].as_str()?;
    Some(match name {
        "AWS::Region" => environment.region.clone(),
        "AWS::AccountId" => environment.account.clone(),
        "AWS::Partition" => environment.partition().to_owned(),
        "AWS::URLSuffix" => environment.url_suffix().to_owned(),
        logical_id => physical_ids.get(logical_id)?.clone(),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::deploy::assembly::{FileAsset, Packaging};

    #[test]
    fn the_published_config_is_resolved_from_physical_ids() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("config.json"),
            r#"{"apiUrl":"https://<<marker:0xbaba:0>>.execute-api.<<marker:0xbaba:1>>.<<marker:0xbaba:2>>/<<marker:0xbaba:3>>/"}"#,
        )
        .unwrap();
        let assembly = Assembly {
            file_assets: vec![FileAsset {
                display_name: "Web/Deployment/Asset2".into(),
                source: dir.path().to_owned(),
                packaging: Packaging::Zip,
                destinations: vec![("bucket".into(), "54db.zip".into())],
            }],
            ..Assembly::default()
        };
        let template = json!({"Resources": {"WebDeployment": {
            "Type": "Custom::CDKBucketDeployment",
            "Properties": {
                "SourceObjectKeys": ["dac4.zip", "54db.zip"],
                "SourceMarkers": [{}, {
                    "<<marker:0xbaba:0>>": {"Ref": "ApiRestApi"},
                    "<<marker:0xbaba:1>>": {"Ref": "AWS::Region"},
                    "<<marker:0xbaba:2>>": {"Ref": "AWS::URLSuffix"},
                    "<<marker:0xbaba:3>>": {"Ref": "ApiStage"}}],
                "SourceMarkersConfig": [{}, {"jsonEscape": true}]}}}});
        let environment = Environment {
            account: "123456789012".into(),
            region: "eu-west-1".into(),
        };
        let mut ids = BTreeMap::from([("ApiRestApi".to_owned(), "abc123".to_owned())]);
        let missing = spa_config(&template, &assembly, &environment, &ids).unwrap_err();
        assert!(missing.contains("<<marker:0xbaba:3>>"), "{missing}");
        ids.insert("ApiStage".into(), "prod".into());
        let config = spa_config(&template, &assembly, &environment, &ids).unwrap();
        assert_eq!(
            config,
            Some(json!({"apiUrl": "https://abc123.execute-api.eu-west-1.amazonaws.com/prod/"}))
        );
        assert_eq!(
            spa_config(&json!({"Resources": {}}), &assembly, &environment, &ids).unwrap(),
            None
        );
    }

    #[test]
    fn json_escaped_markers_stay_valid_json() {
        let text = replace_markers(
            r#"{"a":"<<m>>"}"#,
            &json!({"<<m>>": "say \"hi\""}),
            true,
            |v| v.as_str().map(str::to_owned),
        )
        .unwrap();
        assert_eq!(text, r#"{"a":"say \"hi\""}"#);
    }
}
