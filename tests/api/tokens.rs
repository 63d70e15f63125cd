//! API tokens' lifetimes and limits, black box over HTTP on both databases: the lifetime
//! chosen at creation (`data-token-expires`), the prefix shown (`data-token-prefix`), 401
//! for an expired token and for one whose creator was deactivated, deactivation revoking a
//! user's tokens (and the users page saying how many first), at most 25 working tokens per
//! company, and a form sent twice creating one token. Also the migration that gave older
//! tokens their expiry.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use scraper::{Html, Selector};
use serde_json::{Value, json};

use crate::helpers::*;
use crate::on_both;

const ADMIN: &str = "admin@acme.example";
const SECOND_ADMIN: &str = "boss@acme.example";

/// Two admins of acme (the fixture has none).
async fn with_admins(app: &TestApp) {
    let file = json!({"users": [
        {"email": ADMIN, "name": "Ada Admin", "company": "acme", "password": PASSWORD, "company_admin": true},
        {"email": SECOND_ADMIN, "name": "Bo Boss", "company": "acme", "password": PASSWORD, "company_admin": true}
    ]});
    app.store.import(&serde_json::from_value(file).unwrap(), Utc::now()).await.expect("the admins import");
}

/// The text of the element carrying `data-token-secret`, if the page has one.
fn secret_of(html: &str) -> Option<String> {
    let doc = Html::parse_document(html);
    let sel = Selector::parse("[data-token-secret]").unwrap();
    doc.select(&sel).next().map(|e| e.text().collect::<String>().trim().to_string())
}

/// A token row's hooks: id, state, prefix and expiry, as the row's attributes.
#[derive(Debug, Clone, PartialEq)]
struct Row {
    id: String,
    state: String,
    prefix: String,
    expires: String,
    /// The text of the row's element carrying `data-token-prefix`, and of the one carrying
    /// `data-token-expires` (the hooks as text).
    prefix_text: Option<String>,
    expires_text: Option<String>,
}

fn rows(html: &str) -> Vec<Row> {
    let doc = Html::parse_document(html);
    let row = Selector::parse("tr[data-token]").unwrap();
    let prefix = Selector::parse("[data-token-prefix]").unwrap();
    let expires = Selector::parse("[data-token-expires]").unwrap();
    let text = |e: scraper::ElementRef| e.text().collect::<String>().trim().to_string();
    doc.select(&row)
        .map(|r| {
            let attr = |name: &str| r.value().attr(name).unwrap_or_default().to_string();
            Row {
                id: attr("data-token"),
                state: attr("data-token-state"),
                prefix: attr("data-token-prefix"),
                expires: attr("data-token-expires"),
                prefix_text: r.select(&prefix).next().map(text),
                expires_text: r.select(&expires).next().map(text),
            }
        })
        .collect()
}

/// The hidden fields of the creating form on a tokens page (its CSRF token and one-time key).
fn form_key(html: &str) -> String {
    let doc = Html::parse_document(html);
    let sel = Selector::parse("form input[name=form_key]").unwrap();
    doc.select(&sel).next().and_then(|e| e.value().attr("value")).expect("the form has a one-time key").to_string()
}

/// Creates a token on the tokens page; its secret and the page's rows.
async fn create(admin: &User, name: &str, days: Option<&str>) -> (String, Vec<Row>) {
    let mut fields = vec![("name", name), ("scope", "read")];
    if let Some(days) = days {
        fields.push(("expires_in_days", days));
    }
    let response = admin.post("/company/tokens", &fields).await;
    assert_eq!(response.status(), 200, "{name}");
    let html = response.text().await.unwrap();
    (secret_of(&html).expect("the secret, shown once"), rows(&html))
}

/// Status and JSON of an API call with this secret.
async fn api_orders(app: &TestApp, secret: &str) -> (u16, Option<String>, Value) {
    let response =
        reqwest::Client::new().get(format!("{}/api/v1/orders", app.address)).bearer_auth(secret).send().await.unwrap();
    let status = response.status().as_u16();
    let content_type = response.headers().get("content-type").map(|v| v.to_str().unwrap().to_string());
    (status, content_type, response.json().await.unwrap())
}

