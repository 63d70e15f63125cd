//! Resend for every line of an order (the Swedish article's "prenumerationslinje(er)"):
//! the lines the page may resend, one email per recipient listing that recipient's lines,
//! one transaction per line, refused whole by PONR, permission and the limits.

use chrono::{Duration, Utc};

use crate::helpers::*;
use crate::on_both_with_smtp;

const ORDER_PAGE: &str = "/orders/WO-3001/lines/Sub-3001-1/resend";
const SUBS_PAGE: &str = "/subscriptions/Sub-3001-1/resend";

/// WO-3001 (acme, created by creator@acme): lines 1–2 to a@…, 3 to b@… (first emails
/// sent), 4 closed to B@… (the same recipient as 3, in other letters), 5 complete, 6 still
/// before its requested start date.
async fn import_mixed_order(app: &TestApp) {
    let now = Utc::now();
    let sent = now - Duration::days(2);
    let line = |n: u32, contact: &str, status: &str, email_sent: bool| {
        serde_json::json!({"subscription": format!("Sub-3001-{n}"), "offer": "Webex Meetings",
            "rsd": if email_sent { sent.date_naive() } else { (now + Duration::days(3)).date_naive() },
            "contact": contact, "status": status, "email_sent_at": if email_sent { Some(sent) } else { None }})
    };
    let file = serde_json::json!({
        "orders": [{"id": "WO-3001", "partner": "acme", "created_by": "creator@acme.example", "customer": "Wayne",
            "lines": [line(1, "a@wayne.example", "awaiting", true), line(2, "a@wayne.example", "awaiting", true),
                      line(3, "b@wayne.example", "awaiting", true), line(4, "B@wayne.example", "closed", true),
                      line(5, "c@wayne.example", "complete", true), line(6, "d@wayne.example", "awaiting", false)]}]
    });
    app.store.import(&serde_json::from_value(file).unwrap(), now).await.unwrap();
}

async fn resend_transactions(app: &TestApp) -> Vec<(String, String)> {
    let mut all = Vec::new();
    for n in 1..=6 {
        let sub = format!("Sub-3001-{n}");
        for t in app.store.line_transactions(&sub).await.unwrap() {
            if t.kind == "provisioning_email_resend" {
                all.push((sub.clone(), t.status.as_str().to_string()));
            }
        }
    }
    all
}

on_both_with_smtp!(one_email_per_recipient_listing_its_lines_from_the_order_page, |app, smtp| {
    import_mixed_order(&app).await;
    let user = app.login("editor@acme.example").await;
    let dialog = user.get_html(ORDER_PAGE).await;
    assert_eq!(count(&dialog, "input[name=apply_to_all]"), 1, "{dialog}");
    assert!(dialog.contains("3 lines, to 2 recipients: a@wayne.example, b@wayne.example"), "{dialog}");
    let response = user.post(ORDER_PAGE, &[("apply_to_all", "on")]).await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(response.headers()), "/orders/WO-3001");
    let page = user.get_html("/orders/WO-3001").await;
    assert!(page.contains("for 3 lines is queued to go again"), "{page}");
    let mut messages = smtp.wait_for(2).await;
    messages.sort_by(|a, b| a.to.cmp(&b.to));
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[0].to, ["a@wayne.example"]);
    assert!(messages[0].data.contains("Sub-3001-1") && messages[0].data.contains("Sub-3001-2"));
    assert!(!messages[0].data.contains("Sub-3001-3"));
    assert_eq!(messages[1].to, ["b@wayne.example"]);
    assert!(messages[1].data.contains("Sub-3001-3"));
    // Closed (on the order page), complete and not yet sent lines are left out.
    for left_out in ["Sub-3001-4", "Sub-3001-5", "Sub-3001-6"] {
        assert!(messages.iter().all(|m| !m.data.contains(left_out)), "{left_out}");
    }
    // One transaction per line, each following its email to success.
    for n in 1..=3 {
        let txs = app.settled_transactions(&format!("Sub-3001-{n}")).await;
        assert_eq!(txs.iter().filter(|t| t.kind == "provisioning_email_resend" && t.status == "success").count(), 1);
    }
    assert_eq!(resend_transactions(&app).await.len(), 3);
    let tm = user.get_html("/transactions?type=provisioning_email_resend&q=Sub-3001").await;
    assert_eq!(count(&tm, "tr[data-type=provisioning_email_resend]"), 3);
});

