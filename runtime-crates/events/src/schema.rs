//! The events and their envelope, version 1 (the tables are in the crate's documentation):
//! built by the API ([`DomainEvent`]'s constructors), written as an EventBridge entry's
//! `Source`, `DetailType` and `Detail`, and read back from the event EventBridge delivers.
//!
//! The `data` of each type is its own struct, so the JSON a consumer reads is checked
//! against the schema before any effect: a missing field, or a malformed id, fails the
//! message instead of half-applying it.

use std::fmt;

use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value};
use time::Date;
use todo_domain::{ApiError, Member, TenantId, Timestamp, TodoId, UserId};
use todo_metering::Usage;
use uuid::Uuid;

/// The envelope's `schemaVersion` this crate writes and the only one it reads.
pub const SCHEMA_VERSION: u64 = 1;

/// The `Source` of every event the API publishes.
pub const API_SOURCE: &str = "todo.api";

/// The `Source` of the provisioner's `TenantReady`.
pub const PROVISIONING_SOURCE: &str = "todo.provisioning";

/// An event's name: its EventBridge `DetailType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventType {
    ListCreated,
    ListDeleted,
    TodoAdded,
    TodoCompleted,
    TodoReopened,
    TodoRemoved,
    MemberAdded,
    MemberRemoved,
    UsageRecorded,
    TenantReady,
}

impl EventType {
    /// Every type of schema version 1.
    pub const ALL: [Self; 10] = [
        Self::ListCreated,
        Self::ListDeleted,
        Self::TodoAdded,
        Self::TodoCompleted,
        Self::TodoReopened,
        Self::TodoRemoved,
        Self::MemberAdded,
        Self::MemberRemoved,
        Self::UsageRecorded,
        Self::TenantReady,
    ];

    /// The `DetailType`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ListCreated => "ListCreated",
            Self::ListDeleted => "ListDeleted",
            Self::TodoAdded => "TodoAdded",
            Self::TodoCompleted => "TodoCompleted",
            Self::TodoReopened => "TodoReopened",
            Self::TodoRemoved => "TodoRemoved",
            Self::MemberAdded => "MemberAdded",
            Self::MemberRemoved => "MemberRemoved",
            Self::UsageRecorded => "UsageRecorded",
            Self::TenantReady => "TenantReady",
        }
    }

    /// The type named `detail_type`, if version 1 has it.
    pub fn parse(detail_type: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str() == detail_type)
    }

    /// The `Source` events of this type come from.
    pub fn source(self) -> &'static str {
        match self {
            Self::TenantReady => PROVISIONING_SOURCE,
            _ => API_SOURCE,
        }
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `ListCreated`'s data: what the provisioner needs to write the list into its new table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListCreated {
    pub name: String,
    pub owner_email: String,
}

/// `TodoAdded`'s data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TodoAdded {
    pub todo_id: TodoId,
    pub title: String,
}

/// The data of `TodoCompleted`, `TodoReopened` and `TodoRemoved`: which todo.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TodoRef {
    pub todo_id: TodoId,
}

/// `MemberAdded`'s data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberAdded {
    pub user_id: UserId,
    pub email: String,
}

/// `MemberRemoved`'s data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberRemoved {
    pub user_id: UserId,
}

/// `UsageRecorded`'s data: one metered request's usage, on the UTC day it was served.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsageRecorded {
    #[serde(with = "day")]
    pub day: Date,
    /// `requests`, `durationMs`, `readUnits`, `writeUnits`, beside `day`.
    #[serde(flatten)]
    pub usage: Usage,
}

/// `TenantReady`'s data: the list's table, now active and holding the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TenantReady {
    pub table: String,
}

/// An event's `data`; its variant is the event's type.
#[derive(Debug, Clone, PartialEq)]
pub enum EventData {
    ListCreated(ListCreated),
    ListDeleted,
    TodoAdded(TodoAdded),
    TodoCompleted(TodoRef),
    TodoReopened(TodoRef),
    TodoRemoved(TodoRef),
    MemberAdded(MemberAdded),
    MemberRemoved(MemberRemoved),
    UsageRecorded(UsageRecorded),
    TenantReady(TenantReady),
}

