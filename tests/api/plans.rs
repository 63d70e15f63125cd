//! Every list and search statement reads an index, never a whole table of lines or orders:
//! each variant's plan (`EXPLAIN QUERY PLAN` on SQLite, `EXPLAIN` on PostgreSQL) is read on
//! a database of 20,000 lines, and the rows it returns are compared with the same filter
//! applied in Rust.
//!
//! At 20,000 lines PostgreSQL rightly finds reading a small table whole cheapest, so here it
//! plans with sequential scans, hash and merge joins priced out: a plan that still reads a
//! whole table has no index that serves it. That the planner takes the index at a million lines is what
//! `cargo bench --bench scale` measures.

use chrono::{DateTime, Duration, Utc};
use provisio::domain::{AttentionCursor, AttentionKind};
use provisio::store::{
    AttentionFilter, Statement, Store, SubscriptionFilter, TransactionFilter, attention_counts_statement,
    attention_statement, orders_statement, subscriptions_statement, transactions_statement,
};
use sqlx::Connection;

use crate::helpers::{Backend, fresh_store};

const ORDERS: usize = 2_000;
const LINES_PER_ORDER: usize = 10;
const PAGE: i64 = 51;

struct Line {
    subscription: String,
    order: String,
    partner: String,
    distributor: Option<String>,
    status: &'static str,
    offer: &'static str,
    sent: Option<DateTime<Utc>>,
}

fn order_id(i: usize) -> String {
    format!("WO-{}", 100_000 + i)
}

fn partner(i: usize) -> String {
    format!("p{}", i % 3 + 1)
}

fn distributor(i: usize) -> Option<String> {
    i.is_multiple_of(4).then(|| format!("d{}", i % 8 / 4 + 1))
}

/// Three partners, two distributors (every fourth order is two-tier), ten lines an order:
/// eight awaiting (their first email 0 to 39 days ago), one complete, one closed.
fn data(now: DateTime<Utc>) -> (serde_json::Value, Vec<Line>) {
    let mut lines = Vec::new();
    let mut orders = Vec::new();
    for i in 0..ORDERS {
        let mut order_lines = Vec::new();
        for j in 0..LINES_PER_ORDER {
            let line = Line {
                subscription: format!("Sub-{}", 1_000_000 + i * LINES_PER_ORDER + j),
                order: order_id(i),
                partner: partner(i),
                distributor: distributor(i),
                status: match j {
                    8 => "complete",
                    9 => "closed",
                    _ => "awaiting",
                },
                offer: if j % 2 == 0 { "A-Flex" } else { "Webex Meetings" },
                sent: (j < 8).then(|| now - Duration::days((i % 40) as i64) - Duration::hours(j as i64)),
            };
            order_lines.push(serde_json::json!({
                "subscription": line.subscription, "offer": line.offer, "rsd": "2026-01-05",
                "contact": format!("it{j}@customer{i}.example"), "status": line.status, "email_sent_at": line.sent,
            }));
            lines.push(line);
        }
        orders.push(serde_json::json!({
            "id": order_id(i), "partner": partner(i), "distributor": distributor(i),
            "created_by": format!("u@{}.example", partner(i)), "customer": format!("Customer {i}"),
            "lines": order_lines,
        }));
    }
    let mut companies = vec![serde_json::json!({"id": "v", "name": "Vendor", "kind": "vendor"})];
    let mut users =
        vec![serde_json::json!({"email": "ops@v.example", "name": "Ops", "company": "v", "operator": true})];
    for (id, kind) in
        [("p1", "partner"), ("p2", "partner"), ("p3", "partner"), ("d1", "distributor"), ("d2", "distributor")]
    {
        companies.push(serde_json::json!({"id": id, "name": id, "kind": kind}));
        users
            .push(serde_json::json!({"email": format!("u@{id}.example"), "name": id, "company": id, "can_edit": true}));
    }
    (serde_json::json!({"companies": companies, "users": users, "orders": orders}), lines)
}