on_both_with_smtp!(from_the_subscriptions_page_closed_lines_are_covered_too, |app, smtp| {
    import_mixed_order(&app).await;
    let user = app.login("editor@acme.example").await;
    let response = user.post_htmx(SUBS_PAGE, &[("apply_to_all", "on")]).await;
    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();
    for n in 1..=4 {
        assert_eq!(count(&html, &format!("tr[data-subscription=\"Sub-3001-{n}\"]")), 1, "row {n} swapped");
    }
    let messages = smtp.wait_for(2).await;
    // b@ and B@ are one recipient: one email listing both lines.
    assert_eq!(messages.len(), 2, "{:?}", messages.iter().map(|m| &m.to).collect::<Vec<_>>());
    let b = messages.iter().find(|m| m.to[0].eq_ignore_ascii_case("b@wayne.example")).expect("b's email");
    assert!(b.data.contains("Sub-3001-3") && b.data.contains("Sub-3001-4"));
    assert_eq!(resend_transactions(&app).await.len(), 4);
});

on_both_with_smtp!(refused_whole_by_ponr_permission_and_state, |app, smtp| {
    import_mixed_order(&app).await;
    let editor = app.login("editor@acme.example").await;
    let ponr = editor.post("/orders/WO-1002/lines/Sub-1002-1/resend", &[("apply_to_all", "on")]).await;
    assert_eq!(ponr.status(), 409);
    assert!(ponr.text().await.unwrap().contains(ADMIN_CONSOLE));
    let viewer = app.login("viewer@acme.example").await;
    let denied = viewer.post(ORDER_PAGE, &[("apply_to_all", "on")]).await;
    assert_eq!(denied.status(), 403);
    assert!(denied.text().await.unwrap().contains("creator@acme.example"));
    // No line of WO-1003 may be resent on the order page: the first email is still to come.
    let none = editor.post("/orders/WO-1003/lines/Sub-1003-1/resend", &[("apply_to_all", "on")]).await;
    assert_eq!(none.status(), 409);
    let rsd = (Utc::now() + Duration::days(4)).date_naive().format("%Y-%m-%d").to_string();
    assert!(none.text().await.unwrap().contains(&rsd));
    // Another company's order does not exist for this user.
    let stranger = app.login("stranger@other.example").await;
    assert_eq!(stranger.post(ORDER_PAGE, &[("apply_to_all", "on")]).await.status(), 404);
    assert!(resend_transactions(&app).await.is_empty());
    let queue = app.store.email_counts().await.unwrap();
    assert_eq!(queue.queued + queue.sent + queue.failed, 0, "no message was ever queued");
    assert!(smtp.messages().is_empty());
});

mod the_limit_holds_for_every_line_and_recipient_it_covers {
    use super::*;

    async fn run(backend: Backend) {
        let smtp = crate::smtp::SmtpServer::start().await;
        let url = smtp.url();
        let Some(app) = TestApp::spawn_with(backend, |c| {
            c.mail.smtp = Some(provisio::config::SmtpUrl::parse(&url).unwrap());
            c.mail.limit = provisio::config::SendLimit { per_hour: 2, per_day: 10 };
        })
        .await
        else {
            return;
        };
        import_mixed_order(&app).await;
        let user = app.login("editor@acme.example").await;
        // Line 3 alone, twice: its limit (2/h) is used up.
        for _ in 0..2 {
            assert_eq!(user.post("/orders/WO-3001/lines/Sub-3001-3/resend", &[]).await.status(), 303);
        }
        smtp.wait_for(2).await;
        let before = resend_transactions(&app).await.len();
        // Every line covered counts: line 3 would go over, so nothing is sent at all.
        let limited = user.post(ORDER_PAGE, &[("apply_to_all", "on")]).await;
        assert_eq!(limited.status(), 429);
        assert!(limited.headers().get("retry-after").is_some());
        assert_eq!(resend_transactions(&app).await.len(), before, "nothing recorded");
        let queue = app.store.email_counts().await.unwrap();
        assert_eq!(queue.queued + queue.sent + queue.failed, 2, "nothing more queued");
    }

    crate::tests_on_both_backends!(run);
}
