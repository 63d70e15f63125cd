//! Sign-in, sessions, CSRF and the headers every answer carries.

use crate::helpers::*;
use crate::on_both;

/// The session cookie (`name=value`) an answer sets, if any.
fn session_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("provisio_session=") && !c.starts_with("provisio_session=;"))
}

/// GET /orders with only `cookie` (`name=value`), as another browser holding a copy would.
async fn orders_with(app: &TestApp, cookie: &str) -> u16 {
    let bare = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    bare.get(format!("{}/orders", app.address)).header("Cookie", cookie).send().await.unwrap().status().as_u16()
}

on_both!(sign_in_lands_on_next_and_rotates_the_session, |app| {
    let mut user = app.client();
    let response = user.sign_in("editor@acme.example", PASSWORD, "/orders/WO-1001").await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(response.headers()), "/orders/WO-1001");
    let cookie = session_cookie(&response).expect("sign-in sets a session cookie");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"), "{cookie}");
    assert!(!cookie.contains("Secure"), "not Secure unless PROVISIO_SECURE_COOKIES");
    let first = cookie.split(';').next().unwrap().to_string();
    assert_eq!(orders_with(&app, &first).await, 200, "the first key works");
    let html = user.get_html("/orders/WO-1001").await;
    assert!(html.contains("Sub-1001-1"));

    // The same browser signs in again (GET /login redirects a signed-in browser, so the
    // form is posted with the session's own token, as a second tab's sign-in form would be).
    let csrf = csrf_token(&html);
    let again = user
        .client
        .post(format!("{}/login", user.base))
        .form(&[("email", "editor@acme.example"), ("password", PASSWORD), ("next", ""), ("csrf_token", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 303);
    let second = session_cookie(&again).expect("a second sign-in sets a new cookie");
    let second = second.split(';').next().unwrap().to_string();
    assert_ne!(first, second, "a new key at every sign-in");
    assert_eq!(orders_with(&app, &first).await, 303, "the key held before the sign-in no longer works");
    assert_eq!(orders_with(&app, &second).await, 200, "the new key works");
    assert_eq!(user.get("/orders").await.status(), 200, "the browser holds the new key");
    assert_eq!(app.store.session_count().await.unwrap(), 1, "the old session ended on the server");
    // The CSRF token went with the old session: the new session has its own.
    user.csrf = csrf;
    assert_eq!(user.post("/settings/language", &[("lang", "sv")]).await.status(), 403, "the old token");
    user.refresh_csrf().await;
    assert_ne!(user.csrf, csrf_token(&html));
    assert_eq!(user.post("/settings/language", &[("lang", "sv")]).await.status(), 303, "the new token");
});

on_both!(unknown_user_and_wrong_password_get_the_same_answer, |app| {
    let mut a = app.client();
    let wrong = a.sign_in("editor@acme.example", "not the password", "").await;
    assert_eq!(wrong.status(), 401);
    let wrong_text = wrong.text().await.unwrap();
    let mut b = app.client();
    let unknown = b.sign_in("nobody@acme.example", "not the password", "").await;
    assert_eq!(unknown.status(), 401);
    let unknown_text = unknown.text().await.unwrap();
    let message = "The email address or password is not right";
    assert!(wrong_text.contains(message) && unknown_text.contains(message));
    // The form comes back with the typed address, never the password.
    assert!(wrong_text.contains("value=\"editor@acme.example\""));
    assert!(!wrong_text.contains("not the password"));
});

on_both!(next_is_only_a_local_path, |app| {
    for evil in ["//evil.example/x", "/\\evil.example", "https://evil.example/"] {
        let mut user = app.client();
        let response = user.sign_in("editor@acme.example", PASSWORD, evil).await;
        assert_eq!(response.status(), 303);
        assert_eq!(location(response.headers()), "/attention", "next={evil}");
    }
});

on_both!(repeated_failures_slow_the_account_down_even_with_the_right_password, |app| {
    let mut user = app.client();
    for _ in 0..5 {
        assert_eq!(user.sign_in("viewer@acme.example", "wrong password", "").await.status(), 401);
    }
    let blocked = user.sign_in("viewer@acme.example", PASSWORD, "").await;
    assert_eq!(blocked.status(), 429);
    assert!(blocked.headers().get("retry-after").is_some());
    // Another account is not affected.
    let mut other = app.client();
    assert_eq!(other.sign_in("editor@acme.example", PASSWORD, "").await.status(), 303);
});

on_both!(login_without_the_form_token_is_refused, |app| {
    let user = app.client();
    let response = user.post_without_csrf("/login", &[("email", "editor@acme.example"), ("password", PASSWORD)]).await;
    assert_eq!(response.status(), 403);
    let text = response.text().await.unwrap();
    assert!(text.contains("This form has expired"), "{text}");
    assert!(text.contains("Reload the page"));
});

on_both!(pages_need_a_session_and_bring_the_user_back, |app| {
    let user = app.client();
    let response = user.get("/orders/WO-1001?x=1").await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(response.headers()), "/login?next=%2Forders%2FWO-1001%3Fx%3D1");
    let htmx = user
        .client
        .get(format!("{}/orders/WO-1001/lines/Sub-1001-1/contact", user.base))
        .header("HX-Request", "true")
        .header("HX-Current-URL", format!("{}/orders/WO-1001", user.base))
        .send()
        .await
        .unwrap();
    assert_eq!(htmx.status(), 401);
    assert_eq!(htmx.headers().get("hx-redirect").unwrap(), "/login?next=%2Forders%2FWO-1001");
    // An action without a session goes to sign in too, and changes nothing.
    let post = user.post_without_csrf("/orders/WO-1001/lines/Sub-1001-1/contact", &[("email", "x@y.example")]).await;
    assert_eq!(post.status(), 303);
    assert!(location(post.headers()).starts_with("/login?next="));
    assert_eq!(app.healthz().await, 200);
});

