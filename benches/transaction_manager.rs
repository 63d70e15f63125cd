//! `cargo bench --bench transaction_manager`: 1,000,000 transactions over 100,000 lines,
//! 10,000 orders and 30 companies (20 partners, 10 distributors), on SQLite and (when it answers) PostgreSQL. Times the
//! Transaction Manager's queries as a partner and as an operator: by type, the first page
//! and a page 10,000 rows deep; by type and subscription, the first page. A measurement,
//! not a test: it asserts nothing about time.

mod support;

use std::time::Instant;

use chrono::Utc;
use provisio::domain::Actor;
use provisio::store::{Store, TransactionFilter, User};

const RUNS: usize = 41;

/// Fills the database with set-based SQL (one statement per table).
async fn generate(url: &str) {
    if url.starts_with("sqlite") {
        // The bench reads while it writes, as the server does: WAL, as the server opens it.
        let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(url).await.unwrap();
        sqlx::query("PRAGMA journal_mode = WAL").execute(&mut conn).await.unwrap();
    }
    support::on_connection!(url, |conn| {
        let now = Utc::now();
        for sql in [
            "INSERT INTO companies (id, name, kind) WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 19)
             SELECT 'p' || i, 'Partner ' || i, 'partner' FROM n",
            "INSERT INTO companies (id, name, kind) WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 9)
             SELECT 'd' || i, 'Distributor ' || i, 'distributor' FROM n",
            "INSERT INTO users (email, name, company_id, can_edit, operator) WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 19)
             SELECT 'u' || i || '@p' || i || '.example', 'User ' || i, 'p' || i, TRUE, FALSE FROM n",
        ] {
            sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut *conn).await.unwrap();
        }
        sqlx::query(
            "INSERT INTO orders (id, partner_id, distributor_id, created_by, customer, created_at)
             WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 9999)
             SELECT 'WO-' || i, 'p' || (i % 20), CASE WHEN i % 3 = 0 THEN 'd' || (i % 10) END,
                    (SELECT id FROM users WHERE email = 'u' || (i % 20) || '@p' || (i % 20) || '.example'),
                    'Customer ' || i, $1 FROM n",
        )
        .bind(now)
        .execute(&mut *conn)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO lines (subscription_id, order_id, partner_id, distributor_id, position, offer, rsd, contact,
                                status, email_sent_at, version, updated_at, updated_by)
             WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 99999)
             SELECT 'Sub-' || i, 'WO-' || (i / 10), 'p' || ((i / 10) % 20),
                    CASE WHEN (i / 10) % 3 = 0 THEN 'd' || ((i / 10) % 10) END, i % 10, 'A-Flex', $2, 'c' || i || '@bench.example', 'awaiting',
                    $1, 1, $1, 'bench' FROM n",
        )
        .bind(now)
        .bind(now.date_naive())
        .execute(&mut *conn)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO transactions (kind, subscription_id, order_id, old_value, new_value, actor, status,
                                       created_at, updated_at)
             WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 999999)
             SELECT CASE WHEN i % 2 = 0 THEN 'provisioning_email_update' ELSE 'provisioning_email_resend' END,
                    'Sub-' || (i % 100000), 'WO-' || ((i % 100000) / 10), 'old@bench.example', 'new@bench.example',
                    'bench', CASE i % 3 WHEN 0 THEN 'success' WHEN 1 THEN 'failed' ELSE 'in_progress' END, $1, $1
             FROM n",
        )
        .bind(now)
        .execute(&mut *conn)
        .await
        .unwrap();
        // A line's transactions carry its order's parties, as the store writes them.
        sqlx::query(
            "UPDATE transactions SET partner_id = (SELECT o.partner_id FROM orders o WHERE o.id = transactions.order_id),
                    distributor_id = (SELECT o.distributor_id FROM orders o WHERE o.id = transactions.order_id)",
        )
        .execute(&mut *conn)
        .await
        .unwrap();
    }, analyze: ["companies", "users", "orders", "lines", "transactions"]);
}

fn median_ms(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

async fn time(store: &Store, viewer: &Actor, filter: &TransactionFilter) -> (f64, usize) {
    let mut samples = Vec::with_capacity(RUNS);
    let mut rows = 0;
    for _ in 0..RUNS {
        let t = Instant::now();
        rows = store.transactions_for(viewer, filter, 51).await.unwrap().len();
        samples.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    (median_ms(samples), rows)
}

/// The cursor of the page `depth` rows deep, found by walking the keyset pages.
async fn cursor_at(store: &Store, viewer: &Actor, filter: &TransactionFilter, depth: usize) -> Option<i64> {
    let mut f = filter.clone();
    let mut seen = 0;
    while seen < depth {
        let page = store.transactions_for(viewer, &f, 500).await.unwrap();
        if page.is_empty() {
            return None;
        }
        let take = (depth - seen).min(page.len());
        seen += take;
        f.before_id = Some(page[take - 1].id);
    }
    f.before_id
}

async fn run(label: &str, url: &str) {
    let t = Instant::now();
    let store = Store::connect(url).await.unwrap();
    generate(url).await;
    println!("{label}: generated 1,000,000 transactions in {:.1} s", t.elapsed().as_secs_f64());
    let partner = User {
        id: 1,
        email: "u0@p0.example".into(),
        name: "User 0".into(),
        company_id: "p0".into(),
        can_edit: true,
        operator: false,
        company_admin: false,
        language: None,
    };
    let operator = User { company_id: "vendor".into(), operator: true, ..partner.clone() }.actor();
    let partner = partner.actor();
    for (who, viewer) in [("partner", &partner), ("operator", &operator)] {
        let by_type = TransactionFilter { kind: Some(provisio::domain::TransactionKind::Resend), ..Default::default() };
        let (first, n1) = time(&store, viewer, &by_type).await;
        let deep = match cursor_at(&store, viewer, &by_type, 10_000).await {
            Some(cursor) => {
                let f = TransactionFilter { before_id: Some(cursor), ..by_type.clone() };
                let (ms, n) = time(&store, viewer, &f).await;
                format!("{ms:.2} ms ({n} rows)")
            }
            None => "fewer than 10,000 rows".into(),
        };
        let by_sub = TransactionFilter { q: Some("Sub-500".into()), ..by_type.clone() };
        let (sub_ms, n3) = time(&store, viewer, &by_sub).await;
        println!(
            "{label} {who}: by type first page {first:.2} ms ({n1} rows); 10,000 deep {deep}; \
             by type and subscription first page {sub_ms:.2} ms ({n3} rows); medians of {RUNS}"
        );
    }
    store.close().await;
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    run("SQLite", &support::sqlite_url(dir.path(), "tm.db")).await;
    if let Some(mut postgres) = support::Postgres::connect().await {
        let (name, url) = postgres.create("provisio_bench_tm").await;
        run("PostgreSQL", &url).await;
        postgres.drop_database(&name).await;
    }
}
