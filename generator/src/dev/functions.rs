//! The step's Rust Lambda functions, found in the template, and the environment each gets when
//! it runs on this machine as an HTTP server (the binary serves with axum outside Lambda).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::template::{Locals, Template, resolve};

/// A Rust Lambda function (a zip on a `provided.*` runtime, or a container image) and the
/// crate its code is built from.
#[derive(Debug)]
pub struct RustFunction<'a> {
    pub logical_id: &'a str,
    /// Where the crate is: for a zip, the asset path CDK records (with `skipBundling`, the
    /// crate's own folder rather than a bundle); for an image, whose asset is its build
    /// context, the `stepgen:crate` metadata the step's CDK app writes (relative to the app).
    pub crate_dir: PathBuf,
    pub variables: BTreeMap<&'a str, &'a Value>,
    /// True when API Gateway may invoke it: it answers the REST API's requests.
    pub serves_api: bool,
    /// Its `Timeout` in seconds, when the template sets one.
    pub timeout: Option<u64>,
}

/// Every Lambda function on a `provided.*` runtime (a custom runtime: the course's Rust
/// binaries) or packaged as an image of a crate. The CDK's own helper functions (Node.js,
/// Python) are not among them.
pub fn rust_functions<'a>(
    template: &'a Template,
    cdk_out: &Path,
    app_dir: &Path,
) -> Vec<RustFunction<'a>> {
    template
        .of_type("AWS::Lambda::Function")
        .filter_map(|(id, r)| {
            let zip = r.properties["Runtime"]
                .as_str()
                .is_some_and(|runtime| runtime.starts_with("provided"));
            let crate_dir = match r.metadata[CRATE_METADATA].as_str() {
                Some(image_crate) => app_dir.join(image_crate),
                None if zip => cdk_out.join(r.metadata["aws:asset:path"].as_str()?),
                None => return None,
            };
            let variables = r.properties["Environment"]["Variables"]
                .as_object()
                .map(|vars| vars.iter().map(|(k, v)| (k.as_str(), v)).collect())
                .unwrap_or_default();
            Some(RustFunction {
                logical_id: id,
                crate_dir,
                variables,
                serves_api: invoked_by_api_gateway(template, id),
                timeout: r.properties["Timeout"].as_u64(),
            })
        })
        .collect()
}

/// The metadata key of an image function's crate folder (see the step's `rust-function.ts`).
const CRATE_METADATA: &str = "stepgen:crate";

fn invoked_by_api_gateway(template: &Template, function_id: &str) -> bool {
    template
        .of_type("AWS::Lambda::Permission")
        .any(|(_, permission)| {
            let properties = &permission.properties;
            let target = match &properties["FunctionName"] {
                Value::Object(map) => map
                    .get("Fn::GetAtt")
                    .and_then(|v| v.get(0))
                    .or_else(|| map.get("Ref"))
                    .and_then(Value::as_str),
                _ => None,
            };
            properties["Principal"] == "apigateway.amazonaws.com" && target == Some(function_id)
        })
}

