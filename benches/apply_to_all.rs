//! `cargo bench --bench apply_to_all`: "Apply to all lines" on an order of 10,000 lines
//! whose first email went out, on SQLite and (when it answers) PostgreSQL, through the
//! store (`Store::edit_contact`, what the HTTP handler calls): the edits alternate between
//! two addresses, so every one changes every line, writes 10,000 update transactions and
//! queues one email. Then single edits per second with 32 concurrent clients, each on its
//! own line of its own order, counting errors ("database is locked" among them).
//! A measurement, not a test: it asserts nothing about time.
//!
//! `RUST_LOG=sqlx=debug` prints every statement with its time, to profile.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use chrono::{Duration, Utc};
use provisio::config::SendLimit;
use provisio::domain::{Actor, ContactEmail, EditGrant, OrderParties};
use provisio::store::{ContactEdit, EditOutcome, EditScope, LineAction, Store};

const LINES: i64 = 10_000;
const RUNS: usize = 7;
const CLIENTS: usize = 32;
const EDITS_PER_CLIENT: usize = 100;
/// High enough that the limits never refuse here: this measures the work of an edit.
const LIMIT: SendLimit = SendLimit { per_hour: 1_000_000, per_day: 1_000_000 };

/// Fills the database with set-based SQL: the big order, and one small order per client.
async fn generate(url: &str) {
    support::on_connection!(url, |conn| {
        let now = Utc::now();
        let sent = now - Duration::hours(30);
        sqlx::query("INSERT INTO companies (id, name, kind) VALUES ('p', 'Bench Partner', 'partner')")
            .execute(&mut *conn)
            .await
            .unwrap();
        sqlx::query(
            "INSERT INTO users (email, name, company_id, can_edit, operator)
             VALUES ('u@p.example', 'Bench User', 'p', TRUE, FALSE)",
        )
        .execute(&mut *conn)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO orders (id, partner_id, created_by, customer, created_at)
             WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 32)
             SELECT CASE WHEN i = 0 THEN 'WO-BIG' ELSE 'WO-C' || i END, 'p',
                    (SELECT id FROM users WHERE email = 'u@p.example'), 'Bench Customer', $1 FROM n",
        )
        .bind(now)
        .execute(&mut *conn)
        .await
        .unwrap();
        // The big order's lines, then ten for each small order (320 of them).
        sqlx::query(
            "INSERT INTO lines (subscription_id, order_id, partner_id, position, offer, rsd, contact, status,
                                email_sent_at, version, updated_at, updated_by)
             WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $4 - 1)
             SELECT 'Sub-B-' || i, 'WO-BIG', 'p', i, 'Webex Meetings', $3, 'a@bench.example', 'awaiting', $2, 1, $1,
                    'bench' FROM n
             UNION ALL
             SELECT 'Sub-C-' || i, 'WO-C' || (i / 10 + 1), 'p', i % 10, 'Webex Meetings', $3,
                    'c' || i || '@bench.example', 'awaiting', $2, 1, $1, 'bench' FROM n WHERE i < 320",
        )
        .bind(now)
        .bind(sent)
        .bind(sent.date_naive())
        .bind(LINES)
        .execute(&mut *conn)
        .await
        .unwrap();
    }, analyze: ["companies", "users", "orders", "lines"]);
}

fn grant(order_id: &str) -> EditGrant {
    let actor = Actor { user_id: 1, company_id: "p".into(), can_edit: true, operator: false, company_admin: false };
    let parties =
        OrderParties { order_id: order_id.into(), partner_id: "p".into(), distributor_id: None, created_by: 1 };
    actor.edit_grant(&parties).expect("the bench user may edit")
}

