//! The email the customer got (`/emails/{id}`): reachable from the line's history and the
//! Transaction Manager, readable as sent (the HTML sandboxed, never raw MIME), for exactly
//! those who may see the line.

use crate::helpers::*;
use crate::on_both;

const RESEND: &str = "/orders/WO-1001/lines/Sub-1001-1/resend";

/// The href of the first `data-email-link` of a page.
fn email_link(html: &str) -> Option<String> {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse("a[data-email-link]").unwrap();
    doc.select(&sel).next().and_then(|a| a.value().attr("href")).map(str::to_string)
}

on_both!(the_email_is_read_as_sent_from_the_history_and_the_transaction_manager, |app| {
    let editor = app.login("editor@acme.example").await;
    assert_eq!(editor.post(RESEND, &[]).await.status(), 303);
    assert_eq!(app.settled_transactions("Sub-1001-1").await[0].status, "success");
    let history = editor.get_html("/orders/WO-1001/lines/Sub-1001-1/history").await;
    let href = email_link(&history).expect("the history links to the email");
    assert!(href.starts_with("/emails/"), "{href}");
    let manager = editor.get_html("/transactions?q=Sub-1001-1").await;
    assert_eq!(email_link(&manager).as_deref(), Some(href.as_str()), "the Transaction Manager links to it too");

    let page = editor.get_html(&href).await;
    assert_eq!(count(&page, "[data-email-view]"), 1);
    for expected in [
        "Provisioning information required for order WO-1001",
        "webex_comm@webex.com",
        "old@globex.example",
        "Accepted",
        "Sub-1001-1",
        ADMIN_CONSOLE,
    ] {
        assert!(page.contains(expected), "the view shows {expected}: {page}");
    }
    assert_eq!(count(&page, "[data-email-state=accepted]"), 1);
    assert!(!page.contains("Content-Transfer-Encoding") && !page.contains("MIME-Version"), "never raw MIME");
    // The HTML is in a sandboxed frame of its own, which runs nothing and is framed only here.
    let doc = scraper::Html::parse_document(&page);
    let frame = doc.select(&scraper::Selector::parse("iframe[sandbox]").unwrap()).next().expect("a sandboxed frame");
    assert_eq!(frame.value().attr("sandbox"), Some(""));
    let body_href = frame.value().attr("src").unwrap().to_string();
    let body = editor.get(&body_href).await;
    assert_eq!(body.status(), 200);
    let csp = body.headers().get("content-security-policy").unwrap().to_str().unwrap().to_string();
    assert!(csp.contains("sandbox") && csp.contains("default-src 'none'") && !csp.contains("script"), "{csp}");
    assert_eq!(body.headers().get("x-frame-options").unwrap(), "SAMEORIGIN");
    let body = body.text().await.unwrap();
    assert!(body.contains("Sub-1001-1") && body.contains("<html"), "{body}");

    // The distributor sees the line, and operators every line; nobody else.
    let dist = app.login("dist@north.example").await;
    assert_eq!(dist.get(&href).await.status(), 200);
    assert_eq!(app.login("ops@vendor.example").await.get(&href).await.status(), 200);
    let stranger = app.login("stranger@other.example").await;
    assert_eq!(stranger.get(&href).await.status(), 404);
    assert_eq!(stranger.get(&body_href).await.status(), 404);
    for missing in ["/emails/999999", "/emails/abc", "/emails/-1/html"] {
        assert_eq!(editor.get(missing).await.status(), 404, "{missing}");
    }
    // Signed out: sign in first.
    assert_eq!(app.client().get(&href).await.status(), 303);
});

on_both!(a_failed_email_says_so_in_its_view, |app| {
    let editor = app.login("editor@acme.example").await;
    assert_eq!(editor.post(RESEND, &[]).await.status(), 303);
    app.outbox_settled().await;
    execute_directly(
        &app.database_url,
        "UPDATE outbox SET status = 'failed',
                last_error = 'address-refused 5.1.1 permanent error (550): 5.1.1 the mailbox does not exist'
         WHERE id = (SELECT last_outbox_id FROM lines WHERE subscription_id = 'Sub-1001-1')",
        |b| b,
    )
    .await;
    let history = editor.get_html("/orders/WO-1001/lines/Sub-1001-1/history").await;
    let page = editor.get_html(&email_link(&history).unwrap()).await;
    assert_eq!(count(&page, "[data-email-state=failed]"), 1);
    // In plain words with what to do, never the mail server's own.
    assert!(
        page.contains(
            "It could not be delivered. The mail server refused this address (5.1.1). Check the address and edit it"
        ),
        "{page}"
    );
    assert!(!page.contains("the mailbox does not exist") && !page.contains("permanent error"), "{page}");
});

#[tokio::test]
async fn the_demo_mailbox_lists_the_views_for_operators() {
    let Some(app) = TestApp::spawn_with(Backend::Sqlite, |c| c.demo = true).await else { return };
    let user = app.login("editor@acme.example").await;
    assert_eq!(user.post(RESEND, &[]).await.status(), 303);
    app.outbox_settled().await;
    assert!(!user.get_html("/attention").await.contains("href=\"/mailbox\""), "not in a partner's navigation");
    let ops = app.login("ops@vendor.example").await;
    assert!(ops.get_html("/attention").await.contains("href=\"/mailbox\""), "in the operators' navigation");
    let mailbox = ops.get_html("/mailbox").await;
    let href = email_link(&mailbox).expect("each message links to its view");
    assert!(ops.get_html(&href).await.contains("Provisioning information required for order WO-1001"));
}
