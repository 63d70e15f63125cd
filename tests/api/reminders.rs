//! Reminders before a line closes (docs/product.md; docs/configuration.md PROVISIO_REMINDERS):
//! the schedule at its edges, exactly once across schedulers, one email per order and
//! recipient, the order's creator in copy (the order's language is in src/mail's tests).

use chrono::{DateTime, Duration, DurationRound, Utc};
use provisio::store::ImportFile;

use crate::helpers::*;
use crate::{on_both, on_both_with_smtp};

/// A partner with its order creator and an editor, and one order of `lines`
/// (subscription, offer, contact, first email at) in `language`.
fn order_with(order: &str, language: &str, lines: &[(&str, &str, &str, DateTime<Utc>)]) -> ImportFile {
    let lines: Vec<_> = lines
        .iter()
        .map(|(sub, offer, contact, sent)| {
            serde_json::json!({"subscription": sub, "offer": offer, "rsd": sent.date_naive(), "contact": contact,
                               "status": "awaiting", "email_sent_at": sent})
        })
        .collect();
    serde_json::from_value(serde_json::json!({
        "companies": [{"id": "acme", "name": "Acme Networks", "kind": "partner", "language": "en"}],
        "users": [
            {"email": "creator@acme.example", "name": "Cora Creator", "company": "acme", "password": PASSWORD},
            {"email": "editor@acme.example", "name": "Eddie Editor", "company": "acme", "password": PASSWORD, "can_edit": true}
        ],
        "orders": [{"id": order, "partner": "acme", "created_by": "creator@acme.example", "customer": "Initrode",
                    "language": language, "lines": lines}]
    }))
    .unwrap()
}

/// A first-email time in the past, in whole seconds (PostgreSQL keeps microseconds).
fn sent_at(ago: Duration) -> DateTime<Utc> {
    (Utc::now() - ago).duration_trunc(Duration::seconds(1)).unwrap()
}

fn offsets(days: &[i64]) -> Vec<Duration> {
    days.iter().map(|d| Duration::days(*d)).collect()
}

/// Takes the standard fixture's orders past PONR, so that only a test's own lines are due.
async fn quiet_fixture(app: &TestApp) {
    for order in ["WO-1001", "WO-1003", "WO-2001"] {
        app.store.onboard(order, Utc::now()).await.unwrap();
    }
}

/// The reminder transactions of a line, newest first.
async fn reminders_of(app: &TestApp, sub: &str) -> Vec<provisio::store::TransactionRecord> {
    let txs = app.store.line_transactions(sub).await.unwrap();
    txs.into_iter().filter(|t| t.kind == "provisioning_email_reminder").collect()
}

on_both!(reminders_go_out_at_each_offset_before_the_closing_time_once, |app| {
    // An A-Flex line closes 7 days after its first email: reminders 3 and 1 day before,
    // and the 10-day one was already past when the first email went out.
    quiet_fixture(&app).await;
    let s = sent_at(Duration::hours(1));
    app.store
        .import(&order_with("WO-6001", "en", &[("Sub-6001-1", "A-Flex", "it@initrode.example", s)]), s)
        .await
        .unwrap();
    let every = offsets(&[1, 3, 10]);
    let remind = |at: DateTime<Utc>| {
        let store = app.store.clone();
        let every = every.clone();
        async move { store.enqueue_due_reminders(at, &every).await.unwrap() }
    };
    assert_eq!(remind(s + Duration::hours(1)).await, 0, "the 10-day offset is skipped");
    assert_eq!(remind(s + Duration::days(4) - Duration::seconds(1)).await, 0, "not before the 3-day offset");
    assert_eq!(remind(s + Duration::days(4)).await, 1, "exactly at the 3-day offset");
    assert_eq!(remind(s + Duration::days(4)).await, 0, "never twice");
    assert_eq!(remind(s + Duration::days(5)).await, 0);
    assert_eq!(remind(s + Duration::days(6) - Duration::seconds(1)).await, 0);
    assert_eq!(remind(s + Duration::days(6)).await, 1, "exactly at the 1-day offset");
    assert_eq!(remind(s + Duration::days(6) + Duration::hours(1)).await, 0);
    let txs = reminders_of(&app, "Sub-6001-1").await;
    assert_eq!(txs.len(), 2, "{txs:#?}");
    assert!(txs.iter().all(|t| t.actor == "scheduler" && t.new_value.as_deref() == Some("it@initrode.example")));
    // The line's last email is the reminder, queued to the contact.
    let order = order_of(&app.store, "WO-6001").await.unwrap().unwrap();
    let line = order.line("Sub-6001-1").unwrap();
    assert_eq!(
        (line.email_status.as_deref(), line.email_recipient.as_deref()),
        (Some("queued"), Some("it@initrode.example"))
    );
    // The Transaction Manager lists them under their own type.
    let user = app.login("editor@acme.example").await;
    let page = user.get_html("/transactions?type=provisioning_email_reminder").await;
    assert_eq!(count(&page, "[data-type=provisioning_email_reminder]"), 2, "{page}");
});