fn sees(viewer: &provisio::domain::Actor, line: &Line) -> bool {
    viewer.operator || line.partner == viewer.company_id || line.distributor.as_deref() == Some(&viewer.company_id)
}

fn starts(id: &str, q: &str) -> bool {
    id.to_lowercase().starts_with(&q.to_lowercase())
}

/// What a plan must not do: read a whole table of lines or orders.
fn scans_a_large_table(backend: Backend, plan: &[String]) -> Option<String> {
    let large = ["lines", "orders", "l", "o"];
    for (i, step) in plan.iter().enumerate() {
        match backend {
            Backend::Sqlite => {
                // "SCAN l" or "SCAN l USING INDEX …" walks every row; "SEARCH" reads a range.
                if let Some(rest) = step.trim().strip_prefix("SCAN ") {
                    let table = rest.split_whitespace().next().unwrap_or("");
                    if large.contains(&table) {
                        return Some(step.clone());
                    }
                }
            }
            Backend::Postgres => {
                let on_large = |s: &str| {
                    s.split(" on ").nth(1).and_then(|t| t.split_whitespace().next()).is_some_and(|t| large.contains(&t))
                };
                if step.contains("Seq Scan") && on_large(step) {
                    return Some(step.clone());
                }
                // An index scan with no condition walks the whole index.
                if (step.contains("Index Scan") || step.contains("Index Only Scan")) && on_large(step) {
                    let conditioned =
                        plan[i + 1..].iter().take_while(|s| !s.contains("->")).any(|s| s.contains("Index Cond"));
                    if !conditioned {
                        return Some(step.clone());
                    }
                }
            }
        }
    }
    None
}

async fn assert_indexed(store: &Store, backend: Backend, name: &str, st: &Statement) {
    let plan = store.explain(st, true).await.unwrap_or_else(|e| panic!("{name}: EXPLAIN fails: {e}"));
    if let Some(step) = scans_a_large_table(backend, &plan) {
        panic!(
            "{backend:?}, {name}: the plan reads a whole table at `{}`:\n{}\n{}",
            step.trim(),
            st.sql,
            plan.join("\n")
        );
    }
}

