//! Passkeys over HTTP (the ceremonies themselves run in Chromium with a virtual
//! authenticator: `browser::passkeys_register_and_sign_in_in_chromium`): what the starts
//! hand the browser, where the ceremonies' state lives, what each finish refuses, removing
//! one's own passkey only, and passkeys off where the public address is an IP address.

use crate::helpers::*;
use crate::on_both;

/// The application with passkeys on: its public address has a host name.
async fn spawn_with_passkeys(backend: Backend) -> Option<TestApp> {
    TestApp::spawn_with(backend, |c| c.public_url = "http://localhost:8080".to_string()).await
}

/// Posts JSON with the token in `X-CSRF-Token`, as passkeys.js does.
async fn post_json(user: &User, path: &str, token: &str, body: serde_json::Value) -> reqwest::Response {
    user.client.post(format!("{}{path}", user.base)).header("X-CSRF-Token", token).json(&body).send().await.unwrap()
}

/// A passkey of `user_id` written straight into the database (no authenticator here):
/// enough for the list and for removing it. Its id.
async fn stored_passkey(app: &TestApp, user_id: i64, name: &str) -> i64 {
    execute_directly(
        &app.database_url,
        "INSERT INTO passkeys (user_id, credential_id, name, credential, created_at) VALUES ($1, $2, $3, '{}', $4)",
        |b| b.int(user_id).text(format!("cred-{name}")).text(name).time(chrono::Utc::now()),
    )
    .await;
    app.db_count("SELECT MAX(id) FROM passkeys WHERE user_id = $1", user_id).await
}

async fn user_id(app: &TestApp, email: &str) -> i64 {
    app.store.user_credentials(email).await.unwrap().unwrap().0.id
}

mod registration_starts_with_a_discoverable_passkey_and_keeps_its_state_server_side {
    use super::*;
    crate::tests_on_both_backends!(run);

    async fn run(backend: Backend) {
        let Some(app) = spawn_with_passkeys(backend).await else { return };
        let user = app.login("editor@acme.example").await;
        let start = "/account/passkeys/register/start";
        // The token travels in the header; without it nothing starts.
        let refused = user.client.post(format!("{}{start}", user.base)).json(&serde_json::json!({"name": "Laptop"}));
        assert_eq!(refused.send().await.unwrap().status(), 403);
        // A name is needed before the browser is asked anything.
        let nameless = post_json(&user, start, &user.csrf, serde_json::json!({"name": "  "})).await;
        assert_eq!(nameless.status(), 422);
        assert!(nameless.json::<serde_json::Value>().await.unwrap()["error"].as_str().unwrap().contains("name"));
        let long = post_json(&user, start, &user.csrf, serde_json::json!({"name": "x".repeat(61)})).await;
        assert_eq!(long.status(), 422);

        let answer = post_json(&user, start, &user.csrf, serde_json::json!({"name": "Work laptop"})).await;
        assert_eq!(answer.status(), 200);
        let options: serde_json::Value = answer.json().await.unwrap();
        let key = &options["publicKey"];
        assert_eq!(key["rp"]["id"], "localhost", "the relying party is PROVISIO_PUBLIC_URL's host");
        assert_eq!(key["authenticatorSelection"]["residentKey"], "required", "a discoverable passkey");
        assert_eq!(key["authenticatorSelection"]["userVerification"], "required");
        assert_eq!(key["user"]["name"], "editor@acme.example");
        assert!(key["challenge"].as_str().is_some_and(|c| c.len() >= 43), "{options}");
        // The user handle is a random UUID of the user's, the same at the next start.
        let handle = key["user"]["id"].as_str().unwrap().to_string();
        let again: serde_json::Value =
            post_json(&user, start, &user.csrf, serde_json::json!({"name": "Phone"})).await.json().await.unwrap();
        assert_eq!(again["publicKey"]["user"]["id"], handle.as_str());
        assert_ne!(again["publicKey"]["challenge"], key["challenge"], "a new challenge each time");
        // The state stays on the server, with the session; the browser holds no cookie for it.
        let editor = user_id(&app, "editor@acme.example").await;
        let with_state = "SELECT COUNT(*) FROM sessions WHERE ceremony IS NOT NULL AND user_id = $1";
        assert_eq!(app.db_count(with_state, editor).await, 1);

        // A finish with an answer that is not the authenticator's is refused, and takes the
        // state with it: the same finish again finds none.
        let forged = serde_json::json!({"credential": {
            "id": "AAAA", "rawId": "AAAA", "type": "public-key",
            "response": {"attestationObject": "AAAA", "clientDataJSON": "AAAA"}
        }});
        let finish = "/account/passkeys/register/finish";
        let first = post_json(&user, finish, &user.csrf, forged.clone()).await;
        assert_eq!(first.status(), 400);
        let second = post_json(&user, finish, &user.csrf, forged).await;
        assert_eq!(second.status(), 400);
        let message = second.json::<serde_json::Value>().await.unwrap()["error"].as_str().unwrap().to_string();
        assert!(message.contains("Try again"), "{message}");
        assert_eq!(app.db_count(with_state, editor).await, 0, "the state was taken once");
        assert_eq!(app.db_count("SELECT COUNT(*) FROM passkeys WHERE user_id > $1", 0).await, 0, "nothing was kept");
    }
}

