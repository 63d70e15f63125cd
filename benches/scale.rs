//! `cargo bench --bench scale`: what a page costs at a million lines against ten thousand,
//! and how fast the import runs against a bare insert of the same rows. A measurement, not
//! a test: it prints, and asserts nothing about time.
//!
//! For each database (SQLite, and PostgreSQL when it answers; `-- sqlite` or `-- postgres`
//! for one) and each size (10,000 and 1,000,000 lines, ten lines an order):
//!
//! * writes the import file and runs `provisio import` (release) on a fresh database,
//!   timing it and reading its peak resident memory;
//! * inserts the same lines into a table with the same columns and indexes as `lines`,
//!   the bare way (SQLite: one prepared INSERT stepped per row in one transaction through
//!   the C API; PostgreSQL: one `COPY`), and prints the import's rate as a ratio of it;
//! * adds transactions (one per order) and 1,000 support cases;
//!
//! then starts `provisio serve` on both sizes, signs in as an operator, a partner and a
//! distributor, and times each list and search page on the two servers in turn (median of
//! 15 after 3 unmeasured requests);
//!
//! and prints each page's median at both sizes with the ratio large / small.
//!
//! Ten partners, three distributors (every other order is two-tier), so a company's share
//! of the data is the same at both sizes; the searches name ids present at both sizes.

mod support;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use sqlx::Connection;

const SMALL: usize = 10_000;
const LARGE: usize = 1_000_000;
const LINES_PER_ORDER: usize = 10;
const RUNS: usize = 15;
const PASSWORD: &str = "bench password";

fn order_id(i: usize) -> String {
    format!("WO-{}", 1_000_000 + i)
}

fn subscription(i: usize, j: usize) -> String {
    format!("Sub-{}", 10_000_000 + i * LINES_PER_ORDER + j)
}

/// One line's columns, as the import file and the bare insert both write them.
struct Line {
    subscription: String,
    order: String,
    partner: String,
    distributor: Option<String>,
    position: usize,
    offer: &'static str,
    contact: String,
    status: &'static str,
    sent: Option<String>,
}

fn line(i: usize, j: usize, now: DateTime<Utc>) -> Line {
    Line {
        subscription: subscription(i, j),
        order: order_id(i),
        partner: format!("p{}", i % 10),
        distributor: i.is_multiple_of(2).then(|| format!("d{}", i % 3)),
        position: j,
        offer: if j.is_multiple_of(2) { "A-Flex" } else { "Webex Meetings" },
        contact: format!("it{j}@customer{i}.example"),
        status: match j {
            8 => "complete",
            9 => "closed",
            _ => "awaiting",
        },
        // Within the short closing period, so the scheduler has nothing to close.
        sent: (j < 8).then(|| {
            (now - chrono::Duration::days((i % 6) as i64) - chrono::Duration::hours(j as i64))
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        }),
    }
}

