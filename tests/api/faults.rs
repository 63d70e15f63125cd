//! Faults: dispatchers killed mid-delivery, edits racing onboarding, the database going
//! away while the portal serves. Real processes and real databases, both of them.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration as StdDuration, Instant};

use chrono::Utc;
use provisio::store::{ImportFile, Store};
use sqlx::Connection;

use crate::helpers::*;
use crate::smtp::SmtpServer;

// --- the crash test --------------------------------------------------------------------

const ORDERS: usize = 5;
const LINES_PER_ORDER: usize = 100;
const MESSAGES: usize = ORDERS * LINES_PER_ORDER;
const KILLS: usize = 20;

/// 5 orders × 100 lines whose requested start date is today, each line its own
/// recipient: 500 distinct provisioning emails.
fn crash_file() -> ImportFile {
    due_emails_file(ORDERS)
}

/// `orders` × 100 lines due today, each line its own recipient.
fn due_emails_file(orders: usize) -> ImportFile {
    let today = Utc::now().date_naive().to_string();
    let orders: Vec<serde_json::Value> = (0..orders)
        .map(|o| {
            let lines: Vec<serde_json::Value> = (0..LINES_PER_ORDER)
                .map(|l| {
                    serde_json::json!({"subscription": format!("Sub-C{o}-{l:03}"), "offer": "A-Flex", "rsd": today,
                                       "contact": recipient(o, l), "status": "awaiting", "email_sent_at": null})
                })
                .collect();
            serde_json::json!({"id": format!("WO-C{o}"), "partner": "crash", "created_by": "crash@crash.example",
                               "customer": format!("Customer {o}"), "lines": lines})
        })
        .collect();
    serde_json::from_value(serde_json::json!({
        "companies": [{"id": "crash", "name": "Crash Partner", "kind": "partner"}],
        "users": [{"email": "crash@crash.example", "name": "Crash User", "company": "crash", "can_edit": true}],
        "orders": orders,
    }))
    .expect("the crash file matches the import format")
}

fn recipient(order: usize, line: usize) -> String {
    format!("it{order}-{line:03}@customer.example")
}

/// A `provisio serve` child; killed (SIGKILL) and reaped when dropped, so a failing test
/// leaves no process behind.
struct Server {
    child: Child,
}

impl Server {
    fn start(database_url: &str, smtp_url: &str, cwd: &std::path::Path, log: &std::path::Path) -> Self {
        let log = std::fs::OpenOptions::new().create(true).append(true).open(log).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_provisio"))
            .args(["serve", "--bind", "127.0.0.1:0"])
            .current_dir(cwd)
            .env("DATABASE_URL", database_url)
            .env("PROVISIO_MFA", "none")
            .env("SMTP_URL", smtp_url)
            .env("PROVISIO_MAIL_LEASE", "2s")
            .env("PROVISIO_SHUTDOWN", "10s")
            .env("PROVISIO_LOG", "info,sqlx=error")
            .env_remove("PROVISIO_BIND")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("the binary starts");
        Self { child }
    }

    /// SIGKILL: no shutdown, no last write; then reaped.
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, as a deploy sends it; returns how long the process took to exit and
    /// whether it exited cleanly (it must within PROVISIO_SHUTDOWN, 10 s here).
    async fn terminate(&mut self) -> (StdDuration, bool) {
        let started = Instant::now();
        // SAFETY: kill(2) with the pid of our own child, which is not yet reaped.
        unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM) };
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return (started.elapsed(), status.success());
            }
            assert!(started.elapsed() < StdDuration::from_secs(15), "serve did not exit within 15 s of SIGTERM");
            tokio::time::sleep(StdDuration::from_millis(5)).await;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The messages claimed and not finished: (outbox id, lease token). After a kill these
/// are the only ones the mail server may have accepted without the outbox knowing.
async fn unfinished_leases(store: &Store, database_url: &str) -> Vec<(i64, String)> {
    const SQL: &str = "SELECT id, lease_token FROM outbox WHERE lease_token IS NOT NULL AND status = 'queued'";
    match store {
        Store::Postgres(pg) => sqlx::query_as(SQL).fetch_all(&pg.pool).await.unwrap(),
        Store::Sqlite(_) => {
            let mut c = sqlx::SqliteConnection::connect(database_url).await.unwrap();
            let rows = sqlx::query_as(SQL).fetch_all(&mut c).await.unwrap();
            c.close().await.unwrap();
            rows
        }
    }
}

