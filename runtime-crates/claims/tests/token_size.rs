//! The arithmetic behind `MAX_TOKEN_TENANTS`, measured: an ID token shaped like Cognito's,
//! carrying the most tenants a token may, signed with a 2048-bit RSA key as Cognito signs.

use todo_claims::{MAX_TOKEN_TENANTS, TenantClaims};
use todo_domain::{ListName, ListRecord, Membership, Role, UserId};
use todo_test_support::tokens::{TestKey, id_claims};

/// API Gateway's limit on the request line and headers together.
const API_GATEWAY_HEADER_LIMIT: usize = 10_240;

#[test]
fn a_token_with_the_most_tenants_stays_small() {
    let owner = UserId::new("owner").unwrap();
    let entries = (0..MAX_TOKEN_TENANTS * 3).map(|_| {
        let list = ListRecord::create(ListName::parse("l").unwrap(), owner.clone());
        Membership::of(&list, Role::Owner)
    });
    let mut claims = id_claims();
    // The claims Cognito adds to every ID token besides those of the test pool's helper.
    claims["email_verified"] = true.into();
    claims["origin_jti"] = "0b7c1f7e-0000-4000-8000-000000000004".into();
    claims["event_id"] = "6a1e1b0c-0000-4000-8000-000000000005".into();
    for (name, value) in TenantClaims::newest(entries).to_claims() {
        claims[name] = value;
    }
    let token = TestKey::first().sign(&claims);
    let header = format!("Authorization: Bearer {token}\r\n");
    assert!(token.len() < 4096, "{} bytes", token.len());
    assert!(
        header.len() * 2 < API_GATEWAY_HEADER_LIMIT,
        "the token leaves more than half of API Gateway's header budget: {} bytes",
        header.len()
    );
}
