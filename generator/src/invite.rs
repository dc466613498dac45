//! `stepgen invite <STEP> <EMAIL>`: the first user (or any other) of a step with sign-in, as an
//! administrator creates one with Cognito's AdminCreateUser.
//!
//! Deployed (the default): the user pool is the stack's `UserPoolId` output, and Cognito mails
//! the user a temporary password. `--local`: the user pool of the stack `stepgen dev` runs on
//! moto, found in the SPA's `web/public/config.json`; no mail is sent, the temporary password
//! is printed. Either way the SPA asks for a new password at the first sign-in.

use std::hash::{BuildHasher as _, RandomState};
use std::path::Path;
use std::process::ExitCode;

use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::config::Credentials;
use aws_sdk_cognitoidentityprovider::error::{
    DisplayErrorContext, ProvideErrorMetadata as _, SdkError,
};
use aws_sdk_cognitoidentityprovider::operation::admin_create_user::AdminCreateUserError;
use aws_sdk_cognitoidentityprovider::types::{
    AttributeType, DeliveryMediumType, MessageActionType,
};
use serde_json::Value;

use crate::deploy::stack::{self, StackState};
use crate::deploy::{DeployError, StepContext, TargetArgs, aws, block_on, exit_code, say};
use crate::model::{Auth, Course};

/// The arguments of `stepgen invite`.
#[derive(Debug, clap::Args)]
pub struct InviteArgs {
    /// The step whose user pool gets the user, by id (step01) or folder name.
    #[arg(value_name = "STEP")]
    pub step: String,
    /// The user's email address, which they sign in with.
    #[arg(value_name = "EMAIL")]
    pub email: String,
    /// Invite into the local stack `stepgen dev <STEP>` runs (moto) instead of the deployed
    /// one: no mail is sent, the temporary password is printed.
    #[arg(long, conflicts_with_all = ["region", "endpoint_url"])]
    pub local: bool,
    #[command(flatten)]
    pub target: TargetArgs,
}

/// Runs `stepgen invite`; the exit code says how it went.
pub fn run(course_file: &Path, course: &Course, out: &Path, args: &InviteArgs) -> ExitCode {
    let outcome = StepContext::new(course_file, course, out, &args.step, true).and_then(|step| {
        check_email(&args.email)?;
        if step.step.features.auth == Auth::None {
            let with_sign_in: Vec<&str> = course
                .steps
                .iter()
                .filter(|s| s.features.auth != Auth::None)
                .map(|s| s.id.as_str())
                .collect();
            return Err(DeployError::Usage(format!(
                "{} has no sign-in (no Cognito user pool)\n  help: the steps with sign-in are {}",
                step.step.id,
                with_sign_in.join(", ")
            )));
        }
        if args.local {
            block_on(invite_local(&step, &args.email))
        } else {
            block_on(invite_deployed(&step, &args.email, &args.target))
        }
    });
    exit_code(outcome)
}

async fn invite_deployed(
    step: &StepContext<'_>,
    email: &str,
    target: &TargetArgs,
) -> Result<(), DeployError> {
    let config = aws::loader(&crate::deploy::target(target)).load().await;
    let region = aws::region(&config)?;
    let cloudformation = aws_sdk_cloudformation::Client::new(&config);
    let stack = stack::describe(&cloudformation, &step.stack_name).await?;
    let pool_id = user_pool_id(step, &region, stack.as_ref())?;
    Client::new(&config)
        .admin_create_user()
        .user_pool_id(pool_id)
        .username(email)
        .set_user_attributes(Some(email_attributes(email)))
        .desired_delivery_mediums(DeliveryMediumType::Email)
        .send()
        .await
        .map_err(|err| create_error(err, email, pool_id, None))?;
    say(&format!(
        "invited {email} to {} ({}, user pool {pool_id}, region {region})",
        step.step.id, step.stack_name
    ));
    let site = output(stack.as_ref(), "SiteUrl").unwrap_or("the stack's SiteUrl");
    say(&format!(
        "Cognito has mailed {email} a temporary password: sign in at {site}; the site then asks for a new password"
    ));
    Ok(())
}

