//! Provisioning emails end to end: what lettre really sends reaches an SMTP server in
//! the test process (docs/product.md rules 1, 4, 5, 7, 10 and 12).

use chrono::{Duration, Utc};
use provisio::mail::{Dispatcher, Mailer};
use provisio::store::ImportFile;

use crate::helpers::*;
use crate::on_both_with_smtp;
use crate::smtp::Mode;

const RESEND_1: &str = "/orders/WO-1001/lines/Sub-1001-1/resend";
const EDIT_1: &str = "/orders/WO-1001/lines/Sub-1001-1/contact";

/// An order whose lines are due today and have had no email yet.
fn due_today(order: &str, lines: &[(&str, &str)]) -> ImportFile {
    let today = Utc::now().date_naive();
    let lines: Vec<_> = lines
        .iter()
        .map(|(sub, contact)| {
            serde_json::json!({"subscription": sub, "offer": "A-Flex", "rsd": today, "contact": contact, "status": "awaiting"})
        })
        .collect();
    serde_json::from_value(serde_json::json!({"orders": [{
        "id": order, "partner": "acme", "created_by": "creator@acme.example", "customer": "Initrode",
        "lines": lines
    }]}))
    .unwrap()
}

async fn transaction_status(app: &TestApp, sub: &str) -> (String, String) {
    let txs = app.settled_transactions(sub).await;
    let tx = txs.first().expect("a transaction");
    (tx.status.as_str().to_string(), tx.detail.clone().unwrap_or_default())
}

on_both_with_smtp!(the_rsd_email_goes_out_once, |app, smtp| {
    app.store
        .import(
            &due_today(
                "WO-3001",
                &[
                    ("Sub-3001-1", "a@initrode.example"),
                    ("Sub-3001-2", "a@initrode.example"),
                    ("Sub-3001-3", "b@initrode.example"),
                ],
            ),
            Utc::now(),
        )
        .await
        .unwrap();
    // Two schedulers at once besides the application's own, and again later: each line's
    // first email is queued once, one per recipient of the order.
    let (a, b) =
        tokio::join!(app.store.enqueue_due_rsd_emails(Utc::now()), app.store.enqueue_due_rsd_emails(Utc::now()));
    assert!(a.unwrap() + b.unwrap() <= 2);
    assert_eq!(app.store.enqueue_due_rsd_emails(Utc::now()).await.unwrap(), 0);
    let counts = app.store.email_counts().await.unwrap();
    assert_eq!(counts.queued + counts.sent + counts.failed, 2, "one email per recipient of the order");
    let messages = smtp.wait_for(2).await;
    app.outbox_settled().await;
    assert_eq!(smtp.messages().len(), 2, "nothing more arrives");
    let to_a = messages.iter().find(|m| m.to == ["a@initrode.example"]).expect("a's email");
    assert_eq!(to_a.header("Subject").as_deref(), Some("Provisioning information required for order WO-3001"));
    assert!(to_a.data.contains("Sub-3001-1") && to_a.data.contains("Sub-3001-2") && !to_a.data.contains("Sub-3001-3"));
    assert!(to_a.data.contains("webex_comm@webex.com") && to_a.data.contains(ADMIN_CONSOLE));
    assert!(to_a.header("Message-ID").unwrap().starts_with("<provisioning-"));
    assert!(to_a.data.contains("text/html") && to_a.data.contains("text/plain"));
    let order = order_of(&app.store, "WO-3001").await.unwrap().unwrap();
    assert!(order.lines.iter().all(|l| l.email_sent_at.is_some()));
    // A line whose RSD is in the future is not sent.
    let future = order_of(&app.store, "WO-1003").await.unwrap().unwrap();
    assert!(future.line("Sub-1003-1").unwrap().email_sent_at.is_none());
    // The order page says the mail server accepted it.
    let user = app.login("editor@acme.example").await;
    let page = user.get_html("/orders/WO-3001").await;
    assert!(row(&page, "Sub-3001-1").unwrap().1.contains("accepted by the mail server"), "{page}");
});