async fn assert_unauthorized(app: &TestApp, secret: &str, why: &str) {
    let (status, content_type, body) = api_orders(app, secret).await;
    assert_eq!(status, 401, "{why}: {body}");
    assert_eq!(content_type.as_deref(), Some("application/problem+json"), "{why}");
    assert_eq!((body["status"].as_u64(), body["code"].as_str()), (Some(401), Some("unauthorized")), "{why}");
}

/// The UTC date `days` after some moment in [before, after].
fn dates_after(days: i64, before: DateTime<Utc>, after: DateTime<Utc>) -> [String; 2] {
    [(before + Duration::days(days)).date_naive().to_string(), (after + Duration::days(days)).date_naive().to_string()]
}

on_both!(tokens_expire_as_chosen_and_show_their_prefix, |app| {
    with_admins(&app).await;
    let admin = app.login(ADMIN).await;
    let mut made = Vec::new();
    for (name, days, lasts) in [("month", Some("30"), 30), ("year", Some("365"), 365), ("default", None, 90)] {
        let before = Utc::now();
        let (secret, rows) = create(&admin, name, days).await;
        let after = Utc::now();
        let row = rows.first().expect("the new token is listed first").clone();
        assert!(dates_after(lasts, before, after).contains(&row.expires), "{name}: {row:?}");
        NaiveDate::parse_from_str(&row.expires, "%Y-%m-%d").expect("an ISO date");
        assert_eq!(row.expires_text.as_deref(), Some(row.expires.as_str()), "the expiry as text too");
        assert_eq!(row.prefix, secret[..8], "the prefix is the secret's first 8 characters");
        assert_eq!(row.prefix_text.as_deref(), Some(&secret[..8]), "as text too");
        assert_eq!(row.state, "active");
        assert_eq!(api_orders(&app, &secret).await.0, 200);
        made.push((secret, row));
    }
    // The list shows them all, each with its own expiry; the secrets never again.
    let page = admin.get_html("/company/tokens").await;
    assert!(secret_of(&page).is_none());
    let listed = rows(&page);
    for (secret, row) in &made {
        assert!(!page.contains(secret.as_str()));
        assert!(listed.contains(row), "{row:?} in {listed:?}");
    }
    // A lifetime not offered: 422 with the form again, nothing created.
    for days in ["7", "forever", "-30", "366"] {
        let fields = [("name", "odd"), ("scope", "read"), ("expires_in_days", days)];
        let refused = admin.post("/company/tokens", &fields).await;
        assert_eq!(refused.status(), 422, "{days}");
        let html = refused.text().await.unwrap();
        assert!(html.contains("30, 90 or 365 days") && html.contains("name=\"expires_in_days\""), "{days}");
        assert!(secret_of(&html).is_none());
    }
    assert_eq!(rows(&admin.get_html("/company/tokens").await).len(), 3);
});

on_both!(an_expired_token_answers_401, |app| {
    with_admins(&app).await;
    let admin = app.login(ADMIN).await;
    let (secret, rows_after) = create(&admin, "ERP", Some("30")).await;
    let id: i64 = rows_after[0].id.parse().unwrap();
    assert_eq!(api_orders(&app, &secret).await.0, 200);
    let moved = execute_directly(&app.database_url, "UPDATE api_tokens SET expires_at = $1 WHERE id = $2", |b| {
        b.time(Utc::now() - Duration::seconds(1)).int(id)
    });
    assert_eq!(moved.await, 1);
    assert_unauthorized(&app, &secret, "expired").await;
    let row = rows(&admin.get_html("/company/tokens").await).into_iter().find(|r| r.id == id.to_string()).unwrap();
    assert_eq!(row.state, "expired");
    // An expired token does not count against the limit, and cannot be revoked into life.
    let (other, _) = create(&admin, "ERP again", None).await;
    assert_eq!(api_orders(&app, &other).await.0, 200);
});

