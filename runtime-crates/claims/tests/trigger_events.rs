//! The trigger on Cognito's own event shapes: each fixture under `fixtures/` is an event as
//! Cognito sends it (`<name>.event.json`) and the whole answer expected back
//! (`<name>.response.json`), for every user trigger source in V1 and for V2.

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use serde_json::{Value, json};
use todo_claims::{MAX_TOKEN_TENANTS, TokenTrigger, TriggerError};
use todo_domain::{ApiError, ListStatus, Membership, Role, TenantId, Timestamp, UserId};
use todo_storage::{MembershipIndex, MemoryPool};

const SUB: &str = "0190b8a4-0000-7000-8000-00000000a11c";
const OLDER: &str = "0190b8a4-7f3e-7c4d-9a1b-000000000001";
const NEWER: &str = "0190b8a4-7f3e-7c4d-9a1b-000000000002";

fn fixture(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

fn entry(list: &str, role: Role) -> Membership {
    Membership {
        list_id: TenantId::parse_list_id(list).unwrap(),
        name: "a list".to_owned(),
        role,
        created_at: Timestamp::now(),
        updated_at: Timestamp::now(),
        status: ListStatus::Ready,
    }
}

/// Alice owns the older list and is a member of the newer one.
async fn alices_index() -> Arc<MemoryPool> {
    let pool = Arc::new(MemoryPool::new());
    let alice = UserId::new(SUB).unwrap();
    pool.put_membership(&alice, &entry(OLDER, Role::Owner))
        .await
        .unwrap();
    pool.put_membership(&alice, &entry(NEWER, Role::Member))
        .await
        .unwrap();
    pool
}

#[tokio::test]
async fn every_fixture_gets_its_expected_answer() {
    let trigger = TokenTrigger::new(alices_index().await);
    let names = [
        "v1-authentication",
        "v1-hosted-auth",
        "v1-new-password-challenge",
        "v1-authenticate-device",
        "v1-refresh-tokens",
        "v2-authentication",
        "v2-refresh-tokens",
    ];
    for name in names {
        let answer = trigger
            .handle(fixture(&format!("{name}.event.json")))
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(answer, fixture(&format!("{name}.response.json")), "{name}");
    }
}

#[tokio::test]
async fn a_user_without_lists_gets_an_empty_claim() {
    let trigger = TokenTrigger::new(Arc::new(MemoryPool::new()));
    let answer = trigger
        .handle(fixture("v1-authentication.event.json"))
        .await
        .unwrap();
    assert_eq!(
        answer["response"],
        json!({ "claimsOverrideDetails": { "claimsToAddOrOverride": { "tenants": "" } } })
    );
}

#[tokio::test]
async fn claims_already_in_the_response_are_kept() {
    let trigger = TokenTrigger::new(alices_index().await);
    let mut event = fixture("v1-authentication.event.json");
    event["response"] = json!({
        "claimsOverrideDetails": {
            "claimsToAddOrOverride": { "plan": "free", "tenants": "stale" },
            "claimsToSuppress": ["email"]
        }
    });
    let answer = trigger.handle(event).await.unwrap();
    assert_eq!(
        answer["response"],
        json!({
            "claimsOverrideDetails": {
                "claimsToAddOrOverride": { "plan": "free", "tenants": format!("{NEWER} {OLDER}") },
                "claimsToSuppress": ["email"]
            }
        })
    );
}

#[tokio::test]
async fn more_lists_than_the_bound_name_the_newest_and_say_so() {
    let pool = Arc::new(MemoryPool::new());
    let alice = UserId::new(SUB).unwrap();
    let ids: Vec<String> = (1..=MAX_TOKEN_TENANTS + 2)
        .map(|n| format!("0190b8a4-7f3e-7c4d-9a1b-{n:012}"))
        .collect();
    for id in &ids {
        pool.put_membership(&alice, &entry(id, Role::Owner))
            .await
            .unwrap();
    }
    let answer = TokenTrigger::new(pool)
        .handle(fixture("v2-authentication.event.json"))
        .await
        .unwrap();
    let newest: Vec<&str> = ids
        .iter()
        .rev()
        .take(MAX_TOKEN_TENANTS)
        .map(String::as_str)
        .collect();
    let claims = json!({
        "claimsToAddOrOverride": { "tenants": newest.join(" "), "tenants_truncated": "true" }
    });
    assert_eq!(
        answer["response"],
        json!({
            "claimsAndScopeOverrideDetails": {
                "idTokenGeneration": claims,
                "accessTokenGeneration": claims
            }
        })
    );
}

#[tokio::test]
async fn a_machine_token_is_left_alone() {
    let trigger = TokenTrigger::new(alices_index().await);
    let mut event = fixture("v2-authentication.event.json");
    event["version"] = json!("3");
    event["triggerSource"] = json!("TokenGeneration_ClientCredentials");
    event["request"]["userAttributes"] = json!({});
    assert_eq!(trigger.handle(event.clone()).await.unwrap(), event);
}

#[tokio::test]
async fn events_of_other_triggers_or_versions_are_refused() {
    let trigger = TokenTrigger::new(alices_index().await);
    let base = fixture("v1-authentication.event.json");

    let mut event = base.clone();
    event["version"] = json!("4");
    let error = trigger.handle(event).await.unwrap_err();
    assert!(
        matches!(error, TriggerError::UnsupportedVersion(_)),
        "{error}"
    );

    let mut event = base.clone();
    event["triggerSource"] = json!("PreSignUp_SignUp");
    let error = trigger.handle(event).await.unwrap_err();
    assert!(error.to_string().contains("PreSignUp_SignUp"), "{error}");

    let mut event = base.clone();
    event["request"]["userAttributes"]
        .as_object_mut()
        .unwrap()
        .remove("sub");
    assert!(matches!(
        trigger.handle(event).await.unwrap_err(),
        TriggerError::NoUser
    ));

    let mut event = base;
    event["request"]["userAttributes"]["sub"] = json!("a#b");
    assert!(matches!(
        trigger.handle(event).await.unwrap_err(),
        TriggerError::BadUser(_)
    ));

    assert!(matches!(
        trigger.handle(json!([1])).await.unwrap_err(),
        TriggerError::NotAnObject
    ));
}

/// An index that is down.
struct Unreachable;

#[async_trait]
impl MembershipIndex for Unreachable {
    async fn memberships(&self, _: &UserId) -> Result<Vec<Membership>, ApiError> {
        Err(ApiError::internal("DynamoDB is unreachable"))
    }
    async fn membership(&self, _: &UserId, _: &TenantId) -> Result<Option<Membership>, ApiError> {
        unreachable!("the trigger reads the whole index")
    }
    async fn put_membership(&self, _: &UserId, _: &Membership) -> Result<(), ApiError> {
        unreachable!("the trigger never writes")
    }
    async fn rename_membership(
        &self,
        _: &UserId,
        _: &TenantId,
        _: &str,
        _: Timestamp,
    ) -> Result<(), ApiError> {
        unreachable!("the trigger never writes")
    }
    async fn remove_membership(&self, _: &UserId, _: &TenantId) -> Result<(), ApiError> {
        unreachable!("the trigger never writes")
    }
    async fn mark_ready(&self, _: &UserId, _: &TenantId) -> Result<(), ApiError> {
        unreachable!("the trigger never writes")
    }
}

#[tokio::test]
async fn an_unreadable_index_issues_the_token_without_claims() {
    let event = fixture("v1-refresh-tokens.event.json");
    let answer = TokenTrigger::new(Arc::new(Unreachable))
        .handle(event.clone())
        .await
        .unwrap();
    assert_eq!(
        answer, event,
        "the sign-in goes on; the API falls back to the index"
    );
}
