//! Fuzzing the HTTP surface and the import file with hostile input: control characters,
//! right-to-left marks, 10,000-character strings, percent-encoding edge cases, SQL and
//! HTML fragments. Never a 5xx, the server stays up, and a refused request changes
//! nothing. A fixed seed and a fixed number of cases in CI; PROVISIO_FUZZ_CASES=N runs
//! longer (README, "Fuzzing").

use chrono::Utc;
use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use provisio::config::Rate;
use provisio::store::ImportFile;
use sqlx::Connection;

use crate::helpers::*;

/// Cases per test in CI: each test takes well under a minute on the CI machine.
const CI_CASES: u32 = 1000;
const SEED: [u8; 32] = *b"provisio fuzz seed, fixed for CI";

fn cases() -> u32 {
    std::env::var("PROVISIO_FUZZ_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(CI_CASES)
}

fn runner() -> TestRunner {
    let config = ProptestConfig {
        cases: cases(),
        // No regression files written into the repository; the seed is what reproduces.
        failure_persistence: None,
        max_shrink_iters: 200,
        ..ProptestConfig::default()
    };
    TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &SEED))
}

/// Text no form should fear: hostile on its own, or inside an address that is nearly right.
fn hostile() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => hostile_alone(),
        1 => (hostile_alone(), prop::sample::select(vec!["new", "it.admin", "o'brien"]), 0usize..3).prop_map(
            |(fragment, local, at)| match at {
                0 => format!("{local}{fragment}@globex.example"),
                1 => format!("{local}@{fragment}globex.example"),
                _ => format!("{local}@globex.example{fragment}"),
            }
        ),
    ]
}

fn hostile_alone() -> impl Strategy<Value = String> {
    prop_oneof![
        // Values the routes know, so that some requests get far.
        prop::sample::select(vec![
            "WO-1001",
            "Sub-1001-1",
            "Sub-1001-3",
            "WO-2001",
            "Sub-2001-1",
            "1",
            "-1",
            "0",
            "9223372036854775808",
            "on",
            "true",
            "ko",
            "new@globex.example",
            "",
            " ",
        ])
        .prop_map(str::to_string),
        // Percent-encoding edge cases and path tricks.
        prop::sample::select(vec![
            "%00",
            "%zz",
            "%2F",
            "%",
            "%%",
            "%C0%AF",
            "%E2%80%AE",
            "%FF",
            "..%2F..%2Fetc%2Fpasswd",
            "../../",
            "//evil.example",
            "/\\evil.example",
            "?x=1&y",
            "#frag",
            ";",
            "a%20b",
            "+",
        ])
        .prop_map(str::to_string),
        // SQL and HTML fragments.
        prop::sample::select(vec![
            "' OR '1'='1",
            "'; DROP TABLE lines; --",
            "\" OR 1=1 --",
            "1; SELECT pg_sleep(1)",
            "%' --",
            "<script>alert(1)</script>",
            "\"><img src=x onerror=alert(1)>",
            "{{ 7*7 }}",
            "${jndi:ldap://x}",
            "a@b.c\r\nBcc: victim@example.com",
        ])
        .prop_map(str::to_string),
        // Control characters, the right-to-left override, odd Unicode.
        "[\\x00-\\x1f\\x7f]{1,16}",
        "[a-z@.\u{202E}\u{200B}\u{FEFF}\u{0301}]{1,24}",
        "\\PC{0,40}",
        // Very long.
        (1usize..4).prop_map(|k| "x".repeat(k * 3_333)),
        "[a-z]{1,8}".prop_map(|s| format!("{}@{}.example", s.repeat(2_000), s)),
    ]
}

/// Every route of `web::routes()`, with `{}` where a path part goes.
const ROUTES: [&str; 30] = [
    "/healthz",
    "/static/{}",
    "/",
    "/login",
    "/logout",
    "/settings/language",
    "/orders",
    "/orders/{}",
    "/orders/{}/lines/{}/contact",
    "/orders/{}/lines/{}/resend",
    "/orders/{}/lines/{}/history",
    "/subscriptions",
    "/subscriptions/{}/contact",
    "/subscriptions/{}/resend",
    "/transactions",
    "/transactions.csv",
    "/transactions/{}/retry",
    "/cases",
    "/cases/new",
    "/cases/attachments/{}",
    "/cases/{}",
    "/api/v1/control-hub/events",
    "/webhooks/bounce",
    "/mailbox",
    "/attention",
    "/emails/{}",
    "/emails/{}/html",
    "/company/users",
    "/company/users/{}",
    "/invitations/{}",
];