on_both!(deactivating_a_creator_revokes_their_tokens_and_the_page_says_how_many, |app| {
    with_admins(&app).await;
    let admin = app.login(ADMIN).await;
    let boss = app.login(SECOND_ADMIN).await;
    let (first, _) = create(&boss, "ERP", Some("30")).await;
    let (second, _) = create(&boss, "CRM", Some("365")).await;
    let (expired, rows_after) = create(&boss, "old", Some("30")).await;
    let expired_id: i64 = rows_after[0].id.parse().unwrap();
    execute_directly(&app.database_url, "UPDATE api_tokens SET expires_at = $1 WHERE id = $2", |b| {
        b.time(Utc::now() - Duration::days(1)).int(expired_id)
    })
    .await;
    let (own, _) = create(&admin, "admin's own", None).await;
    // The users page says, beside Deactivate, how many working tokens it revokes.
    let page = admin.get_html("/company/users").await;
    let revokes = |html: &str, email: &str| {
        let doc = Html::parse_document(html);
        let sel = Selector::parse(&format!("tr[data-user=\"{email}\"] [data-revokes-tokens]")).unwrap();
        doc.select(&sel)
            .next()
            .map(|e| (e.value().attr("data-revokes-tokens").unwrap().to_string(), e.text().collect::<String>()))
    };
    let (n, says) = revokes(&page, SECOND_ADMIN).expect("the deactivate control says what it revokes");
    assert_eq!(n, "2");
    assert!(says.contains("Deactivating also revokes 2 API tokens"), "{says}");
    assert_eq!(revokes(&page, ADMIN).map(|(n, _)| n), Some("1".to_string()));
    assert!(revokes(&page, "viewer@acme.example").is_none(), "no tokens, nothing said");
    // In Korean and Swedish as well.
    for (lang, words) in [("ko", "API 토큰 2개"), ("sv", "2 API-token")] {
        assert_eq!(admin.post("/settings/language", &[("lang", lang)]).await.status(), 303);
        let (_, says) = revokes(&admin.get_html("/company/users").await, SECOND_ADMIN).unwrap();
        assert!(says.contains(words), "{lang}: {says}");
    }
    assert_eq!(admin.post("/settings/language", &[("lang", "en")]).await.status(), 303);

    let deactivated = admin.post(&format!("/company/users/{SECOND_ADMIN}"), &[("active", "off")]).await;
    assert_eq!(deactivated.status(), 303);
    let page = admin.get_html("/company/users").await;
    assert!(page.contains("Revoked 2 API tokens they created."), "the flash says how many");
    for secret in [&first, &second, &expired] {
        assert_unauthorized(&app, secret, "the creator was deactivated").await;
    }
    assert_eq!(api_orders(&app, &own).await.0, 200, "another creator's token still works");
    let states: Vec<(String, String)> =
        rows(&admin.get_html("/company/tokens").await).into_iter().map(|r| (r.id, r.state)).collect();
    let state_of = |id: &str| states.iter().find(|(i, _)| i == id).map(|(_, s)| s.as_str()).unwrap().to_string();
    let created: Vec<String> = states.iter().map(|(id, _)| id.clone()).collect();
    // Newest first: own, old (expired stays expired), CRM, ERP.
    assert_eq!(
        created.iter().map(|id| state_of(id)).collect::<Vec<_>>(),
        ["active", "expired", "revoked", "revoked"],
        "{states:?}"
    );
    // Reactivated, the creator's tokens stay revoked.
    assert_eq!(admin.post(&format!("/company/users/{SECOND_ADMIN}"), &[("active", "on")]).await.status(), 303);
    assert_unauthorized(&app, &first, "revoked for good").await;
});

on_both!(a_token_of_an_inactive_creator_answers_401, |app| {
    // A creator made inactive some other way than the users page (which also revokes):
    // the token is refused all the same, for as long as its creator is inactive.
    with_admins(&app).await;
    let boss = app.login(SECOND_ADMIN).await;
    let (secret, _) = create(&boss, "ERP", None).await;
    let set_active = |active: bool| {
        execute_directly(&app.database_url, "UPDATE users SET active = $1 WHERE email = $2", move |b| {
            b.bool(active).text(SECOND_ADMIN)
        })
    };
    assert_eq!(set_active(false).await, 1);
    assert_unauthorized(&app, &secret, "inactive creator").await;
    assert_eq!(set_active(true).await, 1);
    assert_eq!(api_orders(&app, &secret).await.0, 200);
});

