//! The AWS clients, configured as the AWS CLI would be (environment, profiles, SSO), with the
//! command line's `--region` and `--endpoint-url` on top; the caller's account; and the CDK
//! bootstrap check.

use aws_config::meta::region::RegionProviderChain;
use aws_config::{BehaviorVersion, ConfigLoader, SdkConfig};
use aws_sdk_cloudformation::error::DisplayErrorContext;

use super::DeployError;
use super::assembly::{Assembly, Environment};

/// Where to connect; both default to the usual AWS configuration.
#[derive(Debug, Clone, Default)]
pub struct Target {
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
}

pub struct Clients {
    pub cloudformation: aws_sdk_cloudformation::Client,
    /// The silo model's tenant tables, which live outside the stack.
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub s3: aws_sdk_s3::Client,
    pub ssm: aws_sdk_ssm::Client,
    pub environment: Environment,
}

/// The usual AWS configuration (environment, profiles, SSO) with the target's region and
/// endpoint on top; the caller may add more (credentials) before loading it.
pub fn loader(target: &Target) -> ConfigLoader {
    let region = RegionProviderChain::first_try(target.region.clone().map(aws_config::Region::new))
        .or_default_provider();
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).region(region);
    if let Some(endpoint) = &target.endpoint_url {
        loader = loader.endpoint_url(endpoint);
    }
    loader
}

/// The loaded configuration's region, or an error that says how to set one.
pub fn region(config: &SdkConfig) -> Result<String, DeployError> {
    config.region().map(|r| r.to_string()).ok_or_else(|| {
        DeployError::Setup(
            "no AWS region is configured\n  help: pass --region (e.g. --region eu-west-1), set AWS_REGION, or set a region in your AWS profile".into(),
        )
    })
}

/// Builds the clients and asks STS whose credentials they carry.
pub async fn connect(target: &Target) -> Result<Clients, DeployError> {
    let config = loader(target).load().await;
    let region = region(&config)?;
    let identity = aws_sdk_sts::Client::new(&config)
        .get_caller_identity()
        .send()
        .await
        .map_err(|err| {
            DeployError::Setup(format!(
                "cannot tell which AWS account to deploy to: STS GetCallerIdentity failed: {}\n  help: configure credentials (`aws configure`, `aws sso login`, AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)",
                DisplayErrorContext(&err)
            ))
        })?;
    let account = identity.account().unwrap_or_default().to_owned();
    // An emulator answers on one host for every bucket: address buckets by path.
    let s3_config = aws_sdk_s3::config::Builder::from(&config)
        .force_path_style(target.endpoint_url.is_some())
        .build();
    Ok(Clients {
        cloudformation: aws_sdk_cloudformation::Client::new(&config),
        dynamodb: aws_sdk_dynamodb::Client::new(&config),
        s3: aws_sdk_s3::Client::from_conf(s3_config),
        ssm: aws_sdk_ssm::Client::new(&config),
        environment: Environment { account, region },
    })
}

/// Checks, as `cdk deploy` does, that the account is bootstrapped recently enough for every
/// stack, and that the asset buckets exist.
pub async fn check_bootstrap(clients: &Clients, assembly: &Assembly) -> Result<(), DeployError> {
    let environment = &clients.environment;
    let not_bootstrapped = |what: String| DeployError::NotBootstrapped {
        what,
        account: environment.account.clone(),
        region: environment.region.clone(),
    };
    let mut checked = Vec::new();
    for stack in &assembly.stacks {
        let Some((parameter, required)) = &stack.bootstrap_version else {
            continue;
        };
        if checked.contains(parameter) {
            continue;
        }
        checked.push(parameter.clone());
        let found = clients.ssm.get_parameter().name(parameter).send().await;
        let value = match found {
            Ok(output) => output
                .parameter()
                .and_then(|p| p.value())
                .unwrap_or_default()
                .to_owned(),
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_parameter_not_found()) =>
            {
                return Err(not_bootstrapped(format!(
                    "the SSM parameter {parameter} (the CDK bootstrap version) does not exist"
                )));
            }
            Err(err) => {
                return Err(DeployError::Aws(format!(
                    "reading the SSM parameter {parameter}: {}",
                    DisplayErrorContext(&err)
                )));
            }
        };
        let version: u32 = value.trim().parse().unwrap_or(0);
        if version < *required {
            return Err(not_bootstrapped(format!(
                "the bootstrap stack is version {value}; {} needs version {required} or later",
                stack.name
            )));
        }
    }
    let mut buckets: Vec<String> = assembly
        .file_assets
        .iter()
        .flat_map(|asset| &asset.destinations)
        .map(|(bucket, _)| environment.resolve(bucket))
        .collect();
    buckets.sort();
    buckets.dedup();
    for bucket in buckets {
        if let Err(err) = clients.s3.head_bucket().bucket(&bucket).send().await {
            if err.as_service_error().is_some_and(|e| e.is_not_found()) {
                return Err(not_bootstrapped(format!(
                    "the asset bucket {bucket} does not exist"
                )));
            }
            return Err(DeployError::Aws(format!(
                "checking the asset bucket {bucket}: {}",
                DisplayErrorContext(&err)
            )));
        }
    }
    Ok(())
}
