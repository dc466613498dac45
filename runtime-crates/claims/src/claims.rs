//! The `tenants` claim: a user's list ids in their ID token, bounded and newest first.

use serde_json::{Map, Value};
use todo_domain::{Membership, TenantId};

/// The claim holding the list ids, space-separated, newest first; `""` for a user with no
/// lists (so "no lists" and "no claim at all" stay distinguishable).
pub const TENANTS_CLAIM: &str = "tenants";

/// The claim that is `"true"` when the user has more lists than [`TENANTS_CLAIM`] holds;
/// absent otherwise.
pub const TENANTS_TRUNCATED_CLAIM: &str = "tenants_truncated";

/// The most list ids a token carries.
///
/// Why 50: every API request carries the ID token in its `Authorization` header, and API
/// Gateway refuses a request whose request line and headers exceed 10,240 bytes. One id
/// is a 36-character UUID plus a separator, 37 bytes, so 50 ids are 1,849 bytes of claim,
/// about 2,470 after base64url. A Cognito ID token without them is about 1.1 KB (header
/// ~0.1 KB, claims ~0.65 KB, RS256 signature 342 characters), so the token stays under
/// 4 KB — under the 4,096-byte cookie limit, should the SPA keep its tokens in cookies —
/// and leaves API Gateway more than 6 KB for the browser's own headers. 200 ids would
/// already exceed the limit on their own. (A test signs such a token and measures it.)
///
/// A user with more lists still reaches every one of them: a list that is not in the
/// claim is looked up in the list index, as before tenant claims.
pub const MAX_TOKEN_TENANTS: usize = 50;

/// The lists a token names, newest first, and whether it had to leave some out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TenantClaims {
    tenants: Vec<TenantId>,
    truncated: bool,
}

impl TenantClaims {
    /// The claims for a user with these index entries: the [`MAX_TOKEN_TENANTS`] newest
    /// lists (list ids are UUID v7, so the greatest id is the newest list), whatever
    /// their role, and `truncated` when there were more.
    pub fn newest(memberships: impl IntoIterator<Item = Membership>) -> Self {
        let mut tenants: Vec<TenantId> =
            memberships.into_iter().map(|entry| entry.list_id).collect();
        tenants.sort_unstable_by(|a, b| b.cmp(a));
        tenants.dedup();
        let truncated = tenants.len() > MAX_TOKEN_TENANTS;
        tenants.truncate(MAX_TOKEN_TENANTS);
        Self { tenants, truncated }
    }

    /// Reads the claims of a verified token: `None` when it has no [`TENANTS_CLAIM`] (a
    /// token issued without the trigger). An entry that is not a list id is skipped: it
    /// cannot name any list, and the claim only ever narrows where the API looks first.
    pub fn parse(tenants: Option<&str>, truncated: Option<&str>) -> Option<Self> {
        let tenants = tenants?
            .split_ascii_whitespace()
            .filter_map(|id| TenantId::parse_list_id(id).ok())
            .collect();
        Some(Self {
            tenants,
            truncated: truncated == Some("true"),
        })
    }

    /// Whether the token names `tenant`.
    pub fn contains(&self, tenant: &TenantId) -> bool {
        self.tenants.contains(tenant)
    }

    /// Whether the user had more lists than the token names.
    pub fn truncated(&self) -> bool {
        self.truncated
    }

    /// The named lists, newest first.
    pub fn tenants(&self) -> &[TenantId] {
        &self.tenants
    }

    /// The claims as Cognito's `claimsToAddOrOverride` wants them: string values only.
    pub fn to_claims(&self) -> Map<String, Value> {
        let ids: Vec<&str> = self.tenants.iter().map(TenantId::as_str).collect();
        let mut claims = Map::new();
        claims.insert(TENANTS_CLAIM.to_owned(), Value::from(ids.join(" ")));
        if self.truncated {
            claims.insert(TENANTS_TRUNCATED_CLAIM.to_owned(), Value::from("true"));
        }
        claims
    }
}

#[cfg(test)]
mod tests {
    use todo_domain::{ListName, ListRecord, Role, UserId};

    use super::*;

    fn entries(count: usize) -> Vec<Membership> {
        let owner = UserId::new("owner").unwrap();
        (0..count)
            .map(|_| {
                let list = ListRecord::create(ListName::parse("l").unwrap(), owner.clone());
                Membership::of(&list, Role::Owner)
            })
            .collect()
    }

    #[test]
    fn no_lists_is_an_empty_claim_not_a_missing_one() {
        let claims = TenantClaims::newest([]);
        assert_eq!(
            Value::Object(claims.to_claims()),
            serde_json::json!({ "tenants": "" })
        );
        let parsed = TenantClaims::parse(Some(""), None).unwrap();
        assert!(parsed.tenants().is_empty() && !parsed.truncated());
        assert_eq!(TenantClaims::parse(None, None), None);
    }

    #[test]
    fn newest_first_and_bounded() {
        let all = entries(MAX_TOKEN_TENANTS + 3);
        let oldest = all[0].list_id.clone();
        let newest = all[all.len() - 1].list_id.clone();
        // The index answers oldest first; the order given must not matter.
        let claims = TenantClaims::newest(all.iter().rev().cloned().chain(all.clone()));
        assert_eq!(claims.tenants().len(), MAX_TOKEN_TENANTS);
        assert_eq!(claims.tenants()[0], newest);
        assert!(!claims.contains(&oldest), "the oldest lists are left out");
        assert!(claims.truncated());
        let map = claims.to_claims();
        assert_eq!(map[TENANTS_TRUNCATED_CLAIM], "true");

        let exact = TenantClaims::newest(entries(MAX_TOKEN_TENANTS));
        assert!(!exact.truncated());
        assert!(!exact.to_claims().contains_key(TENANTS_TRUNCATED_CLAIM));
    }

    #[test]
    fn the_claim_round_trips() {
        let claims = TenantClaims::newest(entries(MAX_TOKEN_TENANTS + 1));
        let map = claims.to_claims();
        let parsed = TenantClaims::parse(
            map[TENANTS_CLAIM].as_str(),
            map.get(TENANTS_TRUNCATED_CLAIM).and_then(Value::as_str),
        )
        .unwrap();
        assert_eq!(parsed, claims);
        for id in claims.tenants() {
            assert!(parsed.contains(id));
        }
    }

    #[test]
    fn entries_that_are_not_list_ids_name_nothing() {
        let id = TenantId::generate();
        let parsed =
            TenantClaims::parse(Some(&format!("  default a#b {id}  ")), Some("yes")).unwrap();
        assert_eq!(parsed.tenants(), [id]);
        assert!(!parsed.truncated(), "only \"true\" means truncated");
    }
}
