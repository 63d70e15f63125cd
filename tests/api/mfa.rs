//! Strong sign-in (docs/product.md rule 15), on both databases: one-time code enrolment
//! with its QR code and recovery codes, the second step of sign-in before any session,
//! codes that work once, recovery codes, throttling like passwords, PROVISIO_MFA sending
//! covered users to enrol first, the fresh check that expires after ten minutes (a held
//! clock, no sleeping), API tokens untouched, and every change recorded and emailed.

use chrono::{DateTime, Duration, Utc};
use provisio::clock::Clock;
use provisio::domain::MfaPolicy;
use scraper::{Html, Selector};

use crate::helpers::*;
use crate::tests_on_both_backends;

/// The application under `policy`, with a held clock (codes and the fresh check are
/// measured by it), a company admin of acme, and 127.0.0.1 as a trusted proxy (so a test
/// can speak from other client addresses).
async fn spawn(backend: Backend, policy: MfaPolicy, smtp: Option<&str>) -> Option<(TestApp, Clock)> {
    let clock = Clock::held(Utc::now());
    let app = TestApp::spawn_with(backend, |c| {
        c.mfa = policy;
        c.clock = clock.clone();
        c.login.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
        c.login.per_account = provisio::config::Rate { count: 3, per: Duration::minutes(15) };
        if let Some(url) = smtp {
            c.mail.smtp = Some(provisio::config::SmtpUrl::parse(url).unwrap());
        }
    })
    .await?;
    let admins = serde_json::json!({
        "companies": [],
        "users": [{"email": "admin@acme.example", "name": "Ada Admin", "company": "acme", "password": PASSWORD,
                   "company_admin": true}],
        "orders": []
    });
    app.store.import(&serde_json::from_value(admins).unwrap(), Utc::now()).await.unwrap();
    Some((app, clock))
}

/// The code of the base32 `key` (spaces allowed) at `at`.
fn code_at(key: &str, at: DateTime<Utc>) -> String {
    let secret = totp_rs::Secret::try_from_base32(key.replace(' ', "")).expect("a base32 key");
    let totp = totp_rs::Builder::new().with_secret(secret.as_ref().to_vec()).build().unwrap();
    totp.generate(at.timestamp() as u64).to_string()
}

fn texts(html: &str, selector: &str) -> Vec<String> {
    let doc = Html::parse_document(html);
    doc.select(&Selector::parse(selector).unwrap()).map(|e| e.text().collect::<String>().trim().to_string()).collect()
}

/// Signs in with the password alone (the session cookie, if one came, kept).
async fn password_step(app: &TestApp, email: &str, next: &str) -> (User, reqwest::Response) {
    let mut user = app.client();
    let response = user.sign_in(email, PASSWORD, next).await;
    (user, response)
}