const FIELDS: [&str; 21] = [
    "email",
    "apply_to_all",
    "version",
    "copy_to_me",
    "lang",
    "password",
    "next",
    "status",
    "note",
    "subscription",
    "request_type",
    "description",
    "q",
    "after",
    "csrf_token",
    "\u{202E}email",
    "name",
    "can_edit",
    "company_admin",
    "active",
    "password_confirm",
];

const QUERY_KEYS: [&str; 13] = [
    "q",
    "after",
    "type",
    "status",
    "from",
    "to",
    "pending",
    "closing_within",
    "next",
    "subscription",
    "company",
    "kind",
    "before",
];

#[derive(Debug, Clone)]
enum Body {
    Form(Vec<(String, String)>),
    /// Not form-encoded at all, sent as if it were.
    Raw(String),
}

#[derive(Debug, Clone)]
struct Request {
    method: &'static str,
    route: &'static str,
    parts: Vec<String>,
    query: Vec<(&'static str, String)>,
    body: Body,
    signed_in: bool,
    with_csrf: bool,
    htmx: bool,
}

/// The methods a route takes (web::routes(): GET answers HEAD too).
fn methods_of(route: &str) -> &'static [&'static str] {
    const POST_ONLY: [&str; 7] = [
        "/logout",
        "/settings/language",
        "/transactions/{}/retry",
        "/cases/{}",
        "/api/v1/control-hub/events",
        "/webhooks/bounce",
        "/company/users/{}",
    ];
    const GET_POST: [&str; 8] = [
        "/login",
        "/orders/{}/lines/{}/contact",
        "/orders/{}/lines/{}/resend",
        "/subscriptions/{}/contact",
        "/subscriptions/{}/resend",
        "/cases",
        "/company/users",
        "/invitations/{}",
    ];
    if POST_ONLY.contains(&route) {
        &["POST"]
    } else if GET_POST.contains(&route) {
        &["GET", "HEAD", "POST", "POST"]
    } else {
        &["GET", "HEAD"]
    }
}

/// Parts that exist (seen or not by this user, editable or not), so that forms get checked;
/// or hostile ones.
fn parts() -> impl Strategy<Value = Vec<String>> {
    prop_oneof![
        3 => prop::sample::select(vec![
            ("WO-1001", "Sub-1001-1"),
            ("WO-1001", "Sub-1001-2"),
            ("WO-1001", "Sub-1001-1"),
            ("WO-1001", "Sub-1001-2"),
            ("WO-1001", "Sub-1001-3"),
            ("WO-1002", "Sub-1002-1"),
            ("WO-1003", "Sub-1003-2"),
            ("WO-2001", "Sub-2001-1"),
            ("WO-1001", "Sub-2001-1"),
        ])
        .prop_map(|(o, s)| vec![o.to_string(), s.to_string()]),
        1 => prop::collection::vec(hostile(), 2),
    ]
}

fn body() -> impl Strategy<Value = Body> {
    let field = || prop::sample::select(FIELDS.to_vec()).prop_map(str::to_string);
    prop_oneof![
        // The edit form's fields, hostile values.
        3 => (hostile(), prop::option::of(hostile()), prop::option::weighted(0.2, hostile())).prop_map(|(email, all, version)| {
            let mut fields = vec![("email".to_string(), email)];
            fields.extend(all.map(|v| ("apply_to_all".to_string(), v)));
            fields.extend(version.map(|v| ("version".to_string(), v)));
            Body::Form(fields)
        }),
        3 => prop::collection::vec((field(), hostile()), 0..5).prop_map(Body::Form),
        1 => hostile().prop_map(Body::Raw),
    ]
}

fn query() -> impl Strategy<Value = Vec<(&'static str, String)>> {
    prop::collection::vec((prop::sample::select(QUERY_KEYS.to_vec()), hostile()), 0..3)
}

