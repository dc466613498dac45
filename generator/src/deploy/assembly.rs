//! The cloud assembly `cdk synth` wrote (`cdk.out`): the stacks to deploy and the file assets
//! they need, with the `${AWS::AccountId}`-style placeholders of the CDK's default synthesizer
//! resolved for one account and region.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The account and region deployed to, and the values derived from them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Environment {
    pub account: String,
    pub region: String,
}

impl Environment {
    /// `aws`, `aws-cn` or `aws-us-gov`, as ARNs spell the region's partition.
    pub fn partition(&self) -> &'static str {
        if self.region.starts_with("cn-") {
            "aws-cn"
        } else if self.region.starts_with("us-gov-") {
            "aws-us-gov"
        } else {
            "aws"
        }
    }

    /// The domain of the region's endpoints (`AWS::URLSuffix`).
    pub fn url_suffix(&self) -> &'static str {
        if self.region.starts_with("cn-") {
            "amazonaws.com.cn"
        } else {
            "amazonaws.com"
        }
    }

    /// `text` with the synthesizer's placeholders replaced.
    pub fn resolve(&self, text: &str) -> String {
        text.replace("${AWS::AccountId}", &self.account)
            .replace("${AWS::Region}", &self.region)
            .replace("${AWS::Partition}", self.partition())
    }
}

/// One stack of the assembly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stack {
    /// The artifact id, e.g. `TodoApp` (also the template file's stem).
    pub artifact_id: String,
    /// The CloudFormation stack name, e.g. `Step00TodoSingleTenantServerless`.
    pub name: String,
    pub template_file: PathBuf,
    /// Where the template is published, `s3://bucket/key` (placeholders unresolved).
    pub template_object_url: Option<String>,
    /// The role CloudFormation deploys with (placeholders unresolved).
    pub execution_role_arn: Option<String>,
    /// The SSM parameter that holds the bootstrap version, and the least version needed.
    pub bootstrap_version: Option<(String, u32)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Packaging {
    /// Upload the file as it is.
    File,
    /// Zip the directory, then upload.
    Zip,
}

/// A file asset and where it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileAsset {
    pub display_name: String,
    pub source: PathBuf,
    pub packaging: Packaging,
    /// `(bucket, object key)` pairs, placeholders unresolved.
    pub destinations: Vec<(String, String)>,
}

/// What `stepgen deploy` reads of a cloud assembly.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Assembly {
    pub dir: PathBuf,
    /// In the manifest's order, which lists a stack after the stacks it depends on.
    pub stacks: Vec<Stack>,
    pub file_assets: Vec<FileAsset>,
    /// Container image assets, which `stepgen deploy` does not publish.
    pub image_assets: Vec<String>,
}

#[derive(Deserialize)]
struct Manifest {
    artifacts: indexed::Artifacts,
}

/// The manifest's artifacts in file order (a `BTreeMap` would sort them by id, and the order
/// is the deployment order).
mod indexed {
    use serde::de::{MapAccess, Visitor};
    use serde::{Deserialize, Deserializer};

    pub struct Artifacts(pub Vec<(String, super::Artifact)>);

    impl<'de> Deserialize<'de> for Artifacts {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            struct InOrder;
            impl<'de> Visitor<'de> for InOrder {
                type Value = Artifacts;
                fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                    f.write_str("a map of artifacts")
                }
                fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Artifacts, A::Error> {
                    let mut artifacts = Vec::new();
                    while let Some(entry) = map.next_entry()? {
                        artifacts.push(entry);
                    }
                    Ok(Artifacts(artifacts))
                }
            }
            deserializer.deserialize_map(InOrder)
        }
    }
}

