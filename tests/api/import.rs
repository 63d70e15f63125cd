//! The streaming import: any key order, field paths from deep inside the stream, progress,
//! and lines that follow their order to another company.

use std::sync::{Arc, Mutex};

use chrono::Utc;
use provisio::store::{ImportError, ImportProgress, SubscriptionFilter};

use crate::helpers::*;
use crate::on_both;

fn order(id: &str, partner: &str, distributor: Option<&str>, subscriptions: &[&str]) -> serde_json::Value {
    serde_json::json!({"id": id, "partner": partner, "distributor": distributor, "created_by": "creator@acme.example",
        "customer": "Streamed Corp",
        "lines": subscriptions.iter().map(|s| serde_json::json!({"subscription": s, "offer": "A-Flex",
            "rsd": "2026-01-05", "contact": "it@streamed.example", "status": "awaiting"})).collect::<Vec<_>>()})
}

async fn import_text(app: &TestApp, text: String) -> Result<provisio::store::ImportSummary, ImportError> {
    app.store.import_json(std::io::Cursor::new(text.into_bytes()), Utc::now(), None).await
}

fn message(result: Result<provisio::store::ImportSummary, ImportError>) -> String {
    match result {
        Err(ImportError::Field { path, message }) => format!("{path}: {message}"),
        other => panic!("expected a field error, got {other:?}"),
    }
}

on_both!(orders_may_come_before_the_companies_and_users_they_name, |app| {
    let file = format!(
        r#"{{"orders": [{}], "users": [{{"email": "late@newco.example", "name": "Late", "company": "newco"}}],
            "companies": [{{"id": "newco", "name": "New Co", "kind": "partner"}}]}}"#,
        serde_json::json!({"id": "WO-7001", "partner": "newco", "created_by": "late@newco.example",
            "customer": "Streamed Corp", "lines": [{"subscription": "Sub-7001-1", "offer": "A-Flex",
            "rsd": "2026-01-05", "contact": "it@streamed.example", "status": "awaiting"}]})
    );
    let summary = import_text(&app, file).await.expect("imports");
    assert_eq!((summary.companies, summary.users, summary.orders, summary.lines), (1, 1, 1, 1));
    assert!(app.store.order_head("WO-7001").await.unwrap().is_some());
});

on_both!(errors_deep_in_the_stream_name_their_field_and_change_nothing, |app| {
    let good = order("WO-7002", "acme", None, &["Sub-7002-1"]);
    let mut bad_date = order("WO-7003", "acme", None, &["Sub-7003-1", "Sub-7003-2"]);
    bad_date["lines"][1]["rsd"] = serde_json::json!("2026-02-30");
    let file = serde_json::json!({"orders": [good.clone(), bad_date]}).to_string();
    assert!(message(import_text(&app, file).await).starts_with("orders[1].lines[1].rsd: "));

    let file = format!(r#"{{"orders": [{good}], "shipments": []}}"#);
    assert!(message(import_text(&app, file).await).starts_with("(file): unknown field `shipments`"));

    let file = format!(r#"{{"orders": [{good}]}} trailing"#);
    assert!(message(import_text(&app, file).await).starts_with("(file): "));

    let file = serde_json::json!({"orders": [good.clone(), order("WO-7004", "nobody", None, &["Sub-7004-1"])]});
    assert_eq!(message(import_text(&app, file.to_string()).await), "orders[1].partner: no partner company nobody");

    let file = serde_json::json!({"orders": [good, order("WO-7005", "acme", None, &["Sub-7005-1", "SUB-7002-1"])]});
    assert_eq!(
        message(import_text(&app, file.to_string()).await),
        "orders[1].lines[1].subscription: duplicate subscription SUB-7002-1"
    );

    // None of the files above changed anything.
    assert!(app.store.order_head("WO-7002").await.unwrap().is_none());
});

on_both!(progress_counts_the_lines_read_then_says_it_writes, |app| {
    let orders: Vec<_> = (0..30)
        .map(|i| {
            let subs: Vec<String> = (0..10).map(|j| format!("Sub-71{i:02}-{j}")).collect();
            order(&format!("WO-71{i:02}"), "acme", None, &subs.iter().map(String::as_str).collect::<Vec<_>>())
        })
        .collect();
    let text = serde_json::json!({"orders": orders}).to_string();
    let size = text.len() as u64;
    let seen: Arc<Mutex<Vec<ImportProgress>>> = Arc::default();
    let sink = seen.clone();
    let progress: Arc<dyn Fn(ImportProgress) + Send + Sync> = Arc::new(move |p| sink.lock().unwrap().push(p));
    let summary =
        app.store.import_json(std::io::Cursor::new(text.into_bytes()), Utc::now(), Some(progress)).await.unwrap();
    assert_eq!(summary.lines, 300);
    let seen = seen.lock().unwrap();
    let reads: Vec<(u64, u64)> = seen
        .iter()
        .filter_map(|p| match p {
            ImportProgress::Read { bytes, lines } => Some((*bytes, *lines)),
            ImportProgress::Writing => None,
        })
        .collect();
    assert!(reads.windows(2).all(|w| w[0].1 <= w[1].1), "lines only grow: {reads:?}");
    assert_eq!(reads.last(), Some(&(size, 300)), "the last report is the whole file");
    assert!(matches!(seen.last(), Some(ImportProgress::Writing)), "writing comes after reading");
});

on_both!(lines_follow_their_order_to_another_company, |app| {
    let file = serde_json::json!({
        "companies": [{"id": "other", "name": "Other Partner", "kind": "partner"}],
        "users": [{"email": "u@other.example", "name": "Other", "company": "other"}],
        "orders": [order("WO-7201", "acme", None, &["Sub-7201-1", "Sub-7201-2"])]});
    app.store.import(&serde_json::from_value(file.clone()).unwrap(), Utc::now()).await.unwrap();
    let acme = app.store.user_credentials("creator@acme.example").await.unwrap().unwrap().0.actor();
    let other = app.store.user_credentials("u@other.example").await.unwrap().unwrap().0.actor();
    let filter = SubscriptionFilter { q: Some("Sub-7201"), ..Default::default() };
    let count = |rows: Vec<provisio::store::SubscriptionRecord>| rows.len();
    assert_eq!(count(app.store.subscriptions_for(&acme, &filter, 10).await.unwrap()), 2);
    assert_eq!(count(app.store.subscriptions_for(&other, &filter, 10).await.unwrap()), 0);

    let mut moved = file;
    moved["orders"][0]["partner"] = serde_json::json!("other");
    app.store.import(&serde_json::from_value(moved).unwrap(), Utc::now()).await.unwrap();
    assert_eq!(count(app.store.subscriptions_for(&acme, &filter, 10).await.unwrap()), 0);
    assert_eq!(count(app.store.subscriptions_for(&other, &filter, 10).await.unwrap()), 2);
    let orders = app.store.orders_for(&other, Some("Sub-7201-2"), None, 10).await.unwrap();
    assert_eq!(orders.iter().map(|o| o.id.as_str()).collect::<Vec<_>>(), ["WO-7201"]);
});
