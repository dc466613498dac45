//! Step04's metering scenarios, written once against signed-in `Api`s and run on memory
//! stores (`metering_memory.rs`) and on moto's DynamoDB and STS (`metering_moto.rs`).
//!
//! Two owners, Alice and Bob, each own a list; Alice shares hers with Bob, whose requests
//! on it are billed to Alice. Every EMF line is checked against the spec, and the counts
//! that the lines, the roll-up and `GET /usage` give must be exactly the scripted ones.

#![allow(dead_code)] // each test binary uses a different part of this module

use std::collections::BTreeMap;
use std::ops::RangeInclusive;

use axum::body::Body;
use axum::http::header::AUTHORIZATION;
use axum::http::{Method, Request, StatusCode};
use serde_json::{Value, json};
use time::OffsetDateTime;
use todo_api::{ListView, MemorySink, UsageReport, UsageStore};
use todo_domain::{UserId, VersionedTodo};
use todo_metering::emf::validate;
use todo_metering::format_day;

use crate::common::lists::{User, create_list, create_todo, share};

/// The bill of one (owner, list) pair — `None`: requests on no list.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Billed {
    pub requests: u64,
    pub read_units: f64,
    pub write_units: f64,
}

/// The EMF lines written so far, each checked against the spec and for its dimensions;
/// summed per (Owner, ListId).
pub fn billed_by_lines(
    sink: &MemorySink,
    namespace: &str,
) -> BTreeMap<(String, Option<String>), Billed> {
    let mut billed: BTreeMap<(String, Option<String>), Billed> = BTreeMap::new();
    for line in sink.lines() {
        let document = validate(&line).unwrap_or_else(|problems| {
            panic!("an EMF line breaks the spec: {problems:#?}\n{line}")
        });
        let directive = &document["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], namespace, "{line}");
        let owner = document["Owner"]
            .as_str()
            .expect("every line names its owner");
        let list = document
            .get("ListId")
            .map(|id| id.as_str().unwrap().to_owned());
        let expected_sets = match list {
            Some(_) => json!([["Owner", "ListId"], ["Owner"]]),
            None => json!([["Owner"]]),
        };
        assert_eq!(directive["Dimensions"], expected_sets, "{line}");
        let names: Vec<&str> = directive["Metrics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["Name"].as_str().unwrap())
            .collect();
        assert_eq!(
            names[..4],
            [
                "Requests",
                "Duration",
                "ReadCapacityUnits",
                "WriteCapacityUnits"
            ],
            "{line}"
        );
        assert_eq!(document["Requests"], 1.0);
        assert!(document["Duration"].as_f64().unwrap() >= 0.0);
        for property in ["route", "method", "requestId"] {
            assert!(document[property].is_string(), "{property} in {line}");
        }
        assert!(document["status"].is_u64(), "{line}");
        let route = document["route"].as_str().unwrap();
        if let Some(id) = &list {
            assert!(
                !route.contains(id.as_str()),
                "the route is the template, not the path: {line}"
            );
        }
        let entry = billed.entry((owner.to_owned(), list)).or_default();
        entry.requests += 1;
        entry.read_units += document["ReadCapacityUnits"].as_f64().unwrap();
        entry.write_units += document["WriteCapacityUnits"].as_f64().unwrap();
    }
    billed
}

/// The last `StoredItems` each list's lines reported.
pub fn stored_items_by_lines(sink: &MemorySink) -> BTreeMap<String, f64> {
    sink.lines()
        .iter()
        .map(|line| serde_json::from_str::<Value>(line).unwrap())
        .filter_map(|doc| {
            Some((
                doc.get("ListId")?.as_str()?.to_owned(),
                doc.get("StoredItems")?.as_f64()?,
            ))
        })
        .collect()
}

pub async fn usage(user: &User, query: &str) -> UsageReport {
    user.api
        .call(Method::GET, &format!("/usage{query}"))
        .await
        .body(StatusCode::OK)
}

/// One EMF line's owner, list and UTC day: the day its request started (`_aws.Timestamp`),
/// which is the day the roll-up counts it on. Expected per-day counts come from these, not
/// from a clock read after the requests, so a run across midnight (UTC) still adds up.
#[derive(Debug, Clone)]
pub struct LineDay {
    pub owner: String,
    pub list: Option<String>,
    pub day: String,
}

pub fn line_days(sink: &MemorySink) -> Vec<LineDay> {
    sink.lines()
        .iter()
        .map(|line| {
            let doc: Value = serde_json::from_str(line).unwrap();
            let ms = doc["_aws"]["Timestamp"].as_u64().expect("a ms timestamp");
            let started = OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
                .expect("a timestamp in range");
            LineDay {
                owner: doc["Owner"].as_str().unwrap().to_owned(),
                list: doc.get("ListId").map(|id| id.as_str().unwrap().to_owned()),
                day: format_day(started.date()),
            }
        })
        .collect()
}

/// How many of `lines` bill `owner` on `list` (`None`: every list and none) within `days`.
fn count(
    lines: &[LineDay],
    owner: &User,
    list: Option<&ListView>,
    days: RangeInclusive<&str>,
) -> u64 {
    lines
        .iter()
        .filter(|l| l.owner == owner.id && days.contains(&l.day.as_str()))
        .filter(|l| list.is_none_or(|list| l.list.as_deref() == Some(list.id.as_str())))
        .count() as u64
}

/// A report's lists as (id, name, requests, stored items), in the report's order.
fn rows(report: &UsageReport) -> Vec<(String, Option<&str>, u64, i64)> {
    report
        .lists
        .iter()
        .map(|l| {
            (
                l.list_id.to_string(),
                l.name.as_deref(),
                l.usage.requests,
                l.stored_items,
            )
        })
        .collect()
}

/// What the scripted requests built.
pub struct Scripted {
    pub groceries: ListView,
    pub work: ListView,
    pub temp: ListView,
}

/// The script: every request's bill is written next to it.
pub async fn script(alice: &User, bob: &User) -> Scripted {
    let groceries = create_list(alice, "Groceries").await; // alice, groceries
    let work = create_list(bob, "Work").await; // bob, work
    assert_eq!(
        share(alice, &groceries, &bob.email).await.status,
        StatusCode::CREATED
    ); // alice, groceries
    create_todo(alice, &groceries, "milk").await; // alice, groceries (+1)
    create_todo(alice, &groceries, "bread").await; // alice, groceries (+1)
    let eggs = create_todo(bob, &groceries, "eggs").await; // bob as member: alice, groceries (+1)
    let todos = bob
        .api
        .call(Method::GET, &format!("/lists/{}/todos", groceries.id))
        .await; // alice, groceries
    assert_eq!(todos.status, StatusCode::OK);
    let done: VersionedTodo = bob
        .api
        .json(
            Method::PATCH,
            &format!("/lists/{}/todos/{}", groceries.id, eggs.todo.id),
            json!({ "done": true }),
        )
        .await
        .body(StatusCode::OK); // alice, groceries
    assert!(done.todo.done);
    create_todo(bob, &work, "report").await; // bob, work (+1)
    let slides = create_todo(bob, &work, "slides").await; // bob, work (+1)
    let deleted = bob
        .api
        .call(
            Method::DELETE,
            &format!("/lists/{}/todos/{}", work.id, slides.todo.id),
        )
        .await; // bob, work (-1)
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_eq!(
        bob.api.call(Method::GET, "/lists").await.status,
        StatusCode::OK
    ); // bob, no list
    // Alice cannot see Bob's list: the 404 is billed to her, never to Bob.
    alice
        .api
        .call(Method::GET, &format!("/lists/{}", work.id))
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found"); // alice, no list
    let temp = create_list(alice, "Temp").await; // alice, temp
    create_todo(alice, &temp, "x").await; // alice, temp (+1)
    let gone = alice
        .api
        .call(Method::DELETE, &format!("/lists/{}", temp.id))
        .await; // alice, temp (removed)
    assert_eq!(gone.status, StatusCode::NO_CONTENT);
    Scripted {
        groceries,
        work,
        temp,
    }
}

/// The request counts the script bills, per (owner, list).
pub fn expected_requests(
    alice: &User,
    bob: &User,
    s: &Scripted,
) -> BTreeMap<(String, Option<String>), u64> {
    BTreeMap::from([
        ((alice.id.clone(), Some(s.groceries.id.to_string())), 7),
        ((alice.id.clone(), Some(s.temp.id.to_string())), 3),
        ((alice.id.clone(), None), 1),
        ((bob.id.clone(), Some(s.work.id.to_string())), 4),
        ((bob.id.clone(), None), 1),
    ])
}

/// What the script's EMF lines billed.
pub struct Lines {
    pub scripted: Scripted,
    /// Per (owner, list).
    pub billed: BTreeMap<(String, Option<String>), Billed>,
    /// All of them.
    pub all: Billed,
}

/// Runs the script and checks its EMF lines: valid, with the right dimensions, and exactly
/// the scripted bills. Returns what they billed, for a caller that can compare it with what
/// DynamoDB reported, before [`usage_matches_the_lines`].
pub async fn two_owners_and_a_shared_list(
    alice: &User,
    bob: &User,
    sink: &MemorySink,
    namespace: &str,
) -> Lines {
    let s = script(alice, bob).await;
    let billed = billed_by_lines(sink, namespace);
    let requests: BTreeMap<_, _> = billed
        .iter()
        .map(|(key, b)| (key.clone(), b.requests))
        .collect();
    assert_eq!(
        requests,
        expected_requests(alice, bob, &s),
        "requests per owner and list, from the EMF lines"
    );
    assert_eq!(
        stored_items_by_lines(sink),
        BTreeMap::from([
            (s.groceries.id.to_string(), 3.0),
            (s.work.id.to_string(), 1.0),
            (s.temp.id.to_string(), 0.0),
        ]),
        "each list's last StoredItems"
    );
    let all = billed.values().fold(Billed::default(), |mut sum, b| {
        sum.requests += b.requests;
        sum.read_units += b.read_units;
        sum.write_units += b.write_units;
        sum
    });
    Lines {
        scripted: s,
        billed,
        all,
    }
}

/// `GET /usage` reports what the script's lines billed.
pub async fn usage_matches_the_lines(alice: &User, bob: &User, sink: &MemorySink, lines: &Lines) {
    let (s, billed) = (&lines.scripted, &lines.billed);
    let script = line_days(sink);
    let last_day = |user: &User| {
        script
            .iter()
            .rfind(|l| l.owner == user.id)
            .map(|l| l.day.clone())
            .expect("the user was billed")
    };
    // Alice's month (the month of her last request): her two lists (the deleted one
    // nameless and empty), and everything billed to her in the total, the 404 included.
    let day = last_day(alice);
    let report = usage(alice, &format!("?period=month&date={day}")).await;
    assert_eq!(report.period, todo_api::Period::Month);
    let month = report.start.as_str()..=report.end.as_str();
    assert!(report.start.ends_with("-01") && month.contains(&day.as_str()));
    assert_eq!(
        rows(&report),
        [
            (
                s.groceries.id.to_string(),
                Some("Groceries"),
                count(&script, alice, Some(&s.groceries), month.clone()),
                3
            ),
            (
                s.temp.id.to_string(),
                None,
                count(&script, alice, Some(&s.temp), month.clone()),
                0
            ),
        ],
        "most requests first; a deleted list has no name and no items"
    );
    let of = |owner: &User, list: Option<&ListView>| {
        billed[&(owner.id.clone(), list.map(|l| l.id.to_string()))]
    };
    let groceries = of(alice, Some(&s.groceries));
    assert_eq!(
        (
            report.lists[0].usage.read_units,
            report.lists[0].usage.write_units
        ),
        (groceries.read_units, groceries.write_units),
        "the roll-up's capacity is the lines' capacity"
    );
    assert_eq!(
        (report.total.usage.requests, report.total.stored_items),
        (count(&script, alice, None, month.clone()), 3)
    );
    let alice_lines = [
        of(alice, Some(&s.groceries)),
        of(alice, Some(&s.temp)),
        of(alice, None),
    ];
    assert_eq!(
        report.total.usage.read_units,
        alice_lines.iter().map(|b| b.read_units).sum::<f64>()
    );
    assert_eq!(
        report.total.usage.write_units,
        alice_lines.iter().map(|b| b.write_units).sum::<f64>()
    );
    let month_days = report.days.len();
    assert!(
        (28..=31).contains(&month_days),
        "every day of the month: {month_days}"
    );
    for day in &report.days {
        let date = day.date.as_str();
        assert_eq!(
            day.usage.requests,
            count(&script, alice, None, date..=date),
            "{date}"
        );
    }
    let durations: u64 = report.days.iter().map(|d| d.usage.duration_ms).sum();
    assert_eq!(durations, report.total.usage.duration_ms);

    // Bob's day (of his last request): his own list only; his requests on Alice's list are
    // not his bill.
    let day = last_day(bob);
    let report = usage(bob, &format!("?period=day&date={day}")).await;
    assert_eq!((report.start.as_str(), report.end.as_str()), (&*day, &*day));
    let today = day.as_str()..=day.as_str();
    assert_eq!(
        rows(&report),
        [(
            s.work.id.to_string(),
            Some("Work"),
            count(&script, bob, Some(&s.work), today.clone()),
            1
        )]
    );
    let bobs = count(&script, bob, None, today);
    assert_eq!(
        (report.total.usage.requests, report.total.stored_items),
        (bobs, 1)
    );
    assert_eq!(report.days.len(), 1);
    assert_eq!(report.days[0].usage.requests, bobs);

    // Alice's GET /usage above is billed to her too, once it has been answered. The day is
    // the report's own (the server's today); the lines are counted before the request, so
    // this one is not among them.
    let before = line_days(sink);
    let report = usage(alice, "?period=day").await;
    let day = report.start.as_str();
    assert_eq!(
        report.total.usage.requests,
        count(&before, alice, None, day..=day)
    );
    assert_eq!(sink.lines().len(), 16 + 3);
}

/// A deleted list's todo count stays gone: a todo created while the list was being
/// deleted adds its `+1` after the count was removed, bringing it back, and `GET /usage`
/// ignores it; a late `-1` brings nothing back.
pub async fn a_deleted_lists_count_does_not_come_back(owner: &User, store: &dyn UsageStore) {
    let kept = create_list(owner, "Kept").await;
    create_todo(owner, &kept, "a").await;
    let gone = create_list(owner, "Gone").await;
    create_todo(owner, &gone, "b").await;
    create_todo(owner, &gone, "c").await;
    let deleted = owner
        .api
        .call(Method::DELETE, &format!("/lists/{}", gone.id))
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let owner_id = UserId::new(&owner.id).unwrap();
    // The racing requests' additions, as the metering layer makes them after the delete's.
    assert_eq!(
        store.adjust_items(&owner_id, &gone.id, -1).await.unwrap(),
        None
    );
    assert!(!store.items(&owner_id).await.unwrap().contains_key(&gone.id));
    assert_eq!(
        store.adjust_items(&owner_id, &gone.id, 1).await.unwrap(),
        Some(1)
    );

    let report = usage(owner, "?period=month").await;
    let stored: BTreeMap<String, i64> = report
        .lists
        .iter()
        .map(|l| (l.list_id.to_string(), l.stored_items))
        .collect();
    assert_eq!(
        stored,
        BTreeMap::from([(kept.id.to_string(), 1), (gone.id.to_string(), 0)])
    );
    assert_eq!(report.total.stored_items, 1, "only the lists the owner has");
}

/// A handler that panics is answered 500, and the request is still metered, with status
/// 500. `panicking` is a signed-in user whose `GET /usage` panics.
pub async fn a_panicking_request_is_metered(panicking: &User, sink: &MemorySink) {
    let before = sink.lines().len();
    panicking
        .api
        .call(Method::GET, "/usage")
        .await
        .assert_error(StatusCode::INTERNAL_SERVER_ERROR, "internal_error");
    let lines = sink.lines();
    assert_eq!(
        lines.len(),
        before + 1,
        "one line for the panicking request"
    );
    let line = lines.last().unwrap();
    let doc = validate(line).unwrap_or_else(|problems| panic!("{problems:#?}\n{line}"));
    assert_eq!(
        (&doc["status"], &doc["route"], &doc["Owner"]),
        (&json!(500), &json!("/usage"), &json!(panicking.id)),
        "{line}"
    );
}

/// Many requests at once on one list: the roll-up loses none.
pub async fn parallel_requests_lose_no_count(owner: &User, requests: usize) {
    let list = create_list(owner, "Busy").await;
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..requests {
        let owner = owner.clone();
        let list = list.clone();
        tasks.spawn(async move { create_todo(&owner, &list, &format!("todo {n}")).await });
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("a request task finished");
    }
    let report = usage(owner, "?period=day").await;
    let busy = report
        .lists
        .iter()
        .find(|l| l.list_id == list.id)
        .expect("the busy list has usage");
    assert_eq!(
        busy.usage.requests,
        requests as u64 + 1,
        "every request counted once"
    );
    assert_eq!(
        busy.stored_items, requests as i64,
        "every todo counted once"
    );
}

/// `GET /usage` refuses a malformed query with a JSON 400, and needs sign-in.
pub async fn bad_usage_queries_are_400(user: &User) {
    for bad in [
        "?period=week",
        "?period=DAY",
        "?date=2026-02-30",
        "?date=2026-2-3",
        "?date=tomorrow",
        "?period=day&owner=someone-else",
    ] {
        user.api
            .call(Method::GET, &format!("/usage{bad}"))
            .await
            .assert_error(StatusCode::BAD_REQUEST, "invalid_query");
    }
    let forged = Request::get("/usage")
        .header(AUTHORIZATION, "Bearer not-a-token")
        .body(Body::empty())
        .unwrap();
    assert_eq!(user.api.send(forged).await.status, StatusCode::UNAUTHORIZED);
}
