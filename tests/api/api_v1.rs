//! API v1 and the token pages, on both databases: every route with read and write tokens,
//! each problem code in the order of the action routes, idempotent replays, the rate limit
//! and the email limits; the OpenAPI document checked by an independent parser (oas3) and
//! walked route by route.

use chrono::Utc;
use reqwest::StatusCode;
use scraper::{Html, Selector};
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, count};
use crate::{on_both, on_both_with_smtp};

/// Company admins of acme and of other (the fixture has none).
async fn add_admins(app: &TestApp) {
    let file = json!({
        "companies": [],
        "users": [
            {"email": "admin@acme.example", "name": "Ada Admin", "company": "acme", "password": PASSWORD,
             "company_admin": true},
            {"email": "admin@other.example", "name": "Otto Admin", "company": "other", "password": PASSWORD,
             "company_admin": true}
        ],
        "orders": []
    });
    app.store.import(&serde_json::from_value(file).unwrap(), Utc::now()).await.expect("the admins import");
}

/// The text of the element carrying `data-token-secret`, if the page has one.
fn secret_of(html: &str) -> Option<String> {
    let doc = Html::parse_document(html);
    let sel = Selector::parse("[data-token-secret]").unwrap();
    doc.select(&sel).next().map(|e| e.text().collect::<String>().trim().to_string())
}

/// A new token of acme with this scope, made on the token page by acme's admin.
async fn token(app: &TestApp, scope: &str) -> String {
    let admin = app.login("admin@acme.example").await;
    let response = admin.post("/company/tokens", &[("name", &format!("{scope} system")), ("scope", scope)]).await;
    assert_eq!(response.status(), 200);
    secret_of(&response.text().await.unwrap()).expect("the secret is shown once")
}

struct Api {
    client: reqwest::Client,
    base: String,
    token: Option<String>,
}

impl Api {
    fn new(app: &TestApp, token: Option<&str>) -> Self {
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Self { client, base: app.address.clone(), token: token.map(str::to_string) }
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let builder = self.client.request(method, format!("{}{path}", self.base));
        match &self.token {
            Some(t) => builder.bearer_auth(t),
            None => builder,
        }
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        answer(self.request(reqwest::Method::GET, path).send().await.unwrap()).await
    }

    async fn put(&self, path: &str, body: &Value, key: Option<&str>) -> (StatusCode, Value) {
        let mut request = self.request(reqwest::Method::PUT, path).json(body);
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        answer(request.send().await.unwrap()).await
    }

    async fn post(&self, path: &str, key: Option<&str>) -> (StatusCode, Value) {
        let mut request = self.request(reqwest::Method::POST, path);
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        answer(request.send().await.unwrap()).await
    }
}

/// Status and JSON body; a refusal must be problem+json with its status in the body.
async fn answer(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    assert!(response.headers().get("x-request-id").is_some(), "every answer has a request id");
    assert!(response.headers().get("set-cookie").is_none(), "no cookies");
    let content_type = response.headers().get("content-type").map(|v| v.to_str().unwrap().to_string());
    let text = response.text().await.unwrap();
    let body: Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("JSON: {status} {text}"));
    if status.is_client_error() {
        assert_eq!(content_type.as_deref(), Some("application/problem+json"), "{text}");
        assert_eq!(body["status"], status.as_u16(), "{text}");
        assert!(body["title"].is_string() && body["detail"].is_string(), "{text}");
    }
    (status, body)
}

fn contact(order: &str, sub: &str) -> String {
    format!("/api/v1/orders/{order}/lines/{sub}/contact")
}

fn resend(order: &str, sub: &str) -> String {
    format!("/api/v1/orders/{order}/lines/{sub}/resend")
}