on_both_with_smtp!(resend_sends_again_and_its_status_follows_the_mail_server, |app, smtp| {
    let user = app.login("editor@acme.example").await;
    let dialog = user.get_html(RESEND_1).await;
    assert!(
        dialog.contains("old@globex.example") && dialog.contains("webex_comm@webex.com") && dialog.contains("spam")
    );
    let response = user.post(RESEND_1, &[]).await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(response.headers()), "/orders/WO-1001");
    let page = user.get_html("/orders/WO-1001").await;
    assert!(page.contains("The provisioning email to old@globex.example is queued to go again"), "{page}");
    let messages = smtp.wait_for(1).await;
    assert_eq!(messages[0].to, ["old@globex.example"]);
    assert!(messages[0].data.contains("Sub-1001-1") && !messages[0].data.contains("Sub-1001-2"));
    let (status, detail) = transaction_status(&app, "Sub-1001-1").await;
    assert_eq!(status, "success");
    assert!(detail.contains("250"), "the mail server's reply is kept: {detail}");
    let history = user.get_html("/orders/WO-1001/lines/Sub-1001-1/history").await;
    assert_eq!(count(&history, "tr[data-type=provisioning_email_resend][data-status=success]"), 1);
    assert!(history.contains("Accepted by the mail server"));

    // htmx: the dialog closes and the row is swapped.
    let htmx = user.post_htmx(RESEND_1, &[]).await;
    assert_eq!(htmx.status(), 200);
    let html = htmx.text().await.unwrap();
    assert!(html.contains("data-close-dialog") && html.contains("queued to go again"));
    assert_eq!(count(&html, "tr[data-subscription=\"Sub-1001-1\"]"), 1);
    smtp.wait_for(2).await;
});

on_both_with_smtp!(resend_is_refused_before_the_first_email_after_ponr_and_without_permission, |app, smtp| {
    let user = app.login("editor@acme.example").await;
    let before_rsd = "/orders/WO-1003/lines/Sub-1003-1/resend";
    assert_eq!(user.get(before_rsd).await.status(), 409);
    let response = user.post(before_rsd, &[]).await;
    assert_eq!(response.status(), 409);
    let rsd = (Utc::now() + Duration::days(4)).date_naive().format("%Y-%m-%d").to_string();
    assert!(response.text().await.unwrap().contains(&rsd), "says on which day it goes out");
    let page = user.get_html("/orders/WO-1003").await;
    assert!(row(&page, "Sub-1003-1").unwrap().1.contains(&rsd), "the control says so too");
    assert_eq!(count(&page, "button#resend-Sub-1003-1[disabled]"), 1);

    let ponr = user.post("/orders/WO-1002/lines/Sub-1002-1/resend", &[]).await;
    assert_eq!(ponr.status(), 409);
    assert!(ponr.text().await.unwrap().contains(ADMIN_CONSOLE));
    let viewer = app.login("viewer@acme.example").await;
    let denied = viewer.post(RESEND_1, &[]).await;
    assert_eq!(denied.status(), 403);
    assert!(denied.text().await.unwrap().contains("creator@acme.example"));
    assert_eq!(viewer.post_without_csrf(RESEND_1, &[]).await.status(), 403);
    let closed = user.post("/orders/WO-1001/lines/Sub-1001-3/resend", &[]).await;
    assert_eq!(closed.status(), 409);

    app.outbox_settled().await;
    assert!(smtp.messages().is_empty(), "refusals send nothing");
    assert_eq!(app.store.email_counts().await.unwrap().queued + app.store.email_counts().await.unwrap().sent, 0);
});

