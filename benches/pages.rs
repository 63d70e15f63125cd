//! `cargo bench --bench pages`: the request path of signed-in pages, against the limit of
//! the stack on this machine. A measurement, not a test: it asserts nothing about time.
//!
//! For each page it starts the real binary (`provisio serve`, release) on a fresh
//! database, signs in, captures the page's bytes, and serves those same bytes from a bare
//! actix-web server in this process (the reference). `wrk` drives both the same way, A B A
//! B, and the bench prints requests per second and the ratio app / reference. It also
//! counts database writes per signed-in GET, shows that anonymous visitors add no session
//! rows, and reads the server's resident memory after the load.
//!
//! Needs `wrk` (Debian package `wrk`) on PATH; PostgreSQL is used when it answers.

mod support;

use std::process::Command;
use std::time::{Duration, Instant};

use chrono::Utc;
use provisio::store::{ImportFile, Store};

const CONNECTIONS: &str = "16";
const SECONDS: &str = "3";
const ROUNDS: usize = 2;

fn data() -> ImportFile {
    let now = Utc::now();
    let sent = now - chrono::Duration::days(1);
    let line = |sub: String, i: usize| {
        serde_json::json!({"subscription": sub, "offer": if i.is_multiple_of(2) { "A-Flex" } else { "Webex Meetings" },
                           "rsd": sent.date_naive(), "contact": format!("contact{i}@customer.example"),
                           "status": "awaiting", "email_sent_at": sent})
    };
    let mut orders = vec![
        serde_json::json!({"id": "WO-100", "partner": "p", "distributor": "d", "created_by": "u@p.example",
                           "customer": "Globex", "lines": (0..100).map(|i| line(format!("Sub-100-{i:05}"), i)).collect::<Vec<_>>()}),
        serde_json::json!({"id": "WO-10000", "partner": "p", "created_by": "u@p.example", "customer": "Initech",
                           "lines": (0..10_000).map(|i| line(format!("Sub-10000-{i:05}"), i)).collect::<Vec<_>>()}),
    ];
    for o in 0..300 {
        orders.push(serde_json::json!({"id": format!("WO-5{o:04}"), "partner": "p", "created_by": "u@p.example",
            "customer": format!("Customer {o}"), "lines": (0..3).map(|i| line(format!("Sub-5{o:04}-{i}"), i)).collect::<Vec<_>>()}));
    }
    serde_json::from_value(serde_json::json!({
        "companies": [{"id": "p", "name": "Bench Partner", "kind": "partner"},
                      {"id": "d", "name": "Bench Distributor", "kind": "distributor"}],
        "users": [{"email": "u@p.example", "name": "Bench User", "company": "p", "password": "bench password", "can_edit": true,
                   "company_admin": true}],
        "orders": orders
    }))
    .unwrap()
}

/// Some history for the Transaction Manager: apply-to-all edits of the 100-line order.
async fn transactions(store: &Store) {
    let (user, _) = store.user_credentials("u@p.example").await.unwrap().unwrap();
    let order = store.order_head("WO-100").await.unwrap().unwrap();
    let grant = user.actor().edit_grant(&order.parties()).unwrap();
    for i in 0..10 {
        let email = provisio::domain::ContactEmail::parse(&format!("new{i}@customer.example")).unwrap();
        store
            .edit_contact(provisio::store::ContactEdit {
                action: provisio::store::LineAction {
                    grant: &grant,
                    actor_name: "Bench User",
                    subscription_id: "Sub-100-00000",
                    scope: provisio::store::EditScope::OrderPage,
                    at: Utc::now(),
                    limit: provisio::config::SendLimit { per_hour: 100_000, per_day: 100_000 },
                    copy_to: None,
                },
                new_contact: &email,
                apply_to_all: true,
                expected_version: None,
            })
            .await
            .unwrap();
    }
}

/// A read token made on the token page by the bench user (a company admin): `Bearer …`.
async fn api_token(app: &support::Server, cookie: &str) -> String {
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let page = client.get(format!("{}/company/tokens", app.base)).header("Cookie", cookie).send().await.unwrap();
    let page = page.text().await.unwrap();
    let csrf = support::csrf_token(&page);
    let created = client
        .post(format!("{}/company/tokens", app.base))
        .header("Cookie", cookie)
        .form(&[("name", "bench"), ("scope", "read"), ("csrf_token", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 200, "bench token");
    let html = created.text().await.unwrap();
    let secret = html.split("data-token-secret>").nth(1).unwrap().split('<').next().unwrap();
    format!("Bearer {secret}")
}

/// The bare one-query page: 100 rows of two columns read with one sqlx statement and
/// rendered with askama, no session, no middleware.
#[derive(askama::Template)]
#[template(
    source = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Lines</title></head><body><table><tr><th>Subscription</th><th>Contact</th></tr>{% for (subscription, contact) in rows %}<tr><td>{{ subscription }}</td><td>{{ contact }}</td></tr>{% endfor %}</table></body></html>",
    ext = "html"
)]
struct BarePage {
    rows: Vec<(String, String)>,
}

