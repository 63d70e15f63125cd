//! Live delivery status (docs/product.md; docs/http.md `data-email-state`): a row
//! whose email is pending asks for its status fragment, later each time, with the poll
//! header, until the mail server's answer; a page with nothing pending asks nothing.

use chrono::{Duration, DurationRound, Utc};
use provisio::store::ImportFile;

use crate::helpers::*;
use crate::on_both;

/// An A-Flex line of WO-1001's parties whose 3-day reminder is due `ahead` from now, and
/// that reminder queued: its email stays queued until then.
pub async fn queued_ahead(app: &TestApp, ahead: Duration) {
    let due = (Utc::now() + ahead).duration_trunc(Duration::seconds(1)).unwrap();
    let sent = due - Duration::days(4);
    let file: ImportFile = serde_json::from_value(serde_json::json!({"orders": [{
        "id": "WO-7001", "partner": "acme", "created_by": "creator@acme.example", "customer": "Initrode",
        "lines": [{"subscription": "Sub-7001-1", "offer": "A-Flex", "rsd": sent.date_naive(),
                   "contact": "it@initrode.example", "status": "awaiting", "email_sent_at": sent}]
    }]}))
    .unwrap();
    app.store.import(&file, Utc::now()).await.unwrap();
    assert_eq!(app.store.enqueue_due_reminders(due, &[Duration::days(3)]).await.unwrap(), 1);
}

/// Makes the email `queued_ahead` queued due now, so the dispatcher sends it: a test
/// reads the queued state for as long as it likes first, however slow the machine.
pub async fn release_now(app: &TestApp) {
    const SQL: &str = "UPDATE outbox SET next_attempt_at = $1 WHERE order_id = 'WO-7001' AND status = 'queued'";
    let released = execute_directly(&app.database_url, SQL, |b| b.time(Utc::now())).await;
    assert_eq!(released, 1, "the reminder was still queued");
}

const STATUS: &str = "/orders/WO-7001/lines/Sub-7001-1/status";

on_both!(a_pending_row_polls_with_back_off_until_the_mail_server_answers, |app| {
    let editor = app.login("editor@acme.example").await;
    // Nothing pending: no poll at all.
    let page = editor.get_html("/orders/WO-1001").await;
    assert_eq!(count(&page, "[data-email-poll]"), 0, "{page}");
    assert_eq!(count(&page, "tr[data-email-state=none]"), 3);

    // Queued an hour ahead: it stays queued while the test reads it, then is released.
    queued_ahead(&app, Duration::hours(1)).await;
    let page = editor.get_html("/orders/WO-7001").await;
    assert_eq!(count(&page, "tr[data-email-state=queued]"), 1, "{page}");
    assert!(page.contains(&format!("hx-get=\"{STATUS}?from=order&#38;wait=1\"")), "{page}");
    assert!(page.contains(r#"hx-headers='{"X-Provisio-Poll": "1"}'"#));
    assert!(page.contains("id=\"email-live\""));

    // Each answer while pending asks again later: 1, 2, 4 … at most 30 seconds.
    let poll = |path: String| {
        let client = editor.client.clone();
        let url = format!("{}{path}", app.address);
        async move {
            let response =
                client.get(url).header("HX-Request", "true").header("X-Provisio-Poll", "1").send().await.unwrap();
            (response.status().as_u16(), response.text().await.unwrap())
        }
    };
    let (status, body) = poll(format!("{STATUS}?wait=1")).await;
    assert_eq!(status, 200);
    assert!(body.contains("data-email-state=\"queued\"") && body.contains("wait=2"), "{body}");
    assert!(!body.contains("email-live"), "nothing to announce yet");
    let (_, body) = poll(format!("{STATUS}?from=subscriptions&wait=16")).await;
    assert!(body.contains("wait=30") && body.contains("from=subscriptions"), "{body}");
    let (_, body) = poll(format!("{STATUS}?wait=30")).await;
    assert!(body.contains("wait=30"), "{body}");

    // Once the mail server accepted it: the row's final state, announced, and no more polls.
    release_now(&app).await;
    app.settled_transactions("Sub-7001-1").await;
    let (_, body) = poll(format!("{STATUS}?wait=4")).await;
    assert!(body.contains("data-email-state=\"accepted\""), "{body}");
    assert!(!body.contains("data-email-poll"), "{body}");
    let live = body.split("id=\"email-live\"").nth(1).expect("the announcement");
    assert!(live.contains("accepted by the mail server"), "{body}");

    // The same visibility as the line.
    let stranger = app.login("stranger@other.example").await;
    assert_eq!(stranger.get(STATUS).await.status(), 404);
    assert_eq!(editor.get("/orders/WO-7001/lines/Sub-1001-1/status").await.status(), 404);
    assert_eq!(app.client().get(STATUS).await.status(), 303, "signed out: to the sign-in page");
});

on_both!(a_transaction_in_progress_polls_until_its_email_is_answered, |app| {
    let editor = app.login("editor@acme.example").await;
    let page = editor.get_html("/transactions").await;
    assert_eq!(count(&page, "[data-email-poll]"), 0, "nothing in progress, no poll: {page}");
    queued_ahead(&app, Duration::hours(1)).await;
    let id = app.store.line_transactions("Sub-7001-1").await.unwrap()[0].id;
    let status = format!("/transactions/{id}/status");
    let page = editor.get_html("/transactions").await;
    assert!(page.contains(&format!("hx-get=\"{status}?wait=1\"")), "{page}");
    let history = editor.get_html("/orders/WO-7001/lines/Sub-7001-1/history").await;
    assert_eq!(count(&history, "[data-email-poll]"), 1, "{history}");

    let poll = |path: String| {
        let client = editor.client.clone();
        let url = format!("{}{path}", app.address);
        async move {
            let response =
                client.get(url).header("HX-Request", "true").header("X-Provisio-Poll", "1").send().await.unwrap();
            (response.status().as_u16(), response.text().await.unwrap())
        }
    };
    let (code, body) = poll(format!("{status}?wait=1")).await;
    assert_eq!(code, 200);
    assert!(body.contains("data-status=\"in_progress\"") && body.contains("wait=2"), "{body}");
    release_now(&app).await;
    app.settled_transactions("Sub-7001-1").await;
    let (_, body) = poll(format!("{status}?wait=2")).await;
    assert!(body.contains("data-status=\"success\"") && !body.contains("data-email-poll"), "{body}");
    assert!(
        body.split("id=\"email-live\"").nth(1).is_some_and(|l| l.contains("Written to the file mailbox as")),
        "{body}"
    );
    let stranger = app.login("stranger@other.example").await;
    assert_eq!(stranger.get(&status).await.status(), 404);
    assert_eq!(editor.get("/transactions/999999/status").await.status(), 404);
});