mod sign_in_starts_without_a_session_and_refuses_what_does_not_verify {
    use super::*;
    crate::tests_on_both_backends!(run);

    async fn run(backend: Backend) {
        let Some(app) = spawn_with_passkeys(backend).await else { return };
        let visitor = app.client();
        let page = visitor.get_html("/login").await;
        assert!(page.contains("Sign in with a passkey"), "the sign-in page offers passkeys");
        assert!(page.contains("Passkeys need JavaScript"), "and says, without JavaScript, that they need it");
        let token = csrf_token(&page);
        let start = "/login/passkey/start";
        let refused = visitor.client.post(format!("{}{start}", visitor.base)).json(&serde_json::json!({}));
        assert_eq!(refused.send().await.unwrap().status(), 403, "the sign-in form's token is needed");
        let answer = post_json(&visitor, start, &token, serde_json::json!({})).await;
        assert_eq!(answer.status(), 200);
        let cookie = answer.headers().get("set-cookie").unwrap().to_str().unwrap().to_string();
        assert!(
            cookie.starts_with("provisio_passkey=") && cookie.contains("HttpOnly") && cookie.contains("Max-Age=300")
        );
        let options: serde_json::Value = answer.json().await.unwrap();
        assert_eq!(options["publicKey"]["userVerification"], "required", "a passkey alone must verify its user");
        assert_eq!(options["publicKey"]["rpId"], "localhost");
        assert!(options.get("mediation").is_none(), "asked at once, on the button");
        assert!(options["publicKey"].get("allowCredentials").is_none_or(|a| a.as_array().unwrap().is_empty()));
        // Still no session: a sign-in's state is in its signed cookie, not a row.
        assert_eq!(app.store.session_count().await.unwrap(), 0);

        // An answer that does not verify signs nobody in; nor does one without the cookie.
        let forged = serde_json::json!({"credential": {
        "id": "AAAA", "rawId": "AAAA", "type": "public-key",
        "response": {"authenticatorData": "AAAA", "clientDataJSON": "AAAA", "signature": "AAAA", "userHandle": null}
    }, "next": "/orders"});
        let finish = "/login/passkey/finish";
        let refused = post_json(&visitor, finish, &token, forged.clone()).await;
        assert_eq!(refused.status(), 401);
        let again = post_json(&visitor, finish, &token, forged).await;
        assert_eq!(again.status(), 400, "the ceremony was used up: start again");
        assert_eq!(app.store.session_count().await.unwrap(), 0);
        assert_eq!(visitor.get("/orders").await.status(), 303, "not signed in");
        // Not JSON: 415 after the token; garbage: 400.
        let text = visitor
            .client
            .post(format!("{}{finish}", visitor.base))
            .header("X-CSRF-Token", &token)
            .body("credential")
            .send()
            .await
            .unwrap();
        assert_eq!(text.status(), 415);
        let garbage = visitor
            .client
            .post(format!("{}{finish}", visitor.base))
            .header("X-CSRF-Token", &token)
            .header("Content-Type", "application/json")
            .body("{not json")
            .send()
            .await
            .unwrap();
        assert_eq!(garbage.status(), 400);
    }
}