impl EventData {
    /// The event's type.
    pub fn event_type(&self) -> EventType {
        match self {
            Self::ListCreated(_) => EventType::ListCreated,
            Self::ListDeleted => EventType::ListDeleted,
            Self::TodoAdded(_) => EventType::TodoAdded,
            Self::TodoCompleted(_) => EventType::TodoCompleted,
            Self::TodoReopened(_) => EventType::TodoReopened,
            Self::TodoRemoved(_) => EventType::TodoRemoved,
            Self::MemberAdded(_) => EventType::MemberAdded,
            Self::MemberRemoved(_) => EventType::MemberRemoved,
            Self::UsageRecorded(_) => EventType::UsageRecorded,
            Self::TenantReady(_) => EventType::TenantReady,
        }
    }

    /// Reads `data` as the data of `kind`.
    pub fn from_json(kind: EventType, data: Value) -> Result<Self, serde_json::Error> {
        use serde_json::from_value;
        Ok(match kind {
            EventType::ListCreated => Self::ListCreated(from_value(data)?),
            EventType::ListDeleted => {
                // `{}` (fields added later are ignored), and nothing else.
                from_value::<Map<String, Value>>(data)?;
                Self::ListDeleted
            }
            EventType::TodoAdded => Self::TodoAdded(from_value(data)?),
            EventType::TodoCompleted => Self::TodoCompleted(from_value(data)?),
            EventType::TodoReopened => Self::TodoReopened(from_value(data)?),
            EventType::TodoRemoved => Self::TodoRemoved(from_value(data)?),
            EventType::MemberAdded => Self::MemberAdded(from_value(data)?),
            EventType::MemberRemoved => Self::MemberRemoved(from_value(data)?),
            EventType::UsageRecorded => Self::UsageRecorded(from_value(data)?),
            EventType::TenantReady => Self::TenantReady(from_value(data)?),
        })
    }
}

/// The variant's own struct, without a tag: the type is the `DetailType`, not part of
/// `data`.
impl Serialize for EventData {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::ListCreated(data) => data.serialize(serializer),
            Self::ListDeleted => Map::new().serialize(serializer),
            Self::TodoAdded(data) => data.serialize(serializer),
            Self::TodoCompleted(data) | Self::TodoReopened(data) | Self::TodoRemoved(data) => {
                data.serialize(serializer)
            }
            Self::MemberAdded(data) => data.serialize(serializer),
            Self::MemberRemoved(data) => data.serialize(serializer),
            Self::UsageRecorded(data) => data.serialize(serializer),
            Self::TenantReady(data) => data.serialize(serializer),
        }
    }
}

/// One domain event: the envelope's fields and the type's data.
#[derive(Debug, Clone, PartialEq)]
pub struct DomainEvent {
    /// A UUID v7 (time-ordered, so markers and logs sort by time), unique per event.
    pub event_id: Uuid,
    pub occurred_at: Timestamp,
    /// The list; `None` only for usage on no list.
    pub tenant_id: Option<TenantId>,
    /// The list's owner (who is billed), or the caller when there is no list.
    pub owner: UserId,
    /// Who did it.
    pub actor: UserId,
    pub data: EventData,
}

/// The envelope as JSON (`Detail`).
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Envelope<D> {
    schema_version: u64,
    event_id: Uuid,
    occurred_at: Timestamp,
    tenant_id: Option<TenantId>,
    owner: UserId,
    actor: UserId,
    data: D,
}

