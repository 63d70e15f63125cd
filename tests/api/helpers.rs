//! Black-box test harness: the real application on port 0 with a fresh database each
//! (a SQLite file in a temporary folder, or a new PostgreSQL database).

use std::sync::Once;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{DateTime, Duration, Utc};
use provisio::config::Config;
use provisio::startup::Application;
use provisio::store::{ImportFile, Store};
use reqwest::header::HeaderMap;
use scraper::{Html, Selector};
use sqlx::Connection;

pub const PASSWORD: &str = "correct horse battery";
pub const ADMIN_CONSOLE: &str = "https://admin.console.test";
pub const WEBHOOK_SECRET: &str = "test-webhook-secret-0123456789";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs the test body once on SQLite and once on PostgreSQL, with an in-process SMTP
/// server that the application sends to.
#[macro_export]
macro_rules! on_both_with_smtp {
    ($name:ident, |$app:ident, $smtp:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            async fn run(backend: $crate::helpers::Backend) {
                let $smtp = $crate::smtp::SmtpServer::start().await;
                let url = $smtp.url();
                let Some($app) = $crate::helpers::TestApp::spawn_with(backend, |c| {
                    c.mail.smtp = Some(provisio::config::SmtpUrl::parse(&url).unwrap());
                })
                .await
                else {
                    return;
                };
                $body
            }
            #[tokio::test]
            async fn sqlite() {
                run($crate::helpers::Backend::Sqlite).await
            }
            #[tokio::test]
            async fn postgres() {
                run($crate::helpers::Backend::Postgres).await
            }
        }
    };
}

/// The SQLite and PostgreSQL tests of a module whose `run(backend)` sets up its own
/// database (an empty one, a migration's state, a tweaked configuration).
#[macro_export]
macro_rules! tests_on_both_backends {
    ($run:ident) => {
        #[tokio::test]
        async fn sqlite() {
            $run($crate::helpers::Backend::Sqlite).await
        }
        #[tokio::test]
        async fn postgres() {
            $run($crate::helpers::Backend::Postgres).await
        }
    };
}

/// Runs the test body once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! on_both {
    ($name:ident, |$app:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test]
            async fn sqlite() {
                let Some($app) = $crate::helpers::TestApp::spawn($crate::helpers::Backend::Sqlite).await else {
                    return;
                };
                $body
            }
            #[tokio::test]
            async fn postgres() {
                let Some($app) = $crate::helpers::TestApp::spawn($crate::helpers::Backend::Postgres).await else {
                    return;
                };
                $body
            }
        }
    };
}

/// A store on a fresh database, or None (with the reason printed) when PostgreSQL is not
/// reachable outside CI. Under CI=true a missing PostgreSQL fails the test.
pub async fn fresh_store(backend: Backend) -> Option<(Store, String, Option<tempfile::TempDir>)> {
    let (url, dir) = empty_database(backend).await?;
    let store = Store::connect(&url).await.expect("the database opens");
    Some((store, url, dir))
}

/// The URL of a new, empty database (no migrations applied): a SQLite file in a temporary
/// folder, or a new PostgreSQL database; None as for [`fresh_store`].
pub async fn empty_database(backend: Backend) -> Option<(String, Option<tempfile::TempDir>)> {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("a temporary folder");
            let url = format!("sqlite://{}", dir.path().join("provisio.db").display());
            Some((url, Some(dir)))
        }
        Backend::Postgres => {
            let admin_url = std::env::var("PROVISIO_TEST_POSTGRES")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string());
            let mut admin = match sqlx::PgConnection::connect(&admin_url).await {
                Ok(c) => c,
                Err(e) => {
                    if std::env::var("CI").is_ok_and(|v| v == "true") {
                        panic!("CI=true but PostgreSQL at {admin_url} is not reachable: {e}");
                    }
                    skip_notice(&format!("PostgreSQL tests: no PostgreSQL at {admin_url} ({e})"));
                    return None;
                }
            };
            drop_stale_databases(&mut admin).await;
            static COUNTER: AtomicUsize = AtomicUsize::new(0);
            let name = format!(
                "provisio_test_{}_{}_{}",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::SeqCst),
                rand_suffix()
            );
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&mut admin)
                .await
                .expect("create a test database");
            let base = admin_url.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin_url);
            Some((format!("{base}/{name}"), None))
        }
    }
}