/// Writes the import file of `lines` lines, order by order (never whole in memory).
fn write_file(path: &std::path::Path, lines: usize, now: DateTime<Utc>) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    write!(out, "{{\"companies\": [{{\"id\": \"v\", \"name\": \"Vendor\", \"kind\": \"vendor\"}}").unwrap();
    for k in 0..10 {
        write!(out, ", {{\"id\": \"p{k}\", \"name\": \"Partner {k}\", \"kind\": \"partner\"}}").unwrap();
    }
    for k in 0..3 {
        write!(out, ", {{\"id\": \"d{k}\", \"name\": \"Distributor {k}\", \"kind\": \"distributor\"}}").unwrap();
    }
    write!(out, "], \"users\": [").unwrap();
    // Only the users the bench signs in as have a password (each costs an Argon2 hash).
    let user = |email: &str, company: &str, operator: bool| {
        let password = if VIEWERS.contains(&email) { format!("\"{PASSWORD}\"") } else { "null".into() };
        format!(
            "{{\"email\": \"{email}\", \"name\": \"{email}\", \"company\": \"{company}\", \"password\": {password}, \
             \"can_edit\": true, \"operator\": {operator}}}"
        )
    };
    let mut users = vec![user("ops@v.example", "v", true)];
    users.extend((0..10).map(|k| user(&format!("u@p{k}.example"), &format!("p{k}"), false)));
    users.extend((0..3).map(|k| user(&format!("u@d{k}.example"), &format!("d{k}"), false)));
    write!(out, "{}], \"orders\": [", users.join(", ")).unwrap();
    for i in 0..lines / LINES_PER_ORDER {
        let distributor = match i.is_multiple_of(2) {
            true => format!("\"d{}\"", i % 3),
            false => "null".into(),
        };
        write!(
            out,
            "{}{{\"id\": \"{}\", \"partner\": \"p{}\", \"distributor\": {distributor}, \"created_by\": \"u@p{}.example\", \
             \"customer\": \"Customer {i}\", \"lines\": [",
            if i == 0 { "" } else { ", " },
            order_id(i),
            i % 10,
            i % 10
        )
        .unwrap();
        for j in 0..LINES_PER_ORDER {
            let l = line(i, j, now);
            let sent = l.sent.map(|s| format!("\"{s}\"")).unwrap_or_else(|| "null".into());
            write!(
                out,
                "{}{{\"subscription\": \"{}\", \"offer\": \"{}\", \"rsd\": \"2026-01-05\", \"contact\": \"{}\", \
                 \"status\": \"{}\", \"email_sent_at\": {sent}}}",
                if j == 0 { "" } else { ", " },
                l.subscription,
                l.offer,
                l.contact,
                l.status
            )
            .unwrap();
        }
        write!(out, "]}}").unwrap();
    }
    write!(out, "]}}").unwrap();
    out.flush().unwrap();
}

/// Runs `provisio ARGS` to its end: wall time and peak resident memory (KiB).
// The child is reaped by wait4, which clippy does not see.
#[allow(clippy::zombie_processes)]
fn run_provisio(url: &str, args: &[&str]) -> (Duration, i64) {
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_provisio"))
        .args(args)
        .env("DATABASE_URL", url)
        .env("PROVISIO_MFA", "none")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the provisio binary starts");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // wait4 reports the child's own peak RSS (getrusage would mix in every child so far).
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid, "wait4");
    let elapsed = started.elapsed();
    let mut output = String::new();
    use std::io::Read;
    child.stdout.take().unwrap().read_to_string(&mut output).unwrap();
    assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, "provisio {args:?} failed: {output}");
    (elapsed, usage.ru_maxrss)
}

/// The bare insert of the same lines into a copy of `lines` with its indexes: rows/s.
async fn bare_insert(url: &str, lines: usize, now: DateTime<Utc>) -> f64 {
    let rows = (0..lines / LINES_PER_ORDER).flat_map(|i| (0..LINES_PER_ORDER).map(move |j| (i, j)));
    if let Some(path) = url.strip_prefix("sqlite://") {
        // The table and its indexes, as the migrations made them for `lines`.
        let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
        let schema: Vec<(String,)> = sqlx::query_as(
            "SELECT sql FROM sqlite_master WHERE tbl_name = 'lines' AND sql IS NOT NULL ORDER BY type DESC",
        )
        .fetch_all(&mut conn)
        .await
        .unwrap();
        for (sql,) in schema {
            let sql = sql.replace("TABLE lines", "TABLE bare_lines").replace(" ON lines ", " ON bare_lines ");
            let sql = sql.replacen("INDEX ", "INDEX bare_", 1).replace("bare_IF NOT EXISTS ", "IF NOT EXISTS bare_");
            sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut conn).await.unwrap();
        }
        conn.close().await.unwrap();
        let started = Instant::now();
        sqlite_executemany(path, rows.map(|(i, j)| line(i, j, now)));
        lines as f64 / started.elapsed().as_secs_f64()
    } else {
        let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::query("CREATE TABLE bare_lines (LIKE lines INCLUDING ALL)").execute(&mut conn).await.unwrap();
        let started = Instant::now();
        let mut copy = conn
            .copy_in_raw(
                "COPY bare_lines (subscription_id, order_id, partner_id, distributor_id, position, offer, rsd, contact,
                                  status, email_sent_at, version, updated_at, updated_by) FROM STDIN",
            )
            .await
            .unwrap();
        let stamp = now.to_rfc3339();
        let mut buffer = String::new();
        for (i, j) in rows {
            let l = line(i, j, now);
            buffer += &format!(
                "{}\t{}\t{}\t{}\t{}\t{}\t2026-01-05\t{}\t{}\t{}\t1\t{stamp}\timport\n",
                l.subscription,
                l.order,
                l.partner,
                l.distributor.as_deref().unwrap_or("\\N"),
                l.position,
                l.offer,
                l.contact,
                l.status,
                l.sent.as_deref().unwrap_or("\\N")
            );
            if buffer.len() > 1 << 20 {
                copy.send(buffer.as_bytes()).await.unwrap();
                buffer.clear();
            }
        }
        copy.send(buffer.as_bytes()).await.unwrap();
        copy.finish().await.unwrap();
        lines as f64 / started.elapsed().as_secs_f64()
    }
}