/// Posts the second step's form of `user`'s pending sign-in.
async fn second_step(user: &User, code: &str) -> reqwest::Response {
    let page = user.get_html("/login/second-factor").await;
    let token = csrf_token(&page);
    user.client
        .post(format!("{}/login/second-factor", user.base))
        .form(&[("code", code), ("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap()
}

/// Turns one-time codes on for the signed-in `user`: the key and the ten recovery codes.
async fn enrol(user: &User, clock: &Clock) -> (String, Vec<String>) {
    let start = user.post("/account/totp", &[]).await;
    assert_eq!(start.status(), 303);
    assert_eq!(location(start.headers()), "/account/security");
    let page = user.get_html("/account/security").await;
    let key = texts(&page, "[data-totp-secret]").pop().expect("the key as text");
    assert_eq!(key.len(), 32, "160 bits in base32, as it is: {key}");
    assert!(key.chars().all(|c| c.is_ascii_uppercase() || ('2'..='7').contains(&c)), "{key}");
    assert_eq!(count(&page, "img[src^='data:image/svg+xml;base64,']"), 1, "the QR code, drawn here");
    let confirmed = user.post("/account/totp", &[("code", &code_at(&key, clock.now()))]).await;
    assert_eq!(confirmed.status(), 200);
    let page = confirmed.text().await.unwrap();
    let recovery = texts(&page, "[data-recovery-code]");
    assert_eq!(recovery.len(), 10, "{page}");
    (key, recovery)
}

/// A signed-in user whose one-time codes are on: their client, key and recovery codes.
async fn enrolled(app: &TestApp, clock: &Clock, email: &str) -> (User, String, Vec<String>) {
    let mut user = app.login(email).await;
    let (key, recovery) = enrol(&user, clock).await;
    user.refresh_csrf().await;
    // The enrolment used this step's code: sign-ins take the next one.
    clock.advance(Duration::seconds(30));
    (user, key, recovery)
}

/// Signs in with the password and then `code`: the signed-in user.
async fn sign_in_with_code(app: &TestApp, email: &str, code: &str) -> User {
    let (mut user, response) = password_step(app, email, "/orders").await;
    assert_eq!(location(response.headers()), "/login/second-factor");
    let done = second_step(&user, code).await;
    assert_eq!(done.status(), 303, "the second step of {email}");
    assert_eq!(location(done.headers()), "/orders");
    user.refresh_csrf().await;
    user
}

mod enrolment_shows_the_key_once_and_records_it {
    use super::*;

    async fn run(backend: Backend) {
        let smtp = crate::smtp::SmtpServer::start().await;
        let Some((app, clock)) = spawn(backend, MfaPolicy::NONE, Some(&smtp.url())).await else { return };
        let user = app.login("editor@acme.example").await;
        let page = user.get_html("/account/security").await;
        assert_eq!(count(&page, "[data-factor='totp'][data-on='false']"), 1);
        assert_eq!(count(&page, "[data-totp-secret]"), 0, "no key before the start");
        assert!(page.contains("href=\"/account/security\""), "linked in the navigation");

        let encoding = |response: &reqwest::Response| response.headers().get("content-encoding").cloned();
        let compressed =
            user.client.get(format!("{}/account/security", user.base)).header("Accept-Encoding", "br, gzip");
        assert!(encoding(&compressed.send().await.unwrap()).is_some(), "a page without a secret is compressed");
        user.post("/account/totp", &[]).await;
        let page = user.get_html("/account/security").await;
        let key = texts(&page, "[data-totp-secret]").pop().unwrap();
        // The key is shown on every visit until confirmed: never compressed (BREACH).
        let plain = user.client.get(format!("{}/account/security", user.base)).header("Accept-Encoding", "br, gzip");
        let plain = plain.send().await.unwrap();
        assert_eq!(encoding(&plain), None);
        assert!(plain.text().await.unwrap().contains("data-totp-secret"));
        // A wrong code turns nothing on; the key stays shown.
        let wrong = user.post("/account/totp", &[("code", "000000")]).await;
        assert_eq!(wrong.status(), 422);
        let wrong = wrong.text().await.unwrap();
        assert_eq!(texts(&wrong, "[data-totp-secret]"), vec![key.clone()]);
        assert_eq!(count(&wrong, "[data-recovery-code]"), 0);
        // A code two steps old is refused too.
        let old = user.post("/account/totp", &[("code", &code_at(&key, clock.now() - Duration::seconds(61)))]).await;
        assert_eq!(old.status(), 422);

        let right = user.post("/account/totp", &[("code", &code_at(&key, clock.now()))]).await;
        assert_eq!(right.status(), 200);
        let right = right.text().await.unwrap();
        let codes = texts(&right, "[data-recovery-code]");
        assert_eq!(codes.len(), 10);
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 10);
        // Shown once: the page afterwards has neither the codes nor the key.
        let page = user.get_html("/account/security").await;
        assert_eq!(count(&page, "[data-recovery-code]"), 0);
        assert_eq!(count(&page, "[data-totp-secret]"), 0);
        assert_eq!(count(&page, "[data-factor='totp'][data-on='true']"), 1);
        assert!(page.contains("10 recovery codes left"), "{page}");
        // Stored hashed (SHA-256 in hex), the key sealed: neither in plain text.
        let hashed =
            app.db_count("SELECT COUNT(*) FROM recovery_codes WHERE id > $1 AND length(code_hash) = 64", 0).await;
        assert_eq!(hashed, 10);
        let editor = app.store.user_credentials("editor@acme.example").await.unwrap().unwrap().0;
        let stored = app.store.totp_factor(editor.id).await.unwrap().unwrap().secret;
        assert!(!stored.contains(&key.replace(' ', "")) && stored.len() > 40, "{stored}");

        // A security_change transaction for the user, and an email to their own address.
        app.outbox_settled().await;
        let messages = smtp.messages();
        let notice = messages
            .iter()
            .find(|m| m.to == vec!["editor@acme.example".to_string()])
            .expect("an email to the user's own address");
        assert!(notice.data.contains("One-time codes turned on"), "{}", notice.data);
        assert!(notice.data.contains("/account/security"));
        let mine = user.get_html("/transactions?type=security_change").await;
        assert_eq!(count(&mine, "[data-type='security_change'][data-status='success']"), 1, "{mine}");
        assert!(mine.contains("editor@acme.example"));
        // A colleague of the same company does not see it; an operator does.
        let colleague = app.login("viewer@acme.example").await;
        let theirs = colleague.get_html("/transactions?type=security_change").await;
        assert_eq!(count(&theirs, "[data-type='security_change']"), 0);
        let ops = app.login("ops@vendor.example").await;
        let all = ops.get_html("/transactions?type=security_change").await;
        assert_eq!(count(&all, "[data-type='security_change']"), 1);
    }

    tests_on_both_backends!(run);
}

mod sign_in_asks_for_the_code_before_any_session_and_a_code_works_once {
    use super::*;

    async fn run(backend: Backend) {
        let Some((app, clock)) = spawn(backend, MfaPolicy::NONE, None).await else { return };
        let (_, key, _) = enrolled(&app, &clock, "editor@acme.example").await;
        let sessions = app.store.session_count().await.unwrap();

        // Right password: no session yet, only the signed cookie of the second step.
        let (user, response) = password_step(&app, "editor@acme.example", "/orders/WO-1001").await;
        assert_eq!(response.status(), 303);
        assert_eq!(location(response.headers()), "/login/second-factor");
        let cookies: Vec<String> = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().split('=').next().unwrap().to_string())
            .collect();
        assert!(!cookies.contains(&"provisio_session".to_string()), "{cookies:?}");
        assert_eq!(app.store.session_count().await.unwrap(), sessions, "no session row before the code");
        assert_eq!(location(user.get("/orders").await.headers()), "/login?next=%2Forders", "not signed in yet");

        // A wrong code: 401 with the form again.
        let wrong = second_step(&user, "123456").await;
        assert_eq!(wrong.status(), 401);
        assert!(wrong.text().await.unwrap().contains("action=\"/login/second-factor\""));
        // The right code: the session starts and the sign-in goes where it was going.
        let code = code_at(&key, clock.now());
        let right = second_step(&user, &code).await;
        assert_eq!(right.status(), 303);
        assert_eq!(location(right.headers()), "/orders/WO-1001");
        assert_eq!(app.store.session_count().await.unwrap(), sessions + 1);
        assert_eq!(user.get("/orders").await.status(), 200);

        // The same code cannot be used again, not even in another browser.
        let (again, _) = password_step(&app, "editor@acme.example", "").await;
        assert_eq!(second_step(&again, &code).await.status(), 401, "a code works once");
        // The next step's code does.
        clock.advance(Duration::seconds(30));
        assert_eq!(second_step(&again, &code_at(&key, clock.now())).await.status(), 303);

        // The second step lasts five minutes.
        let (late, _) = password_step(&app, "editor@acme.example", "").await;
        clock.advance(Duration::minutes(5) + Duration::seconds(1));
        let expired = late.get("/login/second-factor").await;
        assert_eq!(expired.status(), 303);
        assert_eq!(location(expired.headers()), "/login");
        // A cookie this portal did not sign is no pending sign-in, whatever it says.
        let bare = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let login = bare.get(format!("{}/login", app.address)).send().await.unwrap();
        let nonce = login
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_string())
            .find(|c| c.starts_with("provisio_login="))
            .unwrap();
        let token = csrf_token(&login.text().await.unwrap());
        let editor = app.store.user_credentials("editor@acme.example").await.unwrap().unwrap().0;
        let claim = format!("{}.{}.Lw", editor.id, clock.now().timestamp());
        let forged = bare
            .post(format!("{}/login/second-factor", app.address))
            .header("Cookie", format!("{nonce}; provisio_second_factor={claim}"))
            .form(&[("code", code_at(&key, clock.now()).as_str()), ("csrf_token", token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!((forged.status().as_u16(), location(forged.headers())), (303, "/login".into()));
        assert!(
            forged
                .headers()
                .get_all("set-cookie")
                .iter()
                .all(|c| !c.to_str().unwrap().starts_with("provisio_session="))
        );
    }

    tests_on_both_backends!(run);
}

mod a_recovery_code_signs_in_once {
    use super::*;

    async fn run(backend: Backend) {
        let Some((app, clock)) = spawn(backend, MfaPolicy::NONE, None).await else { return };
        let (user, _, recovery) = enrolled(&app, &clock, "editor@acme.example").await;
        let signed_in = sign_in_with_code(&app, "editor@acme.example", &recovery[3].to_uppercase()).await;
        assert_eq!(signed_in.get("/orders").await.status(), 200);
        let (again, _) = password_step(&app, "editor@acme.example", "").await;
        assert_eq!(second_step(&again, &recovery[3]).await.status(), 401, "used once");
        assert_eq!(second_step(&again, "aaaa-bbbb-cccc-dddd").await.status(), 401, "not one of theirs");
        let page = user.get_html("/account/security").await;
        assert!(page.contains("9 recovery codes left"), "{page}");
        let changes = user.get_html("/transactions?type=security_change").await;
        assert!(changes.contains("A recovery code was used to sign in"), "{changes}");
    }

    tests_on_both_backends!(run);
}

mod wrong_codes_are_throttled_per_client_address_and_account {
    use super::*;

    async fn second_step_from(user: &User, from: &str, code: &str) -> reqwest::Response {
        let token = csrf_token(&user.get_html("/login/second-factor").await);
        user.client
            .post(format!("{}/login/second-factor", user.base))
            .header("X-Forwarded-For", from)
            .form(&[("code", code), ("csrf_token", token.as_str())])
            .send()
            .await
            .unwrap()
    }

    async fn run(backend: Backend) {
        let Some((app, clock)) = spawn(backend, MfaPolicy::NONE, None).await else { return };
        let (_, key, _) = enrolled(&app, &clock, "editor@acme.example").await;
        let (user, _) = password_step(&app, "editor@acme.example", "").await;
        // PROVISIO_LOGIN_LIMIT is 3 per 15 minutes here.
        for _ in 0..3 {
            assert_eq!(second_step_from(&user, "198.51.100.7", "111111").await.status(), 401);
        }
        let throttled = second_step_from(&user, "198.51.100.7", &code_at(&key, clock.now())).await;
        assert_eq!(throttled.status(), 429, "even the right code waits");
        assert!(throttled.headers().get("retry-after").is_some());
        // Another address is not affected: the account is never locked.
        assert_eq!(second_step_from(&user, "203.0.113.9", &code_at(&key, clock.now())).await.status(), 303);
        assert_eq!(app.store.login_failures("198.51.100.7", "code:editor@acme.example").await.unwrap(), 3);
    }

    tests_on_both_backends!(run);
}

mod the_policy_sends_covered_users_to_enrol_first {
    use super::*;

    async fn run(backend: Backend) {
        // The default: operators and company admins.
        let Some((app, clock)) = spawn(backend, MfaPolicy::default(), None).await else { return };
        for email in ["ops@vendor.example", "admin@acme.example"] {
            let (user, response) = password_step(&app, email, "/orders").await;
            assert_eq!(response.status(), 303);
            assert_eq!(location(response.headers()), "/account/security", "{email}: enrol first");
            for path in ["/orders", "/attention", "/transactions", "/company/users?company=acme"] {
                let other = user.get(path).await;
                assert_eq!((other.status().as_u16(), location(other.headers())), (303, "/account/security".into()));
            }
            let htmx = user.get_htmx("/orders").await;
            assert_eq!(htmx.status(), 401);
            assert_eq!(htmx.headers().get("hx-redirect").unwrap(), "/account/security");
            let page = user.get_html("/account/security").await;
            assert_eq!(count(&page, "[data-mfa-required]"), 1);
            let mut user = user;
            user.csrf = csrf_token(&page);
            let refused = user.post("/company/users?company=acme", &[("email", "x@acme.example"), ("name", "X")]).await;
            assert_eq!(location(refused.headers()), "/account/security", "a POST elsewhere is refused too");
            enrol(&user, &clock).await;
            assert_eq!(user.get("/orders").await.status(), 200, "{email}: enrolled, the portal opens");
            clock.advance(Duration::seconds(30));
        }
        // Not covered: a user without a role signs in with the password alone.
        let (viewer, response) = password_step(&app, "viewer@acme.example", "/orders").await;
        assert_eq!(location(response.headers()), "/orders");
        assert_eq!(viewer.get("/orders").await.status(), 200);
    }

    tests_on_both_backends!(run);
}

mod all_covers_every_user {
    use super::*;

    async fn run(backend: Backend) {
        let Some((app, _clock)) = spawn(backend, MfaPolicy::ALL, None).await else { return };
        let (_, response) = password_step(&app, "viewer@acme.example", "/orders").await;
        assert_eq!(location(response.headers()), "/account/security");
    }

    tests_on_both_backends!(run);
}

mod the_fresh_check_expires_after_ten_minutes {
    use super::*;

    async fn run(backend: Backend) {
        let Some((app, clock)) = spawn(backend, MfaPolicy::NONE, None).await else { return };
        let mut admin = app.login("admin@acme.example").await;
        admin.refresh_csrf().await;
        let made = admin.post("/company/tokens", &[("name", "fresh"), ("scope", "read")]).await;
        assert_eq!(made.status(), 200, "right after sign-in the check is fresh");

        clock.advance(Duration::minutes(10));
        let still = admin.post("/company/tokens", &[("name", "still fresh"), ("scope", "read")]).await;
        assert_eq!(still.status(), 200, "ten minutes is still fresh");
        clock.advance(Duration::seconds(1));
        let tokens = app.db_count("SELECT COUNT(*) FROM api_tokens WHERE id > $1", 0).await;
        let users = app.db_count("SELECT COUNT(*) FROM users WHERE id > $1", 0).await;
        // Every change that asks for it answers 303 to the check, and changes nothing.
        for (path, fields) in [
            ("/company/tokens", vec![("name", "late"), ("scope", "read")]),
            ("/company/users", vec![("email", "new@acme.example"), ("name", "New Person")]),
            ("/company/users/viewer@acme.example", vec![("can_edit", "on")]),
        ] {
            let late = admin.post(path, &fields).await;
            assert_eq!(late.status(), 303, "{path}");
            assert!(
                location(late.headers()).starts_with("/login/confirm?next=%2F"),
                "{path}: {}",
                location(late.headers())
            );
            let htmx = admin
                .client
                .post(format!("{}{path}", admin.base))
                .header("HX-Request", "true")
                .header("X-CSRF-Token", &admin.csrf)
                .form(&fields)
                .send()
                .await
                .unwrap();
            assert_eq!(htmx.status(), 401, "{path}");
            assert!(htmx.headers().get("hx-redirect").unwrap().to_str().unwrap().starts_with("/login/confirm"));
        }
        assert_eq!(app.db_count("SELECT COUNT(*) FROM api_tokens WHERE id > $1", 0).await, tokens);
        assert_eq!(app.db_count("SELECT COUNT(*) FROM users WHERE id > $1", 0).await, users);
        let viewer = app.store.user_credentials("viewer@acme.example").await.unwrap().unwrap().0;
        assert!(!viewer.can_edit);

        // Without a second factor, the check is the password; then back to the page.
        let back = admin
            .client
            .post(format!("{}/company/tokens", admin.base))
            .header("Referer", format!("{}/company/tokens", admin.base))
            .form(&[("name", "late"), ("scope", "read"), ("csrf_token", admin.csrf.as_str())])
            .send()
            .await
            .unwrap();
        let confirm = location(back.headers());
        assert_eq!(confirm, "/login/confirm?next=%2Fcompany%2Ftokens");
        let form = admin.get_html(&confirm).await;
        assert_eq!(count(&form, "input[name=password]"), 1);
        assert_eq!(count(&form, "input[name=next][value='/company/tokens']"), 1);
        let wrong = admin.post("/login/confirm", &[("password", "wrong password"), ("next", "/company/tokens")]).await;
        assert_eq!(wrong.status(), 401);
        let right = admin.post("/login/confirm", &[("password", PASSWORD), ("next", "/company/tokens")]).await;
        assert_eq!((right.status().as_u16(), location(right.headers())), (303, "/company/tokens".into()));
        let made = admin.post("/company/tokens", &[("name", "late"), ("scope", "read")]).await;
        assert_eq!(made.status(), 200, "fresh again");

        // With one-time codes, the check is a code (a password is not enough), and removing
        // them asks for it too.
        let (key, _) = enrol(&admin, &clock).await;
        clock.advance(Duration::minutes(11));
        let remove = admin.post("/account/totp/remove", &[]).await;
        assert!(location(remove.headers()).starts_with("/login/confirm"));
        let renew = admin.post("/account/recovery-codes", &[]).await;
        assert!(location(renew.headers()).starts_with("/login/confirm"));
        let form = admin.get_html("/login/confirm?next=%2Faccount%2Fsecurity").await;
        assert_eq!(count(&form, "input[name=code]"), 1);
        let password = admin.post("/login/confirm", &[("password", PASSWORD), ("next", "/account/security")]).await;
        assert_eq!(password.status(), 401);
        let code =
            admin.post("/login/confirm", &[("code", &code_at(&key, clock.now())), ("next", "/account/security")]).await;
        assert_eq!(location(code.headers()), "/account/security");
        let renewed = admin.post("/account/recovery-codes", &[]).await;
        assert_eq!(renewed.status(), 200);
        assert_eq!(count(&renewed.text().await.unwrap(), "[data-recovery-code]"), 10);
        let removed = admin.post("/account/totp/remove", &[]).await;
        assert_eq!(location(removed.headers()), "/account/security");
        assert!(!app.store.has_second_factor(admin_id(&app).await).await.unwrap());
    }

    async fn admin_id(app: &TestApp) -> i64 {
        app.store.user_credentials("admin@acme.example").await.unwrap().unwrap().0.id
    }

    tests_on_both_backends!(run);
}

mod operators_retries_ask_for_a_fresh_check {
    use super::*;

    async fn run(backend: Backend) {
        let Some((app, clock)) = spawn(backend, MfaPolicy::NONE, None).await else { return };
        let ops = app.login("ops@vendor.example").await;
        // A transaction operators may see and retry (the fixture has none).
        let editor = app.store.user_credentials("editor@acme.example").await.unwrap().unwrap().0;
        let id = app
            .store
            .record_security_change(&editor, &provisio::domain::SecurityChange::TotpOn, Utc::now())
            .await
            .unwrap();
        clock.advance(Duration::minutes(11));
        let retry = ops.post(&format!("/transactions/{id}/retry"), &[]).await;
        // Visible and permitted first (an unknown id is 404 whatever the check).
        assert_eq!(ops.post("/transactions/999999/retry", &[]).await.status(), 404);
        assert_eq!(retry.status(), 303);
        assert!(location(retry.headers()).starts_with("/login/confirm?next="));
    }

    tests_on_both_backends!(run);
}

mod api_tokens_are_unaffected_by_mfa {
    use super::*;

    async fn run(backend: Backend) {
        let Some((app, clock)) = spawn(backend, MfaPolicy::ALL, None).await else { return };
        // The admin enrols (everyone must), then makes a token.
        let (admin, _) = password_step(&app, "admin@acme.example", "").await;
        let page = admin.get_html("/account/security").await;
        let mut admin = admin;
        admin.csrf = csrf_token(&page);
        enrol(&admin, &clock).await;
        admin.refresh_csrf().await;
        let made = admin.post("/company/tokens", &[("name", "partner system"), ("scope", "read")]).await;
        assert_eq!(made.status(), 200);
        let secret = texts(&made.text().await.unwrap(), "[data-token-secret]").pop().unwrap();
        // A bearer token is no sign-in: no second factor, no enrolment, no fresh check.
        clock.advance(Duration::hours(1));
        let api = reqwest::Client::new();
        let orders = api.get(format!("{}/api/v1/orders", app.address)).bearer_auth(&secret).send().await.unwrap();
        assert_eq!(orders.status(), 200);
        let transactions =
            api.get(format!("{}/api/v1/transactions", app.address)).bearer_auth(&secret).send().await.unwrap();
        assert_eq!(transactions.status(), 200);
        let body: serde_json::Value = transactions.json().await.unwrap();
        assert!(
            body["items"].as_array().unwrap().iter().all(|t| t["type"] != "security_change"),
            "a token sees no one's security changes: {body}"
        );
    }

    tests_on_both_backends!(run);
}

mod the_new_pages_speak_korean_and_swedish {
    use super::*;

    async fn run(backend: Backend) {
        let Some((app, clock)) = spawn(backend, MfaPolicy::NONE, None).await else { return };
        let (mut user, _, _) = enrolled(&app, &clock, "editor@acme.example").await;
        for (lang, security, confirm, second) in [
            ("ko", "계정 보안", "본인 확인", "로그인 두 번째 단계"),
            ("sv", "Kontosäkerhet", "Bekräfta att det är du", "Inloggningens andra steg"),
        ] {
            user.post("/settings/language", &[("lang", lang)]).await;
            user.refresh_csrf().await;
            let page = user.get_html("/account/security").await;
            assert!(page.contains(security) && !page.contains("One-time codes"), "{lang}: {page}");
            let page = user.get_html("/login/confirm?next=/orders").await;
            assert!(page.contains(confirm) && !page.contains("Confirm it is you"), "{lang}: {page}");
            let anonymous = reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap();
            let login = anonymous.get(format!("{}/login", app.address)).header("Accept-Language", lang).send().await;
            let token = csrf_token(&login.unwrap().text().await.unwrap());
            anonymous
                .post(format!("{}/login", app.address))
                .form(&[("email", "editor@acme.example"), ("password", PASSWORD), ("csrf_token", token.as_str())])
                .send()
                .await
                .unwrap();
            let page = anonymous
                .get(format!("{}/login/second-factor", app.address))
                .header("Accept-Language", lang)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            assert!(page.contains(second), "{lang}: {page}");
        }
    }

    tests_on_both_backends!(run);
}

/// `serve --demo` on a new database: every demo user signs in with what it prints, the
/// operator and the company admin with a one-time code of the printed key too.
#[tokio::test]
async fn the_demo_prints_how_every_demo_user_signs_in() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_provisio"))
        .args(["serve", "--demo", "--bind", "127.0.0.1:0"])
        .current_dir(dir.path())
        .env_remove("DATABASE_URL")
        .env_remove("PROVISIO_MFA")
        .env_remove("SMTP_URL")
        .env_remove("PROVISIO_PUBLIC_URL")
        .env("PROVISIO_LOG", "error")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut printed = String::new();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let address = loop {
        let line = lines.next().expect("the demo prints until it listens").unwrap();
        printed.push_str(&line);
        printed.push('\n');
        if let Some(address) = line.strip_prefix("Provisio listening on ") {
            break address.to_string();
        }
    };
    let key = provisio::demo::DEMO_TOTP_KEY;
    assert!(printed.contains(key), "{printed}");
    for (email, _) in provisio::demo::DEMO_USERS {
        let client =
            reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let page = client.get(format!("{address}/login")).send().await.unwrap().text().await.unwrap();
        let token = csrf_token(&page);
        let form = [("email", email), ("password", provisio::demo::DEMO_PASSWORD), ("csrf_token", token.as_str())];
        let response = client.post(format!("{address}/login")).form(&form).send().await.unwrap();
        let mut target = location(response.headers());
        let coded = email == "ops@provisio.example" || email == "ben@acme.example";
        assert!(printed.lines().any(|l| l.contains(email) && l.ends_with(" *") == coded), "{email}: {printed}");
        if coded {
            assert_eq!(target, "/login/second-factor", "{email}");
            let page = client.get(format!("{address}{target}")).send().await.unwrap().text().await.unwrap();
            let token = csrf_token(&page);
            let code = code_at(key, Utc::now());
            let form = [("code", code.as_str()), ("csrf_token", token.as_str())];
            let done = client.post(format!("{address}/login/second-factor")).form(&form).send().await.unwrap();
            target = location(done.headers());
        }
        assert_eq!(target, "/attention", "{email}");
        assert_eq!(client.get(format!("{address}/attention")).send().await.unwrap().status(), 200, "{email}");
    }
    child.kill().unwrap();
    child.wait().unwrap();
}