/// Runs one statement on the test's database directly, beside the application (to set
/// up what no route does, such as a clock moved on); `bind` adds its parameters.
pub async fn execute_directly(database_url: &str, statement: &'static str, bind: impl FnOnce(Binds) -> Binds) -> u64 {
    let Binds(values) = bind(Binds::default());
    // The same parameters onto a query of either database.
    macro_rules! bound {
        ($query:expr) => {{
            let mut query = $query;
            for v in values {
                query = match v {
                    Bind::Text(t) => query.bind(t),
                    Bind::Int(i) => query.bind(i),
                    Bind::Bool(b) => query.bind(b),
                    Bind::Time(t) => query.bind(t),
                };
            }
            query
        }};
    }
    if database_url.starts_with("postgres") {
        let mut conn = sqlx::PgConnection::connect(database_url).await.expect("PostgreSQL connects");
        bound!(sqlx::query(statement)).execute(&mut conn).await.expect(statement).rows_affected()
    } else {
        let mut conn = sqlx::SqliteConnection::connect(database_url).await.expect("SQLite connects");
        bound!(sqlx::query(statement)).execute(&mut conn).await.expect(statement).rows_affected()
    }
}

/// The parameters of [`execute_directly`], in order.
#[derive(Default)]
pub struct Binds(Vec<Bind>);

pub enum Bind {
    Text(String),
    Int(i64),
    Bool(bool),
    Time(DateTime<Utc>),
}

impl Binds {
    pub fn text(mut self, v: impl Into<String>) -> Self {
        self.0.push(Bind::Text(v.into()));
        self
    }
    pub fn int(mut self, v: i64) -> Self {
        self.0.push(Bind::Int(v));
        self
    }
    pub fn bool(mut self, v: bool) -> Self {
        self.0.push(Bind::Bool(v));
        self
    }
    pub fn time(mut self, v: DateTime<Utc>) -> Self {
        self.0.push(Bind::Time(v));
        self
    }
}

/// Warnings and errors of the application go to the test's output (shown when it fails).
fn init_logs() {
    let _ = tracing_subscriber::fmt()
        .with_test_writer()
        .with_env_filter(tracing_subscriber::EnvFilter::new("warn,sqlx=error"))
        .try_init();
}

/// Says once per reason why tests are skipped. Written straight to stderr: the test
/// harness captures `eprintln!` of passing tests, and a skip must not go unseen.
pub fn skip_notice(reason: &str) {
    use std::collections::HashSet;
    use std::io::Write;
    use std::sync::Mutex;
    static SAID: Mutex<Option<HashSet<String>>> = Mutex::new(None);
    let mut said = SAID.lock().unwrap();
    if said.get_or_insert_with(HashSet::new).insert(reason.to_string()) {
        let _ = writeln!(std::io::stderr(), "SKIPPED {reason}; set CI=true to make this a failure");
    }
}

fn rand_suffix() -> String {
    format!("{:08x}", std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos())
}

/// Test databases of processes that are gone (a crashed or earlier run) are dropped once
/// per process, so a developer's PostgreSQL does not fill up.
async fn drop_stale_databases(admin: &mut sqlx::PgConnection) {
    static ONCE: Once = Once::new();
    let mut first = false;
    ONCE.call_once(|| first = true);
    if !first {
        return;
    }
    let names: Vec<String> =
        sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE 'provisio\\_test\\_%'")
            .fetch_all(&mut *admin)
            .await
            .unwrap_or_default();
    for name in names {
        let pid = name.split('_').nth(2).and_then(|p| p.parse::<u32>().ok());
        let alive = pid.is_some_and(|pid| std::path::Path::new(&format!("/proc/{pid}")).exists());
        if !alive {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
                .execute(&mut *admin)
                .await;
        }
    }
}