on_both!(a_forged_or_unknown_session_cookie_is_simply_signed_out, |app| {
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let response = client
        .get(format!("{}/orders", app.address))
        .header("Cookie", "provisio_session=garbage")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert!(location(response.headers()).starts_with("/login"));
});

on_both!(logout_revokes_the_session_on_the_server, |app| {
    let user = app.login("editor@acme.example").await;
    // A copy of the session cookie, as a thief would keep it.
    let stolen = user.cookie.clone().unwrap();
    let thief = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let before = thief.get(format!("{}/orders", app.address)).header("Cookie", &stolen).send().await.unwrap();
    assert_eq!(before.status(), 200, "the copied cookie works while the session lives");
    let logout = user.post("/logout", &[]).await;
    assert_eq!(logout.status(), 303);
    assert_eq!(location(logout.headers()), "/login");
    assert_eq!(user.get("/orders").await.status(), 303);
    let replay = thief.get(format!("{}/orders", app.address)).header("Cookie", &stolen).send().await.unwrap();
    assert_eq!(replay.status(), 303, "a revoked session cookie no longer works");
});

on_both!(sessions_survive_a_restart_of_the_server, |app| {
    let user = app.login("editor@acme.example").await;
    // A second instance over the same database, as after a restart, knows the session.
    let config = test_config(&app.database_url, None);
    let store = provisio::store::Store::connect(&app.database_url).await.unwrap();
    let second = provisio::startup::Application::build(config, store).await.unwrap();
    let port = second.port();
    tokio::spawn(second.run_until_stopped());
    let fresh = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let response = fresh
        .get(format!("http://127.0.0.1:{port}/orders/WO-1001"))
        .header("Cookie", user.cookie.clone().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.text().await.unwrap().contains("Sub-1001-1"));
});

on_both!(every_answer_carries_the_security_headers, |app| {
    let user = app.login("editor@acme.example").await;
    for path in ["/login", "/orders", "/orders/WO-1001", "/no-such-page"] {
        let response = user.get(path).await;
        let h = response.headers();
        let csp = h.get("content-security-policy").expect("CSP").to_str().unwrap();
        assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(!csp.contains("unsafe-inline"));
        assert_eq!(h.get("x-content-type-options").unwrap(), "nosniff");
        assert!(h.get("referrer-policy").is_some());
        assert_eq!(h.get("cache-control").unwrap(), "no-store", "{path}");
    }
    // Static files have fingerprinted names and are cached for good.
    let html = user.get_html("/orders").await;
    let css = html.split("href=\"/static/app.").nth(1).unwrap().split('"').next().unwrap();
    let response = user.get(&format!("/static/app.{css}")).await;
    assert_eq!(response.status(), 200);
    assert!(response.headers().get("cache-control").unwrap().to_str().unwrap().contains("immutable"));
    assert_eq!(user.get("/static/app.css").await.status(), 404, "only fingerprinted names are served");
});

on_both!(the_language_choice_is_remembered, |app| {
    let user = app.login("editor@acme.example").await;
    let html = user.get_html("/orders").await;
    assert_eq!(count(&html, "option[lang=ko]"), 1);
    assert_eq!(count(&html, "option[lang=sv]"), 1);
    let response = user.post("/settings/language", &[("lang", "sv")]).await;
    assert_eq!(response.status(), 303);
    let bad = user.post("/settings/language", &[("lang", "xx")]).await;
    assert_eq!(bad.status(), 422);
    let html = user.get_html("/orders").await;
    assert_eq!(count(&html, "option[value=sv][selected]"), 1);
});

on_both!(signing_in_over_an_ended_session_sets_the_new_cookie_last, |app| {
    // A browser still holding the cookie of a session that ended (signed out elsewhere,
    // expired): the context queues the cookie's removal, and sign-in must not let that
    // removal follow, and so undo, the new session's cookie.
    let stale = app.login("editor@acme.example").await.cookie.unwrap();
    app.store
        .end_sessions_of(app.store.user_credentials("editor@acme.example").await.unwrap().unwrap().0.id)
        .await
        .unwrap();
    let bare = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let page = bare.get(format!("{}/login", app.address)).send().await.unwrap();
    let nonce = page.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    let token = csrf_token(&page.text().await.unwrap());
    let response = bare
        .post(format!("{}/login", app.address))
        .header("Cookie", format!("{nonce}; {stale}"))
        .form(&[("email", "editor@acme.example"), ("password", PASSWORD), ("csrf_token", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let set: Vec<String> = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .filter(|c| c.starts_with("provisio_session="))
        .collect();
    assert_eq!(set.len(), 1, "one session cookie, no removal after it: {set:?}");
    let fresh = set[0].split(';').next().unwrap();
    assert_ne!(fresh, stale);
    assert_eq!(orders_with(&app, fresh).await, 200);
});
