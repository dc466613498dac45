//! Todos: the stored record, the validated inputs that create and change one, and their rules.
//!
//! Raw request bodies (`CreateTodoRequest`, `UpdateTodoRequest`) are separate from validated
//! values (`NewTodo`, `TodoPatch`) so that a store can only ever be handed input that passed
//! the rules below.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};
use uuid::Uuid;

use crate::ApiError;

/// The longest title accepted, counted in Unicode scalar values (not bytes) after trimming.
pub const MAX_TITLE_CHARS: usize = 200;

/// A todo's id: a UUID v7, so ids sort in creation order wherever they are compared as
/// bytes or as their lowercase hyphenated text (which is how DynamoDB sorts the sort key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TodoId(Uuid);

impl TodoId {
    /// A fresh id for a todo created now.
    pub fn generate() -> Self {
        Self(Uuid::now_v7())
    }

    /// The underlying UUID.
    pub fn as_uuid(&self) -> &Uuid {
        &self.0
    }
}

impl FromStr for TodoId {
    type Err = ApiError;

    /// Accepts only the canonical 36-character hyphenated form (any letter case), so one todo
    /// has exactly one spelling in URLs and keys.
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let invalid = || {
            ApiError::bad_request(
                "invalid_id",
                format!(
                    "todo id {value:?} is not a UUID like 0190b8a4-7f3e-7c4d-9a1b-2c3d4e5f6a7b"
                ),
            )
        };
        if value.len() != 36 {
            return Err(invalid());
        }
        Uuid::try_parse(value).map(Self).map_err(|_| invalid())
    }
}

impl fmt::Display for TodoId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0.hyphenated(), f)
    }
}

impl Serialize for TodoId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for TodoId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A UTC instant with millisecond precision, written as RFC 3339 with exactly three
/// fractional digits (`2025-01-31T09:30:00.123Z`): fixed width, so the text sorts by time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(OffsetDateTime);

impl Timestamp {
    /// The current time, truncated to milliseconds so that it survives a round trip through
    /// its text form unchanged.
    pub fn now() -> Self {
        Self::from_datetime(OffsetDateTime::now_utc())
    }

    /// Parses any RFC 3339 timestamp and normalizes it to UTC milliseconds.
    pub fn parse(text: &str) -> Result<Self, ApiError> {
        OffsetDateTime::parse(text, &Rfc3339)
            .map(Self::from_datetime)
            .map_err(|e| ApiError::internal(format!("stored timestamp {text:?} is invalid: {e}")))
    }

    /// The underlying date-time, in UTC.
    pub fn as_datetime(&self) -> OffsetDateTime {
        self.0
    }

    fn from_datetime(value: OffsetDateTime) -> Self {
        let utc = value.to_offset(UtcOffset::UTC);
        let millis = utc.millisecond();
        // Nanoseconds below a millisecond are dropped; a whole millisecond is always valid.
        Self(utc.replace_millisecond(millis).unwrap_or(utc))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let format = format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
        );
        // Formatting a UTC date-time with a four-digit year cannot fail; years past 9999
        // (unreachable from `now`) fall back to the general RFC 3339 writer.
        match self.0.format(format) {
            Ok(text) => f.write_str(&text),
            Err(_) => f.write_str(&self.0.format(&Rfc3339).map_err(|_| fmt::Error)?),
        }
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A valid title: trimmed, 1 to `MAX_TITLE_CHARS` characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Title(String);

impl Title {
    /// Trims `raw` and checks its length.
    pub fn parse(raw: &str) -> Result<Self, ApiError> {
        trimmed_and_bounded(raw, "title", MAX_TITLE_CHARS).map(Self)
    }

    /// The title as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The title as an owned string.
    pub fn into_string(self) -> String {
        self.0
    }
}

/// `raw` trimmed, if it is 1 to `max_chars` characters (Unicode scalar values) long; the
/// rule for every short human-written text (titles, list names).
pub(crate) fn trimmed_and_bounded(
    raw: &str,
    field: &str,
    max_chars: usize,
) -> Result<String, ApiError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(ApiError::validation(format!("{field} must not be empty")));
    }
    let chars = trimmed.chars().count();
    if chars > max_chars {
        return Err(ApiError::validation(format!(
            "{field} must be at most {max_chars} characters, got {chars}"
        )));
    }
    Ok(trimmed.to_owned())
}