async fn invite_local(step: &StepContext<'_>, email: &str) -> Result<(), DeployError> {
    let local = LocalPool::read(step)?;
    let target = aws::Target {
        region: Some(local.region.clone()),
        endpoint_url: Some(local.endpoint.clone()),
    };
    // moto takes any credentials; these keep the machine's own out of it.
    let credentials = Credentials::new("local", "local", None, None, "stepgen-invite");
    let config = aws::loader(&target)
        .credentials_provider(credentials)
        .load()
        .await;
    let password = temporary_password();
    Client::new(&config)
        .admin_create_user()
        .user_pool_id(&local.user_pool_id)
        .username(email)
        .set_user_attributes(Some(email_attributes(email)))
        .temporary_password(&password)
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .map_err(|err| create_error(err, email, &local.user_pool_id, Some(step)))?;
    say(&format!(
        "invited {email} to the local stack of {} (user pool {} on {})",
        step.step.id, local.user_pool_id, local.endpoint
    ));
    say(&format!("  email:              {email}"));
    say(&format!("  temporary password: {password}"));
    say("sign in on the SPA `stepgen dev` serves; it then asks for a new password");
    Ok(())
}

/// The user pool of the local stack, as `stepgen dev` wrote it into the SPA's config.
#[derive(Debug)]
struct LocalPool {
    region: String,
    user_pool_id: String,
    /// The emulator's URL.
    endpoint: String,
}

impl LocalPool {
    fn read(step: &StepContext<'_>) -> Result<LocalPool, DeployError> {
        let path = step.step_dir.join("web/public/config.json");
        let shown = step.shown(&path);
        let id = &step.step.id;
        let help = format!("start the local stack with `stepgen dev {id}`, then invite again");
        let text = std::fs::read_to_string(&path).map_err(|err| {
            DeployError::Failed(format!(
                "cannot read {shown} ({err}): the local stack is not running\n  help: {help}"
            ))
        })?;
        let config: Value = serde_json::from_str(&text)
            .map_err(|err| DeployError::Failed(format!("{shown} is not JSON: {err}")))?;
        let auth = &config["auth"];
        let field = |name: &str| auth[name].as_str().map(str::to_owned);
        match (field("region"), field("userPoolId"), field("endpoint")) {
            (Some(region), Some(user_pool_id), Some(endpoint)) => Ok(LocalPool {
                region,
                user_pool_id,
                // An endpoint with a trailing slash would make the request path `//`.
                endpoint: endpoint.trim_end_matches('/').to_owned(),
            }),
            _ if auth.is_object() => Err(DeployError::Failed(format!(
                "{shown} is not the local stack's (its auth has no emulator endpoint; `stepgen deploy` writes that one)\n  help: {help}"
            ))),
            _ => Err(DeployError::Failed(format!(
                "{shown} has no auth section\n  help: {help}"
            ))),
        }
    }
}

/// The deployed stack's user pool, from its `UserPoolId` output.
fn user_pool_id<'s>(
    step: &StepContext<'_>,
    region: &str,
    stack: Option<&'s StackState>,
) -> Result<&'s str, DeployError> {
    let id = &step.step.id;
    let Some(state) = stack else {
        return Err(DeployError::Failed(format!(
            "there is no stack {} in {region}\n  help: deploy it first: stepgen deploy {id}",
            step.stack_name
        )));
    };
    output(Some(state), "UserPoolId").ok_or_else(|| {
        DeployError::Failed(format!(
            "{id} has no sign-in: stack {} ({}) has no UserPoolId output\n  help: deploy the current {id} with `stepgen deploy {id}`",
            step.stack_name, state.status
        ))
    })
}

fn output<'s>(stack: Option<&'s StackState>, key: &str) -> Option<&'s str> {
    stack?
        .outputs
        .iter()
        .find(|(k, ..)| k == key)
        .map(|(_, value, _)| value.as_str())
}

/// The address, already verified: the administrator vouches for it, and the user can reset a
/// forgotten password with it.
fn email_attributes(email: &str) -> Vec<AttributeType> {
    [("email", email), ("email_verified", "true")]
        .into_iter()
        .map(|(name, value)| {
            AttributeType::builder()
                .name(name)
                .value(value)
                .build()
                .expect("name is set")
        })
        .collect()
}

fn create_error(
    err: SdkError<AdminCreateUserError>,
    email: &str,
    pool_id: &str,
    local: Option<&StepContext<'_>>,
) -> DeployError {
    if err
        .as_service_error()
        .is_some_and(AdminCreateUserError::is_username_exists_exception)
    {
        return DeployError::Failed(format!(
            "{email} already has an account in user pool {pool_id}: nothing changed"
        ));
    }
    let help = match (local, &err) {
        (Some(step), SdkError::DispatchFailure(_)) => format!(
            "\n  help: the emulator does not answer; is `stepgen dev {}` still running?",
            step.step.id
        ),
        (Some(step), _) => format!(
            "\n  help: the config may be from an earlier `stepgen dev {}`: start it again",
            step.step.id
        ),
        (None, _) => String::new(),
    };
    let reason = match err.as_service_error() {
        Some(service) => format!(
            "{}: {}",
            service.code().unwrap_or("error"),
            service.message().unwrap_or_default()
        ),
        None => DisplayErrorContext(&err).to_string(),
    };
    DeployError::Aws(format!(
        "AdminCreateUser of {email} in user pool {pool_id}: {reason}{help}"
    ))
}