on_both!(when_two_reminders_are_due_at_once_only_the_latest_goes_out, |app| {
    quiet_fixture(&app).await;
    let s = sent_at(Duration::hours(1));
    app.store
        .import(
            &order_with(
                "WO-6002",
                "en",
                &[
                    ("Sub-6002-1", "A-Flex", "a@initrode.example", s),
                    ("Sub-6002-2", "A-Flex-3", "a@initrode.example", s),
                    ("Sub-6002-3", "A-Flex", "b@initrode.example", s),
                    ("Sub-6002-4", "Webex Meetings", "a@initrode.example", s),
                ],
            ),
            s,
        )
        .await
        .unwrap();
    let every = offsets(&[1, 3]);
    // The scheduler was down from before the 3-day reminder until after the 1-day one:
    // one reminder per line, one email per order and recipient (the 30-day line is not due).
    let late = s + Duration::days(6) + Duration::minutes(5);
    assert_eq!(app.store.enqueue_due_reminders(late, &every).await.unwrap(), 2);
    assert_eq!(app.store.enqueue_due_reminders(late + Duration::minutes(1), &every).await.unwrap(), 0);
    for sub in ["Sub-6002-1", "Sub-6002-2", "Sub-6002-3"] {
        assert_eq!(reminders_of(&app, sub).await.len(), 1, "{sub}");
    }
    assert!(reminders_of(&app, "Sub-6002-4").await.is_empty());
    let order = order_of(&app.store, "WO-6002").await.unwrap().unwrap();
    let message = |sub: &str| order.line(sub).unwrap().email_recipient.clone();
    assert_eq!(message("Sub-6002-1"), Some("a@initrode.example".into()));
    assert_eq!(message("Sub-6002-3"), Some("b@initrode.example".into()));
    // Once the closing time has passed, no reminder at all: a line first seen by the
    // scheduler at its closing time gets none.
    let closing = s + Duration::days(30);
    assert_eq!(app.store.enqueue_due_reminders(closing, &every).await.unwrap(), 0);
    assert_eq!(app.store.enqueue_due_reminders(closing + Duration::hours(1), &every).await.unwrap(), 0);
    assert!(reminders_of(&app, "Sub-6002-4").await.is_empty());
    // `none`: no reminders at all.
    assert_eq!(app.store.enqueue_due_reminders(s + Duration::days(27), &[]).await.unwrap(), 0);
});

on_both!(reminders_follow_the_contact_and_stop_at_ponr_closed_or_complete, |app| {
    quiet_fixture(&app).await;
    let s = sent_at(Duration::hours(1));
    let mut file = order_with(
        "WO-6003",
        "en",
        &[("Sub-6003-1", "A-Flex", "old@initrode.example", s), ("Sub-6003-2", "A-Flex", "old@initrode.example", s)],
    );
    let second: ImportFile = order_with("WO-6004", "en", &[("Sub-6004-1", "A-Flex", "it@initech.example", s)]);
    file.orders.extend(second.orders);
    app.store.import(&file, s).await.unwrap();
    let every = offsets(&[1, 3]);
    assert_eq!(app.store.enqueue_due_reminders(s + Duration::days(4), &every).await.unwrap(), 2);
    // Between the two reminders: the contact of one line changes, the other order
    // reaches PONR, and the customer finishes the set-up of the other line.
    let editor = app.login("editor@acme.example").await;
    let edit = editor.post("/orders/WO-6003/lines/Sub-6003-1/contact", &[("email", "new@initrode.example")]).await;
    assert_eq!(edit.status(), 303);
    app.store.complete_line("Sub-6003-2", s + Duration::days(5)).await.unwrap();
    app.store.onboard("WO-6004", s + Duration::days(5)).await.unwrap();
    assert_eq!(app.store.enqueue_due_reminders(s + Duration::days(6), &every).await.unwrap(), 1);
    let order = order_of(&app.store, "WO-6003").await.unwrap().unwrap();
    assert_eq!(order.line("Sub-6003-1").unwrap().email_recipient.as_deref(), Some("new@initrode.example"));
    assert_eq!(reminders_of(&app, "Sub-6003-1").await.len(), 2);
    assert_eq!(reminders_of(&app, "Sub-6003-2").await.len(), 1, "no reminder once complete");
    assert_eq!(reminders_of(&app, "Sub-6004-1").await.len(), 1, "no reminder after PONR");
    // A closed line never gets one.
    app.store.close_due_lines(s + Duration::days(7)).await.unwrap();
    assert_eq!(app.store.enqueue_due_reminders(s + Duration::days(6) + Duration::hours(1), &every).await.unwrap(), 0);
});