/// A stored todo, as the API returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Todo {
    pub id: TodoId,
    pub title: String,
    pub done: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Todo {
    /// A new, not-yet-done todo with a fresh id, created now.
    pub fn create(new: NewTodo) -> Self {
        let now = Timestamp::now();
        Self {
            id: TodoId::generate(),
            title: new.title.into_string(),
            done: false,
            created_at: now,
            updated_at: now,
        }
    }

    /// Applies `patch` in place, stamping `updated_at` with `now`.
    pub fn apply(&mut self, patch: &TodoPatch, now: Timestamp) {
        if let Some(title) = &patch.title {
            self.title = title.as_str().to_owned();
        }
        if let Some(done) = patch.done {
            self.done = done;
        }
        self.updated_at = now;
    }
}

/// A todo of a list in the multi-tenant steps: a [`Todo`] and its `version`, which starts
/// at 1 and grows by one with every write. A client that sends the version it last read
/// with a change gets 409 instead of overwriting someone else's newer write (optimistic
/// concurrency). Serialized as the todo's fields plus `"version"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionedTodo {
    #[serde(flatten)]
    pub todo: Todo,
    pub version: u64,
}

impl VersionedTodo {
    /// A new todo at version 1.
    pub fn create(new: NewTodo) -> Self {
        Self {
            todo: Todo::create(new),
            version: 1,
        }
    }

    /// Applies `patch` like [`Todo::apply`] and moves to the next version.
    pub fn apply(&mut self, patch: &TodoPatch, now: Timestamp) {
        self.todo.apply(patch, now);
        self.version += 1;
    }
}

/// The body of `PATCH /lists/{listId}/todos/{todoId}`: the fields of [`UpdateTodoRequest`]
/// plus the optional `version` the change is based on.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateListTodoRequest {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub done: Option<bool>,
    /// When present, the change applies only if the todo is still at this version.
    #[serde(default)]
    pub version: Option<u64>,
}

impl UpdateListTodoRequest {
    /// Checks the change; the version is returned as sent.
    pub fn validate(&self) -> Result<(TodoPatch, Option<u64>), ApiError> {
        let title = self.title.as_deref().map(Title::parse).transpose()?;
        Ok((TodoPatch::new(title, self.done)?, self.version))
    }
}

/// The body of `POST /todos`, as sent. Unknown fields are rejected so that a typo
/// (`"titel"`) is an error rather than silently ignored.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateTodoRequest {
    pub title: String,
}

impl CreateTodoRequest {
    /// Checks the request against the rules for a new todo.
    pub fn validate(&self) -> Result<NewTodo, ApiError> {
        Ok(NewTodo {
            title: Title::parse(&self.title)?,
        })
    }
}

/// The body of `PATCH /todos/{id}`, as sent. A field that is absent (or `null`) is left
/// unchanged.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateTodoRequest {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub done: Option<bool>,
}

impl UpdateTodoRequest {
    /// Checks the request against the rules for a change to a todo.
    pub fn validate(&self) -> Result<TodoPatch, ApiError> {
        let title = self.title.as_deref().map(Title::parse).transpose()?;
        TodoPatch::new(title, self.done)
    }
}

/// A validated new todo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTodo {
    pub title: Title,
}

/// A validated change to a todo: at least one field is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TodoPatch {
    title: Option<Title>,
    done: Option<bool>,
}

impl TodoPatch {
    /// A patch changing the given fields; an empty patch is a validation error because it
    /// almost always means the client sent the wrong field names.
    pub fn new(title: Option<Title>, done: Option<bool>) -> Result<Self, ApiError> {
        if title.is_none() && done.is_none() {
            return Err(ApiError::validation(
                "a patch must set at least one of \"title\" or \"done\"",
            ));
        }
        Ok(Self { title, done })
    }

    /// The new title, if the patch changes it.
    pub fn title(&self) -> Option<&Title> {
        self.title.as_ref()
    }