async fn run(backend: Backend) {
    let Some((store, url, _dir)) = fresh_store(backend).await else { return };
    // PostgreSQL plans every list statement for its values: a generic plan knows neither the
    // company nor the prefix (`Store::fetch_list`), so these plans are the ones that run.
    let planned = store.list_plan_cache_mode().await.unwrap();
    let expected = (backend == Backend::Postgres).then_some("force_custom_plan");
    assert_eq!(planned.as_deref(), expected, "{backend:?}: how list statements are planned");
    let now = Utc::now();
    let (file, lines) = data(now);
    let bytes = serde_json::to_vec(&file).unwrap();
    let summary = store.import_json(std::io::Cursor::new(bytes), now, None).await.expect("the data imports");
    assert_eq!(summary.lines, ORDERS * LINES_PER_ORDER);
    // Update transactions for the Transaction Manager: every line of the first 500 orders
    // gets a new contact.
    let mut changed = file.clone();
    for order in changed["orders"].as_array_mut().unwrap().iter_mut().take(500) {
        for line in order["lines"].as_array_mut().unwrap() {
            line["contact"] = serde_json::json!(format!("new-{}", line["contact"].as_str().unwrap()));
        }
    }
    let bytes = serde_json::to_vec(&changed).unwrap();
    let summary = store.import_json(std::io::Cursor::new(bytes), now, None).await.expect("the changes import");
    assert_eq!(summary.contact_changes, 500 * LINES_PER_ORDER);
    if backend == Backend::Postgres {
        let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
        // As autovacuum leaves a table: statistics, and a visibility map that lets an index
        // answer a count alone (index-only scans).
        sqlx::query("VACUUM ANALYZE").execute(&mut conn).await.unwrap();
    }

    let viewer = |email: &str| {
        let store = store.clone();
        let email = email.to_string();
        async move { store.user_credentials(&email).await.unwrap().unwrap().0.actor() }
    };
    let viewers = [viewer("ops@v.example").await, viewer("u@p1.example").await, viewer("u@d1.example").await];

    for v in &viewers {
        let who = &v.company_id;
        // Orders: the list, a search by order id and by subscription id, a later page.
        for (q, after) in [(None, None), (Some("WO-1000"), None), (Some("sub-10000"), None), (None, Some("WO-101000"))]
        {
            let name = format!("orders as {who}, q={q:?}, after={after:?}");
            let st = orders_statement(v, q, after, PAGE);
            assert_indexed(&store, backend, &name, &st).await;
            let got: Vec<String> =
                store.orders_for(v, q, after, PAGE).await.unwrap().into_iter().map(|o| o.id).collect();
            let mut want: Vec<String> = lines
                .iter()
                .filter(|l| sees(v, l))
                .filter(|l| q.is_none_or(|q| starts(&l.order, q) || starts(&l.subscription, q)))
                .filter(|l| after.is_none_or(|a| l.order.to_lowercase() < a.to_lowercase()))
                .map(|l| l.order.clone())
                .collect();
            want.sort_by_key(|o| std::cmp::Reverse(o.to_lowercase()));
            want.dedup();
            want.truncate(PAGE as usize);
            assert!(!want.is_empty(), "{name}: the data has matches");
            assert_eq!(got, want, "{name}");
        }

        // Subscriptions: each filter and search, and a later page.
        let filters = [
            (None, false, None, None),
            (Some("Sub-10000"), false, None, None),
            (Some("wo-1000"), false, None, None),
            (None, true, None, None),
            (Some("Sub-100"), true, None, None),
            (None, false, Some(3), None),
            (None, false, None, Some("Sub-1010000")),
            (None, true, None, Some("Sub-1010000")),
        ];
        for (q, pending, closing_days, after) in filters {
            let filter =
                SubscriptionFilter { q, pending, closing_before: closing_days.map(|d| now + Duration::days(d)), after };
            let name = format!("subscriptions as {who}, {filter:?}");
            let st = subscriptions_statement(v, &filter, PAGE);
            assert_indexed(&store, backend, &name, &st).await;
            let got: Vec<String> = store
                .subscriptions_for(v, &filter, PAGE)
                .await
                .unwrap()
                .into_iter()
                .map(|r| r.line.subscription_id)
                .collect();
            let mut want: Vec<&Line> = lines
                .iter()
                .filter(|l| sees(v, l))
                .filter(|l| q.is_none_or(|q| starts(&l.order, q) || starts(&l.subscription, q)))
                .filter(|l| !pending || l.status == "closed")
                .filter(|l| {
                    filter.closing_before.is_none_or(|at| {
                        l.status == "awaiting"
                            && l.sent.is_some_and(|s| provisio::domain::closing::closing_deadline(l.offer, s) <= at)
                    })
                })
                .filter(|l| after.is_none_or(|a| l.subscription.to_lowercase() > a.to_lowercase()))
                .collect();
            want.sort_by_key(|l| l.subscription.to_lowercase());
            let want: Vec<String> = want.iter().take(PAGE as usize).map(|l| l.subscription.clone()).collect();
            assert!(!want.is_empty(), "{name}: the data has matches");
            assert_eq!(got, want, "{name}");
        }

        // Needs attention: every reason, one reason, a later page, an operator's company;
        // and the counts by reason.
        let cursor = AttentionCursor { kind: AttentionKind::ClosingSoon, key: "sub-1010000".into() };
        let filters = [
            AttentionFilter { company: None, kind: None, after: None, now },
            AttentionFilter { company: None, kind: Some(AttentionKind::Pending), after: None, now },
            AttentionFilter { company: None, kind: Some(AttentionKind::Failed), after: None, now },
            AttentionFilter { company: None, kind: Some(AttentionKind::CaseAnswered), after: None, now },
            AttentionFilter { company: None, kind: None, after: Some(cursor), now },
            AttentionFilter { company: Some("d1"), kind: None, after: None, now },
        ];
        for filter in filters {
            let name = format!("attention as {who}, {filter:?}");
            let st = attention_statement(v, &filter, PAGE);
            assert_indexed(&store, backend, &name, &st).await;
            let company = if v.sees_every_company() { filter.company } else { Some(v.company_id.as_str()) };
            let mine = |l: &&Line| company.is_none_or(|c| l.partner == c || l.distributor.as_deref() == Some(c));
            let closing_soon = |l: &&Line| {
                l.status == "awaiting"
                    && l.sent.is_some_and(|s| {
                        provisio::domain::closing::closing_deadline(l.offer, s) <= now + Duration::days(7)
                    })
            };
            let mut want: Vec<(i64, String)> = Vec::new();
            for l in lines.iter().filter(mine) {
                if closing_soon(&l) {
                    want.push((AttentionKind::ClosingSoon.rank(), l.subscription.clone()));
                }
                if l.status == "closed" {
                    want.push((AttentionKind::Pending.rank(), l.subscription.clone()));
                }
            }
            want.retain(|(rank, _)| filter.kind.is_none_or(|k| k.rank() == *rank));
            if let Some(after) = &filter.after {
                want.retain(|(rank, s)| (*rank, s.to_lowercase()) > (after.kind.rank(), after.key.clone()));
            }
            want.sort_by_key(|(rank, s)| (*rank, s.to_lowercase()));
            let want: Vec<String> = want.into_iter().take(PAGE as usize).map(|(_, s)| s).collect();
            let got: Vec<String> = store
                .attention_for(v, &filter, PAGE)
                .await
                .unwrap()
                .into_iter()
                .map(|r| r.subscription.line.subscription_id)
                .collect();
            assert_eq!(got, want, "{name}");
            if filter.kind.is_none() && filter.after.is_none() {
                let name = format!("attention counts as {who}, {filter:?}");
                let st = attention_counts_statement(v, &filter);
                // An operator without a company counts every line: the whole of each range.
                if company.is_some() {
                    assert_indexed(&store, backend, &name, &st).await;
                }
                let counts = store.attention_counts(v, &filter).await.unwrap();
                let pending = lines.iter().filter(mine).filter(|l| l.status == "closed").count() as i64;
                let closing = lines.iter().filter(mine).filter(closing_soon).count() as i64;
                assert_eq!(counts[0], (AttentionKind::ClosingSoon, closing), "{name}");
                assert_eq!(counts[4], (AttentionKind::Pending, pending), "{name}");
            }
        }

        // The Transaction Manager: by type, status, search and page.
        let filters = [
            TransactionFilter::default(),
            TransactionFilter { kind: Some(provisio::domain::TransactionKind::Update), ..Default::default() },
            TransactionFilter { status: Some(provisio::domain::TransactionStatus::Success), ..Default::default() },
            TransactionFilter { q: Some("Sub-100000".into()), ..Default::default() },
            TransactionFilter { q: Some("WO-10000".into()), ..Default::default() },
            TransactionFilter { before_id: Some(2_000), ..Default::default() },
        ];
        for filter in filters {
            let name = format!("transactions as {who}, {filter:?}");
            let st = transactions_statement(v, &filter, PAGE);
            assert_indexed(&store, backend, &name, &st).await;
            let got = store.transactions_for(v, &filter, PAGE).await.unwrap();
            assert!(!got.is_empty(), "{name}: finds transactions");
            assert!(got.windows(2).all(|w| w[0].id > w[1].id), "{name}: newest first");
        }
    }
}

#[tokio::test]
async fn list_and_search_statements_read_indexes_on_sqlite() {
    run(Backend::Sqlite).await
}

#[tokio::test]
async fn list_and_search_statements_read_indexes_on_postgres() {
    run(Backend::Postgres).await
}