/// Why a message is not an event this crate can read. Each one fails its SQS record, which
/// ends in the dead-letter queue after the queue's `maxReceiveCount` deliveries.
#[derive(Debug, thiserror::Error)]
pub enum EventError {
    #[error("the message body is not JSON: {0}")]
    NotJson(#[source] serde_json::Error),
    #[error("the message is not an EventBridge event: {0}")]
    NotAnEvent(&'static str),
    #[error(
        "unsupported schemaVersion {0} in the event's detail; this consumer reads version \
         {SCHEMA_VERSION} only (deploy a consumer that knows the new version)"
    )]
    UnsupportedSchemaVersion(String),
    #[error("unknown detail-type {0:?}; schema version 1 has {types}", types = known_types())]
    UnknownDetailType(String),
    #[error("a {kind} event comes from source {expected:?}, not {found:?}", expected = kind.source())]
    WrongSource { kind: EventType, found: String },
    #[error("the detail of a {kind} event does not match schema version 1: {source}")]
    Malformed {
        kind: EventType,
        #[source]
        source: serde_json::Error,
    },
}

fn known_types() -> String {
    EventType::ALL.map(EventType::as_str).join(", ")
}

impl From<EventError> for ApiError {
    fn from(error: EventError) -> Self {
        ApiError::bad_request("invalid_event", error.to_string())
    }
}

impl DomainEvent {
    /// A new event that happened now, with a fresh id.
    pub fn new(tenant_id: Option<TenantId>, owner: UserId, actor: UserId, data: EventData) -> Self {
        Self {
            event_id: Uuid::now_v7(),
            occurred_at: Timestamp::now(),
            tenant_id,
            owner,
            actor,
            data,
        }
    }

    fn on_list(list: &TenantId, owner: &UserId, actor: &UserId, data: EventData) -> Self {
        Self::new(Some(list.clone()), owner.clone(), actor.clone(), data)
    }

    /// `ListCreated`: `owner` created `list` (its owner's index entry is `preparing`).
    pub fn list_created(list: &TenantId, owner: &UserId, name: &str, owner_email: &str) -> Self {
        let data = EventData::ListCreated(ListCreated {
            name: name.to_owned(),
            owner_email: owner_email.to_owned(),
        });
        Self::on_list(list, owner, owner, data)
    }

    /// `ListDeleted`.
    pub fn list_deleted(list: &TenantId, owner: &UserId, actor: &UserId) -> Self {
        Self::on_list(list, owner, actor, EventData::ListDeleted)
    }

    /// `TodoAdded`.
    pub fn todo_added(
        list: &TenantId,
        owner: &UserId,
        actor: &UserId,
        todo_id: TodoId,
        title: &str,
    ) -> Self {
        let data = EventData::TodoAdded(TodoAdded {
            todo_id,
            title: title.to_owned(),
        });
        Self::on_list(list, owner, actor, data)
    }

    /// `TodoCompleted` when `done` became true, `TodoReopened` when it became false. Only
    /// for a change: a PATCH that leaves `done` as it was publishes neither.
    pub fn todo_done_changed(
        list: &TenantId,
        owner: &UserId,
        actor: &UserId,
        todo_id: TodoId,
        done: bool,
    ) -> Self {
        let todo = TodoRef { todo_id };
        let data = if done {
            EventData::TodoCompleted(todo)
        } else {
            EventData::TodoReopened(todo)
        };
        Self::on_list(list, owner, actor, data)
    }

    /// `TodoRemoved`.
    pub fn todo_removed(list: &TenantId, owner: &UserId, actor: &UserId, todo_id: TodoId) -> Self {
        Self::on_list(
            list,
            owner,
            actor,
            EventData::TodoRemoved(TodoRef { todo_id }),
        )
    }

    /// `MemberAdded`: `member` was given access to `list`.
    pub fn member_added(list: &TenantId, owner: &UserId, actor: &UserId, member: &Member) -> Self {
        let data = EventData::MemberAdded(MemberAdded {
            user_id: member.user_id.clone(),
            email: member.email.clone(),
        });
        Self::on_list(list, owner, actor, data)
    }

