//! The whole path on moto: the API's events through `EventBridgePublisher` onto a bus,
//! rules forwarding them to the consumers' SQS queues, the messages received and handed to
//! the consumers as Lambda's SQS events, and the consumers' effects in DynamoDB.
//! moto's one server emulates DynamoDB, STS, EventBridge and SQS (it does not enforce IAM).

use std::collections::HashMap;
use std::time::Duration;

use aws_config::SdkConfig;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_eventbridge::types::Target;
use aws_sdk_sqs::types::QueueAttributeName;
use serde_json::{Value, json};
use time::OffsetDateTime;
use todo_domain::{ListStatus, Membership, Role, TenantId, Timestamp, TodoId, UserId};
use todo_events::{
    DomainEvent, EventBridgePublisher, EventData, EventPublisher, EventType, Provisioner, Rollup,
    sqs_event,
};
use todo_metering::{DynamoUsageStore, Usage, UsageStore};
use todo_storage::{DynamoPool, MembershipIndex};
use todo_test_support::{MotoDynamo, TABLE_NAME, TENANT_ROLE_ARN};

const BUS: &str = "Step06Test-events";
const PREFIX: &str = "Step06Test-tenant-";
/// How many times a message is received before SQS moves it to the dead-letter queue
/// (the CDK app uses 5; 2 keeps the test short).
const MAX_RECEIVE_COUNT: u32 = 2;

/// The bus, its rules and queues, as the CDK app wires them.
struct Wiring {
    sqs: aws_sdk_sqs::Client,
    provisioning: Queue,
    rollup: Queue,
    /// Everything from `todo.provisioning`, to see `TenantReady`.
    observer: Queue,
}

struct Queue {
    url: String,
    dlq_url: String,
}

/// A received message.
struct Message {
    id: String,
    body: String,
    receipt: String,
}

impl Wiring {
    async fn create(sdk: &SdkConfig) -> Self {
        let events = aws_sdk_eventbridge::Client::new(sdk);
        let sqs = aws_sdk_sqs::Client::new(sdk);
        events.create_event_bus().name(BUS).send().await.unwrap();
        let provisioning = Self::queue(
            &events,
            &sqs,
            "provisioning",
            json!({
                "source": ["todo.api"],
                "detail-type": Provisioner::DETAIL_TYPES.map(EventType::as_str),
            }),
        )
        .await;
        let rollup = Self::queue(
            &events,
            &sqs,
            "rollup",
            json!({
                "source": ["todo.api"],
                "detail-type": Rollup::DETAIL_TYPES.map(EventType::as_str),
            }),
        )
        .await;
        let observer = Self::queue(
            &events,
            &sqs,
            "observer",
            json!({"source": ["todo.provisioning"]}),
        )
        .await;
        Self {
            sqs,
            provisioning,
            rollup,
            observer,
        }
    }