/// Exit code 2 for something that is plainly not an address (Cognito checks the rest).
fn check_email(email: &str) -> Result<(), DeployError> {
    let valid = email.split_once('@').is_some_and(|(user, domain)| {
        !user.is_empty()
            && !domain.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
    }) && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    if valid {
        Ok(())
    } else {
        Err(DeployError::Usage(format!(
            "`{email}` is not an email address\n  help: the user signs in with it, e.g. ada@example.com"
        )))
    }
}

/// 16 characters meeting the course's password policy (12 or more; upper and lower case, a
/// digit, a symbol), without look-alikes. Unpredictable enough for a password that only opens
/// the local emulator and must be changed at the first sign-in; not a cryptographic secret.
fn temporary_password() -> String {
    const CLASSES: [&[u8]; 4] = [
        b"ABCDEFGHJKLMNPQRSTUVWXYZ",
        b"abcdefghijkmnopqrstuvwxyz",
        b"23456789",
        b"!#%+-=_",
    ];
    // A randomly keyed hash of the time seeds a xorshift generator.
    let mut seed = RandomState::new().hash_one(std::time::SystemTime::now()) | 1;
    let mut next = |below: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % below as u64) as usize
    };
    let mut chars: Vec<u8> = CLASSES
        .iter()
        .map(|class| class[next(class.len())])
        .collect();
    let all = CLASSES.concat();
    while chars.len() < 16 {
        chars.push(all[next(all.len())]);
    }
    for i in (1..chars.len()).rev() {
        chars.swap(i, next(i + 1));
    }
    String::from_utf8(chars).expect("ASCII")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_passwords_meet_the_policy_and_differ() {
        let first = temporary_password();
        assert!(first.len() >= 12, "{first}");
        for class in [
            char::is_ascii_uppercase,
            char::is_ascii_lowercase,
            char::is_ascii_digit,
            char::is_ascii_punctuation,
        ] {
            assert!(first.chars().any(|c| class(&c)), "{first}");
        }
        assert_ne!(first, temporary_password());
    }

    #[test]
    fn plainly_invalid_addresses_are_usage_errors() {
        assert!(check_email("ada@example.com").is_ok());
        assert!(check_email("ada.lovelace+todo@mail.example.org").is_ok());
        for bad in [
            "",
            "ada",
            "@example.com",
            "ada@",
            "ada@localhost",
            "a b@x.io",
            "a@b@c.io",
        ] {
            assert!(
                matches!(check_email(bad), Err(DeployError::Usage(_))),
                "{bad:?}"
            );
        }
    }

    fn state(outputs: &[(&str, &str)]) -> StackState {
        StackState {
            id: "arn:stack".into(),
            status: "CREATE_COMPLETE".into(),
            reason: None,
            outputs: outputs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned(), None))
                .collect(),
        }
    }

    #[test]
    fn the_user_pool_is_the_stacks_output_or_a_clear_error() {
        let course = Course::load(Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../steps.yaml"
        )))
        .unwrap();
        let step = StepContext::new(
            Path::new("steps.yaml"),
            &course,
            Path::new("generated"),
            "step01",
            false,
        )
        .unwrap();
        let deployed = state(&[
            ("SiteUrl", "https://d.example"),
            ("UserPoolId", "eu-west-1_abc"),
        ]);
        assert_eq!(
            user_pool_id(&step, "eu-west-1", Some(&deployed)).unwrap(),
            "eu-west-1_abc"
        );
        let missing = user_pool_id(&step, "eu-west-1", None)
            .unwrap_err()
            .to_string();
        assert!(
            missing.contains("deploy it first: stepgen deploy step01"),
            "{missing}"
        );
        let without = state(&[("SiteUrl", "https://d.example")]);
        let no_output = user_pool_id(&step, "eu-west-1", Some(&without))
            .unwrap_err()
            .to_string();
        assert!(
            no_output.starts_with("step01 has no sign-in"),
            "{no_output}"
        );
    }
}
