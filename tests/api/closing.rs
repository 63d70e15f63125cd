//! Closing, the Cloud/SaaS Subscriptions page, distributors and admin-console events
//! (docs/product.md rules 8 and 9; the webhook of docs/http.md).

use chrono::{Duration, Utc};
use hmac::{Hmac, Mac};
use provisio::store::ImportFile;
use sha2::Sha256;

use crate::helpers::*;
use crate::on_both;

/// An order of `partner` whose lines had their first email `days_ago` days ago.
fn sent_lines(order: &str, lines: &[(&str, &str, i64)]) -> ImportFile {
    let now = Utc::now();
    let lines: Vec<_> = lines
        .iter()
        .map(|(sub, offer, days_ago)| {
            serde_json::json!({"subscription": sub, "offer": offer, "rsd": (now - Duration::days(*days_ago)).date_naive(),
                               "contact": "it@initrode.example", "status": "awaiting",
                               "email_sent_at": now - Duration::days(*days_ago)})
        })
        .collect();
    serde_json::from_value(serde_json::json!({"orders": [{
        "id": order, "partner": "acme", "created_by": "creator@acme.example", "customer": "Initrode", "lines": lines
    }]}))
    .unwrap()
}

async fn status_of(app: &TestApp, order: &str, sub: &str) -> String {
    order_of(&app.store, order).await.unwrap().unwrap().line(sub).unwrap().status.as_str().to_string()
}

fn signed(body: &str, secret: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body.as_bytes());
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

async fn event(app: &TestApp, body: &str, signature: Option<String>) -> reqwest::Response {
    let mut request = reqwest::Client::new()
        .post(format!("{}/api/v1/control-hub/events", app.address))
        .header("Content-Type", "application/json")
        .body(body.to_string());
    if let Some(signature) = signature {
        request = request.header("X-Provisio-Signature", signature);
    }
    request.send().await.unwrap()
}

on_both!(lines_close_seven_or_thirty_days_after_the_first_email, |app| {
    app.store
        .import(
            &sent_lines(
                "WO-5001",
                &[
                    ("Sub-5001-1", "A-Flex-3", 6),
                    ("Sub-5001-2", "A-Flex-3", 8),
                    ("Sub-5001-3", "Webex Meetings", 10),
                    ("Sub-5001-4", "Webex Meetings", 31),
                    ("Sub-5001-5", "A-Flex", 5),
                ],
            ),
            Utc::now(),
        )
        .await
        .unwrap();
    // A resend on day 5 does not move the A-Flex deadline.
    let user = app.login("editor@acme.example").await;
    assert_eq!(user.post("/orders/WO-5001/lines/Sub-5001-5/resend", &[]).await.status(), 303);
    app.settled_transactions("Sub-5001-5").await;

    let now = Utc::now();
    // The application's own scheduler may have closed them first: either way, once.
    app.store.close_due_lines(now).await.unwrap();
    assert_eq!(status_of(&app, "WO-5001", "Sub-5001-1").await, "awaiting", "A-Flex-3 at 6 days stays open");
    assert_eq!(status_of(&app, "WO-5001", "Sub-5001-2").await, "closed", "A-Flex-3 at 8 days closes");
    assert_eq!(status_of(&app, "WO-5001", "Sub-5001-3").await, "awaiting", "Webex Meetings at 10 days stays open");
    assert_eq!(status_of(&app, "WO-5001", "Sub-5001-4").await, "closed", "Webex Meetings at 31 days closes");
    assert_eq!(status_of(&app, "WO-5001", "Sub-5001-5").await, "awaiting");
    assert_eq!(app.store.close_due_lines(now).await.unwrap(), 0, "closing happens once");
    app.store.close_due_lines(now + Duration::days(2) + Duration::hours(1)).await.unwrap();
    assert_eq!(status_of(&app, "WO-5001", "Sub-5001-5").await, "closed", "7×24 h from the first email");
    let order = order_of(&app.store, "WO-5001").await.unwrap().unwrap();
    assert!(order.line("Sub-5001-2").unwrap().closed_at.is_some(), "when billing started is recorded");

    let page = user.get_html("/orders/WO-5001").await;
    assert!(
        row(&page, "Sub-5001-3").unwrap().1.contains("Closes in 20 days"),
        "20 days less a few seconds reads as 20: {page}"
    );
    assert!(row(&page, "Sub-5001-2").unwrap().1.contains("billing started"));
    assert_eq!(count(&page, "a[href=\"/subscriptions?q=Sub-5001-2\"]"), 1);
});