/// The configuration of a test instance: port 0, fast retries, the file mailbox in a
/// temporary folder unless an SMTP URL is given.
pub fn test_config(database_url: &str, smtp: Option<&str>) -> Config {
    let mut mail = provisio::config::MailConfig::file_mailbox();
    mail.smtp = smtp.map(|u| provisio::config::SmtpUrl::parse(u).unwrap());
    mail.retry_base = std::time::Duration::from_millis(200);
    mail.max_attempts = 6;
    mail.mailbox = std::env::temp_dir().join(format!("provisio-mail-{}", rand_suffix()));
    let mut config = Config::from_env(|_| None, None).expect("the defaults are valid");
    config.database_url = database_url.to_string();
    config.bind = "127.0.0.1:0".parse().unwrap();
    config.public_url = format!("http://{}", config.bind);
    config.admin_console_url = ADMIN_CONSOLE.to_string();
    config.mail = mail;
    config.webhook_secret = Some(WEBHOOK_SECRET.to_string());
    // Tests that are not about strong sign-in sign operators and admins in with a password
    // alone; tests/api/mfa.rs sets the policy it tests (the default is operators,admins).
    config.mfa = provisio::domain::MfaPolicy::NONE;
    config
}

pub struct TestApp {
    pub address: String,
    pub store: Store,
    pub database_url: String,
    pub config: Config,
    _dir: Option<tempfile::TempDir>,
}

impl TestApp {
    /// The application with the standard fixture loaded.
    pub async fn spawn(backend: Backend) -> Option<Self> {
        let app = Self::spawn_empty(backend).await?;
        app.store.import(&fixture(Utc::now()), Utc::now()).await.expect("the fixture imports");
        Some(app)
    }

    /// The application with the fixture, sending its email to `smtp_url`, with `tweak`
    /// applied to the configuration.
    pub async fn spawn_with(backend: Backend, tweak: impl FnOnce(&mut Config)) -> Option<Self> {
        init_logs();
        let (store, database_url, dir) = fresh_store(backend).await?;
        store.import(&fixture(Utc::now()), Utc::now()).await.expect("the fixture imports");
        let mut config = test_config(&database_url, None);
        tweak(&mut config);
        Self::serve(store, config, dir).await
    }

    pub async fn spawn_empty(backend: Backend) -> Option<Self> {
        init_logs();
        let (store, database_url, dir) = fresh_store(backend).await?;
        let config = test_config(&database_url, None);
        Self::serve(store, config, dir).await
    }

    async fn serve(store: Store, config: Config, dir: Option<tempfile::TempDir>) -> Option<Self> {
        let database_url = config.database_url.clone();
        let app = Application::build(config.clone(), store.clone()).await.expect("the app builds");
        let address = format!("http://127.0.0.1:{}", app.port());
        tokio::spawn(app.run_until_stopped());
        Some(Self { address, store, database_url, config, _dir: dir })
    }

    /// A browser-like client with its own cookie jar that does not follow redirects.
    pub fn client(&self) -> User {
        let client =
            reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
        User { client, base: self.address.clone(), csrf: String::new(), cookie: None }
    }