/// SQLite's executemany: one prepared statement, bound and stepped per row, in one
/// transaction, through the C API (no driver between).
fn sqlite_executemany(path: &str, rows: impl Iterator<Item = Line>) {
    use libsqlite3_sys as ffi;
    use std::ffi::CString;
    unsafe {
        let mut db = std::ptr::null_mut();
        let file = CString::new(path).unwrap();
        assert_eq!(ffi::sqlite3_open(file.as_ptr(), &mut db), ffi::SQLITE_OK);
        let exec = |sql: &str| {
            let sql = CString::new(sql).unwrap();
            assert_eq!(ffi::sqlite3_exec(db, sql.as_ptr(), None, std::ptr::null_mut(), std::ptr::null_mut()), 0);
        };
        exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; BEGIN IMMEDIATE");
        let sql = CString::new(
            "INSERT INTO bare_lines (subscription_id, order_id, partner_id, distributor_id, position, offer, rsd,
                                     contact, status, email_sent_at, version, updated_at, updated_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, '2026-01-05', ?7, ?8, ?9, 1, ?10, 'import')",
        )
        .unwrap();
        let mut stmt = std::ptr::null_mut();
        assert_eq!(ffi::sqlite3_prepare_v2(db, sql.as_ptr(), -1, &mut stmt, std::ptr::null_mut()), ffi::SQLITE_OK);
        let stamp = Utc::now().to_rfc3339();
        let text = |stmt, n, value: &str| {
            ffi::sqlite3_bind_text(stmt, n, value.as_ptr().cast(), value.len() as i32, ffi::SQLITE_TRANSIENT());
        };
        for l in rows {
            text(stmt, 1, &l.subscription);
            text(stmt, 2, &l.order);
            text(stmt, 3, &l.partner);
            match &l.distributor {
                Some(d) => text(stmt, 4, d),
                None => {
                    ffi::sqlite3_bind_null(stmt, 4);
                }
            }
            ffi::sqlite3_bind_int64(stmt, 5, l.position as i64);
            text(stmt, 6, l.offer);
            text(stmt, 7, &l.contact);
            text(stmt, 8, l.status);
            match &l.sent {
                Some(s) => text(stmt, 9, s),
                None => {
                    ffi::sqlite3_bind_null(stmt, 9);
                }
            }
            text(stmt, 10, &stamp);
            assert_eq!(ffi::sqlite3_step(stmt), ffi::SQLITE_DONE);
            ffi::sqlite3_reset(stmt);
        }
        ffi::sqlite3_finalize(stmt);
        exec("COMMIT");
        ffi::sqlite3_close(db);
    }
}

