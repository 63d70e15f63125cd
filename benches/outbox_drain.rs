//! `cargo bench --bench outbox_drain`: drains 10,000 queued provisioning emails into an
//! SMTP server on this machine and reports messages per second, on SQLite and (when it
//! answers) PostgreSQL, twice: into a server that acknowledges at once (quick ACK) and
//! into one that delays its ACKs like an ordinary relay. The ratio of the two shows
//! whether the mailer's sockets wait on the receiver's delayed ACK (Nagle's algorithm).
//!
//! Each drain is stated as a ratio to a reference measured in the same run, right before
//! it: the same mailer sending the same number of rendered messages over the same 8
//! connections into the same kind of server, with no database at all. The ratio is what
//! recording each outcome as the relay answers costs (a connection waits for its last
//! message's record before it takes the next). A measurement, not a test: it asserts
//! nothing about time.

mod support;

#[path = "../tests/api/smtp.rs"]
#[allow(dead_code)]
mod smtp;

use std::time::Instant;

use chrono::Utc;
use provisio::config::{MailConfig, SmtpUrl};
use provisio::mail::{Dispatcher, Mailer};
use provisio::store::{ImportFile, Store};
use smtp::Acks;

const MESSAGES: usize = 10_000;
const BATCH: i64 = 500;
const CONNECTIONS: u32 = 8;

/// `MESSAGES` due emails; `first_order` keeps a second set apart from the first.
fn data(first_order: usize) -> ImportFile {
    let today = Utc::now().date_naive();
    let orders: Vec<_> = (first_order..first_order + MESSAGES / 100)
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

/// The reference: `MESSAGES` rendered messages sent by the same mailer, 8 at a time, into
/// a fresh server of the same kind, with no database; messages/s.
async fn bare_send(acks: Acks) -> f64 {
    use futures_util::StreamExt;
    let server = smtp::SmtpServer::start_with(acks).await;
    let mut mail = MailConfig::file_mailbox();
    mail.smtp = Some(SmtpUrl::parse(&server.url()).unwrap());
    let mailer = std::sync::Arc::new(Mailer::new(&mail, mail.mailbox.clone(), CONNECTIONS).unwrap());
    let lines = [provisio::store::EmailLine::new("Sub-000-000".to_string(), "A-Flex".to_string(), None)];
    let order = provisio::mail::OrderEmail {
        order_id: "WO-00000",
        customer: "Bench Customer",
        partner: "Bench Partner",
        lines: &lines,
    };
    let rendered = provisio::mail::render_email(
        provisio::mail::EmailKind::Provisioning,
        None,
        &order,
        "https://admin.webex.com",
        &mail.from,
    )
    .unwrap();
    let t = Instant::now();
    futures_util::stream::iter(0..MESSAGES)
        .map(|i| {
            let mailer = mailer.clone();
            let message = Mailer::message(i as i64, &mail.from, &format!("c{i}@bench.example"), &rendered).unwrap();
            async move { mailer.send(message).await.unwrap() }
        })
        .buffer_unordered(CONNECTIONS as usize)
        .collect::<Vec<_>>()
        .await;
    let rate = MESSAGES as f64 / t.elapsed().as_secs_f64();
    assert_eq!(server.messages().len(), MESSAGES);
    rate
}

/// Queues `MESSAGES` emails and drains them into a fresh server; returns messages/s.
async fn drain(label: &str, store: &Store, acks: Acks, first_order: usize) -> f64 {
    let t = Instant::now();
    store.import(&data(first_order), Utc::now()).await.unwrap();
    let queued = store.enqueue_due_rsd_emails(Utc::now()).await.unwrap();
    assert_eq!(queued, MESSAGES);
    println!("{label}: set-up (import and queue {queued} messages) {:.1} s", t.elapsed().as_secs_f64());
    let sent_before = store.email_counts().await.unwrap().sent as usize;

    let server = smtp::SmtpServer::start_with(acks).await;
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
    assert_eq!(store.email_counts().await.unwrap().sent as usize, sent_before + MESSAGES);
    let rate = MESSAGES as f64 / secs;
    let acks = match acks {
        Acks::Quick => "quick-ACK",
        Acks::Delayed => "delayed-ACK",
    };
    println!(
        "{label}: drained {MESSAGES} emails into a {acks} server in {secs:.2} s = {rate:.0} messages/s \
         (batch {BATCH}, {CONNECTIONS} SMTP connections)"
    );
    rate
}

async fn run(label: &str, store: Store) {
    let quick_ref = bare_send(Acks::Quick).await;
    let quick = drain(label, &store, Acks::Quick, 0).await;
    let delayed_ref = bare_send(Acks::Delayed).await;
    let delayed = drain(label, &store, Acks::Delayed, MESSAGES / 100).await;
    println!(
        "{label}: quick-ACK {quick:.0} messages/s, delayed-ACK {delayed:.0} messages/s, delayed/quick-ACK = {:.2}",
        delayed / quick
    );
    println!(
        "{label}: the same mailer with no database in the same run: quick-ACK {quick_ref:.0}/s, delayed-ACK \
         {delayed_ref:.0}/s; drain/bare = {:.2} (quick-ACK), {:.2} (delayed-ACK)",
        quick / quick_ref,
        delayed / delayed_ref
    );
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    run("SQLite", Store::connect(&support::sqlite_url(dir.path(), "bench.db")).await.unwrap()).await;
    if let Some(mut postgres) = support::Postgres::connect().await {
        let (name, url) = postgres.create("provisio_bench").await;
        let store = Store::connect(&url).await.unwrap();
        run("PostgreSQL", store.clone()).await;
        store.close().await;
        postgres.drop_database(&name).await;
    }
}
