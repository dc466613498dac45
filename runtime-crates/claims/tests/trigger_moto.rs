//! The trigger reading a real DynamoDB list index (moto), through the index-only pool the
//! Lambda builds: lists created through the pool model show up in the next token.

use std::sync::Arc;

use serde_json::Value;
use todo_claims::{MAX_TOKEN_TENANTS, TENANTS_CLAIM, TenantClaims, TokenTrigger};
use todo_domain::{ListName, ListRecord, Membership, Role, TenantId, UserId};
use todo_storage::{DynamoPool, MembershipIndex};
use todo_test_support::{MotoDynamo, TABLE_NAME};

fn event_for(sub: &str) -> Value {
    let text = include_str!("fixtures/v1-authentication.event.json");
    let mut event: Value = serde_json::from_str(text).unwrap();
    event["userName"] = Value::from(sub);
    event["request"]["userAttributes"]["sub"] = Value::from(sub);
    event
}

fn claims_of(answer: &Value) -> TenantClaims {
    let claims = &answer["response"]["claimsOverrideDetails"]["claimsToAddOrOverride"];
    TenantClaims::parse(
        claims[TENANTS_CLAIM].as_str(),
        claims["tenants_truncated"].as_str(),
    )
    .expect("the answer has a tenants claim")
}

#[tokio::test]
async fn the_index_on_dynamodb_feeds_the_claims() {
    let moto = MotoDynamo::start().await;
    let index = Arc::new(DynamoPool::index_only(&moto.sdk_config(), TABLE_NAME));
    let trigger = TokenTrigger::new(index.clone());
    let sub = "0190b8a4-0000-7000-8000-00000000a11c";
    let user = UserId::new(sub).unwrap();

    assert!(
        claims_of(&trigger.handle(event_for(sub)).await.unwrap())
            .tenants()
            .is_empty()
    );

    // More lists than a token holds, owned and shared, written as the API writes them.
    let owner = UserId::new("someone-else").unwrap();
    let mut created: Vec<TenantId> = Vec::new();
    for n in 0..=MAX_TOKEN_TENANTS {
        let list = ListRecord::create(
            ListName::parse(&format!("list {n}")).unwrap(),
            owner.clone(),
        );
        let role = if n % 2 == 0 {
            Role::Owner
        } else {
            Role::Member
        };
        index
            .put_membership(&user, &Membership::of(&list, role))
            .await
            .unwrap();
        created.push(list.id);
    }
    let claims = claims_of(&trigger.handle(event_for(sub)).await.unwrap());
    assert!(claims.truncated());
    let newest: Vec<TenantId> = created
        .iter()
        .rev()
        .take(MAX_TOKEN_TENANTS)
        .cloned()
        .collect();
    assert_eq!(claims.tenants(), newest);
    assert!(!claims.contains(&created[0]), "the oldest list is left out");

    // Leaving a list takes it out of the next token.
    index
        .remove_membership(&user, &created[MAX_TOKEN_TENANTS])
        .await
        .unwrap();
    let claims = claims_of(&trigger.handle(event_for(sub)).await.unwrap());
    assert!(!claims.truncated());
    assert_eq!(
        claims.tenants(),
        &created[..MAX_TOKEN_TENANTS]
            .iter()
            .rev()
            .cloned()
            .collect::<Vec<_>>()[..]
    );
}
