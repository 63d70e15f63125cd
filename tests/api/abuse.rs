//! Safe under abuse: sign-in throttling that cannot lock anyone out, sessions with idle and
//! absolute lifetimes that end with their user, no rows for anonymous visitors, HEAD and
//! 405, HSTS and `__Host-` cookies, the demo mailbox for operators only.

use chrono::{DateTime, Duration, Utc};

use crate::helpers::*;
use crate::{on_both, on_both_with_smtp};

/// Signs in from the client address `from`, as a trusted proxy on 127.0.0.1 reports it.
async fn sign_in_from(app: &TestApp, from: &str, email: &str, password: &str) -> reqwest::Response {
    let client =
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let page = client.get(format!("{}/login", app.address)).send().await.unwrap().text().await.unwrap();
    client
        .post(format!("{}/login", app.address))
        .header("X-Forwarded-For", from)
        .form(&[("email", email), ("password", password), ("csrf_token", &csrf_token(&page))])
        .send()
        .await
        .unwrap()
}

async fn behind_proxy(backend: Backend, tweak: impl FnOnce(&mut provisio::config::Config)) -> Option<TestApp> {
    TestApp::spawn_with(backend, |c| {
        c.login.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
        tweak(c);
    })
    .await
}

macro_rules! on_both_behind_proxy {
    ($name:ident, $tweak:expr, |$app:ident| $body:block) => {
        mod $name {
            use super::*;
            async fn run(backend: Backend) {
                let Some($app) = behind_proxy(backend, $tweak).await else { return };
                $body
            }
            $crate::tests_on_both_backends!(run);
        }
    };
}

on_both_behind_proxy!(wrong_passwords_from_one_address_do_not_lock_the_account, |_| {}, |app| {
    for _ in 0..5 {
        let wrong = sign_in_from(&app, "198.51.100.7", "ops@vendor.example", "wrong password").await;
        assert_eq!(wrong.status(), 401);
    }
    // That address waits, even with the right password...
    let blocked = sign_in_from(&app, "198.51.100.7", "ops@vendor.example", PASSWORD).await;
    assert_eq!(blocked.status(), 429);
    let retry: i64 = blocked.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=15 * 60).contains(&retry), "{retry}");
    // ...but the operator, from anywhere else, signs in.
    let elsewhere = sign_in_from(&app, "203.0.113.20", "ops@vendor.example", PASSWORD).await;
    assert_eq!(elsewhere.status(), 303);
    // IPv6 clients count by their /64: another host of the same /64 waits too.
    for _ in 0..5 {
        assert_eq!(sign_in_from(&app, "2001:db8:5:6::1", "viewer@acme.example", "nope").await.status(), 401);
    }
    assert_eq!(sign_in_from(&app, "2001:db8:5:6::99", "viewer@acme.example", PASSWORD).await.status(), 429);
    assert_eq!(sign_in_from(&app, "2001:db8:5:7::1", "viewer@acme.example", PASSWORD).await.status(), 303);
});

on_both!(a_forged_forwarded_for_from_an_untrusted_peer_is_ignored, |app| {
    // No trusted proxies: the header is the client's own word and changes nothing.
    for i in 0..5 {
        let from = format!("192.0.2.{i}");
        assert_eq!(sign_in_from(&app, &from, "viewer@acme.example", "wrong").await.status(), 401);
    }
    assert_eq!(sign_in_from(&app, "192.0.2.200", "viewer@acme.example", PASSWORD).await.status(), 429);
});

on_both_behind_proxy!(parallel_guesses_cannot_slip_past_the_count, |_| {}, |app| {
    let guesses = (0..40).map(|_| sign_in_from(&app, "198.51.100.9", "editor@acme.example", "wrong password"));
    let answers: Vec<u16> = futures_util::future::join_all(guesses).await.iter().map(|r| r.status().as_u16()).collect();
    let checked = answers.iter().filter(|s| **s == 401).count();
    let refused = answers.iter().filter(|s| **s == 429).count();
    assert_eq!((checked, refused), (5, 35), "{answers:?}");
});