on_both!(token_pages_for_admins_only, |app| {
    add_admins(&app).await;
    let admin = app.login("admin@acme.example").await;
    let page = admin.get_html("/company/tokens").await;
    assert!(secret_of(&page).is_none());
    let created = admin.post("/company/tokens", &[("name", "ERP"), ("scope", "write")]).await;
    assert_eq!(created.status(), 200);
    let html = created.text().await.unwrap();
    let secret = secret_of(&html).expect("the creating POST shows the secret");
    assert!(secret.len() > 40);
    assert_eq!(count(&html, "[data-token]"), 1);
    // Shown once: the list never shows it again, and the database keeps only its hash.
    let page = admin.get_html("/company/tokens").await;
    assert!(secret_of(&page).is_none() && !page.contains(&secret));
    let stored = app.store.live_token(&provisio::store::token_hash(&secret)).await.unwrap();
    assert!(stored.is_some(), "kept by its hash");
    assert!(app.store.live_token(&secret).await.unwrap().is_none(), "not in plain text");
    assert_eq!(Api::new(&app, Some(&secret)).get("/api/v1/orders").await.0, 200, "the new token works");
    let id: String = {
        let doc = Html::parse_document(&page);
        let sel = Selector::parse("tr[data-token]").unwrap();
        doc.select(&sel).next().unwrap().value().attr("data-token").unwrap().to_string()
    };
    // Bad input: 422 with the form again.
    let bad = admin.post("/company/tokens", &[("name", ""), ("scope", "admin")]).await;
    assert_eq!(bad.status(), 422);
    // Others: a user without admin rights, another company's admin (even naming acme).
    let viewer = app.login("viewer@acme.example").await;
    assert_eq!(viewer.get("/company/tokens").await.status(), 403);
    assert_eq!(viewer.post("/company/tokens", &[("name", "x"), ("scope", "read")]).await.status(), 403);
    assert_eq!(viewer.post(&format!("/company/tokens/{id}/revoke"), &[]).await.status(), 403);
    let other = app.login("admin@other.example").await;
    assert_eq!(other.get("/company/tokens?company=acme").await.status(), 403);
    let other_page = other.get_html("/company/tokens").await;
    assert_eq!(count(&other_page, "[data-token]"), 0, "another company's tokens are not listed");
    assert_eq!(other.post(&format!("/company/tokens/{id}/revoke"), &[]).await.status(), 404);
    // Operators manage any company with ?company=ID.
    let ops = app.login("ops@vendor.example").await;
    let ops_page = ops.get_html("/company/tokens?company=acme").await;
    assert_eq!(count(&ops_page, &format!("tr[data-token=\"{id}\"]")), 1);
    // Without CSRF nothing is created.
    assert_eq!(admin.post_without_csrf("/company/tokens", &[("name", "x"), ("scope", "read")]).await.status(), 403);
    // Revoked: the next request is refused.
    let revoked = admin.post(&format!("/company/tokens/{id}/revoke"), &[]).await;
    assert_eq!(revoked.status(), 303);
    let (status, body) = Api::new(&app, Some(&secret)).get("/api/v1/orders").await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("unauthorized")));
    // The page in Korean and in Swedish.
    assert_eq!(admin.post("/settings/language", &[("lang", "ko")]).await.status(), 303);
    let ko = admin.get_html("/company/tokens").await;
    assert!(ko.contains("API 토큰") && ko.contains("폐기됨"), "Korean page");
    assert_eq!(admin.post("/settings/language", &[("lang", "sv")]).await.status(), 303);
    let sv = admin.get_html("/company/tokens").await;
    assert!(sv.contains("API-token") && sv.contains("Återkallad"), "Swedish page");
});

