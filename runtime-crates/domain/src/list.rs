//! Lists and the people on them: a list's record, its members and their roles, the user ids
//! and emails that name them, and the validated inputs that create and change them.
//!
//! In the multi-tenant steps a list's id is the tenant id ([`TenantId`]): everything of a
//! list — its record, its members, its todos — lives in that tenant's storage partition.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::todo::trimmed_and_bounded;
use crate::{ApiError, TenantId, Timestamp};

/// The longest list name accepted, counted in characters after trimming.
pub const MAX_LIST_NAME_CHARS: usize = 100;

/// The longest user id accepted. Cognito's `sub` is a 36-character UUID.
const MAX_USER_ID_LEN: usize = 128;

/// The longest email address accepted (RFC 5321's limit for a path).
const MAX_EMAIL_LEN: usize = 254;

/// A valid list name: trimmed, 1 to [`MAX_LIST_NAME_CHARS`] characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListName(String);

impl ListName {
    /// Trims `raw` and checks its length.
    pub fn parse(raw: &str) -> Result<Self, ApiError> {
        trimmed_and_bounded(raw, "name", MAX_LIST_NAME_CHARS).map(Self)
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a user is on a list. The rules for each role are in todo-tenancy's `access`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Created the list; the only one who may rename, delete or share it.
    Owner,
    /// Was given access by the owner; works on the todos.
    Member,
}

impl Role {
    /// The role as stored and sent: `owner` or `member`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Member => "member",
        }
    }

    /// Reads a stored role.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "owner" => Some(Self::Owner),
            "member" => Some(Self::Member),
            _ => None,
        }
    }
}

/// A user's stable id: the `sub` of their Cognito ID token (a UUID), never their email or
/// user name, which can change. 1 to 128 ASCII letters, digits, `-` or `_`, because it
/// becomes part of storage keys (`USER#<id>`, `MEMBER#<id>`), where a `#` could forge
/// another key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UserId(String);

impl UserId {
    /// Validates `value` as a user id.
    pub fn new(value: impl Into<String>) -> Result<Self, ApiError> {
        let value = value.into();
        if crate::tenant::is_key_safe(&value, MAX_USER_ID_LEN) {
            Ok(Self(value))
        } else {
            Err(ApiError::bad_request(
                "invalid_id",
                format!(
                    "user id {value:?} is not 1 to {MAX_USER_ID_LEN} letters, digits, '-' or '_'"
                ),
            ))
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for UserId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for UserId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::new(text).map_err(serde::de::Error::custom)
    }
}

/// An email address as a person typed it, trimmed and checked for shape only (one `@`
/// between a non-empty local part and a domain with a dot; no spaces, quotes, backslashes
/// or control characters, so that it can be put in a directory query safely). Whether
/// anyone owns it is the user directory's business.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// Trims `raw` and checks its shape.
    pub fn parse(raw: &str) -> Result<Self, ApiError> {
        let email = raw.trim();
        let invalid = |why: &str| {
            Err(ApiError::validation(format!(
                "email {email:?} is not an address like name@example.com: {why}"
            )))
        };
        if email.is_empty() {
            return Err(ApiError::validation("email must not be empty"));
        }
        if email.len() > MAX_EMAIL_LEN {
            return invalid(&format!("it is longer than {MAX_EMAIL_LEN} bytes"));
        }
        if email
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '"' || c == '\\')
        {
            return invalid("it contains a space, a quote, a backslash or a control character");
        }
        let Some((local, domain)) = email.split_once('@') else {
            return invalid("it has no @");
        };
        if local.is_empty() || domain.contains('@') {
            return invalid("it needs exactly one @ with a name before it");
        }
        let labels_ok = domain.split('.').all(|label| !label.is_empty());
        if !domain.contains('.') || !labels_ok {
            return invalid("the part after @ is not a domain like example.com");
        }
        Ok(Self(email.to_owned()))
    }

    /// The address as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `other` is the same address, ignoring letter case (mail providers treat
    /// addresses case-insensitively, and so does Cognito's sign-in by email).
    pub fn matches(&self, other: &str) -> bool {
        self.0.eq_ignore_ascii_case(other.trim())
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A list's own record, stored once in its tenant partition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListRecord {
    pub id: TenantId,
    pub name: String,
    pub owner: UserId,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl ListRecord {
    /// A new list owned by `owner`, with a fresh id, created now.
    pub fn create(name: ListName, owner: UserId) -> Self {
        let now = Timestamp::now();
        Self {
            id: TenantId::generate(),
            name: name.0,
            owner,
            created_at: now,
            updated_at: now,
        }
    }
}

/// Someone with access to a list: the owner or a member, as `GET /lists/{id}/members`
/// returns them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Member {
    pub user_id: UserId,
    pub email: String,
    pub role: Role,
}