on_both_behind_proxy!(
    spraying_many_accounts_from_one_address_is_limited,
    |c: &mut provisio::config::Config| c.login.per_address = provisio::config::Rate::parse("3/1h").unwrap(),
    |app| {
        for account in ["viewer@acme.example", "creator@acme.example", "nobody@acme.example"] {
            assert_eq!(sign_in_from(&app, "198.51.100.50", account, "guess").await.status(), 401);
        }
        let fourth = sign_in_from(&app, "198.51.100.50", "dist@north.example", "guess").await;
        assert_eq!(fourth.status(), 429);
        assert!(fourth.headers().get("retry-after").is_some());
        // Right passwords give their slot back; other addresses are not affected.
        assert_eq!(sign_in_from(&app, "198.51.100.51", "dist@north.example", PASSWORD).await.status(), 303);
        for _ in 0..5 {
            assert_eq!(sign_in_from(&app, "198.51.100.52", "dist@north.example", PASSWORD).await.status(), 303);
        }
    }
);

on_both!(anonymous_visitors_leave_no_session_rows, |app| {
    let client = app.client();
    for _ in 0..30 {
        assert_eq!(client.get("/orders").await.status(), 303);
        assert_eq!(client.get("/login").await.status(), 200);
        assert_eq!(client.get("/no-such-page").await.status(), 404);
    }
    assert_eq!(app.store.session_count().await.unwrap(), 0);
    // A failed sign-in does not make one either; a successful one makes exactly one.
    let mut user = app.client();
    assert_eq!(user.sign_in("editor@acme.example", "wrong", "").await.status(), 401);
    assert_eq!(app.store.session_count().await.unwrap(), 0);
    assert_eq!(user.sign_in("editor@acme.example", PASSWORD, "").await.status(), 303);
    assert_eq!(app.store.session_count().await.unwrap(), 1);
});

/// The session row of the only signed-in user: when it was last refreshed, when it ends
/// unless used, and when it ends however busy.
async fn session_times(app: &TestApp) -> (DateTime<Utc>, DateTime<Utc>, DateTime<Utc>) {
    let sql = "SELECT refreshed_at, idle_until, expires_at FROM sessions";
    if app.store.is_postgres() {
        let pool = sqlx::PgPool::connect(&app.database_url).await.unwrap();
        sqlx::query_as(sql).fetch_one(&pool).await.unwrap()
    } else {
        let pool = sqlx::SqlitePool::connect(&app.database_url).await.unwrap();
        sqlx::query_as(sql).fetch_one(&pool).await.unwrap()
    }
}

/// The application with sessions measured by a held clock that the test moves.
async fn with_held_clock(
    backend: Backend,
    lifetimes: provisio::config::SessionConfig,
) -> Option<(TestApp, provisio::clock::Clock)> {
    let clock = provisio::clock::Clock::held(Utc::now());
    let app = TestApp::spawn_with(backend, |c| {
        c.sessions = lifetimes;
        c.clock = clock.clone();
    })
    .await?;
    Some((app, clock))
}

mod idle_sessions_refresh_lazily_and_end {
    use super::*;

