//! The consumers in memory: the provisioner on a `MemorySiloPool`, the roll-up on a
//! `MemoryUsageStore`, fed SQS batches the way Lambda delivers them.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use time::macros::date;
use todo_domain::{ListStatus, Membership, Role, TenantId, Timestamp, TodoId, UserId};
use todo_events::{
    ActiveWait, DomainEvent, EventData, MemoryPublisher, Provisioner, Rollup, sqs_event,
};
use todo_metering::{MemoryUsageStore, Usage, UsageStore};
use todo_storage::{MembershipIndex, MemoryProvisioner, MemorySiloPool, TenantPartitions};
use todo_tenancy::TenantTablePrefix;

const PREFIX: &str = "test-tenant-";

fn owner() -> UserId {
    UserId::new("owner-sub").unwrap()
}

/// An SQS batch of `events`, message ids `m0`, `m1`, …
fn batch(events: &[&DomainEvent]) -> Value {
    let bodies: Vec<(String, String)> = events
        .iter()
        .enumerate()
        .map(|(i, event)| {
            let body = event.to_eventbridge("123456789012", "us-east-1");
            (format!("m{i}"), body.to_string())
        })
        .collect();
    sqs_event(bodies.iter().map(|(id, body)| (id.as_str(), body.as_str())))
}

fn failures(answer: &Value) -> Vec<&str> {
    answer["batchItemFailures"]
        .as_array()
        .expect("the answer has batchItemFailures")
        .iter()
        .map(|failure| failure["itemIdentifier"].as_str().unwrap())
        .collect()
}

struct Provisioning {
    silo: Arc<MemorySiloPool>,
    published: MemoryPublisher,
    provisioner: Provisioner,
}

impl Provisioning {
    fn new(tables: MemoryProvisioner) -> Self {
        let silo = Arc::new(MemorySiloPool::with_tables(tables));
        let published = MemoryPublisher::new();
        let provisioner = Provisioner::new(
            silo.clone(),
            TenantTablePrefix::new(PREFIX).unwrap(),
            Arc::new(published.clone()),
        )
        .with_wait(ActiveWait {
            interval: Duration::from_millis(1),
            attempts: 3,
        });
        Self {
            silo,
            published,
            provisioner,
        }
    }

    /// What `POST /lists` does before it publishes: the owner's entry, preparing.
    async fn create_list(&self, name: &str) -> (TenantId, DomainEvent) {
        let list = TenantId::generate();
        let now = Timestamp::now();
        let entry = Membership {
            list_id: list.clone(),
            name: name.to_owned(),
            role: Role::Owner,
            created_at: now,
            updated_at: now,
            status: ListStatus::Preparing,
        };
        self.silo.put_membership(&owner(), &entry).await.unwrap();
        let event = DomainEvent::list_created(&list, &owner(), name, "owner@example.com");
        (list, event)
    }

    async fn status(&self, list: &TenantId) -> Option<ListStatus> {
        let entry = self.silo.membership(&owner(), list).await.unwrap();
        entry.map(|entry| entry.status)
    }
}

#[tokio::test]
async fn a_new_list_gets_its_table_is_activated_and_announced() {
    let p = Provisioning::new(MemoryProvisioner::new().with_preparing_calls(2));
    let (list, created) = p.create_list("Groceries").await;

    let answer = p.provisioner.handle_sqs(batch(&[&created])).await.unwrap();
    assert_eq!(answer, json!({"batchItemFailures": []}));

    assert_eq!(p.silo.tables().table_count(), 1);
    assert_eq!(p.status(&list).await, Some(ListStatus::Ready));
    let table = p.silo.open(&list).await.unwrap();
    let record = table.list(&list).await.unwrap();
    assert_eq!(
        (record.name.as_str(), &record.owner),
        ("Groceries", &owner())
    );
    let members = table.members(&list).await.unwrap();
    assert_eq!(members.len(), 1);
    assert_eq!(members[0].email, "owner@example.com");
    assert_eq!(members[0].role, Role::Owner);

    let published = p.published.take();
    assert_eq!(published.len(), 1);
    let ready = &published[0];
    assert_eq!(ready.detail_type(), "TenantReady");
    assert_eq!(ready.source(), "todo.provisioning");
    assert_eq!(ready.tenant_id.as_ref(), Some(&list));
    assert_eq!(ready.owner, owner());
    match &ready.data {
        EventData::TenantReady(data) => assert_eq!(data.table, format!("{PREFIX}{list}")),
        other => panic!("not TenantReady: {other:?}"),
    }

    // A duplicate delivery finds the list ready: nothing changes, nothing is announced.
    let items = p.silo.item_count();
    let answer = p.provisioner.handle_sqs(batch(&[&created])).await.unwrap();
    assert!(failures(&answer).is_empty());
    assert_eq!(p.silo.tables().table_count(), 1);
    assert_eq!(p.silo.item_count(), items);
    assert!(p.published.events().is_empty());
}