    /// `MemberRemoved`: `user`'s access to `list` was taken away (by the owner, or by
    /// themselves: then `actor` is `user`).
    pub fn member_removed(list: &TenantId, owner: &UserId, actor: &UserId, user: &UserId) -> Self {
        let data = EventData::MemberRemoved(MemberRemoved {
            user_id: user.clone(),
        });
        Self::on_list(list, owner, actor, data)
    }

    /// `UsageRecorded`: one request by `actor`, billed to `owner` on `list` (`None`: on no
    /// list), on `day` (UTC).
    pub fn usage_recorded(
        owner: &UserId,
        list: Option<&TenantId>,
        actor: &UserId,
        day: Date,
        usage: &Usage,
    ) -> Self {
        let data = EventData::UsageRecorded(UsageRecorded { day, usage: *usage });
        Self::new(list.cloned(), owner.clone(), actor.clone(), data)
    }

    /// `TenantReady`: `owner`'s `list` is active in `table`.
    pub fn tenant_ready(list: &TenantId, owner: &UserId, table: &str) -> Self {
        let data = EventData::TenantReady(TenantReady {
            table: table.to_owned(),
        });
        Self::on_list(list, owner, owner, data)
    }

    /// The event's type.
    pub fn event_type(&self) -> EventType {
        self.data.event_type()
    }

    /// The list the event is about; an event of a list without one is malformed.
    pub fn list(&self) -> Result<&TenantId, ApiError> {
        self.tenant_id.as_ref().ok_or_else(|| {
            ApiError::validation(format!(
                "{} event {} has no tenantId",
                self.detail_type(),
                self.event_id
            ))
        })
    }

    /// The EventBridge `DetailType`.
    pub fn detail_type(&self) -> &'static str {
        self.event_type().as_str()
    }

    /// The EventBridge `Source`.
    pub fn source(&self) -> &'static str {
        self.event_type().source()
    }

    /// The EventBridge `Detail`: the envelope, with [`SCHEMA_VERSION`].
    pub fn detail(&self) -> Value {
        let envelope = Envelope {
            schema_version: SCHEMA_VERSION,
            event_id: self.event_id,
            occurred_at: self.occurred_at,
            tenant_id: self.tenant_id.clone(),
            owner: self.owner.clone(),
            actor: self.actor.clone(),
            data: &self.data,
        };
        serde_json::to_value(envelope).expect("an envelope always serializes to JSON")
    }

    /// Reads an event from its `DetailType`, `Source` and `Detail`. The schema version is
    /// checked first, so a detail of another version is refused as such, whatever its
    /// fields.
    pub fn from_detail(detail_type: &str, source: &str, detail: Value) -> Result<Self, EventError> {
        let version = detail
            .get("schemaVersion")
            .ok_or(EventError::NotAnEvent("its detail has no schemaVersion"))?;
        if version.as_u64() != Some(SCHEMA_VERSION) {
            return Err(EventError::UnsupportedSchemaVersion(version.to_string()));
        }
        let kind = EventType::parse(detail_type)
            .ok_or_else(|| EventError::UnknownDetailType(detail_type.to_owned()))?;
        if source != kind.source() {
            return Err(EventError::WrongSource {
                kind,
                found: source.to_owned(),
            });
        }
        let malformed = |source| EventError::Malformed { kind, source };
        let envelope: Envelope<Value> = serde_json::from_value(detail).map_err(malformed)?;
        Ok(Self {
            event_id: envelope.event_id,
            occurred_at: envelope.occurred_at,
            tenant_id: envelope.tenant_id,
            owner: envelope.owner,
            actor: envelope.actor,
            data: EventData::from_json(kind, envelope.data).map_err(malformed)?,
        })
    }

    /// Reads an event from the EventBridge event as delivered to a target (an SQS message's
    /// body): `{"version": "0", "id", "detail-type", "source", …, "detail": {…}}`.
    pub fn from_eventbridge(event: &Value) -> Result<Self, EventError> {
        let text = |name, missing| event.get(name).and_then(Value::as_str).ok_or(missing);
        let detail_type = text(
            "detail-type",
            EventError::NotAnEvent("it has no detail-type"),
        )?;
        let source = text("source", EventError::NotAnEvent("it has no source"))?;
        let detail = event
            .get("detail")
            .filter(|detail| detail.is_object())
            .ok_or(EventError::NotAnEvent("it has no detail object"))?;
        Self::from_detail(detail_type, source, detail.clone())
    }

    /// [`Self::from_eventbridge`] of a message body.
    pub fn from_eventbridge_json(body: &str) -> Result<Self, EventError> {
        let event: Value = serde_json::from_str(body).map_err(EventError::NotJson)?;
        Self::from_eventbridge(&event)
    }

    /// The event as EventBridge would deliver it to a target, for tests and local runs
    /// (EventBridge's own `id` is a UUID of its choosing; here it is the event's id).
    pub fn to_eventbridge(&self, account: &str, region: &str) -> Value {
        serde_json::json!({
            "version": "0",
            "id": self.event_id,
            "detail-type": self.detail_type(),
            "source": self.source(),
            "account": account,
            "time": self.occurred_at.as_datetime()
                .replace_nanosecond(0)
                .ok()
                .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok()),
            "region": region,
            "resources": [],
            "detail": self.detail(),
        })
    }
}

