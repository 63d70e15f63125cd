//! CSRF on every POST route the router declares: walked from the router's own declaration
//! (`src/web/mod.rs`), so a route added later is walked too. Each refuses a post without
//! the token with 403, whatever its body, and changes nothing. The two webhooks and API v1
//! take no CSRF token (they are declared with their own helpers and are not walked).

use sqlx::Connection;

use crate::helpers::*;
use crate::on_both;

/// The POST paths of the router, as `src/web/mod.rs` declares them with `post(…)` and
/// `get_post(…)` (the helpers whose handlers must check the token).
fn post_routes() -> Vec<String> {
    let source = include_str!("../../src/web/mod.rs");
    let body = &source[source.find("pub fn routes").expect("the router")..];
    let body = &body[..body.find("\n}\n").expect("its end")];
    let mut paths = Vec::new();
    for call in [".service(post(", ".service(get_post("] {
        for part in body.split(call).skip(1) {
            paths.push(part.split('"').nth(1).expect("a path").to_string());
        }
    }
    paths
}

/// A path with its parameters filled with things that exist in the fixture.
fn filled(path: &str) -> String {
    path.replace("{order_id}", "WO-1001")
        .replace("{subscription_id}", "Sub-1001-1")
        .replace("{batch_id}", "1")
        .replace("{id}", "1")
        .replace("{email}", "viewer@acme.example")
        .replace("{token}", "an-invitation-token")
}

/// What the database holds, in numbers that any change the walked routes can make would
/// move: rows and versions of lines, users' rights, sessions, tokens, cases, batches, the
/// outbox and the transactions.
async fn fingerprint(app: &TestApp) -> Vec<i64> {
    const SQL: &str = "SELECT
        (SELECT COUNT(*) FROM transactions),
        (SELECT COUNT(*) FROM outbox),
        (SELECT CAST(COALESCE(SUM(version), 0) AS BIGINT) FROM lines),
        (SELECT COUNT(*) FROM lines WHERE contact <> 'old@globex.example'),
        (SELECT COUNT(*) FROM users WHERE active AND can_edit),
        (SELECT COUNT(*) FROM users WHERE active AND company_admin),
        (SELECT COUNT(*) FROM users WHERE active),
        (SELECT COUNT(*) FROM users WHERE language IS NOT NULL),
        (SELECT COUNT(*) FROM sessions),
        (SELECT COUNT(*) FROM api_tokens),
        (SELECT COUNT(*) FROM api_tokens WHERE revoked_at IS NULL),
        (SELECT COUNT(*) FROM cases),
        (SELECT COUNT(*) FROM bulk_batches),
        (SELECT COUNT(*) FROM bulk_batches WHERE applied_at IS NULL)";
    type Row = (i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64);
    let row: Row = match &app.store {
        provisio::store::Store::Postgres(pg) => sqlx::query_as(SQL).fetch_one(&pg.pool).await.unwrap(),
        provisio::store::Store::Sqlite(_) => {
            let mut c = sqlx::SqliteConnection::connect(&app.database_url).await.unwrap();
            let row = sqlx::query_as(SQL).fetch_one(&mut c).await.unwrap();
            c.close().await.unwrap();
            row
        }
    };
    vec![row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7, row.8, row.9, row.10, row.11, row.12, row.13]
}

/// Fields every walked form may read, so that only the missing token can refuse it.
const FIELDS: &[(&str, &str)] = &[
    ("email", "walked@globex.example"),
    ("name", "Walter Walk"),
    ("password", "lanterns by the quay"),
    ("password_confirm", "lanterns by the quay"),
    ("apply_to_all", "on"),
    ("copy_to_me", "on"),
    ("lang", "sv"),
    ("scope", "write"),
    ("status", "resolved"),
    ("note", "walked"),
    ("can_edit", "off"),
    ("company_admin", "off"),
    ("active", "off"),
    ("subscription", "Sub-1001-1"),
    ("request_type", "change_contact"),
    ("description", "walked"),
];