on_both!(a_company_holds_at_most_25_working_tokens, |app| {
    with_admins(&app).await;
    let admin = app.login(ADMIN).await;
    for i in 0..25 {
        create(&admin, &format!("system {i}"), None).await;
    }
    let refused = admin.post("/company/tokens", &[("name", "one too many"), ("scope", "write")]).await;
    assert_eq!(refused.status(), 409);
    let html = refused.text().await.unwrap();
    assert!(html.contains("already holds 25 working API tokens"), "says why");
    assert!(secret_of(&html).is_none() && html.contains("value=\"one too many\""), "the form again, as typed");
    let listed = rows(&admin.get_html("/company/tokens").await);
    assert_eq!(listed.len(), 25, "nothing created");
    // Another company is not affected, and an operator is held to the same limit.
    let ops = app.login("ops@vendor.example").await;
    let by_ops = ops.post("/company/tokens?company=acme", &[("name", "ops"), ("scope", "read")]).await;
    assert_eq!(by_ops.status(), 409);
    assert_eq!(ops.post("/company/tokens?company=other", &[("name", "ops"), ("scope", "read")]).await.status(), 200);
    // A revoked token frees its place.
    let revoked = admin.post(&format!("/company/tokens/{}/revoke", listed[0].id), &[]).await;
    assert_eq!(revoked.status(), 303);
    create(&admin, "in its place", None).await;
    assert_eq!(admin.post("/company/tokens", &[("name", "26th"), ("scope", "read")]).await.status(), 409);
    // Two at once for the last place: one is created.
    let revoked = admin.post(&format!("/company/tokens/{}/revoke", listed[1].id), &[]).await;
    assert_eq!(revoked.status(), 303);
    let (a, b) = tokio::join!(
        admin.post("/company/tokens", &[("name", "racer a"), ("scope", "read")]),
        admin.post("/company/tokens", &[("name", "racer b"), ("scope", "read")]),
    );
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [200, 409]);
    let live = rows(&admin.get_html("/company/tokens").await).into_iter().filter(|r| r.state == "active").count();
    assert_eq!(live, 25);
});

on_both!(sending_the_same_form_again_creates_no_second_token, |app| {
    with_admins(&app).await;
    let admin = app.login(ADMIN).await;
    let page = admin.get_html("/company/tokens").await;
    let key = form_key(&page);
    assert!(key.len() >= 32, "a random key: {key}");
    assert_ne!(form_key(&admin.get_html("/company/tokens").await), key, "a fresh key for every page");
    let fields = [("name", "ERP"), ("scope", "write"), ("expires_in_days", "30"), ("form_key", key.as_str())];
    let first = admin.post("/company/tokens", &fields).await;
    assert_eq!(first.status(), 200);
    let first = first.text().await.unwrap();
    let secret = secret_of(&first).expect("shown once");
    assert_ne!(form_key(&first), key, "the answer's form has a key of its own");
    // Sent again (a reload, a second click): nothing new, and the page says so.
    let again = admin.post("/company/tokens", &fields).await;
    assert_eq!(again.status(), 200);
    let again = again.text().await.unwrap();
    assert!(secret_of(&again).is_none() && !again.contains(&secret), "the secret is not kept anywhere");
    assert!(again.contains("This form was already sent"), "says the token was created then");
    assert!(again.contains("ERP"));
    assert_eq!(rows(&again).len(), 1);
    assert_eq!(api_orders(&app, &secret).await.0, 200);
    // Twice at once with a new page's key: one token.
    let key = form_key(&admin.get_html("/company/tokens").await);
    let fields = [("name", "CRM"), ("scope", "read"), ("form_key", key.as_str())];
    let (a, b) = tokio::join!(admin.post("/company/tokens", &fields), admin.post("/company/tokens", &fields));
    assert_eq!((a.status(), b.status()), (reqwest::StatusCode::OK, reqwest::StatusCode::OK));
    let (a, b) = (a.text().await.unwrap(), b.text().await.unwrap());
    assert_eq!(usize::from(secret_of(&a).is_some()) + usize::from(secret_of(&b).is_some()), 1);
    assert_eq!(rows(&admin.get_html("/company/tokens").await).len(), 2);
    // Another company's form key is its own: the same key creates there.
    let ops = app.login("ops@vendor.example").await;
    let elsewhere = ops.post("/company/tokens?company=other", &fields).await;
    assert!(secret_of(&elsewhere.text().await.unwrap()).is_some());
});