on_both_with_smtp!(an_edit_after_the_first_email_reaches_the_new_contact_at_once, |app, smtp| {
    let user = app.login("editor@acme.example").await;
    let response = user.post(EDIT_1, &[("email", "new@globex.example"), ("apply_to_all", "on")]).await;
    assert_eq!(response.status(), 303);
    let page = user.get_html("/orders/WO-1001").await;
    assert!(page.contains("The earlier address already received a set-up link"), "{page}");
    let messages = smtp.wait_for(1).await;
    assert_eq!(messages[0].to, ["new@globex.example"]);
    assert!(
        messages[0].data.contains("Sub-1001-1") && messages[0].data.contains("Sub-1001-2"),
        "one email for both lines"
    );
    for sub in ["Sub-1001-1", "Sub-1001-2"] {
        assert_eq!(transaction_status(&app, sub).await.0, "success", "{sub} follows the delivery");
    }
    app.outbox_settled().await;
    assert_eq!(smtp.messages().len(), 1, "one email per recipient per event");

    // Before the RSD an edit only changes where the RSD email will go.
    let response = user.post("/orders/WO-1003/lines/Sub-1003-1/contact", &[("email", "later@stark.example")]).await;
    assert_eq!(response.status(), 303);
    let (status, detail) = transaction_status(&app, "Sub-1003-1").await;
    assert_eq!((status.as_str(), detail.as_str()), ("success", "on-rsd"));
    app.outbox_settled().await;
    assert_eq!(smtp.messages().len(), 1);
});

on_both_with_smtp!(emails_are_limited_per_line_and_per_recipient, |app, smtp| {
    let user = app.login("editor@acme.example").await;
    // Sub-1001-1 and Sub-1001-2 both go to old@globex.example.
    for _ in 0..2 {
        assert_eq!(user.post(RESEND_1, &[]).await.status(), 303);
    }
    assert_eq!(user.post("/orders/WO-1001/lines/Sub-1001-2/resend", &[]).await.status(), 303);
    let limited = user.post("/orders/WO-1001/lines/Sub-1001-2/resend", &[]).await;
    assert_eq!(limited.status(), 429, "the recipient had three this hour");
    let retry: i64 = limited.headers().get("retry-after").unwrap().to_str().unwrap().parse().unwrap();
    assert!(retry > 3000 && retry <= 3600, "{retry}");
    assert!(limited.text().await.unwrap().contains("minutes"));
    let htmx = user.post_htmx(RESEND_1, &[]).await;
    assert_eq!(htmx.status(), 429);
    assert!(htmx.headers().get("retry-after").is_some());
    // Edits count too: Sub-1001-1 had two; an edit to a new address is its third, and
    // the next edit would be its fourth this hour.
    assert_eq!(user.post(EDIT_1, &[("email", "fresh@globex.example")]).await.status(), 303);
    let edit = user.post(EDIT_1, &[("email", "fresher@globex.example")]).await;
    assert_eq!(edit.status(), 429);
    assert_eq!(
        order_of(&app.store, "WO-1001").await.unwrap().unwrap().line("Sub-1001-1").unwrap().contact,
        "fresh@globex.example"
    );
    smtp.wait_for(4).await;
    app.outbox_settled().await;
    assert_eq!(smtp.messages().len(), 4);
});

on_both_with_smtp!(an_outage_is_ridden_out_and_the_message_arrives_once, |app, smtp| {
    smtp.stop();
    let user = app.login("editor@acme.example").await;
    assert_eq!(user.post(RESEND_1, &[]).await.status(), 303);
    // The first attempts fail while the server is away; the change waits in progress, and
    // the line says so the same way on the page and in the API's terms.
    attempted(&app, "WO-1001", 1).await;
    let txs = app.store.line_transactions("Sub-1001-1").await.unwrap();
    assert_eq!(txs[0].status, "in_progress");
    let page = user.get_html("/orders/WO-1001").await;
    assert_eq!(count(&page, "tr[data-subscription=Sub-1001-1][data-email-state=in_progress]"), 1, "{page}");
    let line = order_of(&app.store, "WO-1001").await.unwrap().unwrap();
    assert_eq!(line.line("Sub-1001-1").unwrap().email_state(), "in_progress");
    smtp.restart().await;
    let messages = smtp.wait_for(1).await;
    assert_eq!(messages.len(), 1);
    assert_eq!(transaction_status(&app, "Sub-1001-1").await.0, "success");
    app.outbox_settled().await;
    assert_eq!(smtp.messages().len(), 1, "delivered once");
});