    /// Waits until the outbox holds nothing queued: every message is sent (the SMTP server
    /// has it) or failed, so nothing more arrives. The positive signal that "nothing more
    /// arrives" assertions wait for, instead of sleeping. Fails after thirty seconds (a loaded CI machine).
    pub async fn outbox_settled(&self) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let counts = self.store.email_counts().await.expect("the outbox counts");
            if counts.queued == 0 {
                return;
            }
            assert!(std::time::Instant::now() < deadline, "the outbox did not settle: {counts:?}");
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// The message of the file mailbox that contains `needle`, once the outbox has settled
    /// (the dispatcher writes a message before it records it sent).
    pub async fn mailbox_message(&self, needle: &str) -> String {
        self.outbox_settled().await;
        std::fs::read_dir(&self.config.mail.mailbox)
            .ok()
            .and_then(|dir| {
                dir.filter_map(Result::ok)
                    .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
                    .find(|d| d.contains(needle))
            })
            .unwrap_or_else(|| panic!("no message in the mailbox contains {needle}"))
    }

    /// The transactions of a line once none is in progress any more (the dispatcher runs
    /// in the background), newest first. Fails after thirty seconds (a loaded CI machine).
    pub async fn settled_transactions(&self, subscription_id: &str) -> Vec<provisio::store::TransactionRecord> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let txs = self.store.line_transactions(subscription_id).await.unwrap();
            if txs.iter().all(|t| t.status != "in_progress") {
                return txs;
            }
            assert!(std::time::Instant::now() < deadline, "transactions still in progress: {txs:#?}");
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    pub async fn healthz(&self) -> u16 {
        reqwest::get(format!("{}/healthz", self.address)).await.unwrap().status().as_u16()
    }

    /// A signed-in user with the CSRF token of their session.
    pub async fn login(&self, email: &str) -> User {
        let mut user = self.client();
        let response = user.sign_in(email, PASSWORD, "").await;
        assert_eq!(response.status(), 303, "sign-in of {email}");
        user.cookie =
            response.headers().get("set-cookie").map(|v| v.to_str().unwrap().split(';').next().unwrap().to_string());
        assert!(user.cookie.is_some(), "sign-in sets the session cookie");
        user.refresh_csrf().await;
        user
    }
}

pub struct User {
    pub client: reqwest::Client,
    pub base: String,
    pub csrf: String,
    /// The session cookie (`name=value`) set at sign-in.
    pub cookie: Option<String>,
}

impl User {
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(format!("{}{path}", self.base)).send().await.unwrap()
    }

    pub async fn get_htmx(&self, path: &str) -> reqwest::Response {
        self.client.get(format!("{}{path}", self.base)).header("HX-Request", "true").send().await.unwrap()
    }

    pub async fn get_html(&self, path: &str) -> String {
        let response = self.get(path).await;
        assert_eq!(response.status(), 200, "GET {path}");
        response.text().await.unwrap()
    }

    /// Posts a form with this session's CSRF token added.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        form.push(("csrf_token", &self.csrf));
        self.client.post(format!("{}{path}", self.base)).form(&form).send().await.unwrap()
    }

    pub async fn post_htmx(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(format!("{}{path}", self.base))
            .header("HX-Request", "true")
            .header("X-CSRF-Token", &self.csrf)
            .form(fields)
            .send()
            .await
            .unwrap()
    }

    pub async fn post_without_csrf(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.client.post(format!("{}{path}", self.base)).form(fields).send().await.unwrap()
    }

    pub async fn sign_in(&mut self, email: &str, password: &str, next: &str) -> reqwest::Response {
        let page = self.get("/login").await.text().await.unwrap();
        let token = csrf_token(&page);
        self.client
            .post(format!("{}/login", self.base))
            .form(&[("email", email), ("password", password), ("next", next), ("csrf_token", &token)])
            .send()
            .await
            .unwrap()
    }

    pub async fn refresh_csrf(&mut self) {
        let page = self.get_html("/orders").await;
        self.csrf = csrf_token(&page);
    }
}

pub fn csrf_token(html: &str) -> String {
    let doc = Html::parse_document(html);
    let sel = Selector::parse("input[name=csrf_token]").unwrap();
    doc.select(&sel).next().and_then(|e| e.value().attr("value")).expect("the page has a CSRF token").to_string()
}

