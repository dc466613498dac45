//! `stepgen invite` through the real binary, against moto's server on loopback: into the local
//! stack (a user pool and the `config.json` `stepgen dev` would write for it), and into a
//! "deployed" stack (moto's CloudFormation cannot create a user pool, so the stack only
//! publishes the id of a pool created directly as its `UserPoolId` output).

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};
use todo_test_support::{COGNITO_REGION, MotoCognito};

use common::{assert_exit, repo, text};

const STEP01: &str = "step01_todo_single_tenant_auth";
const STACK01: &str = "Step01TodoSingleTenantAuth";
const STEP02: &str = "step02_todo_multi_tenant";

/// Runs stepgen on `out` (a `generated/` folder) with dummy credentials, never a real account.
fn stepgen(out: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stepgen"))
        .arg("--course")
        .arg(repo().join("steps.yaml"))
        .arg("--out")
        .arg(out)
        .args(args)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// A step folder as far as `invite` looks at it: rendered (`cdk.json`), with `config`, if any,
/// as its SPA's `web/public/config.json`.
fn step_folder(out: &Path, folder: &str, config: Option<&Value>) {
    let dir = out.join(folder);
    std::fs::create_dir_all(dir.join("web/public")).unwrap();
    std::fs::write(dir.join("cdk.json"), "{}").unwrap();
    if let Some(config) = config {
        std::fs::write(dir.join("web/public/config.json"), config.to_string()).unwrap();
    }
}

async fn user(moto: &MotoCognito, pool_id: &str, email: &str) -> Value {
    moto.call(
        "AdminGetUser",
        json!({ "UserPoolId": pool_id, "Username": email }),
    )
    .await
    .unwrap_or_else(|err| panic!("{email} is not in the pool: {err}"))
}

fn attribute<'v>(user: &'v Value, name: &str) -> Option<&'v str> {
    user["UserAttributes"]
        .as_array()?
        .iter()
        .find(|a| a["Name"] == name)?["Value"]
        .as_str()
}

#[tokio::test(flavor = "multi_thread")]
async fn invite_creates_a_user_who_must_choose_a_password_locally_and_deployed() {
    let moto = MotoCognito::start().await;
    let pool_id = moto.create_user_pool("step01-users").await;
    let client_id = moto.create_app_client(&pool_id, "spa").await;
    let out = tempfile::tempdir().unwrap();
    let out = out.path();
    // What `stepgen dev step01` writes (the emulator's URL with a trailing slash, as it does).
    let config = json!({
        "apiUrl": "http://127.0.0.1:3000/",
        "auth": {
            "region": COGNITO_REGION,
            "userPoolId": pool_id,
            "userPoolClientId": client_id,
            "flow": "USER_PASSWORD_AUTH",
            "endpoint": format!("{}/", moto.endpoint()),
        }
    });
    step_folder(out, STEP01, Some(&config));
    step_folder(out, STEP02, None);

    // Locally: the temporary password is printed, and only opens the new-password challenge.
    let invited = stepgen(out, &["invite", "step01", "a@example.com", "--local"]);
    assert_exit(&invited, 0);
    let stdout = text(&invited.stdout);
    let password = stdout
        .lines()
        .find_map(|line| line.trim().strip_prefix("temporary password:"))
        .unwrap_or_else(|| panic!("no temporary password in:\n{stdout}"))
        .trim()
        .to_owned();
    assert!(stdout.contains("a@example.com"), "{stdout}");
    let created = user(&moto, &pool_id, "a@example.com").await;
    assert_eq!(created["UserStatus"], "FORCE_CHANGE_PASSWORD", "{created}");
    assert_eq!(attribute(&created, "email"), Some("a@example.com"));
    assert_eq!(attribute(&created, "email_verified"), Some("true"));
    let signed_in = moto
        .call(
            "InitiateAuth",
            json!({
                "ClientId": client_id,
                "AuthFlow": "USER_PASSWORD_AUTH",
                "AuthParameters": { "USERNAME": "a@example.com", "PASSWORD": password },
            }),
        )
        .await
        .unwrap();
    assert_eq!(
        signed_in["ChallengeName"], "NEW_PASSWORD_REQUIRED",
        "{signed_in}"
    );

    // The same address again: refused, nothing changed.
    let again = stepgen(out, &["invite", "step01", "a@example.com", "--local"]);
    assert_exit(&again, 1);
    assert!(
        text(&again.stderr).contains("a@example.com already has an account"),
        "{}",
        text(&again.stderr)
    );

    // Usage errors, and a local stack that is not running.
    assert_exit(
        &stepgen(out, &["invite", "step01", "not-an-address", "--local"]),
        2,
    );
    assert_exit(
        &stepgen(out, &["invite", "step99", "a@example.com", "--local"]),
        2,
    );
    assert_exit(
        &stepgen(out, &["invite", "step03", "a@example.com", "--local"]),
        2,
    );
    let not_running = stepgen(out, &["invite", "step02", "a@example.com", "--local"]);
    assert_exit(&not_running, 1);
    assert!(
        text(&not_running.stderr).contains("`stepgen dev step02`"),
        "{}",
        text(&not_running.stderr)
    );

    // Deployed: no stack yet, then a stack that publishes the pool's id.
    let deployed = |email: &'static str, step: &'static str| {
        let endpoint = moto.endpoint().to_owned();
        let out = out.to_owned();
        move || {
            stepgen(
                &out,
                &[
                    "invite",
                    step,
                    email,
                    "--region",
                    COGNITO_REGION,
                    "--endpoint-url",
                    &endpoint,
                ],
            )
        }
    };
    let no_stack = deployed("b@example.com", "step02")();
    assert_exit(&no_stack, 1);
    assert!(
        text(&no_stack.stderr).contains("deploy it first: stepgen deploy step02"),
        "{}",
        text(&no_stack.stderr)
    );
    let template = json!({
        "Resources": {
            "Marker": {
                "Type": "AWS::SSM::Parameter",
                "Properties": { "Type": "String", "Value": "invite test" }
            }
        },
        "Outputs": {
            "UserPoolId": { "Value": pool_id },
            "SiteUrl": { "Value": "https://site.example" }
        }
    });
    let created = aws_sdk_cloudformation::Client::new(&moto.sdk_config())
        .create_stack()
        .stack_name(STACK01)
        .template_body(template.to_string())
        .send()
        .await;
    // The SDK retries a first answer moto is slow to give; the retry then finds the stack.
    if let Err(err) = created {
        let code = err.as_service_error().and_then(|e| e.meta().code());
        assert_eq!(code, Some("AlreadyExistsException"), "{err:?}");
    }
    let invited = deployed("b@example.com", "step01")();
    assert_exit(&invited, 0);
    let stdout = text(&invited.stdout);
    assert!(stdout.contains("https://site.example"), "{stdout}");
    let created = user(&moto, &pool_id, "b@example.com").await;
    assert_eq!(created["UserStatus"], "FORCE_CHANGE_PASSWORD", "{created}");
    assert_exit(&deployed("b@example.com", "step01")(), 1);
}