on_both!(passkeys_are_off_where_the_public_address_is_an_ip_address, |app| {
    // The test application's public address is http://127.0.0.1:PORT.
    let visitor = app.client();
    let page = visitor.get_html("/login").await;
    assert!(!page.contains("Sign in with a passkey"));
    let token = csrf_token(&page);
    let answer = post_json(&visitor, "/login/passkey/start", &token, serde_json::json!({})).await;
    assert_eq!(answer.status(), 503);
    let user = app.login("editor@acme.example").await;
    let answer =
        post_json(&user, "/account/passkeys/register/start", &user.csrf, serde_json::json!({"name": "Laptop"})).await;
    assert_eq!(answer.status(), 503);
    assert!(answer.json::<serde_json::Value>().await.unwrap()["error"].as_str().unwrap().contains("not available"));
});

on_both!(a_user_removes_their_own_passkey_and_no_one_elses, |app| {
    let editor = user_id(&app, "editor@acme.example").await;
    let viewer = user_id(&app, "viewer@acme.example").await;
    // Signed in first: with a passkey, sign-in asks for it after the password.
    let user = app.login("editor@acme.example").await;
    let own = stored_passkey(&app, editor, "Laptop").await;
    let theirs = stored_passkey(&app, viewer, "Phone").await;
    let path = |id: i64| format!("/account/passkeys/{id}/remove");
    assert_eq!(user.post_without_csrf(&path(own), &[]).await.status(), 403);
    assert_eq!(user.post(&path(theirs), &[]).await.status(), 404, "another user's passkey");
    assert_eq!(user.post("/account/passkeys/999999/remove", &[]).await.status(), 404);
    assert_eq!(user.post("/account/passkeys/x/remove", &[]).await.status(), 404);
    assert_eq!(crate::my_sessions::security_changes(&app, editor, "%").await, 0);
    assert!(app.store.has_second_factor(editor).await.unwrap(), "a passkey is a second factor");
    let removed = user.post(&path(own), &[]).await;
    assert_eq!(removed.status(), 303);
    assert_eq!(location(removed.headers()), "/account/security");
    let changes = crate::my_sessions::security_changes(&app, editor, "passkey_removed:Laptop").await;
    assert_eq!(changes, 1, "recorded, and emailed to the user's own address");
    assert!(user.get_html("/account/security").await.contains("removed. It no longer signs you in"));
    assert_eq!(app.db_count("SELECT COUNT(*) FROM passkeys WHERE user_id = $1", editor).await, 0);
    assert!(!app.store.has_second_factor(editor).await.unwrap(), "none left");
    assert_eq!(app.db_count("SELECT COUNT(*) FROM passkeys WHERE user_id = $1", viewer).await, 1, "theirs stays");
    assert_eq!(user.post(&path(own), &[]).await.status(), 404, "gone already");
});

mod removing_a_passkey_asks_for_a_fresh_check_after_ten_minutes {
    use super::*;
    crate::tests_on_both_backends!(run);

    async fn run(backend: Backend) {
        let clock = provisio::clock::Clock::held(chrono::Utc::now());
        let held = clock.clone();
        let Some(app) = TestApp::spawn_with(backend, move |c| {
            c.clock = held;
            c.public_url = "http://localhost:8080".to_string();
        })
        .await
        else {
            return;
        };
        let editor = user_id(&app, "editor@acme.example").await;
        let user = app.login("editor@acme.example").await;
        let own = stored_passkey(&app, editor, "Laptop").await;
        clock.advance(chrono::Duration::minutes(10) + chrono::Duration::seconds(1));
        let asked = user.post(&format!("/account/passkeys/{own}/remove"), &[]).await;
        assert_eq!(asked.status(), 303);
        assert!(location(asked.headers()).starts_with("/login/confirm?"), "{}", location(asked.headers()));
        assert_eq!(app.db_count("SELECT COUNT(*) FROM passkeys WHERE user_id = $1", editor).await, 1, "kept");
        assert_eq!(crate::my_sessions::security_changes(&app, editor, "%").await, 0);
        // The check asks for a passkey of a user who has one, not for the password.
        let page = user.get_html(&location(asked.headers())).await;
        assert!(page.contains("Confirm with a passkey"), "{page}");
        assert!(!page.contains("name=\"password\"") && !page.contains("name=\"code\""), "{page}");
        let password = user.post("/login/confirm", &[("password", PASSWORD), ("next", "/account/security")]).await;
        assert_eq!(password.status(), 401, "the password does not answer for a passkey");
        let again = user.post(&format!("/account/passkeys/{own}/remove"), &[]).await;
        assert!(location(again.headers()).starts_with("/login/confirm?"), "still not fresh");
        // Its ceremony names this user's passkeys; a forged answer is no check.
        let options = post_json(&user, "/login/passkey/confirm/start", &user.csrf, serde_json::json!({})).await;
        assert_eq!(options.status(), 200);
        let forged = serde_json::json!({"credential": {
            "id": "AAAA", "rawId": "AAAA", "type": "public-key",
            "response": {"authenticatorData": "AAAA", "clientDataJSON": "AAAA", "signature": "AAAA", "userHandle": null}
        }, "next": "/account/security"});
        let refused = post_json(&user, "/login/passkey/confirm/finish", &user.csrf, forged).await;
        assert_eq!(refused.status(), 401);
    }
}