on_both!(every_post_route_refuses_a_missing_csrf_token_and_changes_nothing, |app| {
    let routes = post_routes();
    assert!(routes.len() >= 17, "the router's POST routes: {routes:?}");
    // One signed-in user of each kind that could change something: an operator, a company
    // admin (the fixture has none: the operator manages every company), an editor.
    let users = [app.login("ops@vendor.example").await, app.login("editor@acme.example").await];
    let before = fingerprint(&app).await;
    for path in &routes {
        let url = filled(path);
        for user in &users {
            let post = || user.client.post(format!("{}{url}", user.base));
            let form = post().form(FIELDS).send().await.unwrap();
            assert_eq!(form.status(), 403, "POST {url} as a form without its token");
            let wrong = [FIELDS, &[("csrf_token", "not-the-token")]].concat();
            let forged = post().form(&wrong).send().await.unwrap();
            assert_eq!(forged.status(), 403, "POST {url} with a wrong token");
            let bare = post().send().await.unwrap();
            assert_eq!(bare.status(), 403, "POST {url} without a body");
            let mut multipart = reqwest::multipart::Form::new();
            for (name, value) in FIELDS {
                multipart = multipart.text(*name, *value);
            }
            let part =
                reqwest::multipart::Part::bytes(b"subscription_id,new_contact_email\n".to_vec()).file_name("f.csv");
            let upload = post().multipart(multipart.part("file", part)).send().await.unwrap();
            assert_eq!(upload.status(), 403, "POST {url} as a multipart upload without its token");
            let typed = post().header("Content-Type", "application/json").body("{}").send().await.unwrap();
            assert_eq!(typed.status(), 403, "POST {url} as JSON without a token: the token comes before the type");
        }
    }
    assert_eq!(fingerprint(&app).await, before, "nothing changed");
    // Still signed in: not even Sign out worked without its token.
    for user in &users {
        assert_eq!(user.get("/orders").await.status(), 200);
    }
});

// BREACH (docs/security.md): the token a page carries is masked afresh in every answer, so
// a compressed page never repeats it; each masked token is accepted, in the form and in
// htmx's header, and a wrong one still is not.
on_both!(the_token_is_masked_afresh_per_answer_and_each_is_accepted, |app| {
    let mut user = app.login("editor@acme.example").await;
    let first = csrf_token(&user.get_html("/orders/WO-1001").await);
    let second = csrf_token(&user.get_html("/orders/WO-1001").await);
    assert_ne!(first, second, "two answers, two masks");
    user.csrf = first;
    assert_eq!(user.post("/settings/language", &[("lang", "sv")]).await.status(), 303, "the first");
    user.csrf = second.clone();
    assert_eq!(user.post("/settings/language", &[("lang", "en")]).await.status(), 303, "the second");
    let htmx = user.post_htmx("/settings/language", &[("lang", "en")]).await;
    assert_ne!(htmx.status(), 403, "the header token");
    // A token of another session, altered or bare, is refused.
    let other = app.login("viewer@acme.example").await;
    let mut flipped = second.clone().into_bytes();
    flipped[3] = if flipped[3] == b'A' { b'B' } else { b'A' };
    for wrong in [other.csrf.clone(), String::from_utf8(flipped).unwrap(), second[..second.len() - 2].to_string()] {
        user.csrf = wrong.clone();
        assert_eq!(user.post("/settings/language", &[("lang", "sv")]).await.status(), 403, "{wrong}");
    }

    // The sign-in form's signed token is masked too: two forms, two tokens, both sign in.
    let visitor = app.client();
    let forms: Vec<String> = {
        let mut forms = Vec::new();
        for _ in 0..2 {
            forms.push(csrf_token(&visitor.get("/login").await.text().await.unwrap()));
        }
        forms
    };
    assert_ne!(forms[0], forms[1]);
    // Each passes the token check: the first meets a wrong password (401, not 403), the
    // second signs in.
    for (token, password, status) in [(&forms[0], "not the password", 401), (&forms[1], PASSWORD, 303)] {
        let answer = visitor
            .client
            .post(format!("{}/login", visitor.base))
            .form(&[("email", "editor@acme.example"), ("password", password), ("next", ""), ("csrf_token", token)])
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), status, "{token}");
    }
    let visitor = app.client();
    let forms = [csrf_token(&visitor.get("/login").await.text().await.unwrap())];
    let wrong = visitor
        .client
        .post(format!("{}/login", visitor.base))
        .form(&[("email", "editor@acme.example"), ("password", PASSWORD), ("next", ""), ("csrf_token", &forms[0][1..])])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 403);
});