async fn outbox_ids(store: &Store, database_url: &str) -> Vec<i64> {
    const SQL: &str = "SELECT id FROM outbox ORDER BY id";
    match store {
        Store::Postgres(pg) => sqlx::query_scalar(SQL).fetch_all(&pg.pool).await.unwrap(),
        Store::Sqlite(_) => {
            let mut c = sqlx::SqliteConnection::connect(database_url).await.unwrap();
            let ids = sqlx::query_scalar(SQL).fetch_all(&mut c).await.unwrap();
            c.close().await.unwrap();
            ids
        }
    }
}

/// The outbox id in a Message-ID `<provisioning-{id}@{domain}>`.
fn outbox_id_of(message_id: &str) -> i64 {
    let rest =
        message_id.trim_start_matches('<').strip_prefix("provisioning-").unwrap_or_else(|| panic!("{message_id}"));
    rest.split('@').next().unwrap().parse().unwrap_or_else(|_| panic!("{message_id}"))
}

/// Starts one last `serve` that finishes the work, and waits (60 s at most) until every one
/// of the `expected` messages is sent and none failed.
async fn finish_with_one_more(store: &Store, url: &str, smtp: &SmtpServer, cwd: &std::path::Path, expected: usize) {
    let log = cwd.join("serve.log");
    let show_log = || std::fs::read_to_string(&log).unwrap_or_default();
    let server = Server::start(url, &smtp.url(), cwd, &log);
    let deadline = Instant::now() + StdDuration::from_secs(60);
    loop {
        let counts = store.email_counts().await.unwrap();
        if counts.queued == 0 {
            assert_eq!((counts.sent, counts.failed), (expected as i64, 0), "{}", show_log());
            break;
        }
        assert!(Instant::now() < deadline, "still queued after 60 s: {counts:?}\n{}", show_log());
        tokio::time::sleep(StdDuration::from_millis(100)).await;
    }
    drop(server);
}

/// What arrived: how many times each outbox id did, and the Message-IDs each recipient got.
type Arrivals = (BTreeMap<i64, usize>, HashMap<String, BTreeSet<String>>);

fn arrivals(received: &[crate::smtp::Received]) -> Arrivals {
    let mut copies: BTreeMap<i64, usize> = BTreeMap::new();
    let mut ids_of_recipient: HashMap<String, BTreeSet<String>> = HashMap::new();
    for message in received {
        let message_id = message.header("Message-ID").expect("every message has a Message-ID");
        *copies.entry(outbox_id_of(&message_id)).or_default() += 1;
        assert_eq!(message.to.len(), 1);
        ids_of_recipient.entry(message.to[0].clone()).or_default().insert(message_id);
    }
    (copies, ids_of_recipient)
}