    async fn run(backend: Backend) {
        // Idle 30 minutes (the default): a GET refreshes the session only once a quarter of
        // that (7 min 30 s) has passed since the last refresh; a status poll never does.
        let lifetimes = provisio::config::SessionConfig::default();
        let Some((app, clock)) = with_held_clock(backend, lifetimes).await else { return };
        let user = app.login("editor@acme.example").await;
        let signed_in = clock.now();
        assert_eq!(session_times(&app).await.0, signed_in);
        let poll = || async {
            let poll = user.client.get(format!("{}/orders", user.base)).header("X-Provisio-Poll", "1").send().await;
            poll.unwrap().status()
        };
        clock.advance(Duration::minutes(7) + Duration::seconds(29));
        for _ in 0..3 {
            assert_eq!(user.get("/orders/WO-1001").await.status(), 200);
        }
        assert_eq!(session_times(&app).await.0, signed_in, "GETs within a quarter of the idle time write nothing");
        clock.advance(Duration::seconds(1));
        assert_eq!(poll().await, 200);
        assert_eq!(session_times(&app).await.0, signed_in, "a status poll is not use");
        assert_eq!(user.get("/orders").await.status(), 200);
        let refreshed = clock.now();
        let (refreshed_at, idle_until, _) = session_times(&app).await;
        assert_eq!(
            (refreshed_at, idle_until),
            (refreshed, refreshed + lifetimes.idle),
            "a use after a quarter refreshes"
        );
        // Polled but unused: alive until the idle time after that refresh, to the second...
        clock.advance(lifetimes.idle - Duration::seconds(1));
        assert_eq!(poll().await, 200, "alive a second before the idle end");
        assert_eq!(session_times(&app).await.0, refreshed, "polls kept nothing alive");
        // ...and signed out at it.
        clock.advance(Duration::seconds(1));
        let expired = user.get("/orders").await;
        assert_eq!(expired.status(), 303);
        assert!(location(expired.headers()).starts_with("/login"));
    }

    crate::tests_on_both_backends!(run);
}

mod sessions_end_at_their_absolute_lifetime {
    use super::*;

    async fn run(backend: Backend) {
        let lifetimes = provisio::config::SessionConfig { idle: Duration::minutes(30), max: Duration::hours(2) };
        let Some((app, clock)) = with_held_clock(backend, lifetimes).await else { return };
        let user = app.login("editor@acme.example").await;
        let signed_in = clock.now();
        assert_eq!(session_times(&app).await.2, signed_in + lifetimes.max);
        // Busy all along, every 10 minutes, far past the idle lifetime, refreshed each time...
        for _ in 0..11 {
            clock.advance(Duration::minutes(10));
            assert_eq!(user.get("/orders").await.status(), 200);
        }
        // ...a second before the maximum: still signed in, and the idle end is the maximum...
        clock.advance(Duration::minutes(10) - Duration::seconds(1));
        assert_eq!(user.get("/orders").await.status(), 200);
        let (_, idle_until, expires_at) = session_times(&app).await;
        assert_eq!((idle_until, expires_at), (signed_in + lifetimes.max, signed_in + lifetimes.max));
        // ...and signed out at it.
        clock.advance(Duration::seconds(1));
        assert_eq!(user.get("/orders").await.status(), 303);
    }

    crate::tests_on_both_backends!(run);
}

on_both!(a_password_changed_by_import_ends_the_users_sessions, |app| {
    let user = app.login("viewer@acme.example").await;
    let bystander = app.login("editor@acme.example").await;
    let mut file = fixture(chrono::Utc::now());
    file.users[2].password = Some("a brand new password".into());
    app.store.import(&file, chrono::Utc::now()).await.unwrap();
    assert_eq!(user.get("/orders").await.status(), 303, "the old session ended");
    assert_eq!(bystander.get("/orders").await.status(), 200, "other users stay signed in");
    // Importing the same password again ends nothing.
    let again = app.login("editor@acme.example").await;
    app.store.import(&file, chrono::Utc::now()).await.unwrap();
    assert_eq!(again.get("/orders").await.status(), 200);
});

on_both!(head_answers_every_get_route_and_wrong_methods_get_405, |app| {
    let user = app.login("editor@acme.example").await;
    for path in ["/login", "/orders", "/orders/WO-1001", "/subscriptions", "/transactions", "/cases", "/healthz"] {
        let head = user.client.head(format!("{}{path}", user.base)).send().await.unwrap();
        let get = user.get(path).await;
        assert_eq!(head.status(), get.status(), "HEAD {path}");
        assert_eq!(head.headers().get("content-type"), get.headers().get("content-type"), "{path}");
        assert!(head.bytes().await.unwrap().is_empty(), "HEAD {path} has no body");
    }
    let cases = [
        (reqwest::Method::DELETE, "/orders", "GET, HEAD"),
        (reqwest::Method::PUT, "/login", "GET, HEAD, POST"),
        (reqwest::Method::OPTIONS, "/cases", "GET, HEAD, POST"),
        (reqwest::Method::GET, "/logout", "POST"),
        (reqwest::Method::PATCH, "/orders/WO-1001/lines/Sub-1001-1/contact", "GET, HEAD, POST"),
    ];
    for (method, path, allow) in cases {
        let response = user.client.request(method.clone(), format!("{}{path}", user.base)).send().await.unwrap();
        assert_eq!(response.status(), 405, "{method} {path}");
        assert_eq!(response.headers()["allow"], allow, "{method} {path}");
    }
    assert_eq!(user.client.delete(format!("{}/no-such-page", user.base)).send().await.unwrap().status(), 404);
});