on_both_with_smtp!(a_permanent_refusal_fails_at_once_with_the_reason, |app, smtp| {
    smtp.set_mode(Mode::RefuseForGood);
    let user = app.login("editor@acme.example").await;
    assert_eq!(user.post(RESEND_1, &[]).await.status(), 303);
    let (status, detail) = transaction_status(&app, "Sub-1001-1").await;
    assert_eq!(status, "failed");
    assert!(detail.contains("550") || detail.contains("mailbox unavailable"), "{detail}");
    let page = user.get_html("/orders/WO-1001").await;
    let (_, text) = row(&page, "Sub-1001-1").unwrap();
    assert!(text.contains("The mail server refused this address (5.1.1). Check the address and edit it"), "{text}");
    let counts = app.store.email_counts().await.unwrap();
    assert_eq!(counts.failed, 1);
});

on_both_with_smtp!(messages_pending_at_a_restart_are_not_lost_and_dispatchers_never_send_twice, |app, smtp| {
    smtp.stop();
    let lines: Vec<(String, String)> =
        (0..60).map(|i| (format!("Sub-4000-{i:03}"), format!("r{i}@initrode.example"))).collect();
    let refs: Vec<(&str, &str)> = lines.iter().map(|(s, c)| (s.as_str(), c.as_str())).collect();
    app.store.import(&due_today("WO-4000", &refs), Utc::now()).await.unwrap();
    app.store.enqueue_due_rsd_emails(Utc::now()).await.unwrap();
    let counts = app.store.email_counts().await.unwrap();
    assert_eq!(counts.queued + counts.sent + counts.failed, 60);
    // Some attempts fail while the server is away, so some messages wait for a retry.
    attempted(&app, "WO-4000", 1).await;
    smtp.restart().await;
    // Besides the application's own dispatcher, two more processes' worth drain the queue
    // at once, each with its own connections and its own store handle.
    let mut handles = Vec::new();
    for _ in 0..2 {
        let store = provisio::store::Store::connect(&app.database_url).await.unwrap();
        let mut mail = app.config.mail.clone();
        mail.smtp = Some(provisio::config::SmtpUrl::parse(&smtp.url()).unwrap());
        let mailer = Mailer::new(&mail, mail.mailbox.clone(), 4).unwrap();
        let mut dispatcher = Dispatcher::new(store, mailer, mail, ADMIN_CONSOLE.to_string());
        dispatcher.batch_size = 7;
        handles.push(tokio::spawn(async move {
            for _ in 0..100 {
                dispatcher.drain().await.unwrap();
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
        }));
    }
    let messages = smtp.wait_for(60).await;
    for h in handles {
        h.await.unwrap();
    }
    let messages_after = smtp.messages();
    assert_eq!(messages_after.len(), 60, "no message was sent twice");
    let mut ids: Vec<String> = messages.iter().map(|m| m.header("Message-ID").unwrap()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 60);
    assert_eq!(app.store.email_counts().await.unwrap().sent, 60);
});

#[tokio::test]
async fn the_demo_mailbox_shows_what_was_sent() {
    let Some(app) = TestApp::spawn_with(Backend::Sqlite, |c| c.demo = true).await else { return };
    let user = app.login("editor@acme.example").await;
    assert_eq!(user.post(RESEND_1, &[]).await.status(), 303);
    assert_eq!(app.settled_transactions("Sub-1001-1").await[0].status, "success");
    // It holds every company's email: operators only.
    assert_eq!(user.get("/mailbox").await.status(), 404);
    assert_eq!(app.login("stranger@other.example").await.get("/mailbox").await.status(), 404);
    let page = app.login("ops@vendor.example").await.get_html("/mailbox").await;
    assert!(page.contains("Provisioning information required for order WO-1001"), "{page}");
    // Without --demo there is no such page.
    let plain = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let user = plain.login("ops@vendor.example").await;
    assert_eq!(user.get("/mailbox").await.status(), 404);
}

on_both_with_smtp!(the_mailer_s_connections_send_without_nagle, |app, smtp| {
    // A message's closing "." is a small write behind its body; with Nagle's algorithm on,
    // a relay that delays its ACKs would hold it ~40 ms (see benches/outbox_drain.rs).
    let user = app.login("editor@acme.example").await;
    assert_eq!(user.post(RESEND_1, &[]).await.status(), 303);
    smtp.wait_for(1).await;
    let sockets = smtp.clients_nodelay();
    assert!(!sockets.is_empty(), "the connection stays open in the pool");
    assert!(sockets.iter().all(|&nodelay| nodelay), "TCP_NODELAY on every connection: {sockets:?}");
});

/// The pool's own behaviour, without the dispatcher's retries in between.
#[tokio::test]
async fn a_pooled_connection_the_server_dropped_is_replaced_at_the_next_send() {
    let smtp = crate::smtp::SmtpServer::start().await;
    let mut mail = provisio::config::MailConfig::file_mailbox();
    mail.smtp = Some(provisio::config::SmtpUrl::parse(&smtp.url()).unwrap());
    let mailer = Mailer::new(&mail, mail.mailbox.clone(), 2).unwrap();
    let rendered =
        provisio::mail::Rendered { subject: "Hello".into(), text: "text".into(), html: "<p>html</p>".into() };
    let send = |id| {
        let message = Mailer::message(id, "portal@provisio.example", "someone@initrode.example", &rendered).unwrap();
        mailer.send(message)
    };
    let reply = send(1).await.expect("first message");
    assert!(reply.starts_with("250"), "{reply}");
    assert_eq!(smtp.clients_nodelay().len(), 1, "one connection, kept for the next message");
    // The server goes away and comes back: the idle connection is dead.
    smtp.restart().await;
    let reply = send(2).await.expect("the dead connection is dropped and a new one opened");
    assert!(reply.starts_with("250"), "{reply}");
    smtp.stop();
    let refused = send(3).await.expect_err("no server");
    assert!(!refused.permanent, "an outage is worth a retry: {}", refused.failure.technical);
    assert_eq!(refused.failure.cause, provisio::domain::delivery::FailureCause::Unreachable);
    let ids: Vec<_> = smtp.messages().iter().map(|m| m.header("Message-ID").unwrap()).collect();
    assert_eq!(ids.len(), 2);
    assert!(ids[1].starts_with("<provisioning-2@"), "{ids:?}");
}

/// An order of acme's whose lines' first emails went out two days ago, with these
/// contacts: line i is `Sub-{order}-{i}`.
fn sent_order(order: &str, contacts: &[&str]) -> ImportFile {
    let then = Utc::now() - Duration::days(2);
    let lines: Vec<_> = contacts
        .iter()
        .enumerate()
        .map(|(i, contact)| {
            serde_json::json!({"subscription": format!("Sub-{order}-{i}"), "offer": "Webex Meetings",
                               "rsd": then.date_naive(), "contact": contact, "status": "awaiting",
                               "email_sent_at": then})
        })
        .collect();
    serde_json::from_value(serde_json::json!({"orders": [{
        "id": order, "partner": "acme", "created_by": "creator@acme.example", "customer": "Vandelay",
        "lines": lines
    }]}))
    .unwrap()
}

on_both_with_smtp!(apply_to_all_from_a_line_that_already_has_the_address_counts_every_line_it_emails, |app, smtp| {
    // The reproduction, with the default limit of 3 an hour: the line edited
    // already has v@x.example, so the edit only changes (and emails) the other line,
    // which an import moved back to its old address in between.
    let order = sent_order("WO-8200", &["v@x.example", "b@x.example"]);
    app.store.import(&order, Utc::now()).await.unwrap();
    let user = app.login("editor@acme.example").await;
    let edit = "/orders/WO-8200/lines/Sub-WO-8200-0/contact";
    for round in 1..=3 {
        app.store.import(&order, Utc::now()).await.unwrap();
        let response = user.post(edit, &[("email", "v@x.example"), ("apply_to_all", "on")]).await;
        assert_eq!(response.status(), 303, "round {round}");
    }
    app.store.import(&order, Utc::now()).await.unwrap();
    let history_before = app.settled_transactions("Sub-WO-8200-1").await.len();
    let queued_before = app.store.email_counts().await.unwrap();
    let response = user.post(edit, &[("email", "v@x.example"), ("apply_to_all", "on")]).await;
    assert_eq!(response.status(), 429, "the fourth email to that line and address this hour");
    assert!(response.headers().get("retry-after").is_some());
    // Nothing changed: the contact, the line's transactions, the queue.
    let line = app.store.order_line("WO-8200", "Sub-WO-8200-1").await.unwrap().unwrap();
    assert_eq!(line.contact, "b@x.example");
    assert_eq!(app.store.line_transactions("Sub-WO-8200-1").await.unwrap().len(), history_before);
    assert_eq!(app.store.email_counts().await.unwrap(), queued_before);
    let htmx = user.post_htmx(edit, &[("email", "v@x.example"), ("apply_to_all", "on")]).await;
    assert_eq!(htmx.status(), 429);

    smtp.wait_for(3).await;
    app.outbox_settled().await;
    let to_v = smtp.messages().iter().filter(|m| m.to == ["v@x.example"]).count();
    assert_eq!(to_v, 3, "v@x.example received exactly three emails");
    assert_eq!(smtp.messages().len(), 3);
});

on_both_with_smtp!(every_line_an_apply_to_all_would_email_counts_against_its_own_limit, |app, smtp| {
    // Sub-…-1 had three resends this hour; an apply to all from Sub-…-0 to a fresh
    // address would email it a fourth time, so the whole edit is refused.
    let order = sent_order("WO-8300", &["a@y.example", "b@y.example"]);
    app.store.import(&order, Utc::now()).await.unwrap();
    let user = app.login("editor@acme.example").await;
    for _ in 0..3 {
        assert_eq!(user.post("/orders/WO-8300/lines/Sub-WO-8300-1/resend", &[]).await.status(), 303);
    }
    let edit = "/orders/WO-8300/lines/Sub-WO-8300-0/contact";
    let response = user.post(edit, &[("email", "fresh@y.example"), ("apply_to_all", "on")]).await;
    assert_eq!(response.status(), 429);
    for (sub, contact) in [("Sub-WO-8300-0", "a@y.example"), ("Sub-WO-8300-1", "b@y.example")] {
        assert_eq!(app.store.order_line("WO-8300", sub).await.unwrap().unwrap().contact, contact, "{sub}");
    }
    assert!(app.store.line_transactions("Sub-WO-8300-0").await.unwrap().is_empty());
    // The line alone is still within its limit.
    assert_eq!(user.post(edit, &[("email", "fresh@y.example")]).await.status(), 303);
    smtp.wait_for(4).await;
});

on_both_with_smtp!(a_recipient_is_counted_case_insensitively, |app, smtp| {
    let order = sent_order("WO-8400", &["V@X.example", "v@x.example"]);
    app.store.import(&order, Utc::now()).await.unwrap();
    let user = app.login("editor@acme.example").await;
    let (upper, lower) = ("/orders/WO-8400/lines/Sub-WO-8400-0/resend", "/orders/WO-8400/lines/Sub-WO-8400-1/resend");
    assert_eq!(user.post(upper, &[]).await.status(), 303);
    assert_eq!(user.post(upper, &[]).await.status(), 303);
    assert_eq!(user.post(lower, &[]).await.status(), 303);
    // The second line had one email, but the address (in any case) had three.
    let limited = user.post(lower, &[]).await;
    assert_eq!(limited.status(), 429);
    // An edit to the address in yet another case counts the same recipient.
    let edit = user.post("/orders/WO-8400/lines/Sub-WO-8400-1/contact", &[("email", "V@x.EXAMPLE")]).await;
    assert_eq!(edit.status(), 429);
    assert_eq!(app.store.order_line("WO-8400", "Sub-WO-8400-1").await.unwrap().unwrap().contact, "v@x.example");
    smtp.wait_for(3).await;
    app.outbox_settled().await;
    assert_eq!(smtp.messages().len(), 3);
});

/// Waits (30 s at most) until at least `n` lines of `order` had their last email attempted
/// and still waiting for an answer: a dispatcher claimed them and the mail server has not
/// accepted them (it is away).
async fn attempted(app: &TestApp, order: &str, n: usize) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let lines = order_of(&app.store, order).await.unwrap().unwrap().lines;
        let waiting = lines.iter().filter(|l| l.email_state() == "in_progress").count();
        if waiting >= n {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "{waiting} of {n} lines of {order} attempted within 30 s");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

on_both_with_smtp!(the_dialogs_show_the_email_in_the_customers_language_and_a_limit_before_yes, |app, smtp| {
    let then = Utc::now() - Duration::days(2);
    let order: ImportFile = serde_json::from_value(serde_json::json!({"orders": [{
        "id": "WO-8300", "partner": "acme", "created_by": "creator@acme.example", "customer": "Vandelay",
        "language": "ko",
        "lines": [
            {"subscription": "Sub-8300-1", "offer": "Webex Meetings", "rsd": then.date_naive(),
             "contact": "v@x.example", "status": "awaiting", "email_sent_at": then},
            {"subscription": "Sub-8300-2", "offer": "Webex Meetings", "rsd": Utc::now().date_naive() + Duration::days(9),
             "contact": "w@x.example", "status": "awaiting"}
        ]
    }]}))
    .unwrap();
    app.store.import(&order, Utc::now()).await.unwrap();
    let user = app.login("editor@acme.example").await;
    let resend = "/orders/WO-8300/lines/Sub-8300-1/resend";
    let dialog = user.get_htmx(resend).await.text().await.unwrap();
    // The subject and opening as the customer reads them: in the order's language (Korean),
    // whatever the partner's own.
    assert!(dialog.contains("주문 WO-8300에 프로비저닝 정보가 필요합니다"), "{dialog}");
    assert!(dialog.contains("It is sent as soon as you confirm."), "in the partner's language: {dialog}");
    assert!(!dialog.contains("data-limit-preview"), "nothing refuses it yet");
    // Before the first email, an edit says when it will go.
    let before = user.get_htmx("/orders/WO-8300/lines/Sub-8300-2/contact").await.text().await.unwrap();
    let rsd = (Utc::now().date_naive() + Duration::days(9)).format("%Y-%m-%d").to_string();
    assert!(before.contains(&format!("It goes out on {rsd}")), "{before}");

    for round in 1..=3 {
        assert_eq!(user.post(resend, &[]).await.status(), 303, "resend {round}");
    }
    // The limit (3 an hour) is said in the dialog, before "Yes", in the resend dialog and the
    // edit dialog alike; "Yes" is then refused as the dialog said.
    let dialog = user.get_htmx(resend).await.text().await.unwrap();
    assert!(dialog.contains("data-limit-preview"), "{dialog}");
    assert!(dialog.contains("This line already had as many emails as allowed for now"), "{dialog}");
    let edit = user.get_htmx("/orders/WO-8300/lines/Sub-8300-1/contact").await.text().await.unwrap();
    assert!(edit.contains("data-limit-preview"), "{edit}");
    assert_eq!(user.post(resend, &[]).await.status(), 429);
    // The other line's address had nothing: its dialog offers no warning.
    let other = user.get_htmx("/orders/WO-8300/lines/Sub-8300-2/contact").await.text().await.unwrap();
    assert!(!other.contains("data-limit-preview"), "{other}");
    smtp.wait_for(3).await;
});

on_both_with_smtp!(the_customer_email_names_the_partner_that_ordered_it, |app, smtp| {
    let user = app.login("editor@acme.example").await;
    // The dialog's preview says it before "Yes"; the email says it as sent.
    let dialog = user.get_htmx(RESEND_1).await.text().await.unwrap();
    assert!(dialog.contains("Your partner Acme Networks ordered these cloud subscriptions"), "{dialog}");
    assert_eq!(user.post(RESEND_1, &[]).await.status(), 303);
    let messages = smtp.wait_for(1).await;
    let text = messages[0].text();
    assert!(
        text.contains("Your partner Acme Networks ordered these cloud subscriptions for you with order WO-1001"),
        "{text}"
    );
    // In the order's language, whatever the partner's name.
    app.store
        .import(
            &serde_json::from_value(serde_json::json!({
                "companies": [{"id": "acme", "name": "Åkesson & Söner", "kind": "partner", "language": "sv"}]
            }))
            .unwrap(),
            Utc::now(),
        )
        .await
        .unwrap();
    assert_eq!(user.post("/orders/WO-1001/lines/Sub-1001-2/resend", &[]).await.status(), 303);
    let messages = smtp.wait_for(2).await;
    let text = messages[1].text();
    assert!(text.contains("Er partner Åkesson & Söner har beställt"), "{text}");
});