/// Tokens made before migration 0016 get 90 days from their creation, and that value is
/// read and compared like every other time (SQLite keeps times as RFC 3339 text).
mod older_tokens_get_90_days {
    use super::*;
    use provisio::domain::Actor;
    use provisio::store::Store;

    async fn run(backend: Backend) {
        let Some((url, _dir)) = empty_database(backend).await else { return };
        let engine = if backend == Backend::Sqlite { "sqlite" } else { "postgres" };
        // The migrations before 0016, as a database of that time had them.
        let before = tempfile::tempdir().unwrap();
        let all = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(engine);
        for entry in std::fs::read_dir(&all).unwrap() {
            let entry = entry.unwrap();
            if entry.file_name().to_string_lossy().as_ref() < "0016" {
                std::fs::copy(entry.path(), before.path().join(entry.file_name())).unwrap();
            }
        }
        let old = sqlx::migrate::Migrator::new(before.path()).await.unwrap();
        // Sub-millisecond digits, which SQLite's date functions drop and PostgreSQL keeps
        // to the microsecond.
        let created = DateTime::parse_from_rfc3339("2025-01-31T23:59:58.123456789+00:00").unwrap().to_utc();
        let statements = [
            "INSERT INTO companies (id, name, kind) VALUES ('acme', 'Acme', 'partner')",
            "INSERT INTO users (email, name, company_id, can_edit, operator, company_admin, active)
             VALUES ('admin@acme.example', 'Ada', 'acme', FALSE, FALSE, TRUE, TRUE)",
        ];
        let token = "INSERT INTO api_tokens (company_id, name, scope, secret_hash, created_by, created_at)
                     VALUES ('acme', 'old', 'read', 'hash-of-old', 1, $1)";
        if backend == Backend::Sqlite {
            let options: sqlx::sqlite::SqliteConnectOptions = url.parse().unwrap();
            let pool = sqlx::SqlitePool::connect_with(options.create_if_missing(true)).await.unwrap();
            old.run(&pool).await.unwrap();
            for s in statements {
                sqlx::query(s).execute(&pool).await.unwrap();
            }
            sqlx::query(token).bind(created).execute(&pool).await.unwrap();
            pool.close().await;
        } else {
            let pool = sqlx::PgPool::connect(&url).await.unwrap();
            old.run(&pool).await.unwrap();
            for s in statements {
                sqlx::query(s).execute(&pool).await.unwrap();
            }
            sqlx::query(token).bind(created).execute(&pool).await.unwrap();
            pool.close().await;
        }
        let store = Store::connect(&url).await.expect("the rest of the migrations apply");
        let admin =
            Actor { user_id: 1, company_id: "acme".into(), can_edit: false, operator: false, company_admin: true };
        let tokens = store.company_tokens(&admin.company_grant("acme").unwrap()).await.unwrap();
        let token = &tokens[0];
        let expected = created + Duration::days(90);
        let off = (token.expires_at - expected).num_microseconds().unwrap().abs();
        assert!(off < 1000, "{engine}: {} for {expected}", token.expires_at);
        assert_eq!(token.expires_at.date_naive().to_string(), "2025-05-01");
        assert_eq!(token.prefix, "", "{engine}: unknown");
        // Compared as times: live a moment before, not a moment after.
        assert!(store.live_token_at("hash-of-old", expected - Duration::milliseconds(2)).await.unwrap().is_some());
        assert!(store.live_token_at("hash-of-old", expected + Duration::milliseconds(1)).await.unwrap().is_none());
        assert!(store.live_token_at("hash-of-old", Utc::now()).await.unwrap().is_none(), "long expired");
        store.close().await;
    }

    crate::tests_on_both_backends!(run);
}