on_both!(two_schedulers_send_each_reminder_once, |app| {
    quiet_fixture(&app).await;
    let s = sent_at(Duration::hours(1));
    let lines: Vec<(String, String)> =
        (1..=30).map(|i| (format!("Sub-6005-{i}"), format!("it{}@initrode.example", i % 3))).collect();
    let rows: Vec<(&str, &str, &str, DateTime<Utc>)> =
        lines.iter().map(|(sub, contact)| (sub.as_str(), "A-Flex", contact.as_str(), s)).collect();
    app.store.import(&order_with("WO-6005", "en", &rows), s).await.unwrap();
    let every = offsets(&[1, 3]);
    let at = s + Duration::days(4);
    let (a, b) = tokio::join!(app.store.enqueue_due_reminders(at, &every), app.store.enqueue_due_reminders(at, &every));
    assert_eq!(a.unwrap() + b.unwrap(), 3, "one email per recipient, from one of the schedulers");
    for (sub, _) in &lines {
        assert_eq!(reminders_of(&app, sub).await.len(), 1, "{sub}");
    }
});

on_both_with_smtp!(a_reminder_reaches_the_contact_with_the_creator_in_copy, |app, smtp| {
    // The first email went out a little over four days ago: the 3-day reminder is due now.
    let s = sent_at(Duration::days(4) + Duration::minutes(1));
    app.store
        .import(&order_with("WO-6006", "en", &[("Sub-6006-1", "A-Flex", "it@initrode.example", s)]), s)
        .await
        .unwrap();
    // The application's own scheduler may queue it first: either way, once.
    app.store.enqueue_due_reminders(Utc::now(), &app.config.reminders).await.unwrap();
    let messages = smtp.wait_for(1).await;
    let reminder = messages.iter().find(|m| m.data.contains("WO-6006")).expect("the reminder");
    let mut to = reminder.to.clone();
    to.sort();
    assert_eq!(to, ["creator@acme.example", "it@initrode.example"]);
    assert_eq!(reminder.header("Cc").as_deref(), Some("creator@acme.example"));
    let subject = reminder.header("Subject").unwrap();
    assert!(subject.starts_with("Reminder:") && subject.contains("WO-6006"), "{subject}");
    assert!(reminder.data.contains(ADMIN_CONSOLE) && reminder.data.contains("Sub-6006-1"));
    let txs = app.settled_transactions("Sub-6006-1").await;
    let tx = txs.iter().find(|t| t.kind == "provisioning_email_reminder").expect("a reminder transaction");
    assert_eq!(tx.status, "success");
    assert!(tx.detail.as_deref().unwrap_or_default().starts_with("accepted:"), "{tx:?}");
    assert_eq!(reminders_of(&app, "Sub-6006-1").await.len(), 1);
    // Once: another run of the scheduler queues nothing more, and nothing else is queued.
    assert_eq!(app.store.enqueue_due_reminders(Utc::now(), &app.config.reminders).await.unwrap(), 0);
    app.outbox_settled().await;
    assert_eq!(smtp.messages().iter().filter(|m| m.data.contains("WO-6006")).count(), 1);
    // Reminders do not count against the limits: three resends still fit the hour.
    let editor = app.login("editor@acme.example").await;
    for _ in 0..3 {
        assert_eq!(editor.post("/orders/WO-6006/lines/Sub-6006-1/resend", &[]).await.status(), 303);
    }
});

on_both_with_smtp!(lines_of_one_reminder_closing_at_different_times_each_show_their_own, |app, smtp| {
    // Two A-Flex lines of one order and one contact whose first emails went out three hours
    // apart: the 3-day reminder of both is due in the same run, so one email covers both,
    // and each closes at its own time.
    quiet_fixture(&app).await;
    let early = sent_at(Duration::days(4) + Duration::hours(3));
    let late = sent_at(Duration::days(4) + Duration::minutes(1));
    let file = order_with(
        "WO-6007",
        "sv",
        &[
            ("Sub-6007-1", "A-Flex", "it@initrode.example", late),
            ("Sub-6007-2", "A-Flex", "it@initrode.example", early),
        ],
    );
    app.store.import(&file, early).await.unwrap();
    // The application's own scheduler may queue it first: either way, once.
    app.store.enqueue_due_reminders(Utc::now(), &app.config.reminders).await.unwrap();
    let messages = smtp.wait_for(1).await;
    let reminders: Vec<_> = messages.iter().filter(|m| m.data.contains("WO-6007")).collect();
    assert_eq!(reminders.len(), 1, "one email for both lines");
    let text = reminders[0].text();
    let sv = provisio::i18n::Tr::new("sv");
    let closes = |first: DateTime<Utc>| sv.when(&(first + Duration::days(7)));
    let line_of = |sub: &str| text.lines().find(|l| l.contains(sub)).unwrap_or_default().to_string();
    assert!(line_of("Sub-6007-1").ends_with(&format!("stängs {}", closes(late))), "{text}");
    assert!(line_of("Sub-6007-2").ends_with(&format!("stängs {}", closes(early))), "{text}");
    assert_ne!(closes(early), closes(late));
    // The subject names the earliest closing time.
    let subject = mail_parser::MessageParser::default().parse(reminders[0].data.as_bytes()).unwrap();
    assert!(subject.subject().unwrap_or_default().contains(&closes(early)), "{:?}", subject.subject());
});
