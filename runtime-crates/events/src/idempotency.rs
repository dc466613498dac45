//! Exactly-once effects on at-least-once delivery: a consumer writes the marker
//! `pk = EVENT#<eventId>`, `sk = <consumer>` in the same DynamoDB transaction as its effect,
//! on the condition that the marker is absent. A second delivery of the event finds the
//! marker, the transaction is cancelled without a change, and the record is acknowledged.
//!
//! The marker carries `expiresAt` (epoch seconds, the control table's TTL attribute), now
//! plus [`MARKER_TTL`]: the consumers' queues keep a message 4 days (SQS's default) and
//! EventBridge retries for 24 hours, so no redelivery comes after a week and the markers
//! need not be kept forever. A message redriven from a dead-letter queue (which keeps it
//! 14 days) can come later; it failed before, so its effect was never applied, and
//! applying it then is right.
//!
//! The sort key is the consumer's name so that each consumer of one event has its own
//! marker: the roll-up having counted an event must not stop another consumer.

use time::{Duration, OffsetDateTime};
use todo_metering::IdempotencyMarker;
use uuid::Uuid;

/// How long a marker is kept: 7 days.
pub const MARKER_TTL: Duration = Duration::days(7);

/// The partition key prefix of markers.
pub const MARKER_PK_PREFIX: &str = "EVENT#";

/// `consumer`'s marker for `event_id`, expiring [`MARKER_TTL`] from now.
pub fn marker(event_id: &Uuid, consumer: &str) -> IdempotencyMarker {
    marker_at(event_id, consumer, OffsetDateTime::now_utc())
}

/// `consumer`'s marker for `event_id`, expiring [`MARKER_TTL`] after `now`.
pub fn marker_at(event_id: &Uuid, consumer: &str, now: OffsetDateTime) -> IdempotencyMarker {
    IdempotencyMarker {
        pk: format!("{MARKER_PK_PREFIX}{}", event_id.hyphenated()),
        sk: consumer.to_owned(),
        expires_at: (now + MARKER_TTL).unix_timestamp(),
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn a_marker_is_the_event_and_consumer_and_expires_in_a_week() {
        let id = Uuid::now_v7();
        let now = datetime!(2026-01-01 00:00 UTC);
        let marker = marker_at(&id, "rollup", now);
        assert_eq!(marker.pk, format!("EVENT#{id}"));
        assert_eq!(marker.sk, "rollup");
        assert_eq!(marker.expires_at, now.unix_timestamp() + 7 * 24 * 3600);
    }
}