enum BarePool {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

async fn bare_page(pool: &BarePool) -> actix_web::HttpResponse {
    const SQL: &str =
        "SELECT subscription_id, contact FROM lines WHERE order_id = 'WO-100' ORDER BY position LIMIT 100";
    let rows: Vec<(String, String)> = match pool {
        BarePool::Sqlite(pool) => sqlx::query_as(SQL).fetch_all(pool).await.unwrap(),
        BarePool::Postgres(pool) => sqlx::query_as(SQL).fetch_all(pool).await.unwrap(),
    };
    let html = askama::Template::render(&BarePage { rows }).unwrap();
    actix_web::HttpResponse::Ok().content_type("text/html; charset=utf-8").body(html)
}

/// What a bench-side server answers every GET with: the same bytes each time (the
/// reference), or the bare one-query page.
enum Served {
    Bytes(actix_web::web::Bytes, String),
    BarePage(BarePool),
}

async fn serve(served: actix_web::web::Data<Served>) -> actix_web::HttpResponse {
    match served.get_ref() {
        Served::Bytes(body, content_type) => {
            actix_web::HttpResponse::Ok().content_type(content_type.as_str()).body(body.clone())
        }
        Served::BarePage(pool) => bare_page(pool).await,
    }
}

/// A bare actix-web server on its own thread and port (two workers), answering with `served`.
fn start_server(served: Served) -> (String, actix_web::dev::ServerHandle) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let served = actix_web::web::Data::new(served);
            let server = actix_web::HttpServer::new(move || {
                actix_web::App::new().app_data(served.clone()).default_service(actix_web::web::to(serve))
            })
            .workers(2)
            .listen(listener)
            .unwrap()
            .run();
            tx.send(server.handle()).unwrap();
            server.await.unwrap();
        });
    });
    (base, rx.recv().unwrap())
}

/// A bare actix-web server answering every GET with `body`: the limit of the stack.
fn start_reference(body: Vec<u8>, content_type: String) -> (String, actix_web::dev::ServerHandle) {
    start_server(Served::Bytes(body.into(), content_type))
}

/// The bare one-query page over `url`.
async fn start_bare_page(url: &str) -> (String, actix_web::dev::ServerHandle) {
    let pool = if url.starts_with("sqlite:") {
        BarePool::Sqlite(sqlx::SqlitePool::connect(url).await.unwrap())
    } else {
        BarePool::Postgres(sqlx::PgPool::connect(url).await.unwrap())
    };
    start_server(Served::BarePage(pool))
}

/// Requests per second that wrk measures for `url`, sending `credential` (a session
/// cookie `name=value`, or `Bearer …` for the API).
fn wrk(url: &str, credential: Option<&str>) -> f64 {
    let mut command = Command::new("wrk");
    command.args(["-t2", "-c", CONNECTIONS, "-d", &format!("{SECONDS}s"), url]);
    if let Some(credential) = credential {
        command.args(["-H", &header(credential)]);
    }
    let output = command.output().expect("wrk runs");
    let text = String::from_utf8_lossy(&output.stdout);
    let non_2xx = text.lines().find(|l| l.contains("Non-2xx")).map(str::trim).map(str::to_string);
    if let Some(line) = non_2xx {
        println!("    warning: {line} for {url}");
    }
    text.lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("wrk printed no rate: {text}"))
}

/// The request header that carries `credential`.
fn header(credential: &str) -> String {
    if credential.starts_with("Bearer ") {
        format!("Authorization: {credential}")
    } else {
        format!("Cookie: {credential}")
    }
}

/// App and reference, interleaved A B A B; medians of each; the ratio.
async fn compare(label: &str, base: &str, path: &str, credential: Option<&str>) -> f64 {
    let mut request = reqwest::Client::new().get(format!("{base}{path}"));
    if let Some(credential) = credential {
        let (name, value) = header(credential).split_once(": ").map(|(n, v)| (n.to_string(), v.to_string())).unwrap();
        request = request.header(name, value);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200, "{path}");
    let content_type = response.headers()["content-type"].to_str().unwrap().to_string();
    let body = response.bytes().await.unwrap().to_vec();
    let size = body.len();
    let (reference, handle) = start_reference(body, content_type);
    let url = format!("{base}{path}");
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        a.push(
            tokio::task::spawn_blocking({
                let url = url.clone();
                let credential = credential.map(str::to_string);
                move || wrk(&url, credential.as_deref())
            })
            .await
            .unwrap(),
        );
        b.push(
            tokio::task::spawn_blocking({
                let url = format!("{reference}{path}");
                move || wrk(&url, None)
            })
            .await
            .unwrap(),
        );
    }
    handle.stop(true).await;
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (app_rate, ref_rate) = (median(&mut a), median(&mut b));
    let ratio = app_rate / ref_rate;
    println!(
        "  {label:<34} {:>7.1} KB  app {app_rate:>8.0} req/s  limit {ref_rate:>8.0} req/s  ratio {ratio:.3}",
        size as f64 / 1024.0
    );
    ratio
}