/// The texts of the cells of the token row `id`.
fn token_cells(html: &str, id: &str) -> Vec<String> {
    let doc = Html::parse_document(html);
    let sel = Selector::parse(&format!("tr[data-token=\"{id}\"] td")).unwrap();
    doc.select(&sel).map(|e| e.text().collect::<Vec<_>>().join(" ").trim().to_string()).collect()
}

fn has(html: &str, selector: &str) -> usize {
    Html::parse_document(html).select(&Selector::parse(selector).unwrap()).count()
}

on_both!(the_token_page_is_part_of_the_company_section_and_links_the_api_document, |app| {
    with_admins(&app).await;
    let admin = app.login(ADMIN).await;
    // The Company page leads to the tokens, and the tokens page back to the users.
    let users = admin.get_html("/company/users").await;
    assert_eq!(has(&users, "nav.subnav a[href=\"/company/tokens\"]"), 1, "{users}");
    let page = admin.get_html("/company/tokens").await;
    assert_eq!(has(&page, "nav.subnav a[href=\"/company/users\"]"), 1);
    assert_eq!(has(&page, "nav.subnav a[href=\"/company/tokens\"][aria-current=page]"), 1);
    // The API's document, which a partner system is built from, is one click away.
    let doc = Html::parse_document(&page);
    let link = doc.select(&Selector::parse("[data-api-document] a").unwrap()).next().expect("the API document link");
    let href = link.value().attr("href").unwrap();
    assert_eq!(href, "/api/v1/openapi.json");
    let document: Value = reqwest::get(format!("{}{href}", app.address)).await.unwrap().json().await.unwrap();
    assert!(document["openapi"].as_str().unwrap().starts_with("3.1"), "{document}");
    // An operator's links keep the company.
    let ops = app.login("ops@vendor.example").await;
    let theirs = ops.get_html("/company/tokens?company=acme").await;
    assert_eq!(has(&theirs, "nav.subnav a[href=\"/company/users?company=acme\"]"), 1);

    // Create is the page's one primary button; Revoke is a secondary, warning one.
    let (_, listed) = create(&admin, "ERP", None).await;
    let page = admin.get_html("/company/tokens").await;
    let revoke = format!("form[action=\"/company/tokens/{}/revoke\"] button", listed[0].id);
    assert_eq!(has(&page, &format!("{revoke}.secondary.warning")), 1, "{page}");
    assert_eq!(has(&page, "form[action=\"/company/tokens\"] button[type=submit]:not(.secondary)"), 1);
    // The scope in words, in the reader's language.
    for (lang, read) in [("en", "Read"), ("ko", "읽기"), ("sv", "Läsa")] {
        assert_eq!(admin.post("/settings/language", &[("lang", lang)]).await.status(), 303);
        let cells = token_cells(&admin.get_html("/company/tokens").await, &listed[0].id);
        assert_eq!(cells[2], read, "{lang}: {cells:?}");
    }
});

on_both!(a_refusal_on_the_token_page_speaks_of_tokens, |app| {
    with_admins(&app).await;
    let editor = app.login("editor@acme.example").await;
    let get = editor.get("/company/tokens").await;
    let post = editor.post("/company/tokens", &[("name", "x"), ("scope", "read")]).await;
    for (what, response) in [("GET", get), ("POST", post)] {
        assert_eq!(response.status(), 403, "{what}");
        let html = response.text().await.unwrap();
        let title = Html::parse_document(&html)
            .select(&Selector::parse("h1").unwrap())
            .next()
            .map(|h| h.text().collect::<String>())
            .unwrap_or_default();
        assert_eq!(title.trim(), "You cannot manage this company's API tokens", "{what}");
        assert!(!html.contains("You cannot change this order"), "{what}");
    }
    assert_eq!(rows(&app.login(ADMIN).await.get_html("/company/tokens").await).len(), 0, "nothing created");
    // In Korean and Swedish as well.
    for (lang, title) in
        [("ko", "이 회사의 API 토큰을 관리할 수 없습니다"), ("sv", "Du kan inte hantera företagets API-token")]
    {
        assert_eq!(editor.post("/settings/language", &[("lang", lang)]).await.status(), 303);
        let response = editor.get("/company/tokens").await;
        assert_eq!(response.status(), 403);
        assert!(response.text().await.unwrap().contains(title), "{lang}");
    }
});