async fn edit(store: &Store, grant: &EditGrant, sub: &str, email: &ContactEmail, all: bool) -> sqlx::Result<usize> {
    let outcome = store
        .edit_contact(ContactEdit {
            action: LineAction {
                grant,
                actor_name: "Bench User",
                subscription_id: sub,
                scope: EditScope::OrderPage,
                at: Utc::now(),
                limit: LIMIT,
                copy_to: None,
            },
            new_contact: email,
            apply_to_all: all,
            expected_version: None,
        })
        .await?;
    match outcome {
        EditOutcome::Changed { lines, .. } => Ok(lines.len()),
        other => panic!("the edit went through: {other:?}"),
    }
}

async fn run(label: &str, url: &str, goal_ms: f64) {
    let store = Store::connect(url).await.unwrap();
    let t = Instant::now();
    generate(url).await;
    println!("{label}: generated an order of {LINES} lines in {:.1} s", t.elapsed().as_secs_f64());

    let big = grant("WO-BIG");
    let addresses = [ContactEmail::parse("b@bench.example").unwrap(), ContactEmail::parse("a@bench.example").unwrap()];
    // One edit first, so that both databases start warm.
    assert_eq!(edit(&store, &big, "Sub-B-0", &addresses[0], true).await.unwrap(), LINES as usize);
    let mut samples = Vec::with_capacity(RUNS);
    for run in 0..RUNS {
        let email = &addresses[(run + 1) % 2];
        let t = Instant::now();
        let changed = edit(&store, &big, "Sub-B-0", email, true).await.unwrap();
        samples.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(changed, LINES as usize, "every line changes");
    }
    samples.sort_by(f64::total_cmp);
    let verdict = if samples[RUNS / 2] <= goal_ms { "meets" } else { "MISSES" };
    println!(
        "{label}: apply to all on {LINES} lines (Store::edit_contact): median {:.1} ms, min {:.1} ms, max {:.1} ms \
         of {RUNS}; goal <= {goal_ms} ms: {verdict}",
        samples[RUNS / 2],
        samples[0],
        samples[RUNS - 1],
    );

    let errors = Arc::new(AtomicUsize::new(0));
    let locked = Arc::new(AtomicUsize::new(0));
    let t = Instant::now();
    let mut clients = Vec::new();
    for c in 0..CLIENTS {
        let (store, errors, locked) = (store.clone(), errors.clone(), locked.clone());
        clients.push(tokio::spawn(async move {
            let grant = grant(&format!("WO-C{}", c + 1));
            let sub = format!("Sub-C-{}", c * 10);
            let emails = [
                ContactEmail::parse(&format!("x{c}@bench.example")).unwrap(),
                ContactEmail::parse(&format!("y{c}@bench.example")).unwrap(),
            ];
            for i in 0..EDITS_PER_CLIENT {
                if let Err(e) = edit(&store, &grant, &sub, &emails[i % 2], false).await {
                    errors.fetch_add(1, Ordering::Relaxed);
                    if e.to_string().contains("locked") {
                        locked.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }));
    }
    for client in clients {
        client.await.unwrap();
    }
    let seconds = t.elapsed().as_secs_f64();
    let total = CLIENTS * EDITS_PER_CLIENT;
    let rate = total as f64 / seconds;
    let verdict = if rate >= 2000.0 && errors.load(Ordering::Relaxed) == 0 { "meets" } else { "MISSES" };
    println!(
        "{label}: single edits (Store::edit_contact), {CLIENTS} concurrent clients on distinct lines: {total} in \
         {seconds:.2} s = {rate:.0}/s, errors {} (database is locked: {}); goal >= 2000/s, no errors: {verdict}",
        errors.load(Ordering::Relaxed),
        locked.load(Ordering::Relaxed),
    );
    store.close().await;
}

#[tokio::main]
async fn main() {
    support::log_to_stderr();
    let dir = tempfile::tempdir().unwrap();
    run("SQLite", &support::sqlite_url(dir.path(), "apply.db"), 30.0).await;
    if let Some(mut postgres) = support::Postgres::connect().await {
        let (name, url) = postgres.create("provisio_bench_apply").await;
        run("PostgreSQL", &url, 60.0).await;
        postgres.drop_database(&name).await;
    }
}