fn request() -> impl Strategy<Value = Request> {
    // Forms posted as a signed-in user would: the deepest paths through the handlers.
    let form_post = (
        prop::sample::select(vec![
            "/orders/{}/lines/{}/contact",
            "/orders/{}/lines/{}/contact",
            "/subscriptions/{}/contact",
            "/subscriptions/{}/contact",
            "/orders/{}/lines/{}/resend",
            "/subscriptions/{}/resend",
            "/settings/language",
            "/login",
            "/cases",
        ]),
        parts(),
        body(),
        prop::bool::weighted(0.9),
        prop::bool::weighted(0.9),
        any::<bool>(),
    )
        .prop_map(|(route, parts, body, signed_in, with_csrf, htmx)| Request {
            method: "POST",
            route,
            parts,
            query: Vec::new(),
            body,
            signed_in,
            with_csrf,
            htmx,
        });
    let anything = (
        prop::sample::select(ROUTES.to_vec()),
        // 0..8: the route's own method (which of them); 8: one it does not take.
        0usize..9,
        prop::sample::select(vec!["PUT", "DELETE", "PATCH", "OPTIONS", "POST", "GET"]),
        parts(),
        query(),
        body(),
        prop::bool::weighted(0.7),
        prop::bool::weighted(0.8),
        any::<bool>(),
    )
        .prop_map(|(route, pick, odd, parts, query, body, signed_in, with_csrf, htmx)| {
            let own = methods_of(route);
            let method = if pick < 8 { own[pick % own.len()] } else { odd };
            Request { method, route, parts, query, body, signed_in, with_csrf, htmx }
        });
    prop_oneof![1 => form_post, 1 => anything]
}

/// Path parts go in as they are (the URL parser percent-encodes what it must); query
/// values are form-encoded.
fn url_of(base: &str, request: &Request) -> String {
    let mut path = String::new();
    // The subscriptions page's routes take a subscription id first.
    let skip = usize::from(request.route.starts_with("/subscriptions/"));
    let mut parts = request.parts.iter().skip(skip);
    for (i, piece) in request.route.split("{}").enumerate() {
        if i > 0 {
            path += parts.next().map(String::as_str).unwrap_or("");
        }
        path += piece;
    }
    let query = serde_urlencoded::to_string(&request.query).unwrap();
    if query.is_empty() { format!("{base}{path}") } else { format!("{base}{path}?{query}") }
}

/// What a refused request must leave as it was.
async fn snapshot(database_url: &str) -> String {
    let mut c = sqlx::SqliteConnection::connect(database_url).await.unwrap();
    let mut out = String::new();
    let lines: Vec<(String, String, String, i64)> =
        sqlx::query_as("SELECT subscription_id, contact, status, version FROM lines ORDER BY subscription_id")
            .fetch_all(&mut c)
            .await
            .unwrap();
    out += &format!("{lines:?}\n");
    let orders: Vec<(String, String, Option<String>)> =
        sqlx::query_as("SELECT id, customer, CAST(org_mapped_at AS TEXT) FROM orders ORDER BY id")
            .fetch_all(&mut c)
            .await
            .unwrap();
    out += &format!("{orders:?}\n");
    /// email, name, can_edit, operator, language, company_admin, active.
    type UserRow = (String, String, bool, bool, Option<String>, bool, bool);
    let users: Vec<UserRow> = sqlx::query_as(
        "SELECT email, name, can_edit, operator, language, company_admin, active FROM users ORDER BY email",
    )
    .fetch_all(&mut c)
    .await
    .unwrap();
    out += &format!("{users:?}\n");
    let companies: Vec<(String, String, String)> =
        sqlx::query_as("SELECT id, name, kind FROM companies ORDER BY id").fetch_all(&mut c).await.unwrap();
    out += &format!("{companies:?}\n");
    for table in ["transactions", "outbox", "cases", "invitations"] {
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
            .fetch_one(&mut c)
            .await
            .unwrap();
        out += &format!("{table}: {n}\n");
    }
    c.close().await.unwrap();
    out
}