async fn dispatchers_killed_mid_delivery_lose_nothing(backend: Backend) {
    let Some((store, url, _dir)) = fresh_store(backend).await else { return };
    store.import(&crash_file(), Utc::now()).await.unwrap();
    assert_eq!(store.enqueue_due_rsd_emails(Utc::now()).await.unwrap(), MESSAGES);
    let expected: BTreeSet<i64> = outbox_ids(&store, &url).await.into_iter().collect();
    assert_eq!(expected.len(), MESSAGES);

    let smtp = SmtpServer::start().await;
    let cwd = tempfile::tempdir().unwrap();
    let log = cwd.path().join("serve.log");
    // For each message, the distinct leases it was left in by a killed dispatcher: each is
    // one chance for the mail server to have it without the outbox knowing.
    let mut left_in_leases: HashMap<i64, BTreeSet<String>> = HashMap::new();
    let mut kills = 0;
    for round in 0..KILLS {
        let before = smtp.messages().len();
        let mut server = Server::start(&url, &smtp.url(), cwd.path(), &log);
        // Until this instance delivers something (it takes over the dead one's leases
        // after PROVISIO_MAIL_LEASE), at most a few seconds.
        let deadline = Instant::now() + StdDuration::from_secs(8);
        while smtp.messages().len() == before && Instant::now() < deadline {
            tokio::time::sleep(StdDuration::from_millis(2)).await;
        }
        // Kill at different points of a batch: at once, or a little later.
        tokio::time::sleep(StdDuration::from_millis((round as u64 % 4) * 25)).await;
        server.kill();
        kills += 1;
        for (id, lease) in unfinished_leases(&store, &url).await {
            left_in_leases.entry(id).or_default().insert(lease);
        }
        if store.email_counts().await.unwrap().queued == 0 {
            break;
        }
    }

    // One last instance finishes the work.
    finish_with_one_more(&store, &url, &smtp, cwd.path(), MESSAGES).await;
    let received = smtp.messages();
    let (copies, ids_of_recipient) = arrivals(&received);
    let arrived: BTreeSet<i64> = copies.keys().copied().collect();
    assert_eq!(arrived, expected, "every one of the {MESSAGES} messages arrived, and no other");
    for o in 0..ORDERS {
        for l in 0..LINES_PER_ORDER {
            let ids = ids_of_recipient.get(&recipient(o, l)).map(BTreeSet::len).unwrap_or(0);
            assert_eq!(ids, 1, "{} got its email under exactly one Message-ID", recipient(o, l));
        }
    }
    assert_eq!(ids_of_recipient.len(), MESSAGES);
    let mut duplicated = 0;
    for (id, n) in &copies {
        let chances = left_in_leases.get(id).map(BTreeSet::len).unwrap_or(0);
        // At least once, and again only after a kill that left it claimed but unrecorded.
        assert!(*n <= 1 + chances, "message {id} arrived {n} times; a killed dispatcher held it {chances} times");
        assert!(*n - 1 < kills, "message {id} arrived {n} times in {kills} kills");
        if *n > 1 {
            duplicated += 1;
        }
    }
    println!(
        "{backend:?}: {kills} kills, {} deliveries of {MESSAGES} messages, {duplicated} messages delivered more \
         than once",
        received.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dispatchers_killed_mid_delivery_lose_nothing_sqlite() {
    dispatchers_killed_mid_delivery_lose_nothing(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dispatchers_killed_mid_delivery_lose_nothing_postgres() {
    dispatchers_killed_mid_delivery_lose_nothing(Backend::Postgres).await;
}

// --- restarts during delivery ------------------------------------------------------------

/// 300 first emails due at once, delivered by `provisio serve` while it is restarted.
const RESTART_ORDERS: usize = 3;
const RESTART_MESSAGES: usize = RESTART_ORDERS * LINES_PER_ORDER;
const RESTARTS: usize = 8;
/// The dispatcher's SMTP connections in `serve`: what may be on the wire at a kill.
const CONNECTIONS: usize = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Restart {
    /// SIGTERM: a deploy, `systemctl restart`.
    Graceful,
    /// SIGKILL: a crash, the OOM killer.
    Crash,
}

async fn scalar(store: &Store, database_url: &str, sql: &'static str) -> i64 {
    match store {
        Store::Postgres(pg) => sqlx::query_scalar(sql).fetch_one(&pg.pool).await.unwrap(),
        Store::Sqlite(_) => {
            let mut c = sqlx::SqliteConnection::connect(database_url).await.unwrap();
            let n = sqlx::query_scalar(sql).fetch_one(&mut c).await.unwrap();
            c.close().await.unwrap();
            n
        }
    }
}

/// Restarts `serve` eight times while it delivers 300 emails into a relay that takes
/// 40 ms to accept each: a graceful stop repeats nothing, a crash at most what was on the
/// connections; every message arrives under one Message-ID and every line ends accepted.
async fn restarts_during_delivery(backend: Backend, how: Restart) {
    let Some((store, url, _dir)) = fresh_store(backend).await else { return };
    store.import(&due_emails_file(RESTART_ORDERS), Utc::now()).await.unwrap();
    assert_eq!(store.enqueue_due_rsd_emails(Utc::now()).await.unwrap(), RESTART_MESSAGES);

    let smtp = SmtpServer::start().await;
    smtp.set_reply_delay(StdDuration::from_millis(40));
    let cwd = tempfile::tempdir().unwrap();
    let log = cwd.path().join("serve.log");
    let show_log = || std::fs::read_to_string(cwd.path().join("serve.log")).unwrap_or_default();
    let mut restarts = 0;
    for _ in 0..RESTARTS {
        let before = smtp.messages().len();
        let mut server = Server::start(&url, &smtp.url(), cwd.path(), &log);
        // Stop it in the middle of its work: once it has delivered a few messages.
        let deadline = Instant::now() + StdDuration::from_secs(15);
        while smtp.messages().len() < before + 12 && Instant::now() < deadline {
            tokio::time::sleep(StdDuration::from_millis(2)).await;
        }
        assert!(smtp.messages().len() > before, "no delivery within 15 s\n{}", show_log());
        match how {
            Restart::Graceful => {
                let (took, clean) = server.terminate().await;
                assert!(clean, "serve exits 0 after SIGTERM\n{}", show_log());
                assert!(took < StdDuration::from_secs(10), "stopped within PROVISIO_SHUTDOWN: {took:?}");
                // Nothing it claimed is left held: what it did not start it gave back.
                let held = unfinished_leases(&store, &url).await;
                assert!(held.is_empty(), "a graceful stop left {} messages claimed", held.len());
            }
            Restart::Crash => server.kill(),
        }
        restarts += 1;
        if store.email_counts().await.unwrap().queued == 0 {
            break;
        }
    }
    assert_eq!(restarts, RESTARTS, "all {RESTARTS} restarts came while emails were still queued");

    finish_with_one_more(&store, &url, &smtp, cwd.path(), RESTART_MESSAGES).await;
    let received = smtp.messages();
    let (copies, ids_of_recipient) = arrivals(&received);
    assert_eq!(copies.len(), RESTART_MESSAGES, "every message arrived");
    assert_eq!(ids_of_recipient.len(), RESTART_MESSAGES);
    assert!(ids_of_recipient.values().all(|ids| ids.len() == 1), "one Message-ID per recipient");
    let not_accepted = scalar(
        &store,
        &url,
        "SELECT COUNT(*) FROM lines WHERE subscription_id LIKE 'Sub-C%' AND last_email_at IS NULL",
    )
    .await;
    assert_eq!(not_accepted, 0, "every line records its email as accepted");
    let repeated: usize = copies.values().map(|n| n - 1).sum();
    println!(
        "{backend:?}, {restarts} restarts by {how:?}: {} deliveries of {RESTART_MESSAGES} messages, {repeated} repeated",
        received.len()
    );
    match how {
        Restart::Graceful => assert_eq!(repeated, 0, "a graceful stop repeats no delivery"),
        Restart::Crash => assert!(
            repeated <= CONNECTIONS * restarts,
            "{repeated} repeated deliveries after {restarts} kills: more than the {CONNECTIONS} connections' worth each"
        ),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_restarts_during_delivery_repeat_nothing_sqlite() {
    restarts_during_delivery(Backend::Sqlite, Restart::Graceful).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_restarts_during_delivery_repeat_nothing_postgres() {
    restarts_during_delivery(Backend::Postgres, Restart::Graceful).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crashes_during_delivery_repeat_at_most_the_messages_in_flight_sqlite() {
    restarts_during_delivery(Backend::Sqlite, Restart::Crash).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crashes_during_delivery_repeat_at_most_the_messages_in_flight_postgres() {
    restarts_during_delivery(Backend::Postgres, Restart::Crash).await;
}

// --- edits racing onboarding -----------------------------------------------------------

const RACE_ORDER: &str = "WO-RACE";
const RACE_LINES: [&str; 4] = ["Sub-R-1", "Sub-R-2", "Sub-R-3", "Sub-R-4"];
const EDITS: usize = 1000;
const IN_FLIGHT: usize = 50;
/// The onboarding starts once this many edits were answered.
const ONBOARD_AFTER: usize = 300;

/// The fixture and WO-RACE (acme, created by editor@acme): four lines awaiting set-up,
/// two whose first email went out (an edit emails the new contact) and two not yet.
fn race_file() -> ImportFile {
    let now = Utc::now();
    let mut file = fixture(now);
    let sent = (now - chrono::Duration::days(1)).to_rfc3339();
    let lines: Vec<serde_json::Value> = RACE_LINES
        .iter()
        .enumerate()
        .map(|(i, sub)| {
            let (rsd, email_sent_at) = if i < 2 {
                ((now - chrono::Duration::days(1)).date_naive(), serde_json::json!(sent))
            } else {
                ((now + chrono::Duration::days(5)).date_naive(), serde_json::Value::Null)
            };
            serde_json::json!({"subscription": sub, "offer": "Webex Calling", "rsd": rsd.to_string(),
                               "contact": "start@race.example", "status": "awaiting", "email_sent_at": email_sent_at})
        })
        .collect();
    file.orders.push(
        serde_json::from_value(serde_json::json!({"id": RACE_ORDER, "partner": "acme",
            "created_by": "editor@acme.example", "customer": "Race Corp", "lines": lines}))
        .unwrap(),
    );
    file
}

fn race_email(i: usize) -> String {
    format!("race{i}@race.example")
}

/// What one edit request was and how it was answered.
struct Answered {
    email: String,
    line: &'static str,
    apply_to_all: bool,
    started: Instant,
    done: bool,
}

async fn run_binary(database_url: &str, args: &[&str]) -> std::process::Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_provisio"));
    command.args(args).env("DATABASE_URL", database_url).env("PROVISIO_MFA", "none").env_remove("PROVISIO_BIND");
    tokio::task::spawn_blocking(move || command.output().expect("the binary runs")).await.unwrap()
}

async fn edits_racing_onboarding_never_commit_after_ponr(backend: Backend) {
    let loose = provisio::config::SendLimit { per_hour: 100_000, per_day: 100_000 };
    let Some(app) = TestApp::spawn_with(backend, |c| c.mail.limit = loose).await else { return };
    app.store.import(&race_file(), Utc::now()).await.unwrap();
    let user = Arc::new(app.login("editor@acme.example").await);
    let answered_count = Arc::new(AtomicUsize::new(0));
    let semaphore = Arc::new(tokio::sync::Semaphore::new(IN_FLIGHT));

    let database_url = app.database_url.clone();
    let counter = answered_count.clone();
    let store = app.store.clone();
    let onboarding = tokio::spawn(async move {
        while counter.load(Ordering::SeqCst) < ONBOARD_AFTER {
            tokio::time::sleep(StdDuration::from_millis(1)).await;
        }
        let started = Instant::now();
        let output = run_binary(&database_url, &["onboard", RACE_ORDER]).await;
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let returned = Instant::now();
        // What had committed when PONR was recorded; nothing may commit after.
        let mut committed = 0;
        for sub in RACE_LINES {
            committed += store.line_transactions(sub).await.unwrap().len();
        }
        (started, returned, committed)
    });

    let mut requests = tokio::task::JoinSet::new();
    for i in 0..EDITS {
        let permit = semaphore.clone().acquire_owned().await.unwrap();
        let (user, counter) = (user.clone(), answered_count.clone());
        requests.spawn(async move {
            let line = RACE_LINES[i % RACE_LINES.len()];
            let apply_to_all = i % 3 == 0;
            let email = race_email(i);
            let mut fields = vec![("email", email.as_str())];
            if apply_to_all {
                fields.push(("apply_to_all", "on"));
            }
            let started = Instant::now();
            let response = user.post(&format!("/orders/{RACE_ORDER}/lines/{line}/contact"), &fields).await;
            let status = response.status().as_u16();
            let body = response.text().await.unwrap();
            let done = match status {
                303 => true,
                409 => {
                    assert!(body.contains(ADMIN_CONSOLE), "a 409 here is PONR, pointing to the admin console: {body}");
                    false
                }
                other => panic!("edit {i} answered {other}: {body}"),
            };
            counter.fetch_add(1, Ordering::SeqCst);
            drop(permit);
            Answered { email, line, apply_to_all, started, done }
        });
    }
    let mut answers = Vec::new();
    while let Some(answer) = requests.join_next().await {
        answers.push(answer.unwrap());
    }
    let (onboard_started, onboard_returned, committed_at_ponr) = onboarding.await.unwrap();
    let order = order_of(&app.store, RACE_ORDER).await.unwrap().unwrap();
    assert!(order.head.org_mapped_at.is_some(), "the onboarding recorded PONR");

    // Transactions are the record of what committed; every new address is unique, so each
    // belongs to exactly one request.
    let mut by_email: HashMap<String, Vec<&'static str>> = HashMap::new();
    let mut last_per_line: HashMap<String, (i64, String)> = HashMap::new();
    let mut total = 0;
    for sub in RACE_LINES {
        for tx in app.store.line_transactions(sub).await.unwrap() {
            assert_eq!(tx.kind, "provisioning_email_update");
            total += 1;
            let value = tx.new_value.clone().expect("an update has a new value");
            by_email.entry(value.clone()).or_default().push(sub);
            let last = last_per_line.entry(sub.to_string()).or_insert((tx.id, value.clone()));
            if tx.id > last.0 {
                *last = (tx.id, value);
            }
        }
    }
    let mut expected_total = 0;
    let (mut done, mut refused) = (0, 0);
    for answer in &answers {
        let recorded = by_email.get(&answer.email).cloned().unwrap_or_default();
        if answer.done {
            done += 1;
            let expected = if answer.apply_to_all { RACE_LINES.len() } else { 1 };
            assert_eq!(recorded.len(), expected, "{} answered done: one transaction per changed line", answer.email);
            assert!(recorded.contains(&answer.line));
            expected_total += expected;
        } else {
            refused += 1;
            assert!(recorded.is_empty(), "{} was refused but committed: {recorded:?}", answer.email);
            // Started after the onboarding had returned: it can only have been refused.
        }
        if answer.started > onboard_returned {
            assert!(!answer.done, "{} started after PONR was recorded, yet was done", answer.email);
        }
    }
    assert_eq!(total, expected_total, "no transaction without a request answered done");
    assert_eq!(total, committed_at_ponr, "no edit committed after the onboarding returned");
    assert!(done > 0 && refused > 0, "the onboarding fell among the edits: {done} done, {refused} refused");
    // Each line holds the value of its last committed transaction.
    for line in &order.lines {
        let (_, last) = &last_per_line[&line.subscription_id];
        assert_eq!(&line.contact, last, "{}", line.subscription_id);
    }
    // Once PONR is recorded, no edit goes through.
    let after = user
        .post(&format!("/orders/{RACE_ORDER}/lines/{}/contact", RACE_LINES[0]), &[("email", "late@race.example")])
        .await;
    assert_eq!(after.status(), 409);
    assert!(
        app.store
            .line_transactions(RACE_LINES[0])
            .await
            .unwrap()
            .iter()
            .all(|t| t.new_value.as_deref() != Some("late@race.example"))
    );
    println!(
        "{backend:?}: {done} edits done, {refused} refused with PONR; onboarding ran {:?}",
        onboard_returned - onboard_started
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_racing_onboarding_never_commit_after_ponr_sqlite() {
    edits_racing_onboarding_never_commit_after_ponr(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_racing_onboarding_never_commit_after_ponr_postgres() {
    edits_racing_onboarding_never_commit_after_ponr(Backend::Postgres).await;
}

// --- the database going away ------------------------------------------------------------

const UNAVAILABLE: &str = "The database is unavailable";

/// The PostgreSQL server the tests create their databases on.
fn postgres_admin_url() -> String {
    std::env::var("PROVISIO_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string())
}

/// The application's database as the application sees it: refusing new connections, and
/// every open one cut; or back.
async fn set_database_reachable(admin: &mut sqlx::PgConnection, database: &str, reachable: bool) {
    sqlx::query(sqlx::AssertSqlSafe(format!("ALTER DATABASE {database} ALLOW_CONNECTIONS {reachable}")))
        .execute(&mut *admin)
        .await
        .unwrap();
    if !reachable {
        sqlx::query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
        )
        .bind(database)
        .execute(&mut *admin)
        .await
        .unwrap();
    }
}

const SIGNED_IN_PAGES: [&str; 6] = [
    "/orders",
    "/orders/WO-1001",
    "/orders/WO-1001/lines/Sub-1001-1/contact",
    "/orders/WO-1001/lines/Sub-1001-1/history",
    "/subscriptions",
    "/transactions",
];

#[tokio::test]
async fn a_postgres_outage_answers_503_changes_nothing_and_recovers_without_a_restart() {
    let Some(app) = TestApp::spawn(Backend::Postgres).await else { return };
    let user = app.login("editor@acme.example").await;
    let mut admin = sqlx::PgConnection::connect(&postgres_admin_url()).await.unwrap();
    let database = app.database_url.rsplit('/').next().unwrap().to_string();
    for page in SIGNED_IN_PAGES {
        assert_eq!(user.get(page).await.status(), 200, "{page} before the outage");
    }
    let contact_before =
        order_of(&app.store, "WO-1001").await.unwrap().unwrap().line("Sub-1001-1").unwrap().contact.clone();
    let transactions_before = app.store.line_transactions("Sub-1001-1").await.unwrap().len();

    set_database_reachable(&mut admin, &database, false).await;
    let outage = async {
        for page in SIGNED_IN_PAGES {
            let response = user.get(page).await;
            assert_eq!(response.status(), 503, "{page} during the outage");
            assert!(response.headers().contains_key("retry-after"), "{page}");
            assert!(response.headers().contains_key("content-security-policy"), "{page}: the security headers");
            let body = response.text().await.unwrap();
            assert!(body.contains(UNAVAILABLE) && body.contains("Nothing was changed"), "{page}: {body}");
            assert_eq!(user.get_htmx(page).await.status(), 503, "{page} (htmx) during the outage");
        }
        let korean = user.client.get(format!("{}/orders", app.address)).header("Accept-Language", "ko").send().await;
        assert!(
            korean.unwrap().text().await.unwrap().contains("데이터베이스를 사용할 수 없습니다"),
            "in the reader's language"
        );
        assert_eq!(app.healthz().await, 503);
        let edit = "/orders/WO-1001/lines/Sub-1001-1/contact";
        let plain = user.post(edit, &[("email", "outage@globex.example"), ("apply_to_all", "on")]).await;
        assert_eq!(plain.status(), 503);
        assert!(plain.text().await.unwrap().contains(UNAVAILABLE));
        assert_eq!(user.post_htmx(edit, &[("email", "outage@globex.example")]).await.status(), 503);
        // Signing in needs the database too: 503, not 500.
        let mut visitor = app.client();
        let signing_in = visitor.sign_in("editor@acme.example", PASSWORD, "").await;
        assert_eq!(signing_in.status(), 503);
        assert_eq!(signing_in.headers().get("x-frame-options").unwrap(), "DENY", "the security headers");
    };
    // Whatever happened above, the database comes back for the other tests.
    let result = futures_util::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(outage)).await;
    set_database_reachable(&mut admin, &database, true).await;
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }

    // Back without a restart: the pool connects again on the next request.
    assert_eq!(app.healthz().await, 200);
    for page in SIGNED_IN_PAGES {
        assert_eq!(user.get(page).await.status(), 200, "{page} after the outage");
    }
    let order = order_of(&app.store, "WO-1001").await.unwrap().unwrap();
    assert_eq!(order.line("Sub-1001-1").unwrap().contact, contact_before, "the edit during the outage changed nothing");
    assert_eq!(order.line("Sub-1001-2").unwrap().contact, contact_before);
    assert_eq!(app.store.line_transactions("Sub-1001-1").await.unwrap().len(), transactions_before);
    let edit = user.post("/orders/WO-1001/lines/Sub-1001-1/contact", &[("email", "after@globex.example")]).await;
    assert_eq!(edit.status(), 303, "edits work again");
}
