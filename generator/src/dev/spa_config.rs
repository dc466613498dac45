//! The SPA's runtime `config.json` on this machine, derived from the one the stack deploys.
//!
//! The CDK app writes `config.json` with `Source.jsonData`: cdk.out holds the file with a
//! marker where each CloudFormation value goes, and the template's `Custom::CDKBucketDeployment`
//! maps every marker to its value (`Ref` of the user pool, …). Resolving those against the
//! local resources gives the local config, so a key added to the deployed config reaches the
//! local one without a second list. Three values differ on this machine on purpose: the API's
//! URL, the emulator's endpoint, and the sign-in flow (see [`local_overrides`]).

use std::path::Path;

use serde_json::{Map, Value, json};

use super::template::{Locals, Template, resolve};

const CONFIG_FILE: &str = "config.json";

/// The deployed `config.json`, with every CloudFormation value resolved locally and the local
/// overrides applied.
pub fn local_config(
    template: &Template,
    cdk_out: &Path,
    locals: &Locals,
    api_url: &str,
    emulator_url: &str,
) -> Result<Value, String> {
    let (mut config, markers) = deployed_config(template, cdk_out)?;
    local_overrides(&mut config, api_url, emulator_url);
    resolve_markers(&mut config, &markers, locals)?;
    Ok(config)
}

/// Finds the deployed `config.json` and the markers of the deployment source it belongs to.
fn deployed_config(
    template: &Template,
    cdk_out: &Path,
) -> Result<(Value, Map<String, Value>), String> {
    for (_, deployment) in template.of_type("Custom::CDKBucketDeployment") {
        let keys = deployment.properties["SourceObjectKeys"].as_array();
        for (index, key) in keys.into_iter().flatten().enumerate() {
            let Some(hash) = key.as_str().and_then(|k| k.strip_suffix(".zip")) else {
                continue;
            };
            let path = cdk_out.join(format!("asset.{hash}")).join(CONFIG_FILE);
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            let config = serde_json::from_str(&text)
                .map_err(|e| format!("{} is not JSON: {e}", path.display()))?;
            let markers = deployment.properties["SourceMarkers"][index]
                .as_object()
                .cloned()
                .unwrap_or_default();
            return Ok((config, markers));
        }
    }
    Err(format!(
        "the stack deploys no {CONFIG_FILE} (no Custom::CDKBucketDeployment source holds one in cdk.out)"
    ))
}

/// The values that differ on this machine: the local API, the emulator as Cognito's endpoint,
/// and USER_PASSWORD_AUTH instead of SRP, because moto accepts any SRP proof (a wrong
/// password would sign in) but checks a plain password.
fn local_overrides(config: &mut Value, api_url: &str, emulator_url: &str) {
    config["apiUrl"] = json!(api_url);
    if let Some(auth) = config.get_mut("auth").and_then(Value::as_object_mut) {
        auth.insert("endpoint".into(), json!(emulator_url));
        auth.insert("flow".into(), json!("USER_PASSWORD_AUTH"));
    }
}

/// Replaces every `<<marker:…>>` in the config's strings by its local value.
fn resolve_markers(
    value: &mut Value,
    markers: &Map<String, Value>,
    locals: &Locals,
) -> Result<(), String> {
    match value {
        Value::String(text) => {
            for (marker, expression) in markers {
                if text.contains(marker.as_str()) {
                    let local = resolve(expression, locals).map_err(|unresolved| {
                        format!("{CONFIG_FILE} needs {unresolved}, which has no local value")
                    })?;
                    *text = text.replace(marker.as_str(), &local);
                }
            }
            Ok(())
        }
        Value::Array(items) => items
            .iter_mut()
            .try_for_each(|v| resolve_markers(v, markers, locals)),
        Value::Object(fields) => fields
            .values_mut()
            .try_for_each(|v| resolve_markers(v, markers, locals)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::super::template::parse;
    use super::*;

    fn template() -> Template {
        parse(
            "Stack",
            r#"{"Resources": {
                "Pool": {"Type": "AWS::Cognito::UserPool", "Properties": {}},
                "Client": {"Type": "AWS::Cognito::UserPoolClient", "Properties": {}},
                "Deploy": {"Type": "Custom::CDKBucketDeployment", "Properties": {
                    "SourceObjectKeys": ["aaaa.zip", "bbbb.zip"],
                    "SourceMarkers": [{}, {
                        "<<marker:0xbaba:0>>": {"Ref": "RestApi"},
                        "<<marker:0xbaba:1>>": {"Ref": "AWS::Region"},
                        "<<marker:0xbaba:2>>": {"Ref": "Pool"},
                        "<<marker:0xbaba:3>>": {"Ref": "Client"}
                    }]
                }}
            }}"#,
        )
        .unwrap()
    }

    fn cdk_out(config: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("asset.aaaa")).unwrap();
        std::fs::write(dir.path().join("asset.aaaa/index.html"), "<html>").unwrap();
        std::fs::create_dir_all(dir.path().join("asset.bbbb")).unwrap();
        std::fs::write(dir.path().join("asset.bbbb/config.json"), config).unwrap();
        dir
    }

    fn locals() -> Locals {
        let mut locals = Locals::new("us-east-1", "123456789012");
        locals.set_ref("Pool", "us-east-1_local");
        locals.set_ref("Client", "client-1");
        locals
    }

    #[test]
    fn the_deployed_config_is_resolved_locally_with_the_local_api_emulator_and_flow() {
        let out = cdk_out(
            r#"{"apiUrl":"https://<<marker:0xbaba:0>>.execute-api.<<marker:0xbaba:1>>.amazonaws.com/prod/","auth":{"region":"<<marker:0xbaba:1>>","userPoolId":"<<marker:0xbaba:2>>","userPoolClientId":"<<marker:0xbaba:3>>","flow":"USER_SRP_AUTH"}}"#,
        );
        let config = local_config(
            &template(),
            out.path(),
            &locals(),
            "http://127.0.0.1:3000/",
            "http://127.0.0.1:4566/",
        )
        .unwrap();
        assert_eq!(
            config,
            json!({
                "apiUrl": "http://127.0.0.1:3000/",
                "auth": {
                    "region": "us-east-1",
                    "userPoolId": "us-east-1_local",
                    "userPoolClientId": "client-1",
                    "flow": "USER_PASSWORD_AUTH",
                    "endpoint": "http://127.0.0.1:4566/"
                }
            })
        );
    }

    #[test]
    fn a_step_without_sign_in_gets_only_the_api_url() {
        let out = cdk_out(r#"{"apiUrl":"https://<<marker:0xbaba:0>>/prod/"}"#);
        let config = local_config(
            &template(),
            out.path(),
            &locals(),
            "http://127.0.0.1:3000/",
            "http://e/",
        )
        .unwrap();
        assert_eq!(config, json!({"apiUrl": "http://127.0.0.1:3000/"}));
    }

    #[test]
    fn a_value_with_no_local_counterpart_is_an_error_that_names_it() {
        let out = cdk_out(r#"{"apiUrl":"x","table":"<<marker:0xbaba:0>>"}"#);
        let error =
            local_config(&template(), out.path(), &locals(), "http://a/", "http://e/").unwrap_err();
        assert!(error.contains(r#"{"Ref": "RestApi"}"#), "{error}");
        let empty = tempfile::tempdir().unwrap();
        let error = local_config(
            &template(),
            empty.path(),
            &locals(),
            "http://a/",
            "http://e/",
        )
        .unwrap_err();
        assert!(error.contains("deploys no config.json"), "{error}");
    }
}