/// The bytes `path` takes on the wire as it is, with brotli and with gzip (docs/http.md,
/// "Compression"), and the same for the static files it links, which a first visit downloads too.
async fn wire_size(label: &str, app: &support::Server, path: &str, cookie: &str) {
    let client = reqwest::Client::new();
    let size = |path: String, accept: &'static str| {
        let request = client.get(format!("{}{path}", app.base)).header("Cookie", cookie);
        let request = if accept.is_empty() { request } else { request.header("Accept-Encoding", accept) };
        async move {
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 200, "{path}");
            response.bytes().await.unwrap().len()
        }
    };
    let html = support::text(client.get(format!("{}{path}", app.base)).header("Cookie", cookie)).await;
    let statics: Vec<String> =
        html.split("\"/static/").skip(1).map(|rest| format!("/static/{}", rest.split('"').next().unwrap())).collect();
    for accept in ["", "br", "gzip"] {
        let page = size(path.to_string(), accept).await;
        let mut files = 0;
        for file in &statics {
            files += size(file.clone(), accept).await;
        }
        let name = if accept.is_empty() { "uncompressed" } else { accept };
        println!(
            "  {label:<34} {name:<12} page {page:>8} bytes, with its {} static files {:>8} bytes",
            statics.len(),
            page + files
        );
    }
}

/// Write transactions committed by the server while it answers `n` GETs of `path`.
async fn writes_per_get(url: &str, app: &support::Server, path: &str, cookie: &str, n: usize) -> f64 {
    let client = reqwest::Client::new();
    let (name, value) = header(cookie).split_once(": ").map(|(n, v)| (n.to_string(), v.to_string())).unwrap();
    let get = || async {
        let r = client.get(format!("{}{path}", app.base)).header(&name, &value).send().await.unwrap();
        assert_eq!(r.status(), 200);
    };
    if url.starts_with("sqlite:") {
        // data_version changes when another connection commits: checked after each GET.
        let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(url).await.unwrap();
        let mut version: i64 = sqlx::query_scalar("PRAGMA data_version").fetch_one(&mut conn).await.unwrap();
        let mut writes = 0;
        for _ in 0..n {
            get().await;
            let now: i64 = sqlx::query_scalar("PRAGMA data_version").fetch_one(&mut conn).await.unwrap();
            if now != version {
                writes += 1;
                version = now;
            }
        }
        writes as f64 / n as f64
    } else {
        let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(url).await.unwrap();
        let rows =
            "SELECT CAST(COALESCE(SUM(n_tup_ins + n_tup_upd + n_tup_del), 0) AS BIGINT) FROM pg_stat_user_tables";
        tokio::time::sleep(Duration::from_millis(1500)).await;
        sqlx::query("SELECT pg_stat_clear_snapshot()").execute(&mut conn).await.unwrap();
        let before: i64 = sqlx::query_scalar(rows).fetch_one(&mut conn).await.unwrap();
        for _ in 0..n {
            get().await;
        }
        // The server's statistics reach the shared view within a second.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        sqlx::query("SELECT pg_stat_clear_snapshot()").execute(&mut conn).await.unwrap();
        let after: i64 = sqlx::query_scalar(rows).fetch_one(&mut conn).await.unwrap();
        (after - before) as f64 / n as f64
    }
}

fn rss_mib(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
            .unwrap_or(0.0)
            / 1024.0
    };
    (field("VmRSS:"), field("VmHWM:"))
}