#[derive(Deserialize)]
struct Artifact {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    properties: ArtifactProperties,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ArtifactProperties {
    template_file: Option<String>,
    stack_name: Option<String>,
    stack_template_asset_object_url: Option<String>,
    cloud_formation_execution_role_arn: Option<String>,
    requires_bootstrap_stack_version: Option<u32>,
    bootstrap_stack_version_ssm_parameter: Option<String>,
    /// Of an asset manifest artifact.
    file: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AssetManifest {
    #[serde(default)]
    files: BTreeMap<String, AssetEntry>,
    #[serde(default)]
    docker_images: BTreeMap<String, serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AssetEntry {
    display_name: Option<String>,
    source: AssetSource,
    destinations: BTreeMap<String, Destination>,
}

#[derive(Deserialize)]
struct AssetSource {
    path: String,
    packaging: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Destination {
    bucket_name: String,
    object_key: String,
}

/// Reads the assembly at `dir`.
pub fn read(dir: &Path) -> Result<Assembly, String> {
    let manifest_path = dir.join("manifest.json");
    let manifest: Manifest = read_json(&manifest_path)?;
    let mut assembly = Assembly {
        dir: dir.to_owned(),
        ..Assembly::default()
    };
    for (id, artifact) in manifest.artifacts.0 {
        let p = artifact.properties;
        match artifact.kind.as_str() {
            "aws:cloudformation:stack" => {
                let Some(template) = p.template_file else {
                    return Err(format!(
                        "stack {id} in {} has no template file",
                        manifest_path.display()
                    ));
                };
                assembly.stacks.push(Stack {
                    name: p.stack_name.unwrap_or_else(|| id.clone()),
                    artifact_id: id,
                    template_file: dir.join(template),
                    template_object_url: p.stack_template_asset_object_url,
                    execution_role_arn: p.cloud_formation_execution_role_arn,
                    bootstrap_version: p
                        .bootstrap_stack_version_ssm_parameter
                        .zip(p.requires_bootstrap_stack_version),
                });
            }
            "cdk:asset-manifest" => {
                let Some(file) = p.file else { continue };
                let assets: AssetManifest = read_json(&dir.join(file))?;
                for (hash, entry) in assets.files {
                    let source = Path::new(&entry.source.path);
                    assembly.file_assets.push(FileAsset {
                        display_name: entry.display_name.unwrap_or(hash),
                        // Relative paths are relative to the assembly; bundling skipped leaves
                        // an absolute path to the sources.
                        source: dir.join(source),
                        packaging: match entry.source.packaging.as_deref() {
                            Some("zip") => Packaging::Zip,
                            _ => Packaging::File,
                        },
                        destinations: entry
                            .destinations
                            .into_values()
                            .map(|d| (d.bucket_name, d.object_key))
                            .collect(),
                    });
                }
                assembly
                    .image_assets
                    .extend(assets.docker_images.into_keys());
            }
            _ => {}
        }
    }
    if assembly.stacks.is_empty() {
        return Err(format!(
            "{} lists no CloudFormation stack",
            manifest_path.display()
        ));
    }
    Ok(assembly)
}

/// `s3://bucket/key` as the HTTPS URL CloudFormation reads templates from.
pub fn template_url(object_url: &str, environment: &Environment) -> Option<String> {
    let (bucket, key) = object_url.strip_prefix("s3://")?.split_once('/')?;
    Some(format!(
        "https://s3.{}.{}/{bucket}/{key}",
        environment.region,
        environment.url_suffix()
    ))
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|err| format!("cannot read {}: {err}", path.display()))?;
    serde_json::from_str(&text).map_err(|err| {
        format!(
            "{} is not a valid cloud assembly file: {err}",
            path.display()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) {
        std::fs::write(dir.join(name), text).unwrap();
    }

    #[test]
    fn stacks_and_assets_are_read_in_manifest_order() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "manifest.json",
            r#"{"version": "55.0.0", "artifacts": {
              "Z.assets": {"type": "cdk:asset-manifest", "properties": {"file": "Z.assets.json"}},
              "Z": {"type": "aws:cloudformation:stack", "properties": {
                "templateFile": "Z.template.json", "stackName": "ZedStack",
                "stackTemplateAssetObjectUrl": "s3://cdk-q-assets-${AWS::AccountId}-${AWS::Region}/t.json",
                "cloudFormationExecutionRoleArn": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/exec",
                "requiresBootstrapStackVersion": 6,
                "bootstrapStackVersionSsmParameter": "/cdk-bootstrap/q/version"}},
              "A": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "A.template.json"}},
              "Tree": {"type": "cdk:tree", "properties": {"file": "tree.json"}}}}"#,
        );
        write(
            dir.path(),
            "Z.assets.json",
            r#"{"files": {
              "h1": {"displayName": "Fn Code", "source": {"path": "asset.h1", "packaging": "zip"},
                     "destinations": {"d": {"bucketName": "b-${AWS::Region}", "objectKey": "h1.zip"}}},
              "h2": {"source": {"path": "/abs/web", "packaging": "zip"},
                     "destinations": {"d": {"bucketName": "b", "objectKey": "h2.zip"}}}},
              "dockerImages": {"img": {}}}"#,
        );
        let assembly = read(dir.path()).unwrap();
        let names: Vec<&str> = assembly.stacks.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["ZedStack", "A"]);
        assert_eq!(
            assembly.stacks[0].bootstrap_version,
            Some(("/cdk-bootstrap/q/version".to_owned(), 6))
        );
        assert_eq!(assembly.file_assets.len(), 2);
        assert_eq!(assembly.file_assets[0].source, dir.path().join("asset.h1"));
        assert_eq!(assembly.file_assets[1].source, PathBuf::from("/abs/web"));
        assert_eq!(assembly.file_assets[1].display_name, "h2");
        assert_eq!(assembly.image_assets, ["img"]);
    }

    #[test]
    fn placeholders_resolve_per_partition() {
        let env = Environment {
            account: "111122223333".into(),
            region: "cn-north-1".into(),
        };
        assert_eq!(
            env.resolve("arn:${AWS::Partition}:iam::${AWS::AccountId}:role/x-${AWS::Region}"),
            "arn:aws-cn:iam::111122223333:role/x-cn-north-1"
        );
        assert_eq!(
            template_url("s3://bucket/dir/t.json", &env).unwrap(),
            "https://s3.cn-north-1.amazonaws.com.cn/bucket/dir/t.json"
        );
    }
}
