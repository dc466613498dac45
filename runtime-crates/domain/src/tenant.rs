//! `TenantId`: whose data a request touches; the key of a tenant's storage partition.
//!
//! step00 has one tenant, `default`. Later steps make a todo list's id the tenant id, so the
//! stores take a tenant on every call rather than baking one in.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

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
        if is_key_safe(&value, MAX_TENANT_ID_LEN) {
            Ok(Self(value))
        } else {
            Err(ApiError::bad_request(
                "invalid_tenant_id",
                format!("tenant id must be 1 to {MAX_TENANT_ID_LEN} letters, digits, '-' or '_'"),
            ))
        }
    }

    /// A fresh tenant id for a list created now: a UUID v7, so a user's lists sort in
    /// creation order wherever ids are compared as text (as DynamoDB compares sort keys).
    pub fn generate() -> Self {
        Self(Uuid::now_v7().hyphenated().to_string())
    }

    /// Reads a list id from a URL. List ids are UUIDs (see [`Self::generate`]); only the
    /// canonical 36-character form is accepted, in any letter case, and it is normalized to
    /// lowercase so that one list has exactly one key.
    pub fn parse_list_id(value: &str) -> Result<Self, ApiError> {
        let invalid = || {
            ApiError::bad_request(
                "invalid_id",
                format!(
                    "list id {value:?} is not a UUID like 0190b8a4-7f3e-7c4d-9a1b-2c3d4e5f6a7b"
                ),
            )
        };
        if value.len() != 36 {
            return Err(invalid());
        }
        let uuid = Uuid::try_parse(value).map_err(|_| invalid())?;
        Ok(Self(uuid.hyphenated().to_string()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Serialize for TenantId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for TenantId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::new(text).map_err(serde::de::Error::custom)
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

/// True for 1 to `max_len` ASCII letters, digits, `-` or `_`: an id that can be part of a
/// storage key (`TENANT#<id>`, `USER#<id>`) without a `#` forging another key.
pub(crate) fn is_key_safe(value: &str, max_len: usize) -> bool {
    !value.is_empty()
        && value.len() <= max_len
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
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
    fn generated_ids_are_list_ids_in_creation_order() {
        let first = TenantId::generate();
        let second = TenantId::generate();
        assert!(first < second);
        assert_eq!(TenantId::parse_list_id(first.as_str()).unwrap(), first);
        assert!(TenantId::new(first.as_str()).is_ok());
    }

    #[test]
    fn list_ids_are_canonical_uuids_normalized_to_lowercase() {
        let id = "0190B8A4-7F3E-7C4D-9A1B-2C3D4E5F6A7B";
        assert_eq!(
            TenantId::parse_list_id(id).unwrap().as_str(),
            id.to_lowercase()
        );
        for bad in ["", "default", "0190b8a47f3e7c4d9a1b2c3d4e5f6a7b", "a#b"] {
            let error = TenantId::parse_list_id(bad).unwrap_err();
            assert_eq!(error.code(), "invalid_id", "{bad:?}");
        }
    }

    #[test]
    fn rejects_empty_long_and_key_breaking_ids() {
        for bad in ["", "a#b", "a b", "é", &"x".repeat(65)] {
            let error = TenantId::new(bad).unwrap_err();
            assert_eq!(error.status(), 400, "{bad:?}");
        }
    }
}