#[test]
fn the_http_surface_survives_hostile_requests() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let app = rt
        .block_on(TestApp::spawn_with(Backend::Sqlite, |c| {
            // Failed sign-ins are part of the fuzz; the throttle must not lock the test out.
            let many = Rate { count: 1_000_000, per: chrono::Duration::hours(1) };
            c.login.per_account = many;
            c.login.per_address = many;
        }))
        .expect("SQLite is always there");
    let signed_in = std::cell::RefCell::new(rt.block_on(app.login("editor@acme.example")));
    // Anonymous, with the sign-in form's token (its nonce cookie in the jar).
    let mut anonymous = app.client();
    anonymous.csrf = csrf_token(&rt.block_on(async { anonymous.get("/login").await.text().await.unwrap() }));
    let statuses = std::cell::RefCell::new(std::collections::BTreeMap::<u16, usize>::new());
    let result = runner().run(&request(), |request| {
        rt.block_on(async {
            let Ok(url) = reqwest::Url::parse(&url_of(&app.address, &request)) else {
                return Ok(());
            };
            let (client, csrf) = if request.signed_in {
                let session = signed_in.borrow();
                (session.client.clone(), session.csrf.clone())
            } else {
                (anonymous.client.clone(), anonymous.csrf.clone())
            };
            let method = reqwest::Method::from_bytes(request.method.as_bytes()).unwrap();
            let mut builder = client.request(method, url);
            if request.htmx {
                builder = builder.header("HX-Request", "true");
                if request.with_csrf {
                    builder = builder.header("X-CSRF-Token", &csrf);
                }
            }
            builder = match &request.body {
                Body::Form(fields) => {
                    let mut fields = fields.clone();
                    if request.with_csrf && !request.htmx {
                        fields.retain(|(k, _)| k != "csrf_token");
                        fields.push(("csrf_token".into(), csrf.clone()));
                    }
                    builder.form(&fields)
                }
                Body::Raw(raw) => builder.header("Content-Type", "application/x-www-form-urlencoded").body(raw.clone()),
            };
            let before = snapshot(&app.database_url).await;
            let response = builder.send().await.map_err(|e| TestCaseError::fail(format!("no answer: {e}")))?;
            let status = response.status().as_u16();
            let body = response.text().await.unwrap_or_default();
            *statuses.borrow_mut().entry(status).or_default() += 1;
            prop_assert!(
                status < 500,
                "{} {}: {status}\n{}",
                request.method,
                request.route,
                body.chars().take(500).collect::<String>()
            );
            if !(200..400).contains(&status) {
                prop_assert_eq!(
                    snapshot(&app.database_url).await,
                    before,
                    "a refused request ({}) changed something",
                    status
                );
            }
            prop_assert_eq!(app.healthz().await, 200, "the server is still up");
            Ok(())
        })?;
        if request.signed_in && request.route == "/logout" {
            // A valid sign-out ends the session: sign in again for the next cases.
            *signed_in.borrow_mut() = rt.block_on(app.login("editor@acme.example"));
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    println!("answers by status: {:?}", statuses.borrow());
}

// --- the import file ---------------------------------------------------------------------

/// A valid import file: the contract's example, two lines, a distributor.
fn import_base() -> serde_json::Value {
    serde_json::json!({
        "companies": [
            {"id": "fz", "name": "Fuzz Partner", "kind": "partner", "language": "en"},
            {"id": "fzd", "name": "Fuzz Distribution", "kind": "distributor"}
        ],
        "users": [
            {"email": "ana@fz.example", "name": "Ana Park", "company": "fz", "password": "correct horse battery",
             "can_edit": true, "operator": false}
        ],
        "orders": [{
            "id": "WO-FZ-1", "partner": "fz", "distributor": "fzd", "created_by": "ana@fz.example",
            "customer": "Globex Corp", "language": null, "org_mapped_at": null,
            "lines": [
                {"subscription": "Sub-FZ-1", "offer": "A-Flex", "rsd": "2026-11-01", "contact": "it@globex.example",
                 "status": "awaiting", "email_sent_at": "2026-11-01T09:00:00Z"},
                {"subscription": "Sub-FZ-2", "offer": "Webex Calling", "rsd": "2026-12-01", "contact": "it@globex.example",
                 "status": "awaiting", "email_sent_at": null}
            ]
        }]
    })
}

/// Every place in `value` (JSON pointers), the root excluded.
fn pointers(value: &serde_json::Value, at: String, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                let p = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                out.push(p.clone());
                pointers(v, p, out);
            }
        }
        serde_json::Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                let p = format!("{at}/{i}");
                out.push(p.clone());
                pointers(v, p, out);
            }
        }
        _ => {}
    }
}