pub fn location(headers: &HeaderMap) -> String {
    headers.get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string()
}

/// The text of the row carrying `data-subscription="{id}"`, or None.
pub fn row(html: &str, subscription_id: &str) -> Option<(String, String)> {
    // Rows of an htmx answer stand outside a table; an HTML parser drops such rows.
    let wrapped;
    let html = if html.contains("<table") {
        html
    } else {
        wrapped = format!("<table>{}</table>", html.replace("<template>", "").replace("</template>", ""));
        &wrapped
    };
    let doc = Html::parse_document(html);
    let sel = Selector::parse(&format!("tr[data-subscription=\"{subscription_id}\"]")).unwrap();
    doc.select(&sel).next().map(|e| {
        let text = e.text().collect::<Vec<_>>().join(" ");
        (e.value().attr("data-status").unwrap_or_default().to_string(), text)
    })
}

pub fn count(html: &str, selector: &str) -> usize {
    let wrapped;
    let html = if html.contains("<table") || !html.contains("<tr") {
        html
    } else {
        wrapped = format!("<table>{}</table>", html.replace("<template>", "").replace("</template>", ""));
        &wrapped
    };
    let doc = Html::parse_document(html);
    doc.select(&Selector::parse(selector).unwrap()).count()
}

/// The fixture: every case of docs/product.md rules 2, 3, 4 and 7.
///
/// - WO-1001 (partner acme, distributor north, created by creator@acme): Sub-1001-1 and
///   Sub-1001-2 awaiting, Sub-1001-3 closed.
/// - WO-1002 (acme, PONR reached): Sub-1002-1 awaiting.
/// - WO-1003 (acme, direct): Sub-1003-1 awaiting, Sub-1003-2 complete.
/// - WO-2001 (partner other): Sub-2001-1 awaiting.
pub fn fixture(now: DateTime<Utc>) -> ImportFile {
    let day = |d: i64| (now + Duration::days(d)).date_naive();
    let at = |d: i64| now + Duration::days(d);
    let json = serde_json::json!({
        "companies": [
            {"id": "acme", "name": "Acme Networks", "kind": "partner", "language": "en"},
            {"id": "north", "name": "North Distribution", "kind": "distributor"},
            {"id": "other", "name": "Other Partner", "kind": "partner"},
            {"id": "vendor", "name": "Vendor Ops", "kind": "vendor"}
        ],
        "users": [
            {"email": "creator@acme.example", "name": "Cora Creator", "company": "acme", "password": PASSWORD, "can_edit": false},
            {"email": "editor@acme.example", "name": "Eddie Editor", "company": "acme", "password": PASSWORD, "can_edit": true},
            {"email": "viewer@acme.example", "name": "Vera Viewer", "company": "acme", "password": PASSWORD, "can_edit": false},
            {"email": "dist@north.example", "name": "Dina Dist", "company": "north", "password": PASSWORD, "can_edit": true},
            {"email": "distview@north.example", "name": "Dan Distview", "company": "north", "password": PASSWORD},
            {"email": "stranger@other.example", "name": "Sam Stranger", "company": "other", "password": PASSWORD, "can_edit": true},
            {"email": "ops@vendor.example", "name": "Olga Ops", "company": "vendor", "password": PASSWORD, "operator": true}
        ],
        "orders": [
            {"id": "WO-1001", "partner": "acme", "distributor": "north", "created_by": "creator@acme.example",
             "customer": "Globex", "lines": [
                {"subscription": "Sub-1001-1", "offer": "A-Flex", "rsd": day(-2), "contact": "old@globex.example", "status": "awaiting", "email_sent_at": at(-2)},
                {"subscription": "Sub-1001-2", "offer": "Webex Meetings", "rsd": day(-2), "contact": "old@globex.example", "status": "awaiting", "email_sent_at": at(-2)},
                {"subscription": "Sub-1001-3", "offer": "A-Flex-3", "rsd": day(-20), "contact": "old@globex.example", "status": "closed", "email_sent_at": at(-20)}
             ]},
            {"id": "WO-1002", "partner": "acme", "created_by": "creator@acme.example", "customer": "Umbrella",
             "org_mapped_at": at(-1), "lines": [
                {"subscription": "Sub-1002-1", "offer": "A-Flex", "rsd": day(-3), "contact": "it@umbrella.example", "status": "awaiting", "email_sent_at": at(-3)}
             ]},
            {"id": "WO-1003", "partner": "acme", "created_by": "editor@acme.example", "customer": "Stark",
             "lines": [
                {"subscription": "Sub-1003-1", "offer": "Webex Calling", "rsd": day(4), "contact": "it@stark.example", "status": "awaiting"},
                {"subscription": "Sub-1003-2", "offer": "Webex Calling", "rsd": day(-40), "contact": "it@stark.example", "status": "complete", "email_sent_at": at(-40)}
             ]},
            {"id": "WO-2001", "partner": "other", "created_by": "stranger@other.example", "customer": "Hooli",
             "lines": [
                {"subscription": "Sub-2001-1", "offer": "A-Flex", "rsd": day(-1), "contact": "it@hooli.example", "status": "awaiting", "email_sent_at": at(-1)}
             ]}
        ]
    });
    serde_json::from_value(json).expect("the fixture matches the import format")
}

