//! Your sessions (ASVS 3.3.4): the user's live sessions on /account/security, each named by
//! a public id of its own, this one marked; "Sign out" for one and "Sign out everywhere
//! else". An ended session's cookie is refused at once; another user's session is 404.

use scraper::{Html, Selector};

use crate::helpers::*;
use crate::on_both;

const CHROME_ON_WINDOWS: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) \
                                 Chrome/131.0.0.0 Safari/537.36";

/// A browser-like client that says it is `user_agent`, signed in as `email`.
async fn signed_in_as_browser(app: &TestApp, email: &str, user_agent: &str) -> User {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(user_agent)
        .build()
        .unwrap();
    let mut user = User { client, base: app.address.clone(), csrf: String::new(), cookie: None };
    let response = user.sign_in(email, PASSWORD, "").await;
    assert_eq!(response.status(), 303);
    user.cookie = response.headers().get("set-cookie").map(|v| v.to_str().unwrap().split(';').next().unwrap().into());
    user.refresh_csrf().await;
    user
}

/// The session rows of the security page: (public id, current, text).
fn sessions(html: &str) -> Vec<(String, bool, String)> {
    let doc = Html::parse_document(html);
    doc.select(&Selector::parse("[data-session]").unwrap())
        .map(|row| {
            let id = row.value().attr("data-session").unwrap().to_string();
            let current = row.value().attr("data-current") == Some("true");
            (id, current, row.text().collect::<Vec<_>>().join(" "))
        })
        .collect()
}

async fn own_session_id(user: &User) -> String {
    let html = user.get_html("/account/security").await;
    let rows = sessions(&html);
    let current: Vec<_> = rows.iter().filter(|(_, current, _)| *current).collect();
    assert_eq!(current.len(), 1, "exactly this session is marked: {rows:?}");
    current[0].0.clone()
}

on_both!(a_users_live_sessions_are_listed_with_this_one_marked, |app| {
    let here = app.login("editor@acme.example").await;
    let there = signed_in_as_browser(&app, "editor@acme.example", CHROME_ON_WINDOWS).await;
    let _other_user = app.login("viewer@acme.example").await;
    let html = here.get_html("/account/security").await;
    let rows = sessions(&html);
    assert_eq!(rows.len(), 2, "the editor's two sessions, not the viewer's: {rows:?}");
    let mine = own_session_id(&here).await;
    let theirs = own_session_id(&there).await;
    assert_ne!(mine, theirs);
    // The public id is not the cookie's value nor anything in it.
    for user in [&here, &there] {
        let cookie = user.cookie.clone().unwrap();
        let value = cookie.split_once('=').unwrap().1;
        assert!(!html.contains(value), "the page does not show a cookie's value");
        assert!(!value.contains(&mine) && !value.contains(&theirs));
    }
    let key_hashes = app.db_count("SELECT COUNT(*) FROM sessions WHERE user_id > $1 AND public_id = key_hash", 0);
    assert_eq!(key_hashes.await, 0, "the public id is not the key's hash either");
    // Each row says where it was started: the browser in a few words and the address.
    let (_, _, text) = rows.iter().find(|(id, _, _)| *id == theirs).unwrap();
    assert!(text.contains("Chrome on Windows"), "{text}");
    assert!(text.contains("127.0.0.1"), "{text}");
    let (_, current, text) = rows.iter().find(|(id, _, _)| *id == mine).unwrap();
    assert!(*current && text.contains("Unknown browser") && text.contains("This browser"), "{text}");
    // Recorded at sign-in only: a later request from another browser changes nothing.
    let later = here.client.get(format!("{}/orders", here.base)).header("User-Agent", CHROME_ON_WINDOWS);
    assert_eq!(later.send().await.unwrap().status(), 200);
    let rows = sessions(&here.get_html("/account/security").await);
    let (_, _, text) = rows.iter().find(|(id, _, _)| *id == mine).unwrap();
    assert!(text.contains("Unknown browser"), "{text}");
});