#[tokio::test]
async fn a_deleted_list_loses_its_table() {
    let p = Provisioning::new(MemoryProvisioner::new());
    let (list, created) = p.create_list("Chores").await;
    assert!(failures(&p.provisioner.handle_sqs(batch(&[&created])).await.unwrap()).is_empty());
    assert_eq!(p.silo.tables().table_count(), 1);

    p.silo.remove_membership(&owner(), &list).await.unwrap();
    let deleted = DomainEvent::list_deleted(&list, &owner(), &owner());
    for _ in 0..2 {
        let answer = p.provisioner.handle_sqs(batch(&[&deleted])).await.unwrap();
        assert!(failures(&answer).is_empty());
        assert_eq!(p.silo.tables().table_count(), 0);
    }
}

#[tokio::test]
async fn a_list_deleted_before_it_was_provisioned_never_gets_a_table() {
    let p = Provisioning::new(MemoryProvisioner::new());
    let (list, created) = p.create_list("Short-lived").await;
    // The API deletes the list at once; its events arrive out of order.
    p.silo.remove_membership(&owner(), &list).await.unwrap();
    let deleted = DomainEvent::list_deleted(&list, &owner(), &owner());

    let answer = p.provisioner.handle_sqs(batch(&[&deleted])).await.unwrap();
    assert!(failures(&answer).is_empty());
    let answer = p.provisioner.handle_sqs(batch(&[&created])).await.unwrap();
    assert!(failures(&answer).is_empty());

    assert_eq!(p.silo.tables().table_count(), 0);
    assert_eq!(p.silo.item_count(), 0);
    assert!(p.published.events().is_empty());
}

#[tokio::test]
async fn a_table_that_stays_preparing_fails_the_record_until_it_is_active() {
    let p = Provisioning::new(MemoryProvisioner::new().with_preparing_calls(1_000));
    let (list, created) = p.create_list("Slow").await;
    let (other, other_created) = p.create_list("Also slow").await;

    let answer = p
        .provisioner
        .handle_sqs(batch(&[&created, &other_created]))
        .await
        .unwrap();
    assert_eq!(failures(&answer), ["m0", "m1"]);
    assert_eq!(p.status(&list).await, Some(ListStatus::Preparing));
    assert!(p.published.events().is_empty());

    // SQS delivers them again after the visibility timeout; by then AWS is done.
    p.silo.tables().finish_preparing();
    let answer = p
        .provisioner
        .handle_sqs(batch(&[&created, &other_created]))
        .await
        .unwrap();
    assert!(failures(&answer).is_empty());
    assert_eq!(p.status(&list).await, Some(ListStatus::Ready));
    assert_eq!(p.status(&other).await, Some(ListStatus::Ready));
    assert_eq!(p.published.events().len(), 2);
}

#[tokio::test]
async fn a_batch_reports_only_its_unreadable_records() {
    let p = Provisioning::new(MemoryProvisioner::new());
    let (list, created) = p.create_list("Fine").await;
    let body = created.to_eventbridge("1", "us-east-1").to_string();
    let mut future = created.to_eventbridge("1", "us-east-1");
    future["detail"]["schemaVersion"] = json!(2);
    let future = future.to_string();
    let event = sqs_event([
        ("poison", "not json"),
        ("good", body.as_str()),
        ("v2", future.as_str()),
    ]);
    let answer = p.provisioner.handle_sqs(event).await.unwrap();
    assert_eq!(failures(&answer), ["poison", "v2"]);
    assert_eq!(p.status(&list).await, Some(ListStatus::Ready));

    // Not an SQS event at all: the invocation fails.
    assert!(p.provisioner.handle_sqs(json!({"hello": 1})).await.is_err());
}

fn usage(requests: u64, duration_ms: u64, read_units: f64, write_units: f64) -> Usage {
    Usage {
        requests,
        duration_ms,
        read_units,
        write_units,
    }
}