/// A transaction for every order, by SQL, and 1,000 support cases spread over the orders
/// at either size (the cases page shows the newest 200: its cost follows the number of
/// cases, which the number of lines does not set). Cases go to runs of ten consecutive
/// orders, one of each partner, so that every company has the same share at both sizes
/// (every hundredth order alone gave all of them to one partner at 1,000,000 lines).
async fn history(url: &str, lines: usize, now: DateTime<Utc>) {
    let every = (lines / LINES_PER_ORDER / 1_000) as i64;
    let statements = [
        "INSERT INTO transactions (kind, subscription_id, order_id, old_value, new_value, actor, status, created_at,
                                   updated_at, partner_id, distributor_id)
         SELECT 'provisioning_email_resend', l.subscription_id, l.order_id, l.contact, l.contact, 'bench', 'success',
                $1, $1, l.partner_id, l.distributor_id
         FROM lines l WHERE l.position = 1 ORDER BY l.subscription_id",
        "INSERT INTO cases (company_id, subscription_id, order_id, request_type, description, status, created_by,
                            created_at, updated_at, updated_by, partner_id, distributor_id)
         SELECT o.partner_id, l.subscription_id, l.order_id, 'resend_email', 'bench', 'open', o.created_by, $1, $1,
                'bench', l.partner_id, l.distributor_id
         FROM lines l JOIN orders o ON o.id = l.order_id
         WHERE l.position = 0 AND CAST(substr(o.id, 4) AS INTEGER) / 10 % $2 = 0 ORDER BY l.subscription_id",
    ];
    if url.starts_with("sqlite://") {
        let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
        sqlx::query(statements[0]).bind(now).execute(&mut conn).await.unwrap();
        sqlx::query(statements[1]).bind(now).bind(every).execute(&mut conn).await.unwrap();
        sqlx::query("ANALYZE").execute(&mut conn).await.unwrap();
    } else {
        let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::query(statements[0]).bind(now).execute(&mut conn).await.unwrap();
        sqlx::query(statements[1]).bind(now).bind(every).execute(&mut conn).await.unwrap();
        sqlx::query("VACUUM ANALYZE").execute(&mut conn).await.unwrap();
    }
}

/// The pages, each as every viewer sees it. Order 50 is p0's, distributed by d2.
const PAGES: [&str; 15] = [
    "/orders",
    "/orders?q=WO-100005",
    "/orders?q=Sub-10000505",
    "/orders/WO-1000050",
    "/subscriptions",
    "/subscriptions?q=Sub-10000505",
    "/subscriptions?q=Sub-1000",
    "/subscriptions?q=WO-100005",
    "/subscriptions?pending=1",
    "/subscriptions?closing_within=7",
    "/subscriptions?after=Sub-10005000",
    "/transactions",
    "/transactions?q=Sub-10000501",
    "/transactions?type=provisioning_email_resend",
    "/cases",
];
const VIEWERS: [&str; 3] = ["ops@v.example", "u@p0.example", "u@d2.example"];

/// Median milliseconds of each (viewer, page) on each server: the two sizes are timed in
/// turn, request by request, so that load on this shared machine falls on both alike.
async fn time_pages(bases: [&str; 2]) -> [Vec<f64>; 2] {
    let mut medians = [Vec::new(), Vec::new()];
    for viewer in VIEWERS {
        let clients = [
            support::sign_in(bases[0], viewer, PASSWORD).await.0,
            support::sign_in(bases[1], viewer, PASSWORD).await.0,
        ];
        for page in PAGES {
            let mut times = [Vec::new(), Vec::new()];
            for run in 0..RUNS + 3 {
                for size in 0..2 {
                    let started = Instant::now();
                    let response = clients[size].get(format!("{}{page}", bases[size])).send().await.unwrap();
                    let status = response.status();
                    let body = response.bytes().await.unwrap();
                    assert_eq!(status, 200, "{viewer} {page}");
                    assert!(!body.is_empty());
                    if run >= 3 {
                        times[size].push(started.elapsed().as_secs_f64() * 1000.0);
                    }
                }
            }
            for size in 0..2 {
                times[size].sort_by(f64::total_cmp);
                medians[size].push(times[size][RUNS / 2]);
            }
        }
    }
    medians
}

struct Import {
    took: Duration,
    rss_kib: i64,
    bare_rows_per_s: f64,
}

/// Imports `lines` lines into the fresh database at `url` and times the bare insert there.
async fn build(engine: &str, url: &str, lines: usize, dir: &std::path::Path) -> Import {
    let now = Utc::now();
    let file = dir.join(format!("import-{lines}.json"));
    if !file.exists() {
        write_file(&file, lines, now);
    }
    run_provisio(url, &["migrate"]);
    let (took, rss_kib) = run_provisio(url, &["import", file.to_str().unwrap()]);
    let bare_rows_per_s = bare_insert(url, lines, now).await;
    let rate = lines as f64 / took.as_secs_f64();
    println!(
        "{engine}, {lines} lines: import {:.1} s = {rate:.0} lines/s, peak RSS {} MiB; bare insert {bare_rows_per_s:.0} rows/s; ratio {:.2}",
        took.as_secs_f64(),
        rss_kib / 1024,
        rate / bare_rows_per_s
    );
    history(url, lines, now).await;
    Import { took, rss_kib, bare_rows_per_s }
}

