//! `TenantId`: whose data a request touches; the key of a tenant's storage partition.
//!
//! step00 has one tenant, `default`. Later steps make a todo list's id the tenant id, so the
//! stores take a tenant on every call rather than baking one in.

use std::fmt;

use crate::ApiError;

/// The longest tenant id accepted; long enough for a UUID or a slug, short enough for a key.
const MAX_TENANT_ID_LEN: usize = 64;

/// A validated tenant id: 1 to 64 ASCII letters, digits, `-` or `_`.
///
/// The character set is narrow because the id becomes part of a storage key
/// (`TENANT#<id>`): no `#` can sneak in and forge another tenant's key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TenantId(String);

impl TenantId {
    /// Validates `value` as a tenant id.
    pub fn new(value: impl Into<String>) -> Result<Self, ApiError> {
        let value = value.into();
        let well_formed = !value.is_empty()
            && value.len() <= MAX_TENANT_ID_LEN
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if well_formed {
            Ok(Self(value))
        } else {
            Err(ApiError::bad_request(
                "invalid_tenant_id",
                format!("tenant id must be 1 to {MAX_TENANT_ID_LEN} letters, digits, '-' or '_'"),
            ))
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for TenantId {
    /// The single tenant of the single-tenant course steps.
    fn default() -> Self {
        Self("default".to_owned())
    }
}

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_tenant_is_named_default() {
        assert_eq!(TenantId::default().as_str(), "default");
    }

    #[test]
    fn accepts_slugs_and_uuids() {
        assert!(TenantId::new("team-42_a").is_ok());
        assert!(TenantId::new("0190b8a4-7f3e-7c4d-9a1b-2c3d4e5f6a7b").is_ok());
    }

    #[test]
    fn rejects_empty_long_and_key_breaking_ids() {
        for bad in ["", "a#b", "a b", "é", &"x".repeat(65)] {
            let error = TenantId::new(bad).unwrap_err();
            assert_eq!(error.status(), 400, "{bad:?}");
        }
    }
}