#[derive(Debug, Clone)]
enum Mutation {
    Replace(usize, serde_json::Value),
    Remove(usize),
    /// The element again, next to itself (a duplicate subscription, company, user…).
    Duplicate(usize),
}

fn hostile_json() -> impl Strategy<Value = serde_json::Value> {
    prop_oneof![
        4 => hostile().prop_map(serde_json::Value::from),
        1 => prop::sample::select(vec![
            serde_json::json!(null), serde_json::json!(true), serde_json::json!(0), serde_json::json!(-1),
            serde_json::json!(1e308), serde_json::json!(i64::MAX), serde_json::json!(u64::MAX), serde_json::json!([]),
            serde_json::json!({}), serde_json::json!("9999-12-31"), serde_json::json!("2026-02-30"),
            serde_json::json!("2026-11-01T25:00:00Z"), serde_json::json!("closed"), serde_json::json!("complete"),
            serde_json::json!("vendor"), serde_json::json!("fz"), serde_json::json!("acme"),
            serde_json::from_str(&format!("{}{}", "[".repeat(40), "]".repeat(40))).unwrap(),
        ]),
    ]
}

fn mutations() -> impl Strategy<Value = Vec<Mutation>> {
    let one = prop_oneof![
        4 => (any::<usize>(), hostile_json()).prop_map(|(i, v)| Mutation::Replace(i, v)),
        1 => any::<usize>().prop_map(Mutation::Remove),
        1 => any::<usize>().prop_map(Mutation::Duplicate),
    ];
    prop::collection::vec(one, 1..4)
}

fn mutate(mut value: serde_json::Value, mutations: &[Mutation]) -> serde_json::Value {
    for mutation in mutations {
        let mut all = Vec::new();
        pointers(&value, String::new(), &mut all);
        let (index, replacement) = match mutation {
            Mutation::Replace(i, v) => (*i, Some(v.clone())),
            Mutation::Remove(i) | Mutation::Duplicate(i) => (*i, None),
        };
        let pointer = &all[index % all.len()];
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        let key = key.replace("~1", "/").replace("~0", "~");
        let Some(parent) = value.pointer_mut(parent) else { continue };
        match (mutation, parent) {
            (Mutation::Replace(..), target) => {
                if let Some(slot) = target.pointer_mut(&format!("/{}", key.replace('~', "~0").replace('/', "~1"))) {
                    *slot = replacement.unwrap();
                }
            }
            (Mutation::Remove(_), serde_json::Value::Object(map)) => {
                map.remove(&key);
            }
            (Mutation::Remove(_), serde_json::Value::Array(items)) => {
                items.remove(key.parse::<usize>().unwrap());
            }
            (Mutation::Duplicate(_), serde_json::Value::Array(items)) => {
                let i = key.parse::<usize>().unwrap();
                items.insert(i, items[i].clone());
            }
            _ => {}
        }
    }
    value
}

#[test]
fn the_import_survives_hostile_files_and_a_refused_file_changes_nothing() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let (store, url, _dir) = rt.block_on(fresh_store(Backend::Sqlite)).expect("SQLite is always there");
    let base = import_base();
    let file: ImportFile = serde_json::from_value(base.clone()).unwrap();
    rt.block_on(store.import(&file, Utc::now())).expect("the base file imports");
    // Files that did not parse, that the store refused, that it imported.
    let outcomes = std::cell::Cell::new((0, 0, 0));
    let result = runner().run(&mutations(), |mutations| {
        rt.block_on(async {
            let text = mutate(base.clone(), &mutations).to_string();
            let (unparsed, refused, imported) = outcomes.get();
            // A file that does not even parse never reaches the store.
            let Ok(file) = ImportFile::parse(&text) else {
                outcomes.set((unparsed + 1, refused, imported));
                return Ok(());
            };
            let before = snapshot(&url).await;
            if let Err(e) = store.import(&file, Utc::now()).await {
                outcomes.set((unparsed, refused + 1, imported));
                prop_assert!(!e.to_string().is_empty());
                prop_assert_eq!(snapshot(&url).await, before, "a refused file changed something: {}", e);
            } else {
                outcomes.set((unparsed, refused, imported + 1));
            }
            Ok(())
        })
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let (unparsed, refused, imported) = outcomes.get();
    println!("import files: {unparsed} did not parse, {refused} refused by the store, {imported} imported");
}