mod after_the_password_a_passkey_only_user_is_offered_the_passkey_alone {
    use super::*;
    crate::tests_on_both_backends!(run);

    async fn run(backend: Backend) {
        let Some(app) = spawn_with_passkeys(backend).await else { return };
        let editor = user_id(&app, "editor@acme.example").await;
        stored_passkey(&app, editor, "Laptop").await;
        let mut visitor = app.client();
        let start = "/login/passkey/second-factor/start";
        // Without a right password first there is nothing to continue.
        let token = csrf_token(&visitor.get_html("/login").await);
        let early = post_json(&visitor, start, &token, serde_json::json!({})).await;
        assert_eq!(early.status(), 400);
        let answer = visitor.sign_in("editor@acme.example", PASSWORD, "/orders").await;
        assert_eq!(answer.status(), 303);
        assert_eq!(location(answer.headers()), "/login/second-factor");
        let page = visitor.get_html("/login/second-factor").await;
        assert!(page.contains("Continue with a passkey"), "{page}");
        assert!(!page.contains("name=\"code\""), "no code form for a user without one-time codes");
        let token = csrf_token(&visitor.get_html("/login").await);
        let options = post_json(&visitor, start, &token, serde_json::json!({})).await;
        assert_eq!(options.status(), 200);
        let options: serde_json::Value = options.json().await.unwrap();
        assert_eq!(options["publicKey"]["userVerification"], "required");
        assert_eq!(app.store.session_count().await.unwrap(), 0, "no session before the second step");
        // An answer that does not verify signs nobody in.
        let forged = serde_json::json!({"credential": {
            "id": "AAAA", "rawId": "AAAA", "type": "public-key",
            "response": {"authenticatorData": "AAAA", "clientDataJSON": "AAAA", "signature": "AAAA", "userHandle": null}
        }});
        let refused = post_json(&visitor, "/login/passkey/second-factor/finish", &token, forged).await;
        assert_eq!(refused.status(), 401);
        assert_eq!(app.store.session_count().await.unwrap(), 0);
    }
}

mod a_passkey_is_the_second_factor_that_mfa_asks_for {
    use super::*;
    crate::tests_on_both_backends!(run);

    async fn run(backend: Backend) {
        let Some(app) = TestApp::spawn_with(backend, |c| {
            c.public_url = "http://localhost:8080".to_string();
            c.mfa = provisio::domain::MfaPolicy::ALL;
        })
        .await
        else {
            return;
        };
        // Everyone must enrol: without a factor, only the security page and its ceremonies.
        let mut user = app.client();
        let signed_in = user.sign_in("editor@acme.example", PASSWORD, "").await;
        assert_eq!(location(signed_in.headers()), "/account/security", "taken to enrol");
        user.csrf = csrf_token(&user.get_html("/account/security").await);
        let held = user.get("/orders").await;
        assert_eq!(held.status(), 303);
        assert_eq!(location(held.headers()), "/account/security");
        let start = "/account/passkeys/register/start";
        let answer = post_json(&user, start, &user.csrf, serde_json::json!({"name": "Laptop"})).await;
        assert_eq!(answer.status(), 200, "a passkey's registration is part of enrolling");
        // With a passkey the user is enrolled: the portal opens (read per request).
        stored_passkey(&app, user_id(&app, "editor@acme.example").await, "Laptop").await;
        assert_eq!(user.get("/orders").await.status(), 200);
    }
}
