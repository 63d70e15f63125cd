//! `cargo bench --bench outbox_drain`: drains 10,000 queued provisioning emails into an
//! SMTP server on this machine and reports messages per second, on SQLite and (when it
//! answers) PostgreSQL. A measurement, not a test: it asserts nothing about time.

#[path = "../tests/api/smtp.rs"]
#[allow(dead_code)]
mod smtp;

use std::time::Instant;

use chrono::Utc;
use provisio::config::{MailConfig, SmtpUrl};
use provisio::mail::{Dispatcher, Mailer};
use provisio::store::{ImportFile, Store};

const MESSAGES: usize = 10_000;
const BATCH: i64 = 500;
const CONNECTIONS: u32 = 8;

fn data() -> ImportFile {
    let today = Utc::now().date_naive();
    let orders: Vec<_> = (0..MESSAGES / 100)
        .map(|o| {
            let lines: Vec<_> = (0..100)
                .map(|l| {
                    serde_json::json!({"subscription": format!("Sub-{o:03}-{l:03}"), "offer": "A-Flex", "rsd": today,
                                       "contact": format!("c{o}-{l}@bench.example"), "status": "awaiting"})
                })
                .collect();
            serde_json::json!({"id": format!("WO-{o:05}"), "partner": "p", "created_by": "u@p.example",
                               "customer": "Bench Customer", "lines": lines})
        })
        .collect();
    serde_json::from_value(serde_json::json!({
        "companies": [{"id": "p", "name": "Bench Partner", "kind": "partner"}],
        "users": [{"email": "u@p.example", "name": "Bench User", "company": "p", "password": "bench password"}],
        "orders": orders
    }))
    .unwrap()
}

async fn run(label: &str, store: Store) {
    let t = Instant::now();
    store.import(&data(), Utc::now()).await.unwrap();
    let queued = store.enqueue_due_rsd_emails(Utc::now()).await.unwrap();
    assert_eq!(queued, MESSAGES);
    println!("{label}: set-up (import and queue {queued} messages) {:.1} s", t.elapsed().as_secs_f64());

    let server = smtp::SmtpServer::start().await;
    let mut mail = MailConfig::file_mailbox();
    mail.smtp = Some(SmtpUrl::parse(&server.url()).unwrap());
    let mailer = Mailer::new(&mail, mail.mailbox.clone(), CONNECTIONS).unwrap();
    let mut dispatcher = Dispatcher::new(store.clone(), mailer, mail, "https://admin.webex.com".into());
    dispatcher.batch_size = BATCH;
    dispatcher.concurrency = CONNECTIONS as usize;

    let t = Instant::now();
    let sent = dispatcher.drain().await.unwrap();
    let secs = t.elapsed().as_secs_f64();
    assert_eq!(sent, MESSAGES);
    assert_eq!(server.messages().len(), MESSAGES);
    assert_eq!(store.email_counts().await.unwrap().sent as usize, MESSAGES);
    println!(
        "{label}: drained {MESSAGES} emails in {secs:.2} s = {:.0} messages/s (batch {BATCH}, {CONNECTIONS} SMTP connections)",
        MESSAGES as f64 / secs
    );
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    run("SQLite", Store::connect(&url).await.unwrap()).await;

    let admin = std::env::var("PROVISIO_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string());
    match <sqlx::PgConnection as sqlx::Connection>::connect(&admin).await {
        Ok(mut conn) => {
            let name = format!("provisio_bench_{}", std::process::id());
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut conn).await.unwrap();
            let base = admin.rsplit_once('/').unwrap().0;
            let store = Store::connect(&format!("{base}/{name}")).await.unwrap();
            run("PostgreSQL", store.clone()).await;
            store.close().await;
            sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE {name} WITH (FORCE)")))
                .execute(&mut conn)
                .await
                .unwrap();
        }
        Err(e) => println!("PostgreSQL: skipped, no server at {admin}: {e}"),
    }
}