    /// The new done flag, if the patch changes it.
    pub fn done(&self) -> Option<bool> {
        self.done
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_is_trimmed() {
        assert_eq!(Title::parse("  buy milk \n").unwrap().as_str(), "buy milk");
    }

    #[test]
    fn blank_title_is_rejected() {
        for blank in ["", "   ", "\t\n"] {
            let error = Title::parse(blank).unwrap_err();
            assert_eq!(error.code(), "validation_failed");
        }
    }

    #[test]
    fn title_length_counts_characters_not_bytes() {
        let max_multibyte = "é".repeat(MAX_TITLE_CHARS);
        assert!(max_multibyte.len() > MAX_TITLE_CHARS);
        assert!(Title::parse(&max_multibyte).is_ok());
        let too_long = "a".repeat(MAX_TITLE_CHARS + 1);
        assert_eq!(Title::parse(&too_long).unwrap_err().status(), 400);
        let padded = format!("  {}  ", "a".repeat(MAX_TITLE_CHARS));
        assert!(Title::parse(&padded).is_ok(), "padding is trimmed first");
    }

    #[test]
    fn patch_needs_at_least_one_field() {
        let empty = UpdateTodoRequest {
            title: None,
            done: None,
        };
        assert_eq!(empty.validate().unwrap_err().code(), "validation_failed");
        let done_only = UpdateTodoRequest {
            title: None,
            done: Some(true),
        };
        assert_eq!(done_only.validate().unwrap().done(), Some(true));
    }

    #[test]
    fn patch_validates_its_title() {
        let blank = UpdateTodoRequest {
            title: Some(" ".into()),
            done: Some(true),
        };
        assert!(blank.validate().is_err());
    }

    #[test]
    fn request_bodies_reject_unknown_fields() {
        assert!(serde_json::from_str::<CreateTodoRequest>(r#"{"titel":"x"}"#).is_err());
        assert!(serde_json::from_str::<UpdateTodoRequest>(r#"{"done":true,"x":1}"#).is_err());
        assert!(serde_json::from_str::<UpdateTodoRequest>(r#"{"done":"yes"}"#).is_err());
    }

    #[test]
    fn todo_serializes_as_camel_case_with_rfc3339_utc_timestamps() {
        let todo = Todo::create(CreateTodoRequest { title: "a".into() }.validate().unwrap());
        let json = serde_json::to_value(&todo).unwrap();
        let object = json.as_object().unwrap();
        let mut keys: Vec<_> = object.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["createdAt", "done", "id", "title", "updatedAt"]);
        let created = object["createdAt"].as_str().unwrap();
        assert_eq!(created.len(), "2025-01-31T09:30:00.123Z".len(), "{created}");
        assert!(created.ends_with('Z'));
        let back: Todo = serde_json::from_value(json).unwrap();
        assert_eq!(back, todo, "a todo survives a JSON round trip");
    }

    #[test]
    fn timestamps_normalize_offsets_to_utc() {
        let ts = Timestamp::parse("2025-01-31T10:30:00.5+01:00").unwrap();
        assert_eq!(ts.to_string(), "2025-01-31T09:30:00.500Z");
    }

    #[test]
    fn ids_are_canonical_uuids_in_creation_order() {
        let first = TodoId::generate();
        let second = TodoId::generate();
        assert!(first < second);
        assert!(first.to_string() < second.to_string());
        let text = first.to_string();
        assert_eq!(text.parse::<TodoId>().unwrap(), first);
        assert_eq!(text.to_uppercase().parse::<TodoId>().unwrap(), first);
        for bad in [
            "",
            "42",
            "not-a-uuid",
            &text.replace('-', ""),
            &format!("{{{text}}}"),
        ] {
            assert_eq!(
                bad.parse::<TodoId>().unwrap_err().code(),
                "invalid_id",
                "{bad:?}"
            );
        }
    }

    #[test]
    fn versioned_todos_serialize_flat_and_count_writes() {
        let mut todo = VersionedTodo::create(NewTodo {
            title: Title::parse("a").unwrap(),
        });
        assert_eq!(todo.version, 1);
        todo.apply(&TodoPatch::new(None, Some(true)).unwrap(), Timestamp::now());
        assert_eq!(todo.version, 2);
        let json = serde_json::to_value(&todo).unwrap();
        let mut keys: Vec<_> = json.as_object().unwrap().keys().cloned().collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            ["createdAt", "done", "id", "title", "updatedAt", "version"]
        );
        assert_eq!(json["version"], 2);
        let back: VersionedTodo = serde_json::from_value(json).unwrap();
        assert_eq!(back, todo);
    }

    #[test]
    fn list_todo_patches_carry_an_optional_version() {
        let request: UpdateListTodoRequest =
            serde_json::from_str(r#"{"done":true,"version":3}"#).unwrap();
        let (patch, version) = request.validate().unwrap();
        assert_eq!((patch.done(), version), (Some(true), Some(3)));
        let request: UpdateListTodoRequest = serde_json::from_str(r#"{"version":3}"#).unwrap();
        assert_eq!(request.validate().unwrap_err().code(), "validation_failed");
        for bad in [
            r#"{"done":true,"version":-1}"#,
            r#"{"done":true,"version":"1"}"#,
        ] {
            assert!(
                serde_json::from_str::<UpdateListTodoRequest>(bad).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn apply_changes_only_the_given_fields() {
        let mut todo = Todo::create(NewTodo {
            title: Title::parse("a").unwrap(),
        });
        let later = Timestamp::parse("2999-01-01T00:00:00Z").unwrap();
        todo.apply(&TodoPatch::new(None, Some(true)).unwrap(), later);
        assert_eq!(todo.title, "a");
        assert!(todo.done);
        assert_eq!(todo.updated_at, later);
        assert!(todo.created_at < later);
    }
}