#[tokio::test]
async fn the_rollup_counts_each_event_once_in_any_order() {
    let store = Arc::new(MemoryUsageStore::new());
    let rollup = Rollup::new(store.clone());
    let list = TenantId::generate();
    let member = UserId::new("member-sub").unwrap();
    let day = date!(2026 - 03 - 14);
    let (a, b) = (TodoId::generate(), TodoId::generate());

    let used = [
        DomainEvent::usage_recorded(
            &owner(),
            Some(&list),
            &owner(),
            day,
            &usage(1, 10, 1.0, 0.0),
        ),
        DomainEvent::usage_recorded(&owner(), Some(&list), &member, day, &usage(1, 15, 0.5, 2.0)),
        DomainEvent::usage_recorded(&owner(), None, &owner(), day, &usage(1, 3, 0.5, 0.0)),
    ];
    // b is removed before it is added (out of order): the count nets out.
    let todos = [
        DomainEvent::todo_added(&list, &owner(), &owner(), a, "first"),
        DomainEvent::todo_removed(&list, &owner(), &member, b),
        DomainEvent::todo_added(&list, &owner(), &member, b, "second"),
    ];
    let all: Vec<&DomainEvent> = used.iter().chain(&todos).collect();
    // Delivered, then the whole batch again, then one by one.
    for _ in 0..2 {
        let answer = rollup.handle_sqs(batch(&all)).await.unwrap();
        assert!(failures(&answer).is_empty());
    }
    for event in &all {
        assert!(failures(&rollup.handle_sqs(batch(&[event])).await.unwrap()).is_empty());
    }
    assert_eq!(store.marker_count(), all.len());

    let rows = store.period(&owner(), day, day).await.unwrap();
    assert_eq!(rows.len(), 2);
    let no_list = rows.iter().find(|row| row.list.is_none()).unwrap();
    assert_eq!(no_list.usage, usage(1, 3, 0.5, 0.0));
    let on_list = rows
        .iter()
        .find(|row| row.list.as_ref() == Some(&list))
        .unwrap();
    assert_eq!(on_list.usage, usage(2, 25, 1.5, 2.0));
    assert_eq!(store.items(&owner()).await.unwrap()[&list], 1);

    // Only b's removal so far (the addition not delivered yet) counts -1; then 0.
    let other = TenantId::generate();
    let c = TodoId::generate();
    let removed = DomainEvent::todo_removed(&other, &owner(), &owner(), c);
    let added = DomainEvent::todo_added(&other, &owner(), &owner(), c, "late");
    rollup.handle_sqs(batch(&[&removed])).await.unwrap();
    assert_eq!(store.items(&owner()).await.unwrap()[&other], -1);
    rollup.handle_sqs(batch(&[&added, &removed])).await.unwrap();
    assert_eq!(store.items(&owner()).await.unwrap()[&other], 0);

    // A deleted list's count goes; its usage history stays.
    let deleted = DomainEvent::list_deleted(&list, &owner(), &owner());
    rollup
        .handle_sqs(batch(&[&deleted, &deleted]))
        .await
        .unwrap();
    assert!(!store.items(&owner()).await.unwrap().contains_key(&list));
    assert_eq!(store.period(&owner(), day, day).await.unwrap().len(), 2);
    // A todo event of the deleted list handled after its ListDeleted (a todo added while the
    // list was being deleted) does not start its count again, nor does one delivered again.
    let d = TodoId::generate();
    let late = [
        DomainEvent::todo_added(&list, &owner(), &member, d, "late"),
        DomainEvent::todo_removed(&list, &owner(), &owner(), a),
    ];
    for event in late.iter().chain(&todos) {
        assert!(failures(&rollup.handle_sqs(batch(&[event])).await.unwrap()).is_empty());
    }
    assert!(!store.items(&owner()).await.unwrap().contains_key(&list));

    // Events the roll-up has no business with succeed without a marker.
    let markers = store.marker_count();
    let renamed = DomainEvent::todo_done_changed(&other, &owner(), &owner(), c, true);
    assert!(failures(&rollup.handle_sqs(batch(&[&renamed])).await.unwrap()).is_empty());
    assert_eq!(store.marker_count(), markers);
}

#[tokio::test]
async fn parallel_usage_events_add_up_exactly() {
    let store = Arc::new(MemoryUsageStore::new());
    let rollup = Rollup::new(store.clone());
    let list = TenantId::generate();
    let day = date!(2026 - 03 - 14);
    let events: Vec<DomainEvent> = (0..50)
        .map(|i| {
            DomainEvent::usage_recorded(
                &owner(),
                Some(&list),
                &owner(),
                day,
                &usage(1, i, 0.5, 1.0),
            )
        })
        .collect();
    let batches: Vec<Value> = events
        .chunks(10)
        .map(|chunk| batch(&chunk.iter().collect::<Vec<_>>()))
        .collect();
    let answers = futures_join(&rollup, batches.clone()).await;
    let again = futures_join(&rollup, batches).await;
    for answer in answers.iter().chain(&again) {
        assert!(failures(answer).is_empty());
    }
    let rows = store.period(&owner(), day, day).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].usage, usage(50, (0..50).sum(), 25.0, 50.0));
}

/// Every batch handled at once, as concurrent Lambda invocations would.
async fn futures_join(rollup: &Rollup, batches: Vec<Value>) -> Vec<Value> {
    let mut tasks = tokio::task::JoinSet::new();
    for batch in batches {
        let rollup = rollup.clone();
        tasks.spawn(async move { rollup.handle_sqs(batch).await.unwrap() });
    }
    tasks.join_all().await
}