/// `YYYY-MM-DD` days in JSON.
mod day {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::Date;
    use todo_metering::{format_day, parse_day};

    pub fn serialize<S: Serializer>(day: &Date, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&format_day(*day))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Date, D::Error> {
        let text = String::deserialize(deserializer)?;
        parse_day(&text).ok_or_else(|| {
            serde::de::Error::custom(format!("{text:?} is not a day like 2026-01-31"))
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use time::macros::date;
    use todo_domain::Role;

    use super::*;

    fn user(name: &str) -> UserId {
        UserId::new(name).unwrap()
    }

    fn every_type() -> Vec<DomainEvent> {
        let list = TenantId::generate();
        let (owner, member) = (user("owner-1"), user("member-2"));
        let todo = TodoId::generate();
        let usage = Usage {
            requests: 1,
            duration_ms: 12,
            read_units: 0.5,
            write_units: 2.0,
        };
        let added = Member {
            user_id: member.clone(),
            email: "m@example.com".to_owned(),
            role: Role::Member,
        };
        vec![
            DomainEvent::list_created(&list, &owner, "Groceries", "o@example.com"),
            DomainEvent::list_deleted(&list, &owner, &owner),
            DomainEvent::todo_added(&list, &owner, &member, todo, "Milk"),
            DomainEvent::todo_done_changed(&list, &owner, &member, todo, true),
            DomainEvent::todo_done_changed(&list, &owner, &member, todo, false),
            DomainEvent::todo_removed(&list, &owner, &member, todo),
            DomainEvent::member_added(&list, &owner, &owner, &added),
            DomainEvent::member_removed(&list, &owner, &member, &member),
            DomainEvent::usage_recorded(
                &owner,
                Some(&list),
                &member,
                date!(2026 - 03 - 01),
                &usage,
            ),
            DomainEvent::usage_recorded(&owner, None, &owner, date!(2026 - 03 - 01), &usage),
            DomainEvent::tenant_ready(&list, &owner, "prefix-table"),
        ]
    }

    #[test]
    fn every_type_round_trips_through_the_delivered_event() {
        let events = every_type();
        let types: std::collections::HashSet<_> = events.iter().map(|e| e.event_type()).collect();
        assert_eq!(types.len(), EventType::ALL.len());
        for event in events {
            let delivered = event
                .to_eventbridge("123456789012", "us-east-1")
                .to_string();
            let read = DomainEvent::from_eventbridge_json(&delivered).unwrap();
            assert_eq!(read, event);
            assert_eq!(event.event_id.get_version_num(), 7);
        }
    }

    #[test]
    fn the_envelope_is_the_documented_json() {
        let list = TenantId::generate();
        let todo = TodoId::generate();
        let event = DomainEvent::todo_added(&list, &user("o"), &user("a"), todo, "Milk");
        let detail = event.detail();
        assert_eq!(
            detail,
            json!({
                "schemaVersion": 1,
                "eventId": event.event_id.to_string(),
                "occurredAt": event.occurred_at.to_string(),
                "tenantId": list.as_str(),
                "owner": "o",
                "actor": "a",
                "data": {"todoId": todo.to_string(), "title": "Milk"},
            })
        );
        assert_eq!(event.detail_type(), "TodoAdded");
        assert_eq!(event.source(), "todo.api");

        let usage = DomainEvent::usage_recorded(
            &user("o"),
            None,
            &user("o"),
            date!(2026 - 01 - 31),
            &Usage {
                requests: 1,
                duration_ms: 7,
                read_units: 1.5,
                write_units: 0.0,
            },
        );
        let detail = usage.detail();
        assert_eq!(detail["tenantId"], Value::Null);
        assert_eq!(
            detail["data"],
            json!({"day": "2026-01-31", "requests": 1, "durationMs": 7, "readUnits": 1.5,
                   "writeUnits": 0.0})
        );
        let list_deleted = DomainEvent::list_deleted(&list, &user("o"), &user("o"));
        assert_eq!(list_deleted.detail()["data"], json!({}));
        let ready = DomainEvent::tenant_ready(&list, &user("o"), "t");
        assert_eq!(ready.source(), "todo.provisioning");
    }

    fn delivered(detail_type: &str, source: &str, detail: Value) -> String {
        json!({"version": "0", "id": "x", "detail-type": detail_type, "source": source,
               "account": "1", "time": "2026-01-01T00:00:00Z", "region": "us-east-1",
               "resources": [], "detail": detail})
        .to_string()
    }

    #[test]
    fn unknown_versions_types_and_shapes_are_refused_clearly() {
        let event = DomainEvent::list_deleted(&TenantId::generate(), &user("o"), &user("o"));
        let mut detail = event.detail();

        detail["schemaVersion"] = json!(2);
        let error = DomainEvent::from_eventbridge_json(&delivered(
            "ListDeleted",
            "todo.api",
            detail.clone(),
        ))
        .unwrap_err();
        assert!(
            matches!(error, EventError::UnsupportedSchemaVersion(ref v) if v == "2"),
            "{error}"
        );
        assert!(error.to_string().contains("schemaVersion 2"), "{error}");

        detail["schemaVersion"] = json!(1);
        let error = DomainEvent::from_eventbridge_json(&delivered(
            "ListArchived",
            "todo.api",
            detail.clone(),
        ))
        .unwrap_err();
        assert!(
            error
                .to_string()
                .contains("unknown detail-type \"ListArchived\""),
            "{error}"
        );

        let error = DomainEvent::from_eventbridge_json(&delivered(
            "TenantReady",
            "todo.api",
            detail.clone(),
        ))
        .unwrap_err();
        assert!(matches!(error, EventError::WrongSource { .. }), "{error}");

        let error =
            DomainEvent::from_eventbridge_json(&delivered("TodoAdded", "todo.api", detail.clone()))
                .unwrap_err();
        assert!(
            error.to_string().contains("TodoAdded event does not match"),
            "{error}"
        );

        detail["eventId"] = json!("not-a-uuid");
        assert!(matches!(
            DomainEvent::from_eventbridge_json(&delivered("ListDeleted", "todo.api", detail)),
            Err(EventError::Malformed { .. })
        ));

        for body in [
            "not json",
            "{}",
            r#"{"detail-type":"ListDeleted","source":"todo.api"}"#,
        ] {
            assert!(DomainEvent::from_eventbridge_json(body).is_err(), "{body}");
        }
    }
}