on_both!(reads_with_a_read_token, |app| {
    add_admins(&app).await;
    let secret = token(&app, "read").await;
    let api = Api::new(&app, Some(&secret));
    let (status, orders) = api.get("/api/v1/orders").await;
    assert_eq!(status, 200, "{orders}");
    let ids: Vec<&str> = orders["items"].as_array().unwrap().iter().map(|o| o["order_id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["WO-1003", "WO-1002", "WO-1001"], "acme's orders only, newest first");
    assert_eq!(orders["next"], Value::Null);
    let wo1001 = &orders["items"][2];
    assert_eq!(wo1001["lines_by_status"], json!({"awaiting": 2, "closed": 1, "complete": 0}));
    assert_eq!(wo1001["distributor"], "North Distribution");
    assert!(orders["items"][1]["ponr_reached_at"].is_string(), "WO-1002 reached PONR");
    let (_, found) = api.get("/api/v1/orders?q=sub-1003").await;
    assert_eq!(found["items"].as_array().unwrap().len(), 1, "q matches subscription ids by prefix");
    let (status, order) = api.get("/api/v1/orders/WO-1001").await;
    assert_eq!(status, 200);
    // The order's own fields stand beside its lines, as in the list.
    assert_eq!(order["order_id"], "WO-1001");
    assert_eq!(order["lines_by_status"], wo1001["lines_by_status"]);
    for field in ["customer", "partner", "distributor", "ponr_reached_at", "next"] {
        assert!(order.get(field).is_some(), "the order has {field}: {order}");
    }
    let lines = order["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 3);
    let line = &lines[0];
    for field in ["subscription_id", "offer", "rsd", "status", "contact", "version", "closes_at", "last_email"] {
        assert!(line.get(field).is_some(), "line has {field}: {line}");
    }
    assert_eq!(line["last_email"]["state"], "none");
    assert!(line["closes_at"].is_string(), "an awaiting line after its first email closes");
    assert!(order.get("ponr_reached_at").is_some());
    // Another company's order does not exist for this token.
    let (status, body) = api.get("/api/v1/orders/WO-2001").await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));
    // The Transaction Manager's rows of the token's company, and only those.
    let editor = app.login("editor@acme.example").await;
    assert_eq!(
        editor.post("/orders/WO-1001/lines/Sub-1001-1/contact", &[("email", "tm@globex.example")]).await.status(),
        303
    );
    let before_rsd = "/orders/WO-1003/lines/Sub-1003-1/contact";
    assert_eq!(editor.post(before_rsd, &[("email", "rsd@globex.example")]).await.status(), 303);
    let stranger = app.login("stranger@other.example").await;
    assert_eq!(
        stranger.post("/orders/WO-2001/lines/Sub-2001-1/contact", &[("email", "tm@hooli.example")]).await.status(),
        303
    );
    app.settled_transactions("Sub-1001-1").await;
    let (status, list) = api.get("/api/v1/transactions").await;
    assert_eq!(status, 200);
    let items = list["items"].as_array().unwrap();
    let subs: Vec<&str> = items.iter().filter_map(|t| t["subscription_id"].as_str()).collect();
    assert!(subs.contains(&"Sub-1001-1"), "acme's change is listed: {list}");
    assert!(!subs.contains(&"Sub-2001-1"), "another company's is not: {list}");
    let change = items.iter().find(|t| t["subscription_id"] == "Sub-1001-1").unwrap();
    assert_eq!(
        (change["type"].as_str(), change["new_value"].as_str()),
        (Some("provisioning_email_update"), Some("tm@globex.example"))
    );
    // The detail in words, as the Transaction Manager says it, not the stored code nor the
    // mail transport's English answer.
    let accepted = change["detail"].as_str().unwrap_or_default();
    assert!(accepted.starts_with("Written to the file mailbox as "), "{change}");
    // The detail in words, as the Transaction Manager says it, not the stored code.
    let saved = items.iter().find(|t| t["subscription_id"] == "Sub-1003-1").unwrap();
    assert_eq!(saved["detail"], "Saved; the email goes out on the requested start date.", "{saved}");
    let (status, body) = api.get("/api/v1/transactions?status=nope").await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_request")));
    // A read token may not write: 403 naming whom to ask.
    let (status, body) =
        api.put(&contact("WO-1001", "Sub-1001-1"), &json!({"email": "new@globex.example"}), None).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::FORBIDDEN, Some("forbidden")), "{body}");
    assert_eq!(body["creator"], json!({"name": "Cora Creator", "email": "creator@acme.example"}));
    let (status, _) = api.post(&resend("WO-1001", "Sub-1001-1"), None).await;
    assert_eq!(status, 403);
    // No token, a bad token: 401, never a redirect.
    for bad in [None, Some("pvt_not-a-token")] {
        let (status, body) = Api::new(&app, bad).get("/api/v1/orders").await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("unauthorized")));
        let (status, _) = Api::new(&app, bad).put(&contact("WO-1001", "Sub-1001-1"), &json!({}), None).await;
        assert_eq!(status, 401);
    }
    // HEAD like GET, 405 with Allow, unknown API paths a problem too.
    let head = api.request(reqwest::Method::HEAD, "/api/v1/orders").send().await.unwrap();
    assert_eq!(head.status(), 200);
    let delete = api.request(reqwest::Method::DELETE, "/api/v1/orders").send().await.unwrap();
    assert_eq!((delete.status().as_u16(), delete.headers()["allow"].to_str().unwrap()), (405, "GET, HEAD"));
    let get_put = api.request(reqwest::Method::GET, &contact("WO-1001", "Sub-1001-1")).send().await.unwrap();
    assert_eq!((get_put.status().as_u16(), get_put.headers()["allow"].to_str().unwrap()), (405, "PUT"));
    let (status, body) = api.get("/api/v1/nothing-here").await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));
    // Refusals in the caller's language.
    let ko = api.request(reqwest::Method::GET, "/api/v1/orders/WO-2001").header("Accept-Language", "ko").send();
    let (_, body) = answer(ko.await.unwrap()).await;
    assert_eq!(body["code"], "not_found");
    assert_ne!(body["title"], "Page not found");
    // Last used is recorded.
    let admin = app.login("admin@acme.example").await;
    let page = admin.get_html("/company/tokens").await;
    assert!(!page.contains(">Never<"), "the token's last use is shown: {page}");
});