on_both!(secure_cookies_bring_hsts_and_host_prefixed_cookies, |app| {
    // Without PROVISIO_SECURE_COOKIES: neither.
    let plain = app.client().get("/login").await;
    assert!(plain.headers().get("strict-transport-security").is_none());
    let mut config = test_config(&app.database_url, None);
    config.secure_cookies = true;
    let store = provisio::store::Store::connect(&app.database_url).await.unwrap();
    let secure = provisio::startup::Application::build(config, store).await.unwrap();
    let base = format!("http://127.0.0.1:{}", secure.port());
    tokio::spawn(secure.run_until_stopped());
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let page = client.get(format!("{base}/login")).send().await.unwrap();
    let hsts = page.headers()["strict-transport-security"].to_str().unwrap().to_string();
    assert!(hsts.contains("max-age=31536000"), "{hsts}");
    let cookie = page.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.starts_with("__Host-") && cookie.contains("Secure") && cookie.contains("Path=/"), "{cookie}");
    assert!(!cookie.contains("Domain="), "{cookie}");
    let nonce = cookie.split(';').next().unwrap().to_string();
    let token = csrf_token(&page.text().await.unwrap());
    let signed_in = client
        .post(format!("{base}/login"))
        .header("Cookie", &nonce)
        .form(&[("email", "editor@acme.example"), ("password", PASSWORD), ("csrf_token", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 303);
    let session = signed_in
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("__Host-provisio_session="))
        .expect("a __Host- session cookie");
    assert!(session.contains("Secure") && session.contains("HttpOnly"), "{session}");
});