on_both!(the_subscriptions_page_lists_searches_and_filters, |app| {
    let ops = app.login("ops@vendor.example").await;
    let html = ops.get_html("/subscriptions").await;
    assert_eq!(count(&html, "tr[data-subscription]"), 7);
    assert_eq!(count(&html, "tr[data-pending=true]"), 1);
    assert_eq!(count(&html, "tr[data-subscription=\"Sub-1001-3\"][data-status=closed][data-pending=true]"), 1);
    assert_eq!(count(&html, "tr[data-subscription=\"Sub-1001-1\"][data-pending=false]"), 1);
    assert!(row(&html, "Sub-1001-3").unwrap().1.contains("Provisioning still pending"));
    assert!(row(&html, "Sub-1001-3").unwrap().1.contains("old@globex.example"));

    let pending = ops.get_html("/subscriptions?pending=1").await;
    assert_eq!(count(&pending, "tr[data-subscription]"), 1);
    let q = ops.get_html("/subscriptions?q=wo-1001").await;
    assert_eq!(count(&q, "tr[data-subscription]"), 3, "search by web order id");
    let q = ops.get_html("/subscriptions?q=SUB-1003-2").await;
    assert_eq!(count(&q, "tr[data-subscription]"), 1);
    // Sub-1001-1 (A-Flex) had its first email 2 days ago: it closes in 5 days.
    let closing = ops.get_html("/subscriptions?closing_within=6").await;
    assert_eq!(count(&closing, "tr[data-subscription=\"Sub-1001-1\"]"), 1);
    assert_eq!(count(&closing, "tr[data-subscription=\"Sub-1001-2\"]"), 0, "Webex Meetings closes in 28 days");
    let closing = ops.get_html("/subscriptions?closing_within=4").await;
    assert_eq!(count(&closing, "tr[data-subscription=\"Sub-1001-1\"]"), 0);
    let bad = ops.get("/subscriptions?closing_within=lots").await;
    assert_eq!(bad.status(), 422);
    assert!(bad.text().await.unwrap().contains("number of days"));

    // Partners see their own company's lines only.
    let stranger = app.login("stranger@other.example").await;
    let html = stranger.get_html("/subscriptions").await;
    assert_eq!(count(&html, "tr[data-subscription]"), 1);
    assert_eq!(stranger.get("/subscriptions/Sub-1001-3/contact").await.status(), 404);
    assert_eq!(stranger.post("/subscriptions/Sub-1001-3/contact", &[("email", "x@y.example")]).await.status(), 404);
});

on_both!(the_subscriptions_page_pages_by_keyset, |app| {
    let lines: Vec<(String, String, i64)> =
        (0..120).map(|i| (format!("Sub-6000-{i:03}"), "A-Flex".to_string(), 1)).collect();
    let refs: Vec<(&str, &str, i64)> = lines.iter().map(|(s, o, d)| (s.as_str(), o.as_str(), *d)).collect();
    app.store.import(&sent_lines("WO-6000", &refs), Utc::now()).await.unwrap();
    let user = app.login("editor@acme.example").await;
    let mut seen = Vec::new();
    let mut next = Some("/subscriptions?q=Sub-6000".to_string());
    while let Some(url) = next {
        let html = user.get_html(&url).await;
        let doc = scraper::Html::parse_document(&html);
        let sel = scraper::Selector::parse("tr[data-subscription]").unwrap();
        seen.extend(doc.select(&sel).map(|e| e.value().attr("data-subscription").unwrap().to_string()));
        let link = scraper::Selector::parse("a[rel=next]").unwrap();
        next = doc.select(&link).next().map(|a| a.value().attr("href").unwrap().replace("&amp;", "&"));
    }
    let expected: Vec<String> = lines.iter().map(|l| l.0.clone()).collect();
    assert_eq!(seen, expected, "every line once, in order, across pages");
});

on_both!(closed_lines_are_fixed_from_the_subscriptions_page_before_ponr_and_refused_after, |app| {
    let user = app.login("editor@acme.example").await;
    // 2(a): edit the closed-but-pending line; apply to all covers the order's open lines too.
    let dialog = user.get_html("/subscriptions/Sub-1001-3/contact").await;
    assert!(dialog.contains("action=\"/subscriptions/Sub-1001-3/contact\""));
    let response = user
        .post("/subscriptions/Sub-1001-3/contact", &[("email", "fixed@globex.example"), ("apply_to_all", "on")])
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(response.headers()), "/subscriptions?q=Sub-1001-3");
    let page = user.get_html("/subscriptions?q=Sub-1001-3").await;
    assert!(page.contains("Provisioning contact updated to fixed@globex.example on 3 lines"), "{page}");
    let order = order_of(&app.store, "WO-1001").await.unwrap().unwrap();
    assert!(order.lines.iter().all(|l| l.contact == "fixed@globex.example"));
    // Resend from there too.
    let resend = user.post("/subscriptions/Sub-1001-3/resend", &[]).await;
    assert_eq!(resend.status(), 303);
    assert!(
        user.get_html("/subscriptions?q=Sub-1001-3")
            .await
            .contains("email to fixed@globex.example is queued to go again")
    );
    let htmx = user.post_htmx("/subscriptions/Sub-1001-3/contact", &[("email", "again@globex.example")]).await;
    assert_eq!(htmx.status(), 200);
    let html = htmx.text().await.unwrap();
    assert_eq!(count(&html, "tr[data-subscription=\"Sub-1001-3\"][data-pending=true]"), 1, "{html}");

    // 2(b): after PONR both are refused with the admin console.
    app.store.onboard("WO-1001", Utc::now()).await.unwrap();
    for path in ["/subscriptions/Sub-1001-3/contact", "/subscriptions/Sub-1001-3/resend"] {
        let response = user.post(path, &[("email", "late@globex.example")]).await;
        assert_eq!(response.status(), 409, "{path}");
        assert!(response.text().await.unwrap().contains(ADMIN_CONSOLE));
        assert_eq!(user.get(path).await.status(), 409);
        let htmx = user.post_htmx(path, &[("email", "late@globex.example")]).await;
        assert_eq!(htmx.status(), 409);
    }
    assert_eq!(user.get("/subscriptions/Sub-9999/contact").await.status(), 404);
    // A complete line is not edited anywhere.
    assert_eq!(user.post("/subscriptions/Sub-1003-2/contact", &[("email", "x@stark.example")]).await.status(), 409);
});