on_both!(writes_follow_the_subscriptions_page, |app| {
    add_admins(&app).await;
    let secret = token(&app, "write").await;
    let api = Api::new(&app, Some(&secret));
    // A closed-but-pending line can be fixed.
    let (status, body) =
        api.put(&contact("WO-1001", "Sub-1001-3"), &json!({"email": "fixed@globex.example"}), None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["changed"], json!(["Sub-1001-3"]));
    let ids = body["transactions"].as_array().unwrap();
    assert_eq!(ids.len(), 1);
    let tx = app.store.transaction(ids[0].as_i64().unwrap()).await.unwrap().unwrap().0;
    assert_eq!((tx.kind.as_str(), tx.actor.as_str()), ("provisioning_email_update", "API token write system"));
    // Apply to all: the other editable lines of the order.
    let (status, body) = api
        .put(&contact("WO-1001", "Sub-1001-1"), &json!({"email": "all@globex.example", "apply_to_all": true}), None)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["changed"].as_array().unwrap().len(), 3);
    assert_eq!(body["transactions"].as_array().unwrap().len(), 3);
    // State refusals (409), in the order of the action routes.
    let (_, order) = api.get("/api/v1/orders/WO-1001").await;
    let version = order["lines"][0]["version"].as_i64().unwrap();
    let cases = [
        (contact("WO-1002", "Sub-1002-1"), json!({"email": "x@umbrella.example"}), "ponr_reached"),
        (contact("WO-1003", "Sub-1003-2"), json!({"email": "x@stark.example"}), "line_complete"),
        (
            contact("WO-1001", "Sub-1001-1"),
            json!({"email": "x@globex.example", "version": version - 1}),
            "stale_version",
        ),
    ];
    for (path, body, code) in cases {
        let (status, problem) = api.put(&path, &body, None).await;
        assert_eq!((status, problem["code"].as_str()), (StatusCode::CONFLICT, Some(code)), "{path}: {problem}");
    }
    let (status, problem) = api.post(&resend("WO-1003", "Sub-1003-1"), None).await;
    assert_eq!((status, problem["code"].as_str()), (StatusCode::CONFLICT, Some("before_first_email")));
    // State before input: a stale version with a bad address is 409.
    let (status, _) = api
        .put(&contact("WO-1001", "Sub-1001-1"), &json!({"email": "not an email", "version": version - 1}), None)
        .await;
    assert_eq!(status, 409);
    // Input (422).
    let (status, problem) = api.put(&contact("WO-1001", "Sub-1001-1"), &json!({"email": "not an email"}), None).await;
    assert_eq!((status, problem["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_email")));
    let (status, problem) =
        api.put(&contact("WO-1001", "Sub-1001-1"), &json!({"email": "a@globex.example", "colour": "red"}), None).await;
    assert_eq!((status, problem["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_request")));
    assert!(problem["detail"].as_str().unwrap().contains("colour"), "names the unknown field: {problem}");
    let (status, problem) = api.put(&contact("WO-1001", "Sub-1001-1"), &json!({"email": 5}), None).await;
    assert_eq!((status, problem["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("email")), "{problem}");
    // Visible before permitted and state: another company's line is 404.
    let (status, _) = api.put(&contact("WO-2001", "Sub-2001-1"), &json!({"email": "x@hooli.example"}), None).await;
    assert_eq!(status, 404);
    let (status, _) = api.put(&contact("WO-1001", "Sub-2001-1"), &json!({"email": "x@hooli.example"}), None).await;
    assert_eq!(status, 404, "a line of another order");
    // A body over 16 KB: 413.
    let big = json!({"email": "a".repeat(20_000)});
    let (status, problem) = api.put(&contact("WO-1001", "Sub-1001-1"), &big, None).await;
    assert_eq!((status, problem["code"].as_str()), (StatusCode::PAYLOAD_TOO_LARGE, Some("payload_too_large")));
    // Resend: 202 with the transaction.
    let (status, body) = api.post(&resend("WO-1001", "Sub-1001-2"), None).await;
    assert_eq!(status, 202, "{body}");
    let id = body["transaction"].as_i64().unwrap();
    let tx = app.store.transaction(id).await.unwrap().unwrap().0;
    assert_eq!((tx.kind.as_str(), tx.subscription_id.as_deref()), ("provisioning_email_resend", Some("Sub-1001-2")));
    let (_, list) = api.get("/api/v1/transactions?type=provisioning_email_resend").await;
    assert_eq!(list["items"][0]["id"], id);
    // The write token still sees nothing of another company.
    let (status, _) = api.post(&resend("WO-2001", "Sub-2001-1"), None).await;
    assert_eq!(status, 404);
});

on_both!(idempotent_writes_answer_once, |app| {
    add_admins(&app).await;
    let secret = token(&app, "write").await;
    let api = Api::new(&app, Some(&secret));
    let path = contact("WO-1001", "Sub-1001-1");
    let body = json!({"email": "once@globex.example"});
    let first = api.put(&path, &body, Some("key-1")).await;
    assert_eq!(first.0, 200);
    let before = app.store.line_transactions("Sub-1001-1").await.unwrap().len();
    // Another edit in between: a replay must not undo it, nor write again.
    let (status, _) = api.put(&path, &json!({"email": "between@globex.example"}), None).await;
    assert_eq!(status, 200);
    let replay = api.put(&path, &body, Some("key-1")).await;
    assert_eq!(replay, first, "same key, same body: the first answer");
    assert_eq!(app.store.line_transactions("Sub-1001-1").await.unwrap().len(), before + 1, "nothing more");
    let line = app.store.order_line("WO-1001", "Sub-1001-1").await.unwrap().unwrap();
    assert_eq!(line.contact, "between@globex.example");
    // Same key, another body: 422.
    let (status, problem) = api.put(&path, &json!({"email": "other@globex.example"}), Some("key-1")).await;
    assert_eq!((status, problem["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("idempotency_key_reused")));
    // A refusal is replayed as well.
    let refused = api.put(&contact("WO-1002", "Sub-1002-1"), &body, Some("key-2")).await;
    assert_eq!(refused.0, 409);
    assert_eq!(api.put(&contact("WO-1002", "Sub-1002-1"), &body, Some("key-2")).await, refused);
    // Resends: two concurrent requests with one key queue one email.
    let resend_path = resend("WO-1001", "Sub-1001-2");
    let (a, b) = tokio::join!(api.post(&resend_path, Some("key-3")), api.post(&resend_path, Some("key-3")));
    assert_eq!(a, b, "both get the one answer");
    assert_eq!(a.0, 202);
    let resends = app.store.line_transactions("Sub-1001-2").await.unwrap();
    assert_eq!(resends.iter().filter(|t| t.kind == "provisioning_email_resend").count(), 1);
    // Keys belong to their token: another token's same key acts anew.
    let other = Api::new(&app, Some(&token(&app, "write").await));
    let (status, body) = other.post(&resend_path, Some("key-3")).await;
    assert_eq!(status, 202);
    assert_ne!(body["transaction"], a.1["transaction"]);
});

on_both_with_smtp!(rate_and_email_limits, |app, _smtp| {
    add_admins(&app).await;
    let secret = token(&app, "write").await;
    let api = Api::new(&app, Some(&secret));
    // The default (600/m) does not stop a few requests; the email limit (3/h) does.
    let path = resend("WO-1001", "Sub-1001-1");
    for _ in 0..3 {
        assert_eq!(api.post(&path, None).await.0, 202);
    }
    let response = api.request(reqwest::Method::POST, &path).send().await.unwrap();
    assert!(response.headers().get("retry-after").is_some());
    let (status, problem) = answer(response).await;
    assert_eq!((status, problem["code"].as_str()), (StatusCode::TOO_MANY_REQUESTS, Some("too_many_emails")));
    // An edit that would email the same line is refused by the same limit, and changes nothing.
    let (status, problem) =
        api.put(&contact("WO-1001", "Sub-1001-1"), &json!({"email": "x@globex.example"}), None).await;
    assert_eq!((status, problem["code"].as_str()), (StatusCode::TOO_MANY_REQUESTS, Some("too_many_emails")));
    let line = app.store.order_line("WO-1001", "Sub-1001-1").await.unwrap().unwrap();
    assert_eq!(line.contact, "old@globex.example");
});

mod rate_limit {
    use super::*;

    async fn run(backend: crate::helpers::Backend) {
        let Some(app) = TestApp::spawn_with(backend, |c| {
            c.api_limit = provisio::config::Rate::parse("3/1h").unwrap();
        })
        .await
        else {
            return;
        };
        add_admins(&app).await;
        let api = Api::new(&app, Some(&token(&app, "read").await));
        for _ in 0..3 {
            assert_eq!(api.get("/api/v1/orders").await.0, 200);
        }
        let response = api.request(reqwest::Method::GET, "/api/v1/orders/WO-2001").send().await.unwrap();
        let wait: i64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!(wait > 3000 && wait <= 3600, "{wait}");
        let (status, problem) = answer(response).await;
        // Right after the token: before visibility (WO-2001 would be 404).
        assert_eq!((status, problem["code"].as_str()), (StatusCode::TOO_MANY_REQUESTS, Some("too_many_requests")));
        // A bad token is still 401 (the token comes first); another token has its own count.
        assert_eq!(Api::new(&app, Some("pvt_nope")).get("/api/v1/orders").await.0, 401);
        let other = Api::new(&app, Some(&token(&app, "read").await));
        assert_eq!(other.get("/api/v1/orders").await.0, 200);
    }

    crate::tests_on_both_backends!(run);
}

on_both!(the_openapi_document_is_valid_and_true, |app| {
    add_admins(&app).await;
    // Public, and OpenAPI 3.1 as an independent parser (oas3) reads it.
    let response = reqwest::get(format!("{}/api/v1/openapi.json", app.address)).await.unwrap();
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    let spec = oas3::from_json(&text).expect("oas3 parses the document as OpenAPI 3.1");
    assert!(spec.openapi.starts_with("3.1"), "{}", spec.openapi);
    let doc: Value = serde_json::from_str(&text).unwrap();
    let paths = doc["paths"].as_object().unwrap();
    let mut expected: Vec<&str> = paths.keys().map(String::as_str).collect();
    expected.sort();
    assert_eq!(
        expected,
        [
            "/api/v1/openapi.json",
            "/api/v1/orders",
            "/api/v1/orders/{order_id}",
            "/api/v1/orders/{order_id}/lines/{subscription_id}/contact",
            "/api/v1/orders/{order_id}/lines/{subscription_id}/resend",
            "/api/v1/transactions"
        ],
        "every route of the API v1 of docs/http.md, and only those"
    );
    assert!(doc["components"]["schemas"]["Problem"].is_object());
    // Walk it: every documented operation, called with a write token, a read token and
    // none, answers with a status it documents.
    let write = token(&app, "write").await;
    let read = token(&app, "read").await;
    let mut calls = 0;
    for (path, operations) in paths {
        for (method, operation) in operations.as_object().unwrap() {
            let documented: Vec<u16> =
                operation["responses"].as_object().unwrap().keys().map(|s| s.parse().unwrap()).collect();
            for (status, response) in operation["responses"].as_object().unwrap() {
                if status.starts_with('4') {
                    let problem = &response["content"]["application/problem+json"]["schema"]["$ref"];
                    assert_eq!(problem, "#/components/schemas/Problem", "{method} {path} {status}");
                }
            }
            let url = path.replace("{order_id}", "WO-1001").replace("{subscription_id}", "Sub-1001-2");
            for secret in [Some(&write), Some(&read), None] {
                let api = Api::new(&app, secret.map(String::as_str));
                let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
                let mut request = api.request(method.clone(), &url);
                if method == reqwest::Method::PUT {
                    request = request.json(&json!({"email": "walk@globex.example"}));
                }
                let response = request.send().await.unwrap();
                let status = response.status().as_u16();
                assert!(documented.contains(&status), "{method} {url}: {status} is not among {documented:?}");
                calls += 1;
            }
        }
    }
    assert_eq!(calls, 18);
});

on_both!(idempotency_keys_last_24_hours, |app| {
    use provisio::store::IdempotencyClaim;
    add_admins(&app).await;
    let secret = token(&app, "write").await;
    let token = app.store.live_token(&provisio::store::token_hash(&secret)).await.unwrap().unwrap();
    let store = &app.store;
    let t0 = Utc::now() - chrono::Duration::hours(30);
    assert_eq!(store.claim_idempotency_key(token.id, "k", "body-a", t0).await.unwrap(), IdempotencyClaim::Fresh);
    assert_eq!(store.claim_idempotency_key(token.id, "k", "body-a", t0).await.unwrap(), IdempotencyClaim::InProgress);
    store.record_idempotent_answer(token.id, "k", 202, "{\"transaction\":1}").await.unwrap();
    let replay = IdempotencyClaim::Replay { status: 202, body: "{\"transaction\":1}".into() };
    let within = t0 + chrono::Duration::hours(23);
    assert_eq!(store.claim_idempotency_key(token.id, "k", "body-a", within).await.unwrap(), replay);
    assert_eq!(store.claim_idempotency_key(token.id, "k", "body-b", within).await.unwrap(), IdempotencyClaim::Mismatch);
    // After 24 hours the key is new again, and the scheduler's purge forgets old keys.
    let after = t0 + chrono::Duration::hours(25);
    assert_eq!(store.claim_idempotency_key(token.id, "k", "body-b", after).await.unwrap(), IdempotencyClaim::Fresh);
    assert_eq!(store.claim_idempotency_key(token.id, "old", "x", t0).await.unwrap(), IdempotencyClaim::Fresh);
    let purged = store.purge_expired(chrono::Duration::hours(1), Utc::now()).await.unwrap();
    assert!(purged >= 1, "{purged}");
    assert_eq!(store.claim_idempotency_key(token.id, "old", "y", Utc::now()).await.unwrap(), IdempotencyClaim::Fresh);
    // A key given back after a failure on our side can be used again at once.
    store.release_idempotency_key(token.id, "old").await.unwrap();
    assert_eq!(store.claim_idempotency_key(token.id, "old", "z", Utc::now()).await.unwrap(), IdempotencyClaim::Fresh);
});

on_both!(an_idempotency_key_names_one_request_and_keeps_only_final_answers, |app| {
    add_admins(&app).await;
    let secret = token(&app, "write").await;
    let api = Api::new(&app, Some(&secret));
    let body = json!({"email": "keyed@globex.example"});
    assert_eq!(api.put(&contact("WO-1001", "Sub-1001-1"), &body, Some("k-lines")).await.0, 200);
    // The same key and body on another line is another request: refused, nothing changes
    // (before, it replayed "changed" for a line it never touched).
    let (status, problem) = api.put(&contact("WO-1001", "Sub-1001-2"), &body, Some("k-lines")).await;
    assert_eq!((status, problem["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("idempotency_key_reused")));
    let untouched = app.store.order_line("WO-1001", "Sub-1001-2").await.unwrap().unwrap();
    assert_eq!(untouched.contact, "old@globex.example");
    // Another method on the same key: refused too.
    let (status, problem) = api.post(&resend("WO-1001", "Sub-1001-1"), Some("k-lines")).await;
    assert_eq!((status, problem["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("idempotency_key_reused")));

    // A 429 is not kept: once the limit frees up, the same key runs (PROVISIO_RESEND_LIMIT
    // is 3 an hour; the first email does not count).
    let line = resend("WO-1001", "Sub-1001-2");
    for _ in 0..3 {
        assert_eq!(api.post(&line, None).await.0, 202);
    }
    let (status, problem) = api.post(&line, Some("k-limited")).await;
    assert_eq!((status, problem["code"].as_str()), (StatusCode::TOO_MANY_REQUESTS, Some("too_many_emails")));
    let token = app.store.live_token(&provisio::store::token_hash(&secret)).await.unwrap().unwrap();
    let claim = app.store.claim_idempotency_key(token.id, "k-limited", "any", Utc::now()).await.unwrap();
    assert_eq!(claim, provisio::store::IdempotencyClaim::Fresh, "the 429 left the key free for the retry");
});

on_both!(api_writes_take_json_only_and_every_refusal_is_a_problem, |app| {
    add_admins(&app).await;
    let secret = token(&app, "write").await;
    let api = Api::new(&app, Some(&secret));
    let path = contact("WO-1001", "Sub-1001-1");
    let text = r#"{"email": "typed@globex.example"}"#;
    for content_type in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"] {
        let request = api.request(reqwest::Method::PUT, &path).header("Content-Type", content_type).body(text);
        let (status, problem) = answer(request.send().await.unwrap()).await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (StatusCode::UNSUPPORTED_MEDIA_TYPE, Some("unsupported_media_type")),
            "{content_type}"
        );
    }
    let request = api.request(reqwest::Method::PUT, &path).body(text);
    assert_eq!(answer(request.send().await.unwrap()).await.0, 415, "a body without a type");
    let line = app.store.order_line("WO-1001", "Sub-1001-1").await.unwrap().unwrap();
    assert_eq!(line.contact, "old@globex.example", "nothing changed");
    let request =
        api.request(reqwest::Method::PUT, &path).header("Content-Type", "application/json; charset=utf-8").body(text);
    assert_eq!(answer(request.send().await.unwrap()).await.0, 200, "JSON with a charset is JSON");
    // A resend needs no body, and so no type.
    assert_eq!(api.post(&resend("WO-1001", "Sub-1001-2"), None).await.0, 202);

    // 405 and 404 under /api/v1 are problems too, 405 with Allow.
    for (method, path, allow) in [
        (reqwest::Method::DELETE, "/api/v1/orders".to_string(), "GET, HEAD"),
        (reqwest::Method::POST, "/api/v1/transactions".to_string(), "GET, HEAD"),
        (reqwest::Method::GET, contact("WO-1001", "Sub-1001-1"), "PUT"),
        (reqwest::Method::PUT, resend("WO-1001", "Sub-1001-1"), "POST"),
    ] {
        let response = api.request(method.clone(), &path).send().await.unwrap();
        assert_eq!(response.headers().get("allow").map(|v| v.to_str().unwrap().to_string()).as_deref(), Some(allow));
        let (status, problem) = answer(response).await;
        assert_eq!((status, problem["code"].as_str()), (StatusCode::METHOD_NOT_ALLOWED, Some("method_not_allowed")));
    }
    let (status, problem) = api.get("/api/v1/no-such-thing").await;
    assert_eq!((status, problem["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));
});

/// One request of the walk: query pairs, header pairs and a JSON body.
type WalkRequest = (Vec<(String, String)>, Vec<(String, String)>, Option<Value>);

/// A value of each boundary the document states for a parameter: its example, each
/// alternative of a pattern `^(a|b|c)$`, and strings at a stated maximum length.
fn documented_values(name: &str, schema: &Value, example: Option<&Value>) -> Vec<String> {
    let mut values: Vec<String> = example.and_then(Value::as_str).map(str::to_string).into_iter().collect();
    if let Some(pattern) = schema["pattern"].as_str()
        && let Some(alternatives) = pattern.strip_prefix("^(").and_then(|p| p.strip_suffix(")$"))
    {
        values.extend(alternatives.split('|').map(str::to_string));
    }
    if name == "Idempotency-Key" {
        let longest = schema["maxLength"].as_u64().expect("the key's length is stated") as usize;
        let lowest = char::from(b'!').to_string();
        values.push(lowest);
        values.push("~".repeat(longest));
    }
    values
}

on_both!(every_request_the_openapi_document_calls_valid_is_taken, |app| {
    add_admins(&app).await;
    let doc: Value = Api::new(&app, None).get("/api/v1/openapi.json").await.1;
    let schemas = &doc["components"]["schemas"];
    let mut sent = 0;
    let mut key = 0;
    for (path, operations) in doc["paths"].as_object().unwrap() {
        for (method, operation) in operations.as_object().unwrap() {
            let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let url = path.replace("{order_id}", "WO-1001").replace("{subscription_id}", "Sub-1001-1");
            // A token per operation: its keys are its own, so a key tried on one write is
            // not a reuse on the next.
            let api = Api::new(&app, Some(&token(&app, "write").await));
            let mut requests: Vec<WalkRequest> = vec![(Vec::new(), Vec::new(), None)];
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                let name = parameter["name"].as_str().unwrap();
                let at = parameter["in"].as_str().unwrap();
                let schema = &parameter["schema"];
                let stated = schema.get("pattern").is_some() || schema.get("maxLength").is_some();
                if at == "path" {
                    continue;
                }
                assert!(
                    !stated || parameter.get("example").is_some() || schema.get("example").is_some(),
                    "{method} {path} {name}: a constrained parameter shows an example"
                );
                let example = parameter.get("example").or_else(|| schema.get("example"));
                for value in documented_values(name, schema, example) {
                    let (mut query, mut headers) = (Vec::new(), Vec::new());
                    match at {
                        "query" => query.push((name.to_string(), value)),
                        "header" => headers.push((name.to_string(), value)),
                        other => panic!("{other}"),
                    }
                    requests.push((query, headers, None));
                }
            }
            if let Some(reference) = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].as_str()
            {
                let schema = &schemas[reference.trim_start_matches("#/components/schemas/")];
                let email = &schema["properties"]["email"];
                let longest = email["maxLength"].as_u64().unwrap() as usize;
                // The longest address the document allows: 64 before the @, 254 in all.
                let domain = format!("{}.{}.{}.example", "b".repeat(63), "c".repeat(63), "d".repeat(53));
                let long = format!("{}@{domain}", "a".repeat(64));
                assert_eq!(long.len(), longest);
                for address in [email["example"].as_str().unwrap().to_string(), long] {
                    requests.push((Vec::new(), Vec::new(), Some(json!({"email": address, "apply_to_all": false}))));
                }
            }
            for (query, headers, body) in requests {
                let mut request = api.request(method.clone(), &url).query(&query);
                for (name, value) in &headers {
                    // Each write its own key, unless the key itself is what is tried.
                    request = request.header(name, value);
                }
                if headers.is_empty() && method != reqwest::Method::GET {
                    key += 1;
                    request = request.header("Idempotency-Key", format!("walk-{key}"));
                }
                if let Some(body) = &body {
                    request = request.json(body);
                } else if method == reqwest::Method::PUT {
                    request = request.json(&json!({"email": "walk@globex.example"}));
                }
                let response = request.send().await.unwrap();
                let status = response.status();
                let text = response.text().await.unwrap();
                assert_ne!(
                    status, 422,
                    "{method} {url} {query:?} {headers:?} {body:?}: the document calls it valid: {text}"
                );
                assert!(!status.is_server_error(), "{method} {url}: {status} {text}");
                sent += 1;
            }
        }
    }
    assert!(sent >= 20, "{sent} requests");
});