on_both!(the_sign_in_token_belongs_to_the_browser_it_was_given_to, |app| {
    // A token from one browser's sign-in page does not work with another browser's nonce.
    let a = app.client();
    let token_a = csrf_token(&a.get("/login").await.text().await.unwrap());
    let b = app.client();
    let _ = b.get("/login").await;
    let response = b
        .client
        .post(format!("{}/login", b.base))
        .form(&[("email", "editor@acme.example"), ("password", PASSWORD), ("csrf_token", &token_a)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    // Without the nonce cookie at all, no token works.
    let bare = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let response = bare
        .post(format!("{}/login", app.address))
        .form(&[("email", "editor@acme.example"), ("password", PASSWORD), ("csrf_token", &token_a)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
});

on_both!(a_lines_history_is_read_a_page_at_a_time, |app| {
    let (editor, _) = app.store.user_credentials("editor@acme.example").await.unwrap().unwrap();
    let head = app.store.order_head("WO-1003").await.unwrap().unwrap();
    let grant = editor.actor().edit_grant(&head.parties()).unwrap();
    // 120 changes of a line still before its first email (no email, no limit involved).
    for i in 0..120 {
        let email = provisio::domain::ContactEmail::parse(&format!("h{i}@stark.example")).unwrap();
        app.store
            .edit_contact(provisio::store::ContactEdit {
                action: provisio::store::LineAction {
                    grant: &grant,
                    actor_name: "Eddie Editor",
                    subscription_id: "Sub-1003-1",
                    scope: provisio::store::EditScope::OrderPage,
                    at: chrono::Utc::now(),
                    limit: provisio::config::SendLimit { per_hour: 1000, per_day: 1000 },
                    copy_to: None,
                },
                new_contact: &email,
                apply_to_all: false,
                expected_version: None,
            })
            .await
            .unwrap();
    }
    let user = app.login("editor@acme.example").await;
    let first = user.get_html("/orders/WO-1003/lines/Sub-1003-1/history").await;
    assert_eq!(count(&first, "tr[data-transaction]"), 100);
    assert!(first.contains("h119@stark.example"), "newest first");
    let older = first.split("href=\"/orders/WO-1003/lines/Sub-1003-1/history?before=").nth(1).expect("a link to older");
    let before = older.split('"').next().unwrap();
    let second = user.get_html(&format!("/orders/WO-1003/lines/Sub-1003-1/history?before={before}")).await;
    assert_eq!(count(&second, "tr[data-transaction]"), 20);
    assert!(second.contains("h0@stark.example") && !second.contains("h119@stark.example"));
    assert!(!second.contains("history?before="), "no older page after the oldest");
});

on_both_behind_proxy!(
    a_client_cannot_choose_its_address_with_a_forwarded_for_line_of_its_own,
    |c: &mut provisio::config::Config| c.login.per_account = provisio::config::Rate::parse("3/15m").unwrap(),
    |app| {
        // The client sends a line naming the victim's address; the trusted proxy (the
        // loopback peer) appends its own line with the client's real address.
        let sign_in = |own_line: &'static str, password: &'static str| {
            let address = app.address.clone();
            async move {
                let client = reqwest::Client::builder()
                    .cookie_store(true)
                    .redirect(reqwest::redirect::Policy::none())
                    .build()
                    .unwrap();
                let page = client.get(format!("{address}/login")).send().await.unwrap().text().await.unwrap();
                let mut headers = reqwest::header::HeaderMap::new();
                headers.append("X-Forwarded-For", own_line.parse().unwrap());
                headers.append("X-Forwarded-For", "198.51.100.66".parse().unwrap());
                client
                    .post(format!("{address}/login"))
                    .headers(headers)
                    .form(&[
                        ("email", "viewer@acme.example"),
                        ("password", password),
                        ("csrf_token", &csrf_token(&page)),
                    ])
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            }
        };
        for own in ["203.0.113.7", "203.0.113.8", "203.0.113.9"] {
            assert_eq!(sign_in(own, "wrong").await, 401);
        }
        // Rotating its own line gives no fourth guess: the address is the proxy's word.
        assert_eq!(sign_in("203.0.113.10", "wrong").await, 429);
        // The victim, whose address the client named, is not locked out.
        assert_eq!(sign_in_from(&app, "203.0.113.7", "viewer@acme.example", PASSWORD).await.status(), 303);
    }
);

on_both_with_smtp!(an_invitation_link_is_built_on_the_public_url_never_on_request_headers, |app, smtp| {
    let file = serde_json::json!({"companies": [], "orders": [], "users": [
        {"email": "admin@acme.example", "name": "Ada Admin", "company": "acme", "password": PASSWORD, "company_admin": true}]});
    app.store.import(&serde_json::from_value(file).unwrap(), chrono::Utc::now()).await.unwrap();
    let admin = app.login("admin@acme.example").await;
    let invited = admin
        .client
        .post(format!("{}/company/users", admin.base))
        .header("Host", "evil.example")
        .header("X-Forwarded-Host", "evil.example")
        .header("X-Forwarded-Proto", "https")
        .header("Forwarded", "host=evil.example;proto=https")
        .form(&[("email", "ivy@acme.example"), ("name", "Ivy Invitee"), ("csrf_token", admin.csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(invited.status(), 303);
    let messages = smtp.wait_for(1).await;
    let body = messages[0].data.replace("=\r\n", "").replace("=\n", "").replace("=3D", "=");
    assert!(!body.contains("evil.example"), "no header built the link");
    // PROVISIO_PUBLIC_URL defaults to the bound address.
    assert!(body.contains(&format!("{}/invitations/", app.address)), "the link is on PROVISIO_PUBLIC_URL");
});