/// The function's environment on this machine: its template variables resolved against the
/// local resources, then `overrides` (which replace variables of the same name).
pub fn environment(
    function: &RustFunction,
    template: &Template,
    locals: &Locals,
    overrides: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, String> {
    let mut environment = BTreeMap::new();
    for (&name, &value) in &function.variables {
        if overrides.contains_key(name) {
            continue;
        }
        let resolved = resolve(value, locals).map_err(|unresolved| {
            let why = match unresolved
                .logical_id()
                .and_then(|id| template.resources.get(id).map(|r| (id, &r.kind)))
            {
                Some((id, kind)) => format!("{id} ({kind}) is not emulated by `stepgen dev`"),
                None => "nothing local stands for it".to_owned(),
            };
            format!(
                "environment variable {name} of function {} is {unresolved}, which has no local value: {why}\n  help: emulate that resource type (a provisioner in generator/src/dev/provision.rs), or set {name} locally in generator/src/dev/mod.rs",
                function.logical_id
            )
        })?;
        environment.insert(name.to_owned(), resolved);
    }
    environment.extend(overrides.iter().map(|(k, v)| (k.clone(), v.clone())));
    Ok(environment)
}

#[cfg(test)]
mod tests {
    use super::super::template::parse;
    use super::*;

    const FIXTURE: &str = include_str!("../../tests/fixtures/dev-template.json");

    fn locals() -> Locals {
        let mut locals = Locals::new("us-east-1", "123456789012");
        locals.set_ref("Table", "Table");
        locals.set_attribute("Table", "Arn", "arn:local:table/Table");
        locals
    }

    #[test]
    fn rust_functions_come_with_their_crate_and_whether_they_serve_the_api() {
        let template = parse("Stack", FIXTURE).unwrap();
        let functions = rust_functions(
            &template,
            Path::new("/repo/cdk.out"),
            Path::new("/repo/step"),
        );
        assert_eq!(functions.len(), 1);
        let function = &functions[0];
        assert_eq!(function.logical_id, "Function");
        assert_eq!(
            function.crate_dir,
            Path::new("/repo/generated/step/lambdas/api")
        );
        assert!(function.serves_api);
        assert_eq!(function.variables.len(), 4);
    }

    #[test]
    fn an_image_function_names_its_crate_in_metadata() {
        let template = parse(
            "Stack",
            r#"{"Resources": {"Image": {"Type": "AWS::Lambda::Function",
                "Properties": {"PackageType": "Image", "Code": {"ImageUri": "x"}},
                "Metadata": {"stepgen:crate": "lambdas/api", "aws:asset:path": "image-context"}},
              "Helper": {"Type": "AWS::Lambda::Function",
                "Properties": {"Runtime": "nodejs22.x"},
                "Metadata": {"aws:asset:path": "asset.1"}}}}"#,
        )
        .unwrap();
        let functions = rust_functions(
            &template,
            Path::new("/repo/cdk.out"),
            Path::new("/repo/step"),
        );
        assert_eq!(
            functions.len(),
            1,
            "the Node.js helper is not a Rust function"
        );
        assert_eq!(functions[0].crate_dir, Path::new("/repo/step/lambdas/api"));
    }

    #[test]
    fn the_environment_resolves_refs_to_local_names_and_applies_overrides() {
        let template = parse("Stack", FIXTURE).unwrap();
        let functions = rust_functions(
            &template,
            Path::new("/repo/cdk.out"),
            Path::new("/repo/step"),
        );
        let overrides = BTreeMap::from([
            (
                "ALLOWED_ORIGIN".to_owned(),
                "http://127.0.0.1:5173".to_owned(),
            ),
            ("PORT".to_owned(), "3000".to_owned()),
        ]);
        let environment = environment(&functions[0], &template, &locals(), &overrides).unwrap();
        assert_eq!(
            environment,
            BTreeMap::from([
                (
                    "ALLOWED_ORIGIN".to_owned(),
                    "http://127.0.0.1:5173".to_owned()
                ),
                (
                    "AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH".to_owned(),
                    "true".to_owned()
                ),
                ("PORT".to_owned(), "3000".to_owned()),
                ("TABLE_ARN".to_owned(), "arn:local:table/Table".to_owned()),
                ("TABLE_NAME".to_owned(), "Table".to_owned()),
            ])
        );
    }

    #[test]
    fn an_unresolvable_variable_is_named_with_the_resource_it_needs() {
        let template = parse("Stack", FIXTURE).unwrap();
        let functions = rust_functions(
            &template,
            Path::new("/repo/cdk.out"),
            Path::new("/repo/step"),
        );
        let message =
            environment(&functions[0], &template, &locals(), &BTreeMap::new()).unwrap_err();
        assert!(
            message.starts_with("environment variable ALLOWED_ORIGIN of function Function"),
            "{message}"
        );
        assert!(
            message.contains("Distribution (AWS::CloudFront::Distribution) is not emulated"),
            "{message}"
        );
    }
}