/// Whether a list can be used yet. Only the silo model (step05) has lists that are not:
/// their own table is created with them and takes a few seconds to become active.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ListStatus {
    #[default]
    Ready,
    /// The list's storage is being created; its routes answer 503 until it is ready.
    Preparing,
}

impl ListStatus {
    /// Whether the list can be used.
    pub fn is_ready(&self) -> bool {
        *self == Self::Ready
    }
}

/// One entry of a user's list index: which list, what they are on it, and a copy of the
/// list's name and times, so that a user's lists can be shown from the index alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub list_id: TenantId,
    pub name: String,
    pub role: Role,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// `Preparing` only on the owner's entry of a silo list whose table is not active yet.
    pub status: ListStatus,
}

impl Membership {
    /// The entry for a user who is `role` on `list`, which is ready.
    pub fn of(list: &ListRecord, role: Role) -> Self {
        Self {
            list_id: list.id.clone(),
            name: list.name.clone(),
            role,
            created_at: list.created_at,
            updated_at: list.updated_at,
            status: ListStatus::Ready,
        }
    }

    /// The list this entry copies, owned by `owner`.
    pub fn list_record(&self, owner: UserId) -> ListRecord {
        ListRecord {
            id: self.list_id.clone(),
            name: self.name.clone(),
            owner,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

/// The body of `POST /lists` and `PATCH /lists/{listId}`, as sent.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListNameRequest {
    pub name: String,
}

impl ListNameRequest {
    /// Checks the name.
    pub fn validate(&self) -> Result<ListName, ApiError> {
        ListName::parse(&self.name)
    }
}

/// The body of `POST /lists/{listId}/members`, as sent.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddMemberRequest {
    pub email: String,
}

impl AddMemberRequest {
    /// Checks the email's shape.
    pub fn validate(&self) -> Result<Email, ApiError> {
        Email::parse(&self.email)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_names_are_trimmed_and_bounded() {
        assert_eq!(
            ListName::parse("  Groceries ").unwrap().as_str(),
            "Groceries"
        );
        assert_eq!(
            ListName::parse(" ").unwrap_err().to_string(),
            "name must not be empty"
        );
        assert!(ListName::parse(&"x".repeat(MAX_LIST_NAME_CHARS)).is_ok());
        let long = ListName::parse(&"x".repeat(MAX_LIST_NAME_CHARS + 1)).unwrap_err();
        assert_eq!(long.status(), 400);
    }

    #[test]
    fn roles_read_and_write_as_lowercase_words() {
        for role in [Role::Owner, Role::Member] {
            assert_eq!(Role::parse(role.as_str()), Some(role));
            assert_eq!(serde_json::to_value(role).unwrap(), role.as_str());
        }
        assert_eq!(Role::parse("admin"), None);
    }

    #[test]
    fn user_ids_cannot_forge_keys() {
        assert!(UserId::new("4f1c2a2e-0000-4000-8000-000000000001").is_ok());
        for bad in ["", "a#b", "a b", &"x".repeat(129)] {
            assert_eq!(
                UserId::new(bad).unwrap_err().code(),
                "invalid_id",
                "{bad:?}"
            );
        }
    }

    #[test]
    fn emails_are_checked_for_shape() {
        let email = Email::parse(" Bob@Example.com ").unwrap();
        assert_eq!(email.as_str(), "Bob@Example.com");
        assert!(email.matches("bob@example.COM"));
        assert!(!email.matches("bob@example.org"));
        for bad in [
            "",
            "bob",
            "@example.com",
            "bob@",
            "bob@example",
            "bob@@example.com",
            "bob@example..com",
            "b ob@example.com",
            "bob\"@example.com",
            "bob\\@example.com",
        ] {
            let error = Email::parse(bad).unwrap_err();
            assert_eq!(error.code(), "validation_failed", "{bad:?}");
        }
    }

    #[test]
    fn members_serialize_as_camel_case() {
        let member = Member {
            user_id: UserId::new("u1").unwrap(),
            email: "a@example.com".into(),
            role: Role::Member,
        };
        assert_eq!(
            serde_json::to_value(&member).unwrap(),
            serde_json::json!({"userId": "u1", "email": "a@example.com", "role": "member"})
        );
    }

    #[test]
    fn a_new_list_starts_with_equal_times_and_a_list_id() {
        let list = ListRecord::create(ListName::parse("a").unwrap(), UserId::new("u").unwrap());
        assert_eq!(list.created_at, list.updated_at);
        assert!(TenantId::parse_list_id(list.id.as_str()).is_ok());
        let entry = Membership::of(&list, Role::Owner);
        assert_eq!((entry.list_id, entry.role), (list.id, Role::Owner));
    }
}
