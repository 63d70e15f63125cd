//! The scheduler's jobs work in batches (each its own database transaction, so that a
//! million lines due at once never hold the writer for long) and the batches add up to
//! exactly what one pass would do: every due line is emailed once, in one message per
//! order and recipient, reminded once before it closes, and closed once.

use chrono::{DateTime, Duration, Utc};
use provisio::store::Store;
use sqlx::Connection;

use crate::helpers::{Backend, fresh_store};

/// More orders than one batch of the RSD job (500) and more lines than one of the closing
/// job (5,000).
const ORDERS: usize = 1_300;
const LINES_PER_ORDER: usize = 10;

/// Ten lines an order, none emailed yet, their start date passed: eight to one contact
/// (four of them spelled in capitals, which is another recipient), two to another;
/// short- and long-period offers in turn.
fn file() -> serde_json::Value {
    let orders: Vec<serde_json::Value> = (0..ORDERS)
        .map(|i| {
            let lines: Vec<serde_json::Value> = (0..LINES_PER_ORDER)
                .map(|j| {
                    let contact = match j {
                        0..=3 => format!("it@customer{i}.example"),
                        4..=7 => format!("IT@customer{i}.example"),
                        _ => format!("boss@customer{i}.example"),
                    };
                    serde_json::json!({
                        "subscription": format!("Sub-{}", 5_000_000 + i * LINES_PER_ORDER + j),
                        "offer": if j % 2 == 0 { "A-Flex" } else { "Webex Meetings" },
                        "rsd": "2026-01-05", "contact": contact, "status": "awaiting",
                    })
                })
                .collect();
            serde_json::json!({
                "id": format!("WO-{}", 500_000 + i), "partner": "p1", "created_by": "u@p1.example",
                "customer": format!("Customer {i}"), "lines": lines,
            })
        })
        .collect();
    serde_json::json!({
        "companies": [{"id": "p1", "name": "P1", "kind": "partner"}],
        "users": [{"email": "u@p1.example", "name": "U", "company": "p1", "can_edit": true}],
        "orders": orders,
    })
}

async fn count(store: &Store, url: &str, sql: &'static str) -> i64 {
    match store {
        Store::Postgres(pg) => sqlx::query_scalar(sql).fetch_one(&pg.pool).await.unwrap(),
        Store::Sqlite(_) => {
            let mut c = sqlx::SqliteConnection::connect(url).await.unwrap();
            let n = sqlx::query_scalar(sql).fetch_one(&mut c).await.unwrap();
            c.close().await.unwrap();
            n
        }
    }
}

async fn run(backend: Backend) {
    let Some((store, url, _dir)) = fresh_store(backend).await else { return };
    let now: DateTime<Utc> = Utc::now();
    let bytes = serde_json::to_vec(&file()).unwrap();
    store.import_json(std::io::Cursor::new(bytes), now, None).await.expect("the data imports");
    // The organisation of the last order is already onboarded: nothing goes out for it.
    store.onboard(&format!("WO-{}", 500_000 + ORDERS - 1), now).await.unwrap();
    let sending = (ORDERS - 1) as i64;

    let messages = store.enqueue_due_rsd_emails(now).await.unwrap();
    assert_eq!(messages as i64, sending * 3, "{backend:?}: one message per order and recipient");
    assert_eq!(store.enqueue_due_rsd_emails(now).await.unwrap(), 0, "{backend:?}: each line once");
    let lines = sending * LINES_PER_ORDER as i64;
    assert_eq!(count(&store, &url, "SELECT COUNT(*) FROM lines WHERE email_sent_at IS NOT NULL").await, lines);
    assert_eq!(
        count(
            &store,
            &url,
            "SELECT COUNT(*) FROM lines l JOIN outbox o ON o.id = l.last_outbox_id
             WHERE o.cause = 'rsd' AND o.order_id = l.order_id AND o.recipient = l.contact"
        )
        .await,
        lines,
        "{backend:?}: every emailed line points at its own message"
    );
    assert_eq!(
        count(
            &store,
            &url,
            "SELECT COUNT(*) FROM outbox_lines ol JOIN outbox o ON o.id = ol.outbox_id
             JOIN lines l ON l.subscription_id = ol.subscription_id
             WHERE o.cause = 'rsd' AND o.recipient = l.contact AND o.order_id = l.order_id"
        )
        .await,
        lines,
        "{backend:?}: every message lists exactly its lines"
    );
    assert_eq!(count(&store, &url, "SELECT COUNT(*) FROM outbox_lines").await, lines);

    // Six days on, the short-period lines (closing seven days after their first email)
    // are a day from closing: one reminder per order and recipient, in batches too.
    let reminded = store.enqueue_due_reminders(now + Duration::days(6), &[Duration::days(1)]).await.unwrap();
    assert_eq!(reminded as i64, sending * 3, "{backend:?}: one reminder per order and recipient");
    assert_eq!(store.enqueue_due_reminders(now + Duration::days(6), &[Duration::days(1)]).await.unwrap(), 0);
    let closes: Vec<DateTime<Utc>> = match &store {
        Store::Postgres(pg) => sqlx::query_scalar("SELECT closes_at FROM outbox WHERE cause = 'reminder'")
            .fetch_all(&pg.pool)
            .await
            .unwrap(),
        Store::Sqlite(_) => {
            let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
            sqlx::query_scalar("SELECT closes_at FROM outbox WHERE cause = 'reminder'").fetch_all(&mut c).await.unwrap()
        }
    };
    assert_eq!(closes.len() as i64, sending * 3);
    let deadline = now + Duration::days(7);
    assert!(
        closes.iter().all(|t| (*t - deadline).num_milliseconds().abs() < 1),
        "{backend:?}: each reminder names its lines' closing time"
    );
    assert_eq!(
        count(
            &store,
            &url,
            "SELECT COUNT(*) FROM transactions t JOIN outbox o ON o.id = t.outbox_id
             JOIN lines l ON l.subscription_id = t.subscription_id
             WHERE t.kind = 'provisioning_email_reminder' AND o.cause = 'reminder' AND o.recipient = l.contact
               AND l.last_outbox_id = o.id"
        )
        .await,
        sending * 5,
        "{backend:?}: a reminder transaction per short-period line, pointing at its message"
    );

    // Eight days on, the short-period lines close; thirty-one days on, the others.
    let short = sending * 5;
    assert_eq!(store.close_due_lines(now + Duration::days(8)).await.unwrap() as i64, short, "{backend:?}");
    assert_eq!(store.close_due_lines(now + Duration::days(8)).await.unwrap(), 0, "{backend:?}: closed once");
    assert_eq!(store.close_due_lines(now + Duration::days(31)).await.unwrap() as i64, lines - short, "{backend:?}");
    assert_eq!(count(&store, &url, "SELECT COUNT(*) FROM lines WHERE status = 'closed'").await, lines);
}

#[tokio::test]
async fn due_emails_and_closing_go_in_batches_that_add_up_on_sqlite() {
    run(Backend::Sqlite).await
}

#[tokio::test]
async fn due_emails_and_closing_go_in_batches_that_add_up_on_postgres() {
    run(Backend::Postgres).await
}