on_both!(distributors_fix_the_orders_they_distribute_with_the_same_rules, |app| {
    let dist = app.login("dist@north.example").await;
    let response = dist.post("/subscriptions/Sub-1001-3/contact", &[("email", "viadist@globex.example")]).await;
    assert_eq!(response.status(), 303);
    let history = app.settled_transactions("Sub-1001-3").await;
    assert_eq!(history[0].actor, "Dina Dist");
    assert_eq!(dist.get("/subscriptions/Sub-1003-1/contact").await.status(), 404, "not an order it distributes");
    let viewer = app.login("distview@north.example").await;
    let page = viewer.get_html("/subscriptions").await;
    assert_eq!(count(&page, "button#edit-Sub-1001-3[disabled]"), 1);
    assert!(page.contains("creator@acme.example"));
    let denied = viewer.post("/subscriptions/Sub-1001-3/contact", &[("email", "x@globex.example")]).await;
    assert_eq!(denied.status(), 403);
    assert!(denied.text().await.unwrap().contains("Cora Creator"));
});

on_both!(admin_console_events_are_signed_and_idempotent, |app| {
    let mapped = r#"{"type":"order.mapped","order_id":"WO-1001"}"#;
    assert_eq!(event(&app, mapped, None).await.status(), 401);
    assert_eq!(event(&app, mapped, Some(signed(mapped, "not the secret at all"))).await.status(), 401);
    assert_eq!(event(&app, mapped, Some("sha256=zz".into())).await.status(), 401);
    assert!(order_of(&app.store, "WO-1001").await.unwrap().unwrap().head.org_mapped_at.is_none(), "nothing changed");
    let malformed = r#"{"type":"order.mapped"}"#;
    assert_eq!(event(&app, malformed, Some(signed(malformed, WEBHOOK_SECRET))).await.status(), 400);
    let unknown_type = r#"{"type":"order.deleted","order_id":"WO-1001"}"#;
    assert_eq!(event(&app, unknown_type, Some(signed(unknown_type, WEBHOOK_SECRET))).await.status(), 400);
    let unknown = r#"{"type":"order.mapped","order_id":"WO-0000"}"#;
    assert_eq!(event(&app, unknown, Some(signed(unknown, WEBHOOK_SECRET))).await.status(), 404);

    let first = event(&app, mapped, Some(signed(mapped, WEBHOOK_SECRET))).await;
    assert_eq!(first.status(), 200);
    assert_eq!(first.json::<serde_json::Value>().await.unwrap()["status"], "done");
    let replay = event(&app, mapped, Some(signed(mapped, WEBHOOK_SECRET))).await;
    assert_eq!(replay.status(), 200);
    assert_eq!(replay.json::<serde_json::Value>().await.unwrap()["status"], "already done");
    assert!(order_of(&app.store, "WO-1001").await.unwrap().unwrap().head.org_mapped_at.is_some());
    let user = app.login("editor@acme.example").await;
    assert_eq!(
        user.post("/orders/WO-1001/lines/Sub-1001-1/contact", &[("email", "x@globex.example")]).await.status(),
        409
    );

    let completed = r#"{"type":"provisioning.completed","subscription_id":"Sub-1003-1"}"#;
    assert_eq!(event(&app, completed, Some(signed(completed, WEBHOOK_SECRET))).await.status(), 200);
    assert_eq!(status_of(&app, "WO-1003", "Sub-1003-1").await, "complete");
    let unknown_sub = r#"{"type":"provisioning.completed","subscription_id":"Sub-0"}"#;
    assert_eq!(event(&app, unknown_sub, Some(signed(unknown_sub, WEBHOOK_SECRET))).await.status(), 404);
});

#[tokio::test]
async fn without_a_secret_the_webhook_does_not_exist() {
    let Some(app) = TestApp::spawn_with(Backend::Sqlite, |c| c.webhook_secret = None).await else { return };
    let mapped = r#"{"type":"order.mapped","order_id":"WO-1001"}"#;
    assert_eq!(event(&app, mapped, Some(signed(mapped, WEBHOOK_SECRET))).await.status(), 404);
    assert!(order_of(&app.store, "WO-1001").await.unwrap().unwrap().head.org_mapped_at.is_none());
}