on_both!(ending_a_session_refuses_its_cookie_at_once_and_only_the_owner_may, |app| {
    let here = app.login("editor@acme.example").await;
    let there = app.login("editor@acme.example").await;
    let third = app.login("editor@acme.example").await;
    let stranger = app.login("viewer@acme.example").await;
    let there_id = own_session_id(&there).await;
    let stranger_id = own_session_id(&stranger).await;

    // Another user's session does not exist for this one, nor does a made-up id.
    let end = |id: &str| format!("/account/sessions/{id}/end");
    assert_eq!(here.post(&end(&stranger_id), &[]).await.status(), 404);
    assert_eq!(stranger.get("/orders").await.status(), 200, "the stranger is still signed in");
    assert_eq!(stranger.post(&end(&there_id), &[]).await.status(), 404);
    assert_eq!(here.post(&end("0123456789abcdef0123456789abcdef"), &[]).await.status(), 404);
    // The token is needed.
    assert_eq!(here.post_without_csrf(&end(&there_id), &[]).await.status(), 403);
    assert_eq!(there.get("/orders").await.status(), 200);

    let editor = app.store.user_credentials("editor@acme.example").await.unwrap().unwrap().0.id;
    assert_eq!(security_changes(&app, editor, "%").await, 0, "nothing was ended yet");
    let ended = here.post(&end(&there_id), &[]).await;
    assert_eq!(ended.status(), 303);
    assert_eq!(security_changes(&app, editor, "session_ended").await, 1, "recorded and emailed");
    assert_eq!(location(ended.headers()), "/account/security");
    // Dead at once: the next request with that cookie is a visitor's.
    let refused = there.get("/orders").await;
    assert_eq!(refused.status(), 303);
    assert!(location(refused.headers()).starts_with("/login"));
    let page = here.get_html("/account/security").await;
    assert!(page.contains("Signed out"), "the page says which was ended");
    assert_eq!(sessions(&page).len(), 2, "this one and the third");
    assert_eq!(here.post(&end(&there_id), &[]).await.status(), 404, "ended already");

    // Everywhere else: the third ends, this one stays.
    let others = here.post("/account/sessions/end-others", &[]).await;
    assert_eq!(others.status(), 303);
    assert_eq!(security_changes(&app, editor, "other_sessions_ended:1").await, 1, "one record for the lot");
    let page = here.get_html("/account/security").await;
    assert!(page.contains("Signed out 1 other session"), "{page}");
    assert_eq!(third.get("/orders").await.status(), 303, "the third's cookie is dead");
    assert_eq!(here.get("/orders").await.status(), 200, "this session stays");
    assert_eq!(stranger.get("/orders").await.status(), 200, "another user's sessions are not touched");
    let rows = sessions(&page);
    assert_eq!(rows.len(), 1);
    assert!(rows[0].1, "the one left is this one");
    assert!(!page.contains("Sign out everywhere else"), "nothing else to sign out");

    // Ending this very session signs out here.
    let mine = rows[0].0.clone();
    let out = here.post(&end(&mine), &[]).await;
    assert_eq!(out.status(), 303);
    assert_eq!(location(out.headers()), "/login");
    assert_eq!(here.get("/orders").await.status(), 303);
    assert_eq!(app.db_count("SELECT COUNT(*) FROM sessions WHERE user_id = $1", editor).await, 0);
    assert_eq!(security_changes(&app, editor, "%").await, 2, "signing oneself out is not one");
});

/// The user's `security_change` transactions whose change matches `code` (a LIKE
/// pattern), each with its email queued to the user's own address.
pub async fn security_changes(app: &TestApp, user_id: i64, code: &str) -> i64 {
    let sql =
        "SELECT COUNT(*) FROM transactions t JOIN outbox o ON o.id = t.outbox_id JOIN users u ON u.id = t.actor_user_id
               WHERE t.kind = 'security_change' AND t.actor_user_id = $1 AND t.new_value LIKE $2
                 AND o.cause = 'security' AND o.recipient = u.email";
    if app.store.is_postgres() {
        let mut c = <sqlx::PgConnection as sqlx::Connection>::connect(&app.database_url).await.unwrap();
        sqlx::query_scalar(sql).bind(user_id).bind(code).fetch_one(&mut c).await.unwrap()
    } else {
        let mut c = <sqlx::SqliteConnection as sqlx::Connection>::connect(&app.database_url).await.unwrap();
        sqlx::query_scalar(sql).bind(user_id).bind(code).fetch_one(&mut c).await.unwrap()
    }
}