async fn run(label: &str, url: &str) {
    println!("{label}:");
    let t = Instant::now();
    let store = Store::connect(url).await.unwrap();
    store.import(&data(), Utc::now()).await.unwrap();
    transactions(&store).await;
    store.close().await;
    if url.starts_with("postgres") {
        // The steady state autovacuum reaches: statistics and the visibility map, so that
        // index-only scans need not visit the rows just imported.
        let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(url).await.unwrap();
        sqlx::query("VACUUM ANALYZE").execute(&mut conn).await.unwrap();
    }
    println!("  set-up {:.1} s", t.elapsed().as_secs_f64());

    let dir = tempfile::tempdir().unwrap();
    // The API's rate limit would stop wrk: this measures the request path, not the limit.
    let app =
        support::Server::start(url, dir.path(), &[("PROVISIO_API_LIMIT", "1000000000/s"), ("PROVISIO_MFA", "none")])
            .await;
    let (_, cookie) = support::sign_in(&app.base, "u@p.example", "bench password").await;
    let pages = [
        ("order page, 100 lines", "/orders/WO-100"),
        ("order page, 10,000 lines (1st page)", "/orders/WO-10000"),
        ("orders list", "/orders"),
        ("subscriptions page", "/subscriptions"),
        ("Transaction Manager", "/transactions"),
    ];
    let mut order_ratio = 0.0;
    for (name, path) in pages {
        let ratio = compare(name, &app.base, path, Some(&cookie)).await;
        if path == "/orders/WO-100" {
            order_ratio = ratio;
        }
    }
    // The scale the order page is held to (docs/performance.md): a bare page of our own on the
    // same driver, one statement and no session, against the same bare limit.
    let (bare, handle) = start_bare_page(url).await;
    let bare_ratio = compare("bare one-query page, 100 rows", &bare, "/", None).await;
    handle.stop(true).await;
    println!(
        "  order page, 100 lines, per byte as a share of the bare page's: {:.2} (goal >= 1: {})",
        order_ratio / bare_ratio,
        if order_ratio >= bare_ratio { "met" } else { "not met" }
    );
    wire_size("order page, 100 lines", &app, "/orders/WO-100", &cookie).await;
    let bearer = api_token(&app, &cookie).await;
    let api = [
        ("API order, 100 lines", "/api/v1/orders/WO-100"),
        ("API order, 10,000 lines (1st page)", "/api/v1/orders/WO-10000"),
        ("API orders list", "/api/v1/orders"),
        ("API transactions", "/api/v1/transactions"),
    ];
    for (name, path) in api {
        compare(name, &app.base, path, Some(&bearer)).await;
    }
    // A static file, signed in and anonymous: the session is not consulted for it.
    let html =
        support::text(reqwest::Client::new().get(format!("{}/orders", app.base)).header("Cookie", &cookie)).await;
    let css = format!("/static/app.{}", html.split("/static/app.").nth(1).unwrap().split('"').next().unwrap());
    let (mut signed, mut anonymous) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        let url = format!("{}{css}", app.base);
        let c = cookie.clone();
        let u = url.clone();
        signed.push(tokio::task::spawn_blocking(move || wrk(&u, Some(&c))).await.unwrap());
        anonymous.push(tokio::task::spawn_blocking(move || wrk(&url, None)).await.unwrap());
    }
    signed.sort_by(f64::total_cmp);
    anonymous.sort_by(f64::total_cmp);
    let (s, a) = (signed[ROUNDS / 2], anonymous[ROUNDS / 2]);
    println!("  static file: signed in {s:.0} req/s, anonymous {a:.0} req/s, ratio {:.3}", s / a);

    let writes = writes_per_get(url, &app, "/orders/WO-100", &cookie, 200).await;
    println!("  database writes per signed-in GET: {writes:.3} (200 GETs of the order page)");
    let writes = writes_per_get(url, &app, "/api/v1/orders/WO-100", &bearer, 200).await;
    println!("  database writes per API GET: {writes:.3} (200 GETs of the order; last use at most once a minute)");
    // An anonymous flood leaves no session rows.
    let sessions_before = Store::connect(url).await.unwrap().session_count().await.unwrap();
    let base = app.base.clone();
    let flood = tokio::task::spawn_blocking(move || wrk(&format!("{base}/orders"), None)).await.unwrap();
    let sessions_after = Store::connect(url).await.unwrap().session_count().await.unwrap();
    println!(
        "  anonymous flood of /orders: {flood:.0} req/s for {SECONDS} s; session rows {sessions_before} -> {sessions_after}"
    );
    let (rss, peak) = rss_mib(app.pid());
    println!("  server memory after the load: RSS {rss:.1} MiB, peak {peak:.1} MiB");
}

#[tokio::main]
async fn main() {
    if Command::new("wrk").arg("--version").output().is_err() {
        println!("pages: skipped, wrk is not installed (apt-get install wrk)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    run("SQLite", &support::sqlite_url(dir.path(), "bench.db")).await;
    if let Some(mut postgres) = support::Postgres::connect().await {
        let (name, url) = postgres.create("provisio_bench_pages").await;
        run("PostgreSQL", &url).await;
        postgres.drop_database(&name).await;
    }
}