/// An order's head with every one of its lines, for tests to look at.
pub struct OrderView {
    pub head: provisio::store::OrderHead,
    pub lines: Vec<provisio::store::LineRecord>,
}

impl OrderView {
    pub fn parties(&self) -> provisio::domain::OrderParties {
        self.head.parties()
    }

    pub fn line(&self, subscription_id: &str) -> Option<&provisio::store::LineRecord> {
        self.lines.iter().find(|l| l.subscription_id == subscription_id)
    }
}

/// The order and all its lines (the store serves them a page at a time; a test reads them all).
pub async fn order_of(store: &Store, order_id: &str) -> sqlx::Result<Option<OrderView>> {
    let Some(head) = store.order_head(order_id).await? else { return Ok(None) };
    let page = provisio::store::LinePage { q: None, after: None, limit: i64::MAX };
    let lines = store.order_lines(order_id, &page).await?;
    Ok(Some(OrderView { head, lines }))
}

/// Direct reads and writes of the test's database, for what no page shows (how many rows a
/// table holds) and for moving a recorded time into the past instead of waiting for it.
impl TestApp {
    /// `sql` must answer one BIGINT; `$1` is `id`.
    pub async fn db_count(&self, sql: &'static str, id: i64) -> i64 {
        if self.store.is_postgres() {
            let mut c = sqlx::PgConnection::connect(&self.database_url).await.unwrap();
            sqlx::query_scalar(sql).bind(id).fetch_one(&mut c).await.unwrap()
        } else {
            let mut c = sqlx::SqliteConnection::connect(&self.database_url).await.unwrap();
            sqlx::query_scalar(sql).bind(id).fetch_one(&mut c).await.unwrap()
        }
    }

    /// Runs `sql` with `$1` the time `at` and `$2` the id `id`; answers the rows it changed.
    pub async fn db_set_time(&self, sql: &'static str, at: DateTime<Utc>, id: i64) -> u64 {
        if self.store.is_postgres() {
            let mut c = sqlx::PgConnection::connect(&self.database_url).await.unwrap();
            sqlx::query(sql).bind(at).bind(id).execute(&mut c).await.unwrap().rows_affected()
        } else {
            let mut c = sqlx::SqliteConnection::connect(&self.database_url).await.unwrap();
            sqlx::query(sql).bind(at).bind(id).execute(&mut c).await.unwrap().rows_affected()
        }
    }
}
