//! `cargo bench --bench bulk_fix`: a bulk fix of 10,000 rows through HTTP, end to end, on
//! SQLite and (when it answers) PostgreSQL: a distributor uploads a CSV that changes the
//! contact of 10,000 closed-but-pending lines across 200 orders of 50 lines (their first
//! email went out, so each order sends one email to its new contact), reads the preview
//! (`POST /bulk-fixes`: read the file, store its rows, classify them, render every row),
//! then applies it (`POST /bulk-fixes/{id}/apply`: a database transaction per group of
//! up to 200 orders or about 2,000 rows, 10,000 update transactions). Then the same on 2,000 orders of 5 lines, the
//! many-small-orders case. The application's own email dispatcher runs meanwhile.
//! A measurement, not a test: it asserts nothing about time.
//!
//! `RUST_LOG=sqlx=debug` prints every statement with its time, to profile.

mod support;

use std::time::Instant;

use chrono::{Duration, Utc};
use provisio::config::{Config, SendLimit};
use provisio::startup::Application;
use provisio::store::{ImportFile, Store};

const ROWS: i64 = 10_000;
const PASSWORD: &str = "bench password 1234";
/// High enough that the limits never refuse here: this measures the work of a bulk fix.
const LIMIT: SendLimit = SendLimit { per_hour: 1_000_000, per_day: 1_000_000 };

/// The companies and the distributor's user (through the import, for the password hash);
/// then `ROWS` closed lines in orders of `per_order`, with set-based SQL.
async fn generate(store: &Store, url: &str, per_order: i64) {
    let people: ImportFile = serde_json::from_value(serde_json::json!({
        "companies": [
            {"id": "p", "name": "Bench Partner", "kind": "partner"},
            {"id": "d", "name": "Bench Distribution", "kind": "distributor"}
        ],
        "users": [{"email": "u@d.example", "name": "Bench User", "company": "d", "password": PASSWORD, "can_edit": true}]
    }))
    .unwrap();
    store.import(&people, Utc::now()).await.unwrap();
    support::on_connection!(url, |conn| {
        let now = Utc::now();
        let sent = now - Duration::days(10);
        sqlx::query(
            "INSERT INTO orders (id, partner_id, distributor_id, created_by, customer, created_at)
             WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $2 - 1)
             SELECT 'WO-' || i, 'p', 'd', (SELECT id FROM users WHERE email = 'u@d.example'), 'Bench Customer', $1
             FROM n",
        )
        .bind(now)
        .bind(ROWS / per_order)
        .execute(&mut *conn)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO lines (subscription_id, order_id, partner_id, distributor_id, position, offer, rsd, contact,
                                status, email_sent_at, closed_at, version, updated_at, updated_by)
             WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $4 - 1)
             SELECT 'Sub-' || i, 'WO-' || (i / $5), 'p', 'd', i % $5, 'A-Flex', $3, 'old' || i || '@bench.example',
                    'closed', $2, $1, 1, $1, 'bench' FROM n",
        )
        .bind(now)
        .bind(sent)
        .bind(sent.date_naive())
        .bind(ROWS)
        .bind(per_order)
        .execute(&mut *conn)
        .await
        .unwrap();
    }, analyze: ["companies", "users", "orders", "lines"]);
}

async fn run(label: &str, url: &str, per_order: i64, goals: (f64, f64)) {
    let store = Store::connect(url).await.unwrap();
    generate(&store, url, per_order).await;
    let mut config = Config::from_env(|_| None, None).expect("the defaults are valid");
    config.database_url = url.to_string();
    config.bind = "127.0.0.1:0".parse().unwrap();
    config.mail.limit = LIMIT;
    let mailbox = tempfile::tempdir().unwrap();
    config.mail.mailbox = mailbox.path().to_path_buf();
    let app = Application::build(config, store.clone()).await.unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    let server = tokio::spawn(app.run_until_stopped());

    let (client, _) = support::sign_in(&base, "u@d.example", PASSWORD).await;
    let csrf =
        support::csrf_token(&client.get(format!("{base}/bulk-fixes")).send().await.unwrap().text().await.unwrap());

    let mut file = String::from("subscription_id,new_contact_email\n");
    for i in 0..ROWS {
        file += &format!("Sub-{i},new{}@bench.example\n", i / per_order);
    }
    let orders = ROWS / per_order;
    let t = Instant::now();
    let part = reqwest::multipart::Part::bytes(file.clone().into_bytes()).file_name("bench.csv");
    let form = reqwest::multipart::Form::new().text("csrf_token", csrf.clone()).part("file", part);
    let response = client.post(format!("{base}/bulk-fixes")).multipart(form).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();
    let preview = t.elapsed().as_secs_f64();
    assert_eq!(html.matches("data-result=\"change\"").count(), ROWS as usize, "every row changes");
    let at = html.find("/bulk-fixes/").unwrap() + "/bulk-fixes/".len();
    let id: String = html[at..].chars().take_while(char::is_ascii_digit).collect();

    let t = Instant::now();
    let response = client
        .post(format!("{base}/bulk-fixes/{id}/apply"))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let apply = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let page = client.get(format!("{base}/bulk-fixes/{id}")).send().await.unwrap().text().await.unwrap();
    let outcome = t.elapsed().as_secs_f64();
    assert_eq!(page.matches("data-result=\"done\"").count(), ROWS as usize, "every row is done");

    let verdict = |seconds: f64, goal: f64| if seconds <= goal { "meets" } else { "MISSES" };
    println!(
        "{label}: bulk fix of {ROWS} rows over {orders} orders of {per_order} lines, through HTTP: preview {:.0} ms \
         (goal <= {:.0} ms: {}), apply {:.0} ms (goal <= {:.0} ms: {}) = {:.0} rows/s, {:.1} orders/s; \
         the applied batch's page (old and new contact of every row) {:.0} ms",
        preview * 1000.0,
        goals.0 * 1000.0,
        verdict(preview, goals.0),
        apply * 1000.0,
        goals.1 * 1000.0,
        verdict(apply, goals.1),
        ROWS as f64 / apply,
        orders as f64 / apply,
        outcome * 1000.0,
    );
    server.abort();
    store.close().await;
}

#[tokio::main]
async fn main() {
    support::log_to_stderr();
    // `cargo bench --bench bulk_fix -- postgres` (or `sqlite`) runs one database only.
    let only = std::env::args().skip(1).find(|a| a == "sqlite" || a == "postgres");
    for per_order in [50, 5] {
        if only.as_deref() == Some("postgres") {
            break;
        }
        let dir = tempfile::tempdir().unwrap();
        run("SQLite", &support::sqlite_url(dir.path(), "bulk.db"), per_order, (1.0, 3.0)).await;
    }
    if only.as_deref() == Some("sqlite") {
        return;
    }
    if let Some(mut postgres) = support::Postgres::connect().await {
        for per_order in [50, 5] {
            let (name, url) = postgres.create(&format!("provisio_bench_bulk_{per_order}")).await;
            run("PostgreSQL", &url, per_order, (1.0, 3.0)).await;
            postgres.drop_database(&name).await;
        }
    }
}