    /// A queue with a dead-letter queue, and a rule on the bus that targets it.
    async fn queue(
        events: &aws_sdk_eventbridge::Client,
        sqs: &aws_sdk_sqs::Client,
        name: &str,
        pattern: Value,
    ) -> Queue {
        let dlq_url = sqs
            .create_queue()
            .queue_name(format!("{name}-dlq"))
            .send()
            .await
            .unwrap()
            .queue_url
            .unwrap();
        let dlq_arn = queue_arn(sqs, &dlq_url).await;
        let redrive = json!({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": MAX_RECEIVE_COUNT});
        let url = sqs
            .create_queue()
            .queue_name(name)
            .attributes(QueueAttributeName::RedrivePolicy, redrive.to_string())
            // A failed record is visible again after a second (the CDK app: 6 × the
            // function's timeout).
            .attributes(QueueAttributeName::VisibilityTimeout, "1")
            .send()
            .await
            .unwrap()
            .queue_url
            .unwrap();
        events
            .put_rule()
            .name(name)
            .event_bus_name(BUS)
            .event_pattern(pattern.to_string())
            .send()
            .await
            .unwrap();
        events
            .put_targets()
            .rule(name)
            .event_bus_name(BUS)
            .targets(
                Target::builder()
                    .id(name)
                    .arn(queue_arn(sqs, &url).await)
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
        Queue { url, dlq_url }
    }

    /// Every message visible in the queue at `url` now.
    async fn receive(&self, url: &str) -> Vec<Message> {
        let mut messages = Vec::new();
        loop {
            let output = self
                .sqs
                .receive_message()
                .queue_url(url)
                .max_number_of_messages(10)
                .send()
                .await
                .unwrap();
            let page = output.messages.unwrap_or_default();
            if page.is_empty() {
                return messages;
            }
            messages.extend(page.into_iter().map(|m| Message {
                id: m.message_id.unwrap(),
                body: m.body.unwrap(),
                receipt: m.receipt_handle.unwrap(),
            }));
        }
    }

    /// Deletes the messages the consumer handled (Lambda's event source mapping does it for
    /// every record not in `batchItemFailures`).
    async fn delete(&self, url: &str, messages: &[Message], answer: &Value) {
        let failed = failures(answer);
        for message in messages.iter().filter(|m| !failed.contains(&m.id)) {
            self.sqs
                .delete_message()
                .queue_url(url)
                .receipt_handle(&message.receipt)
                .send()
                .await
                .unwrap();
        }
    }
}

async fn queue_arn(sqs: &aws_sdk_sqs::Client, url: &str) -> String {
    sqs.get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .unwrap()
        .attributes
        .unwrap()
        .remove(&QueueAttributeName::QueueArn)
        .unwrap()
}

/// The SQS Lambda event of `messages`.
fn lambda_event(messages: &[Message]) -> Value {
    sqs_event(messages.iter().map(|m| (m.id.as_str(), m.body.as_str())))
}

fn failures(answer: &Value) -> Vec<String> {
    answer["batchItemFailures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|failure| failure["itemIdentifier"].as_str().unwrap().to_owned())
        .collect()
}

fn types(messages: &[Message]) -> Vec<String> {
    let mut types: Vec<String> = messages
        .iter()
        .map(|m| {
            let event = DomainEvent::from_eventbridge_json(&m.body).unwrap();
            event.detail_type().to_owned()
        })
        .collect();
    types.sort();
    types
}

fn vars(name: &str) -> Option<String> {
    match name {
        "TABLE_NAME" => Some(TABLE_NAME.to_owned()),
        "TENANT_ROLE_ARN" => Some(TENANT_ROLE_ARN.to_owned()),
        "TENANT_TABLE_PREFIX" => Some(PREFIX.to_owned()),
        "EVENT_BUS_NAME" => Some(BUS.to_owned()),
        _ => None,
    }
}

fn usage(requests: u64, duration_ms: u64, read_units: f64, write_units: f64) -> Usage {
    Usage {
        requests,
        duration_ms,
        read_units,
        write_units,
    }
}

/// The idempotency markers in the control table.
async fn markers(moto: &MotoDynamo) -> Vec<HashMap<String, AttributeValue>> {
    let output = moto
        .client()
        .scan()
        .table_name(TABLE_NAME)
        .filter_expression("begins_with(pk, :event)")
        .expression_attribute_values(":event", AttributeValue::S("EVENT#".to_owned()))
        .send()
        .await
        .unwrap();
    output.items.unwrap_or_default()
}

async fn tenant_items(moto: &MotoDynamo, list: &TenantId) -> Option<usize> {
    let table = format!("{PREFIX}{list}");
    match moto.client().scan().table_name(&table).send().await {
        Ok(output) => Some(output.items.unwrap_or_default().len()),
        Err(_) => None,
    }
}

#[tokio::test]
async fn events_flow_from_the_bus_through_sqs_to_exactly_once_effects() {
    let moto = MotoDynamo::start().await;
    let sdk = moto.sdk_config();
    let wiring = Wiring::create(&sdk).await;
    let publisher = EventBridgePublisher::from_lookup(&sdk, vars).unwrap();
    assert_eq!(publisher.bus_name(), BUS);
    let provisioner = Provisioner::from_lookup(&sdk, vars).unwrap();
    let rollup = Rollup::from_lookup(&sdk, vars).unwrap();
    let index = DynamoPool::index_only(&sdk, TABLE_NAME);
    let usage_store = DynamoUsageStore::new(&sdk, TABLE_NAME);

    // The API: POST /lists writes the owner's entry preparing, then publishes; then todos
    // and metered requests (12 events: two PutEvents calls).
    let owner = UserId::new("owner-sub").unwrap();
    let list = TenantId::generate();
    let now = Timestamp::now();
    let entry = Membership {
        list_id: list.clone(),
        name: "Groceries".to_owned(),
        role: Role::Owner,
        created_at: now,
        updated_at: now,
        status: ListStatus::Preparing,
    };
    index.put_membership(&owner, &entry).await.unwrap();
    let day = OffsetDateTime::now_utc().date();
    let (a, b) = (TodoId::generate(), TodoId::generate());
    let mut events = vec![
        DomainEvent::list_created(&list, &owner, "Groceries", "owner@example.com"),
        DomainEvent::todo_added(&list, &owner, &owner, a, "Milk"),
        // Out of order: b's removal before its addition.
        DomainEvent::todo_removed(&list, &owner, &owner, b),
        DomainEvent::todo_added(&list, &owner, &owner, b, "Bread"),
        DomainEvent::todo_done_changed(&list, &owner, &owner, a, true),
    ];
    for i in 0..6 {
        events.push(DomainEvent::usage_recorded(
            &owner,
            Some(&list),
            &owner,
            day,
            &usage(1, 10 + i, 1.0, 0.5),
        ));
    }
    events.push(DomainEvent::usage_recorded(
        &owner,
        None,
        &owner,
        day,
        &usage(1, 4, 0.5, 0.0),
    ));
    assert_eq!(events.len(), 12);
    publisher.publish(events).await.unwrap();

    // Each rule forwarded its types only (TodoCompleted has no consumer yet).
    let provisioning = wiring.receive(&wiring.provisioning.url).await;
    assert_eq!(types(&provisioning), ["ListCreated"]);
    let rolled = wiring.receive(&wiring.rollup.url).await;
    assert_eq!(rolled.len(), 10);
    let body: Value = serde_json::from_str(&rolled[0].body).unwrap();
    assert_eq!(body["version"], "0");
    assert_eq!(body["detail"]["schemaVersion"], 1);

    let answer = provisioner
        .handle_sqs(lambda_event(&provisioning))
        .await
        .unwrap();
    assert_eq!(answer, json!({"batchItemFailures": []}));
    wiring
        .delete(&wiring.provisioning.url, &provisioning, &answer)
        .await;
    let answer = rollup.handle_sqs(lambda_event(&rolled)).await.unwrap();
    assert_eq!(answer, json!({"batchItemFailures": []}));
    wiring.delete(&wiring.rollup.url, &rolled, &answer).await;

    // Provisioned: the table holds the list and its owner, the entry is ready, and
    // TenantReady went onto the bus.
    let entry = index.membership(&owner, &list).await.unwrap().unwrap();
    assert_eq!(entry.status, ListStatus::Ready);
    assert_eq!(tenant_items(&moto, &list).await, Some(2));
    let ready = wiring.receive(&wiring.observer.url).await;
    assert_eq!(ready.len(), 1);
    let ready = DomainEvent::from_eventbridge_json(&ready[0].body).unwrap();
    match ready.data {
        EventData::TenantReady(data) => assert_eq!(data.table, format!("{PREFIX}{list}")),
        other => panic!("not TenantReady: {other:?}"),
    }

    // Rolled up: a is there (b's removal and addition netted out), the usage adds up.
    let check_rollup = async || {
        assert_eq!(usage_store.items(&owner).await.unwrap()[&list], 1);
        let rows = usage_store.period(&owner, day, day).await.unwrap();
        assert_eq!(rows.len(), 2);
        let on_list = rows
            .iter()
            .find(|r| r.list.as_ref() == Some(&list))
            .unwrap();
        assert_eq!(on_list.usage, usage(6, 75, 6.0, 3.0));
        let no_list = rows.iter().find(|r| r.list.is_none()).unwrap();
        assert_eq!(no_list.usage, usage(1, 4, 0.5, 0.0));
    };
    check_rollup().await;
    let marks = markers(&moto).await;
    assert_eq!(marks.len(), 10);
    let expires: i64 = match &marks[0]["expiresAt"] {
        AttributeValue::N(n) => n.parse().unwrap(),
        other => panic!("expiresAt is {other:?}"),
    };
    let in_a_week = OffsetDateTime::now_utc().unix_timestamp() + 7 * 24 * 3600;
    assert!((in_a_week - 60..=in_a_week).contains(&expires), "{expires}");
    assert!(
        marks
            .iter()
            .all(|m| m["sk"] == AttributeValue::S("rollup".to_owned()))
    );

    // The same batches delivered again change nothing.
    let answer = provisioner
        .handle_sqs(lambda_event(&provisioning))
        .await
        .unwrap();
    assert!(failures(&answer).is_empty());
    let answer = rollup.handle_sqs(lambda_event(&rolled)).await.unwrap();
    assert!(failures(&answer).is_empty());
    check_rollup().await;
    assert_eq!(markers(&moto).await.len(), 10);
    assert_eq!(tenant_items(&moto, &list).await, Some(2));
    assert!(wiring.receive(&wiring.observer.url).await.is_empty());

    // DELETE /lists: the owner's entry goes after ListDeleted is published; the table and
    // the list's todo count go with it.
    publisher
        .publish(vec![DomainEvent::list_deleted(&list, &owner, &owner)])
        .await
        .unwrap();
    index.remove_membership(&owner, &list).await.unwrap();
    let provisioning = wiring.receive(&wiring.provisioning.url).await;
    assert_eq!(types(&provisioning), ["ListDeleted"]);
    let answer = provisioner
        .handle_sqs(lambda_event(&provisioning))
        .await
        .unwrap();
    assert!(failures(&answer).is_empty());
    let rolled = wiring.receive(&wiring.rollup.url).await;
    assert_eq!(types(&rolled), ["ListDeleted"]);
    let answer = rollup.handle_sqs(lambda_event(&rolled)).await.unwrap();
    assert!(failures(&answer).is_empty());
    assert_eq!(tenant_items(&moto, &list).await, None, "the table is gone");
    assert!(!usage_store.items(&owner).await.unwrap().contains_key(&list));
    assert_eq!(usage_store.period(&owner, day, day).await.unwrap().len(), 2);

    // A todo added while the list was being deleted, its event handled after ListDeleted:
    // the count stays gone (the roll-up keeps a tombstone until the markers expire).
    publisher
        .publish(vec![DomainEvent::todo_added(
            &list,
            &owner,
            &owner,
            TodoId::generate(),
            "late",
        )])
        .await
        .unwrap();
    let rolled = wiring.receive(&wiring.rollup.url).await;
    assert_eq!(types(&rolled), ["TodoAdded"]);
    let answer = rollup.handle_sqs(lambda_event(&rolled)).await.unwrap();
    assert!(failures(&answer).is_empty());
    assert!(!usage_store.items(&owner).await.unwrap().contains_key(&list));
    let tombstone = moto
        .client()
        .get_item()
        .table_name(TABLE_NAME)
        .key("pk", AttributeValue::S(format!("OWNER#{owner}")))
        .key("sk", AttributeValue::S(format!("ITEMS#{list}")))
        .send()
        .await
        .unwrap()
        .item
        .expect("the deleted list's tombstone");
    assert!(tombstone.contains_key("expiresAt"), "{tombstone:?}");
    assert!(!tombstone.contains_key("items"), "{tombstone:?}");
}

#[tokio::test]
async fn a_poison_message_is_reported_and_ends_in_the_dead_letter_queue() {
    let moto = MotoDynamo::start().await;
    let sdk = moto.sdk_config();
    let wiring = Wiring::create(&sdk).await;
    let rollup = Rollup::from_lookup(&sdk, vars).unwrap();
    let publisher = EventBridgePublisher::from_lookup(&sdk, vars).unwrap();
    let owner = UserId::new("owner-sub").unwrap();
    let list = TenantId::generate();
    publisher
        .publish(vec![DomainEvent::todo_added(
            &list,
            &owner,
            &owner,
            TodoId::generate(),
            "ok",
        )])
        .await
        .unwrap();
    wiring
        .sqs
        .send_message()
        .queue_url(&wiring.rollup.url)
        .message_body("{not an event")
        .send()
        .await
        .unwrap();

    let store = DynamoUsageStore::new(&sdk, TABLE_NAME);
    for receive in 1..=MAX_RECEIVE_COUNT {
        let messages = wiring.receive(&wiring.rollup.url).await;
        let poison: Vec<&Message> = messages
            .iter()
            .filter(|m| m.body.starts_with("{not"))
            .collect();
        assert_eq!(poison.len(), 1, "receive {receive}");
        let answer = rollup.handle_sqs(lambda_event(&messages)).await.unwrap();
        assert_eq!(failures(&answer), [poison[0].id.clone()]);
        wiring.delete(&wiring.rollup.url, &messages, &answer).await;
        // The good record was counted once, on its first delivery.
        assert_eq!(store.items(&owner).await.unwrap()[&list], 1);
        tokio::time::sleep(Duration::from_millis(1_100)).await;
    }
    // Received MAX_RECEIVE_COUNT times and failed each time: SQS moves it to the DLQ.
    assert!(wiring.receive(&wiring.rollup.url).await.is_empty());
    let dead = wiring.receive(&wiring.rollup.dlq_url).await;
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].body, "{not an event");
    assert!(
        wiring
            .receive(&wiring.provisioning.dlq_url)
            .await
            .is_empty()
    );
}