async fn engine(name: &str, urls: [String; 2], dir: &std::path::Path) {
    let small = build(name, &urls[0], SMALL, dir).await;
    let large = build(name, &urls[1], LARGE, dir).await;
    pages(name, &urls).await;
    for (lines, size) in [(SMALL, &small), (LARGE, &large)] {
        let rate = lines as f64 / size.took.as_secs_f64();
        println!(
            "{name} import of {lines} lines: {rate:.0} lines/s against a bare insert of {:.0} rows/s = {:.2} (goal ≥ 0.25); peak RSS {} MiB (goal ≤ 256)",
            size.bare_rows_per_s,
            rate / size.bare_rows_per_s,
            size.rss_kib / 1024
        );
    }
}

/// Times the pages on the two databases (small, large) and prints each ratio.
async fn pages(name: &str, urls: &[String; 2]) {
    // The pages are measured, not the scheduler: no reminders to queue.
    let quiet = [("PROVISIO_REMINDERS", "none")];
    let small = support::Server::start(&urls[0], &std::env::temp_dir(), &quiet).await;
    let large = support::Server::start(&urls[1], &std::env::temp_dir(), &quiet).await;
    let (small_base, large_base) = (small.base.clone(), large.base.clone());
    let [a, b] = time_pages([&small_base, &large_base]).await;
    println!("\n{name}: page medians (ms) at {SMALL} and {LARGE} lines, ratio (goal ≤ 1.5)");
    let mut worst: f64 = 0.0;
    for (v, viewer) in VIEWERS.iter().enumerate() {
        for (p, page) in PAGES.iter().enumerate() {
            let (a, b) = (a[v * PAGES.len() + p], b[v * PAGES.len() + p]);
            worst = worst.max(b / a);
            println!("  {viewer:<14} {page:<46} {a:>7.2} {b:>7.2}  {:.2}", b / a);
        }
    }
    println!("  worst ratio {worst:.2}");
}

#[tokio::main]
async fn main() {
    let only = std::env::args().skip(1).find(|a| a == "sqlite" || a == "postgres");
    // PROVISIO_SCALE_KEEP=1 keeps the databases (and SQLite files) to read plans on.
    let keep = std::env::var("PROVISIO_SCALE_KEEP").is_ok_and(|v| v == "1");
    let temp = tempfile::tempdir().unwrap();
    let dir = if keep { temp.keep() } else { temp.path().to_path_buf() };
    let dir = dir.as_path();
    // PROVISIO_SCALE_PAGES="SMALL_URL LARGE_URL" times the pages of two kept databases
    // again, without building new ones.
    if let Ok(kept) = std::env::var("PROVISIO_SCALE_PAGES") {
        let urls: Vec<String> = kept.split_whitespace().map(String::from).collect();
        let urls: [String; 2] = urls.try_into().expect("PROVISIO_SCALE_PAGES names two databases");
        pages("kept databases", &urls).await;
        return;
    }
    if only.as_deref() != Some("postgres") {
        let urls = [SMALL, LARGE].map(|n| support::sqlite_url(dir, &format!("scale-{n}.db")));
        engine("SQLite", urls.clone(), dir).await;
        if keep {
            println!("kept: {}", urls.join(" "));
        }
    }
    if only.as_deref() == Some("sqlite") {
        return;
    }
    let Some(mut postgres) = support::Postgres::connect().await else { return };
    // Without TLS on this host (see `support::Postgres::create`): with it, the short import
    // of 10,000 lines would pay sqlx's handshake and the bare insert's timing would not.
    let (small, small_url) = postgres.create(&format!("provisio_scale_{SMALL}")).await;
    let (large, large_url) = postgres.create(&format!("provisio_scale_{LARGE}")).await;
    let urls = [small_url, large_url];
    engine("PostgreSQL", urls.clone(), dir).await;
    if keep {
        println!("kept: {}", urls.join(" "));
        return;
    }
    postgres.drop_database(&small).await;
    postgres.drop_database(&large).await;
}
