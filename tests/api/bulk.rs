//! Bulk fix (docs/http.md "The bulk fix file", routes `/bulk-fixes…`): a CSV of subscription →
//! new contact, a preview that says for every row what will happen, apply once, the
//! outcome; the rules of one edit on the subscriptions page for every row.

use chrono::Utc;
use scraper::{Html, Selector};

use crate::helpers::*;
use crate::{on_both, on_both_with_smtp};

const HEADER: &str = "subscription_id,new_contact_email\n";

async fn upload_named(user: &User, name: &str, csv: &[u8]) -> reqwest::Response {
    let part = reqwest::multipart::Part::bytes(csv.to_vec()).file_name(name.to_string()).mime_str("text/csv").unwrap();
    let form = reqwest::multipart::Form::new().text("csrf_token", user.csrf.clone()).part("file", part);
    user.client.post(format!("{}/bulk-fixes", user.base)).multipart(form).send().await.unwrap()
}

async fn upload(user: &User, csv: &str) -> reqwest::Response {
    upload_named(user, "fix.csv", csv.as_bytes()).await
}

/// Uploads a file that must be read, and answers the batch id with the preview.
async fn preview(user: &User, csv: &str) -> (i64, String) {
    let response = upload(user, csv).await;
    assert_eq!(response.status(), 200, "the file is read");
    let html = response.text().await.unwrap();
    (batch_id(&html), html)
}

fn batch_id(html: &str) -> i64 {
    let start = html.find("/bulk-fixes/").expect("the page links its batch") + "/bulk-fixes/".len();
    let digits: String = html[start..].chars().take_while(char::is_ascii_digit).collect();
    digits.parse().unwrap_or_else(|_| batch_id(&html[start..]))
}

/// (row, result) of every bulk row, in the page's order.
fn results(html: &str) -> Vec<(i64, String)> {
    let doc = Html::parse_document(html);
    let sel = Selector::parse("tr[data-bulk-row]").unwrap();
    doc.select(&sel)
        .map(|e| {
            let row = e.value().attr("data-bulk-row").unwrap().parse().unwrap();
            (row, e.value().attr("data-result").unwrap().to_string())
        })
        .collect()
}

fn result_of(html: &str, row: i64) -> String {
    results(html).into_iter().find(|(r, _)| *r == row).map(|(_, res)| res).unwrap_or_default()
}

fn row_text(html: &str, row: i64) -> String {
    let doc = Html::parse_document(html);
    let sel = Selector::parse(&format!("tr[data-bulk-row=\"{row}\"]")).unwrap();
    doc.select(&sel).next().map(|e| e.text().collect::<Vec<_>>().join(" ")).unwrap_or_default()
}

fn count_of(html: &str, result: &str) -> String {
    let doc = Html::parse_document(html);
    let sel = Selector::parse(&format!("[data-count=\"{result}\"] strong")).unwrap();
    doc.select(&sel).next().map(|e| e.text().collect::<String>()).unwrap_or_default()
}

async fn contact_of(app: &TestApp, order: &str, sub: &str) -> String {
    order_of(&app.store, order).await.unwrap().unwrap().line(sub).unwrap().contact.clone()
}

/// Every outcome but `no_permission` and `limit`, which need another user or a history.
fn mixed_file() -> String {
    format!(
        "{HEADER}Sub-1001-3,new@globex.example\nSub-1001-1,old@globex.example\nSub-2001-1,x@hooli.example\n\
         Sub-1002-1,a@umbrella.example\nSub-1003-2,a@stark.example\nSub-1001-2,not an address\n\
         Sub-1001-3,other@globex.example\nSub-9999-9,a@b.example\nSub-1003-1,new@stark.example\n"
    )
}

on_both!(the_preview_says_for_every_row_what_will_happen_and_changes_nothing, |app| {
    let user = app.login("editor@acme.example").await;
    let (id, html) = preview(&user, &mixed_file()).await;
    let expected = [
        (2, "change"),
        (3, "unchanged"),
        (4, "not_found"),
        (5, "ponr"),
        (6, "complete"),
        (7, "invalid"),
        (8, "duplicate"),
        (9, "not_found"),
        (10, "change"),
    ];
    for (row, result) in expected {
        assert_eq!(result_of(&html, row), result, "row {row}: {html}");
    }
    // The rows that will not change come first, then the changes.
    let order: Vec<i64> = results(&html).into_iter().map(|(r, _)| r).collect();
    assert_eq!(order, [3, 4, 5, 6, 7, 8, 9, 2, 10]);
    assert_eq!(count_of(&html, "change"), "2");
    assert_eq!(count_of(&html, "not_found"), "2");
    assert_eq!(count_of(&html, "unchanged"), "1");
    assert_eq!(count_of(&html, "done"), "", "nothing is done yet");
    // Why, row by row; an invisible line says nothing of its order or contact.
    assert!(
        row_text(&html, 2).contains("old@globex.example")
            && row_text(&html, 2).contains("gets the provisioning email now")
    );
    assert!(row_text(&html, 10).contains("requested start date"));
    assert!(row_text(&html, 7).contains("one email address only"), "{}", row_text(&html, 7));
    assert!(!row_text(&html, 4).contains("WO-2001") && !row_text(&html, 4).contains("it@hooli.example"));
    assert!(row_text(&html, 5).contains("admin console"));
    // Nothing changed and nothing was sent; the preview can be read again.
    assert_eq!(contact_of(&app, "WO-1001", "Sub-1001-3").await, "old@globex.example");
    assert_eq!(contact_of(&app, "WO-1003", "Sub-1003-1").await, "it@stark.example");
    assert_eq!(app.store.email_counts().await.unwrap().queued, 0);
    assert!(app.store.line_transactions("Sub-1001-3").await.unwrap().is_empty());
    let again = user.get_html(&format!("/bulk-fixes/{id}")).await;
    assert_eq!(results(&again), results(&html));

    // Without the edit permission, a visible line is no_permission.
    let viewer = app.login("viewer@acme.example").await;
    let (_, html) = preview(&viewer, &format!("{HEADER}Sub-1001-1,new@globex.example\n")).await;
    assert_eq!(result_of(&html, 2), "no_permission");
});

on_both!(apply_changes_the_rows_once_records_each_line_and_a_second_apply_is_409, |app| {
    let user = app.login("editor@acme.example").await;
    let (id, _) = preview(&user, &mixed_file()).await;
    let response = user.post(&format!("/bulk-fixes/{id}/apply"), &[]).await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(response.headers()), format!("/bulk-fixes/{id}"));
    let html = user.get_html(&format!("/bulk-fixes/{id}")).await;
    assert_eq!(result_of(&html, 2), "done");
    assert_eq!(result_of(&html, 10), "done");
    for (row, result) in [(3, "unchanged"), (4, "not_found"), (5, "ponr"), (7, "invalid"), (8, "duplicate")] {
        assert_eq!(result_of(&html, row), result, "row {row}");
    }
    assert_eq!(count_of(&html, "done"), "2");
    assert_eq!(count_of(&html, "change"), "");
    assert!(html.contains("was applied"), "the flash says so");
    assert_eq!(contact_of(&app, "WO-1001", "Sub-1001-3").await, "new@globex.example");
    assert_eq!(contact_of(&app, "WO-1003", "Sub-1003-1").await, "new@stark.example");
    assert_eq!(contact_of(&app, "WO-1001", "Sub-1001-2").await, "old@globex.example");
    // One update transaction per changed line, naming the batch.
    let txs = app.store.line_transactions("Sub-1001-3").await.unwrap();
    assert_eq!(txs.len(), 1);
    assert_eq!((txs[0].kind.as_str(), txs[0].bulk_batch_id), ("provisioning_email_update", Some(id)));
    assert_eq!(txs[0].new_value.as_deref(), Some("new@globex.example"));
    let tm = user.get_html("/transactions?type=provisioning_email_update").await;
    assert_eq!(count(&tm, "tr[data-type=provisioning_email_update]"), 2);
    assert!(tm.contains(&format!("Bulk fix {id}")), "{tm}");
    let rsd_tx = app.store.line_transactions("Sub-1003-1").await.unwrap();
    assert_eq!(rsd_tx[0].status, "success", "no email yet: saved is success");

    // A second apply changes nothing.
    let again = user.post(&format!("/bulk-fixes/{id}/apply"), &[]).await;
    assert_eq!(again.status(), 409);
    assert_eq!(app.store.line_transactions("Sub-1001-3").await.unwrap().len(), 1);
    let counts = app.store.email_counts().await.unwrap();
    assert_eq!(counts.queued + counts.sent + counts.failed, 1, "one email: Sub-1001-3's new contact");

    // The outcome as CSV: every row, with its result and why.
    let csv = user.get(&format!("/bulk-fixes/{id}/outcome.csv")).await;
    assert_eq!(csv.status(), 200);
    assert!(csv.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let text = csv.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 10, "{text}");
    assert_eq!(lines[0], "\"row\",\"subscription_id\",\"new_contact_email\",\"result\",\"message\"");
    assert!(lines[1].starts_with("\"2\",\"Sub-1001-3\",\"new@globex.example\",\"done\","), "{}", lines[1]);
    assert!(lines[7].starts_with("\"8\",\"Sub-1001-3\",\"other@globex.example\",\"duplicate\","));
    assert!(lines[6].contains("\"not an address\",\"invalid\""));
});

on_both!(a_batch_is_seen_by_its_uploader_and_operators_only, |app| {
    let user = app.login("editor@acme.example").await;
    let (id, _) = preview(&user, &format!("{HEADER}Sub-1001-1,new@globex.example\n")).await;
    for email in ["viewer@acme.example", "stranger@other.example", "dist@north.example"] {
        let other = app.login(email).await;
        assert_eq!(other.get(&format!("/bulk-fixes/{id}")).await.status(), 404, "{email}");
        assert_eq!(other.get(&format!("/bulk-fixes/{id}/outcome.csv")).await.status(), 404, "{email}");
        assert_eq!(other.post(&format!("/bulk-fixes/{id}/apply"), &[]).await.status(), 404, "{email}");
    }
    assert_eq!(user.get("/bulk-fixes/999999").await.status(), 404);
    assert_eq!(user.get("/bulk-fixes/nonsense").await.status(), 404);
    let ops = app.login("ops@vendor.example").await;
    let html = ops.get_html(&format!("/bulk-fixes/{id}")).await;
    assert_eq!(result_of(&html, 2), "change");
    assert_eq!(contact_of(&app, "WO-1001", "Sub-1001-1").await, "old@globex.example", "nobody applied it");
});

on_both!(a_file_that_cannot_be_read_is_422_naming_row_and_column_and_over_2_mb_is_413, |app| {
    let user = app.login("editor@acme.example").await;
    let missing = upload(&user, "subscription,email\nSub-1001-1,a@globex.example\n").await;
    assert_eq!(missing.status(), 422);
    let text = missing.text().await.unwrap();
    assert!(text.contains("Row 1, column subscription_id"), "{text}");
    let bad_utf8 = upload_named(
        &user,
        "x.csv",
        b"subscription_id,new_contact_email\nSub-1001-1,a@globex.example\nSub-1001-2,\xff@globex.example\n",
    )
    .await;
    assert_eq!(bad_utf8.status(), 422);
    let text = bad_utf8.text().await.unwrap();
    assert!(text.contains("Row 3, column new_contact_email") && text.contains("UTF-8"), "{text}");
    let short = upload(&user, "subscription_id,new_contact_email\nSub-1001-1\n").await;
    assert_eq!(short.status(), 422);
    assert!(short.text().await.unwrap().contains("Row 2, column new_contact_email"));
    let mut many = String::from(HEADER);
    for i in 0..10_001 {
        many += &format!("Sub-{i},a@globex.example\n");
    }
    let too_many = upload(&user, &many).await;
    assert_eq!(too_many.status(), 422);
    assert!(too_many.text().await.unwrap().contains("Row 10002"));
    let big = format!("{HEADER}{}", "Sub-1001-1,a@globex.example\n".repeat(2 * 1024 * 1024 / 28 + 10));
    assert!(big.len() > 2 * 1024 * 1024);
    let response = upload(&user, &big).await;
    assert_eq!(response.status(), 413);
    // Nothing was stored: the first file read is batch 1. A BOM and semicolons are fine.
    let (id, html) =
        preview(&user, "\u{feff}Subscription_ID;note;new_contact_email\r\nSub-1001-1;x;new@globex.example\r\n").await;
    assert_eq!(id, 1);
    assert_eq!(results(&html), [(2, "change".to_string())]);
    // Without the form's token: 403, and nothing stored.
    let form = reqwest::multipart::Form::new()
        .part("file", reqwest::multipart::Part::bytes(HEADER.as_bytes().to_vec()).file_name("f.csv"));
    let no_csrf = user.client.post(format!("{}/bulk-fixes", user.base)).multipart(form).send().await.unwrap();
    assert_eq!(no_csrf.status(), 403);
    assert_eq!(user.post_without_csrf(&format!("/bulk-fixes/{id}/apply"), &[]).await.status(), 403);
});

on_both!(routes_answer_head_and_405_with_allow, |app| {
    let user = app.login("editor@acme.example").await;
    let head = user.client.head(format!("{}/bulk-fixes", user.base)).send().await.unwrap();
    assert_eq!(head.status(), 200);
    assert!(head.text().await.unwrap().is_empty());
    let put = user.client.put(format!("{}/bulk-fixes", user.base)).send().await.unwrap();
    assert_eq!(put.status(), 405);
    assert_eq!(put.headers()["allow"], "GET, HEAD, POST");
    let get_apply = user.get("/bulk-fixes/1/apply").await;
    assert_eq!(get_apply.status(), 405);
    assert_eq!(get_apply.headers()["allow"], "POST");
    let post_csv = user.post("/bulk-fixes/template.csv", &[]).await;
    assert_eq!(post_csv.status(), 405);
    assert_eq!(post_csv.headers()["allow"], "GET, HEAD");
    let page = user.get_html("/subscriptions").await;
    assert!(page.contains("href=\"/bulk-fixes\""), "linked from the subscriptions page");
    let form = user.get_html("/bulk-fixes").await;
    assert_eq!(count(&form, "form[enctype=\"multipart/form-data\"][data-progress] progress"), 1);
});

on_both!(the_template_lists_the_lines_that_can_be_fixed_and_comes_back_unchanged, |app| {
    let user = app.login("dist@north.example").await;
    let response = user.get("/bulk-fixes/template.csv").await;
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "\"subscription_id\",\"new_contact_email\",\"order_id\",\"customer\",\"status\",\"pending\"");
    assert_eq!(lines.len(), 4, "the distributor's three lines of WO-1001: {text}");
    // The closed line says it is closed with provisioning still pending, in words and as
    // the pages' `pending` hook; the awaiting ones are not pending.
    assert_eq!(
        lines[3],
        "\"Sub-1001-3\",\"old@globex.example\",\"WO-1001\",\"Globex\",\"Closed, provisioning still pending\",\"true\""
    );
    assert!(lines[1].ends_with("\"Awaiting Provisioning Details\",\"false\""), "{}", lines[1]);
    // In the user's language.
    assert_eq!(user.post("/settings/language", &[("lang", "ko")]).await.status(), 303);
    let korean = user.get("/bulk-fixes/template.csv").await.text().await.unwrap();
    assert!(korean.contains("\"닫힘, 프로비저닝 아직 보류 중\",\"true\""), "{korean}");
    let editor = app.login("editor@acme.example").await;
    let text = editor.get("/bulk-fixes/template.csv").await.text().await.unwrap();
    assert!(text.contains("Sub-1003-1") && text.contains("Sub-1001-2"));
    assert!(!text.contains("Sub-1002-1"), "past PONR");
    assert!(!text.contains("Sub-1003-2"), "complete");
    assert!(!text.contains("Sub-2001-1"), "another company's");
    // Filled in as it is, every row is unchanged.
    let (_, html) = preview(&editor, &text).await;
    assert!(results(&html).iter().all(|(_, r)| r == "unchanged"), "{html}");
    assert_eq!(results(&html).len(), 4);
});

on_both!(a_row_over_the_email_limit_is_limit_and_the_others_still_apply, |app| {
    let user = app.login("editor@acme.example").await;
    // The default limit is 3 an hour per line: Sub-1001-2 has had its three.
    for _ in 0..3 {
        assert_eq!(user.post("/orders/WO-1001/lines/Sub-1001-2/resend", &[]).await.status(), 303);
    }
    let file = format!("{HEADER}Sub-1001-1,new@globex.example\nSub-1001-2,new@globex.example\n");
    let (id, html) = preview(&user, &file).await;
    assert_eq!(results(&html), [(3, "limit".to_string()), (2, "change".to_string())]);
    assert!(row_text(&html, 3).contains("Too many provisioning emails"));
    assert_eq!(user.post(&format!("/bulk-fixes/{id}/apply"), &[]).await.status(), 303);
    let html = user.get_html(&format!("/bulk-fixes/{id}")).await;
    assert_eq!(result_of(&html, 2), "done");
    assert_eq!(result_of(&html, 3), "limit");
    assert_eq!(contact_of(&app, "WO-1001", "Sub-1001-1").await, "new@globex.example");
    assert_eq!(contact_of(&app, "WO-1001", "Sub-1001-2").await, "old@globex.example");
});

/// Orders of acme's, created by the editor, each `(id, lines)` with lines awaiting and
/// emailed two days ago (so that a change emails at once), Sub-<order number>-<n>.
async fn import_orders(app: &TestApp, orders: &[(String, usize)]) {
    let now = Utc::now();
    let orders: Vec<serde_json::Value> = orders
        .iter()
        .map(|(id, lines)| {
            let number = id.trim_start_matches("WO-");
            let lines: Vec<serde_json::Value> = (1..=*lines)
                .map(|n| {
                    serde_json::json!({"subscription": format!("Sub-{number}-{n}"), "offer": "A-Flex",
                        "rsd": (now - chrono::Duration::days(2)).date_naive(), "contact": "old@customer.example",
                        "status": "awaiting", "email_sent_at": now - chrono::Duration::days(2)})
                })
                .collect();
            serde_json::json!({"id": id, "partner": "acme", "created_by": "editor@acme.example",
                "customer": "Initech", "lines": lines})
        })
        .collect();
    let file = serde_json::from_value(serde_json::json!({ "orders": orders })).unwrap();
    app.store.import(&file, now).await.expect("the orders import");
}

/// Two emails to shared@customer.example within the hour (the limit is 3 an hour), through
/// two edits of lines whose first email went out.
async fn two_emails_to_shared(user: &User) {
    for sub in ["Sub-1001-1", "Sub-1001-2"] {
        let path = format!("/orders/WO-1001/lines/{sub}/contact");
        assert_eq!(user.post(&path, &[("email", "shared@customer.example")]).await.status(), 303);
    }
}

async fn emails_to_shared(app: &TestApp) -> i64 {
    app.db_count("SELECT COUNT(*) FROM outbox WHERE lower(recipient) = 'shared@customer.example' AND id > $1", 0).await
}

on_both!(orders_applied_together_count_each_others_emails_as_the_preview_does, |app| {
    import_orders(&app, &[("WO-7000".into(), 2), ("WO-7001".into(), 1)]).await;
    let user = app.login("editor@acme.example").await;
    two_emails_to_shared(&user).await;
    // One email to the shared address is left. In file order WO-7001's comes first; WO-7000
    // (first in the file through its other row) finds the address at its limit.
    let file = format!(
        "{HEADER}Sub-7000-1,other@customer.example\nSub-7001-1,shared@customer.example\n\
         Sub-7000-2,Shared@customer.example\n"
    );
    let (id, html) = preview(&user, &file).await;
    assert_eq!(result_of(&html, 2), "change");
    assert_eq!(result_of(&html, 3), "change");
    assert_eq!(result_of(&html, 4), "limit");
    assert_eq!(user.post(&format!("/bulk-fixes/{id}/apply"), &[]).await.status(), 303);
    let html = user.get_html(&format!("/bulk-fixes/{id}")).await;
    assert_eq!(
        [2, 3, 4].map(|row| result_of(&html, row)),
        ["done", "done", "limit"],
        "apply agrees with the preview: {html}"
    );
    assert_eq!(emails_to_shared(&app).await, 3, "never more than the limit");
    assert_eq!(contact_of(&app, "WO-7000", "Sub-7000-2").await, "old@customer.example");
});

on_both!(orders_applied_one_group_after_another_count_the_emails_of_those_before, |app| {
    // More orders than one database transaction of apply covers: WO-7000 with the first row,
    // 250 orders of one line each, then WO-7999, whose row comes before WO-7000's second.
    let mut orders: Vec<(String, usize)> = vec![("WO-7000".into(), 2), ("WO-7999".into(), 1)];
    orders.extend((7001..=7250).map(|n| (format!("WO-{n}"), 1)));
    import_orders(&app, &orders).await;
    let user = app.login("editor@acme.example").await;
    two_emails_to_shared(&user).await;
    let mut file = format!("{HEADER}Sub-7000-1,other@customer.example\n");
    for n in 7001..=7250 {
        file += &format!("Sub-{n}-1,new{n}@customer.example\n");
    }
    file += "Sub-7999-1,shared@customer.example\nSub-7000-2,shared@customer.example\n";
    let (id, html) = preview(&user, &file).await;
    assert_eq!((result_of(&html, 253), result_of(&html, 254)), ("change".into(), "limit".into()));
    assert_eq!(user.post(&format!("/bulk-fixes/{id}/apply"), &[]).await.status(), 303);
    let html = user.get_html(&format!("/bulk-fixes/{id}")).await;
    // Orders are applied in the order of their first row: WO-7000 (row 2) took the last
    // email of the hour before WO-7999 (row 253), in a later group, was re-checked.
    assert_eq!((result_of(&html, 253), result_of(&html, 254)), ("limit".into(), "done".into()));
    assert_eq!(emails_to_shared(&app).await, 3, "never more than the limit");
    assert!((2..=252).all(|row| result_of(&html, row) == "done"), "{html}");
});

on_both_with_smtp!(one_email_per_recipient_per_order_reaches_the_mail_server, |app, smtp| {
    let user = app.login("dist@north.example").await;
    let file =
        format!("{HEADER}Sub-1001-1,it@globex.example\nSub-1001-2,IT@globex.example\nSub-1001-3,it@globex.example\n");
    let (id, html) = preview(&user, &file).await;
    assert!(results(&html).iter().all(|(_, r)| r == "change"), "{html}");
    assert_eq!(user.post(&format!("/bulk-fixes/{id}/apply"), &[]).await.status(), 303);
    let messages = smtp.wait_for(1).await;
    app.outbox_settled().await;
    assert_eq!(smtp.messages().len(), 1, "one email for the three lines");
    let message = &messages[0];
    assert!(message.to[0].eq_ignore_ascii_case("it@globex.example"));
    for sub in ["Sub-1001-1", "Sub-1001-2", "Sub-1001-3"] {
        assert!(message.data.contains(sub), "{sub} in the email");
        let txs = app.settled_transactions(sub).await;
        assert_eq!(txs.len(), 1);
        assert_eq!(txs[0].status, "success");
    }
    let history = user.get_html("/orders/WO-1001/lines/Sub-1001-2/history").await;
    assert!(
        history.contains(&format!("Bulk fix {id}")) && history.contains("Accepted by the mail server"),
        "{history}"
    );
});

on_both!(a_bulk_fix_racing_an_onboarding_event_changes_no_line_after_ponr, |app| {
    let user = app.login("editor@acme.example").await;
    let file = format!(
        "{HEADER}Sub-1001-1,race@globex.example\nSub-1001-2,race@globex.example\nSub-1001-3,race@globex.example\n\
         Sub-1003-1,race@stark.example\n"
    );
    let (id, _) = preview(&user, &file).await;
    let path = format!("/bulk-fixes/{id}/apply");
    let (response, onboarded) = tokio::join!(user.post(&path, &[]), app.store.onboard("WO-1001", Utc::now()));
    assert_eq!(response.status(), 303);
    onboarded.unwrap();
    // The order's rows were decided under its lock: all before the onboarding (done), or
    // all after it (ponr), never some lines changed past PONR.
    let html = user.get_html(&format!("/bulk-fixes/{id}")).await;
    let fates: Vec<String> = (2..=4).map(|row| result_of(&html, row)).collect();
    assert!(fates.iter().all(|f| f == &fates[0]), "{fates:?}");
    let order = order_of(&app.store, "WO-1001").await.unwrap().unwrap();
    assert!(order.head.org_mapped_at.is_some());
    let changed = order.lines.iter().filter(|l| l.contact == "race@globex.example").count();
    match fates[0].as_str() {
        "done" => assert_eq!(changed, 3),
        "ponr" => assert_eq!(changed, 0, "no line changed after PONR"),
        other => panic!("unexpected {other}"),
    }
    // The other order is not held up by this one.
    assert_eq!(result_of(&html, 5), "done");
    // And after PONR, a new file for the order changes nothing.
    let (later, html) = preview(&user, &file).await;
    assert_eq!(result_of(&html, 2), "ponr");
    assert_eq!(user.post(&format!("/bulk-fixes/{later}/apply"), &[]).await.status(), 303);
    assert_eq!(
        order_of(&app.store, "WO-1001")
            .await
            .unwrap()
            .unwrap()
            .lines
            .iter()
            .filter(|l| l.contact == "race@globex.example")
            .count(),
        changed
    );
});

on_both!(bulk_fix_speaks_korean_and_swedish, |app| {
    let user = app.login("editor@acme.example").await;
    for (lang, title, change) in [("ko", "여러 줄 한 번에 수정", "변경 예정"), ("sv", "Rätta många rader", "Ändras")]
    {
        assert_eq!(user.post("/settings/language", &[("lang", lang)]).await.status(), 303);
        let form = user.get_html("/bulk-fixes").await;
        assert!(form.contains(title) && !form.contains("Fix many lines") && !form.contains("Upload and preview"));
        let (_, html) = preview(&user, &format!("{HEADER}Sub-1001-1,new@globex.example\nSub-9,a@b.example\n")).await;
        assert!(html.contains(&format!("<html lang=\"{lang}\"")) && html.contains(change), "{html}");
        assert!(!html.contains("Will change") && !html.contains("Rows by outcome") && !html.contains("Not found"));
        let bad = upload(&user, "a,b\n1,2\n").await;
        assert_eq!(bad.status(), 422);
        let text = bad.text().await.unwrap();
        assert!(!text.contains("Row 1") && text.contains("subscription_id"), "{text}");
    }
});

on_both!(copies_count_against_their_address_in_a_bulk_fix_as_in_one_edit, |app| {
    // Three copies to the editor's own address within the hour (PROVISIO_RESEND_LIMIT is
    // 3/h): that address is at its limit, whichever path would email it next.
    let editor = app.login("editor@acme.example").await;
    for path in [
        "/orders/WO-1001/lines/Sub-1001-1/resend",
        "/orders/WO-1001/lines/Sub-1001-1/resend",
        "/orders/WO-1001/lines/Sub-1001-2/resend",
    ] {
        assert_eq!(editor.post(path, &[("copy_to_me", "on")]).await.status(), 303);
    }
    let one_edit = editor.post("/orders/WO-1001/lines/Sub-1001-2/contact", &[("email", "editor@acme.example")]).await;
    assert_eq!(one_edit.status(), 429, "one edit counts the copies");
    let (_, html) = preview(&editor, "subscription_id,new_contact_email\nSub-1001-2,editor@acme.example\n").await;
    assert_eq!(results(&html), vec![(2, "limit".to_string())], "and so does the bulk fix");
});

/// The batches whose discard form this page carries, each with the form's CSRF token.
fn discard_forms(html: &str) -> Vec<(i64, String)> {
    let doc = Html::parse_document(html);
    let forms = Selector::parse("form[method=post][action$=\"/discard\"]").unwrap();
    let token = Selector::parse("input[name=csrf_token]").unwrap();
    doc.select(&forms)
        .map(|f| {
            let action = f.value().attr("action").unwrap();
            let id = action.trim_start_matches("/bulk-fixes/").trim_end_matches("/discard").parse().unwrap();
            let csrf = f.select(&token).next().and_then(|i| i.value().attr("value")).unwrap_or_default();
            (id, csrf.to_string())
        })
        .collect()
}

/// The text of the first element `selector` selects.
fn text_of(html: &str, selector: &str) -> String {
    let doc = Html::parse_document(html);
    let sel = Selector::parse(selector).unwrap();
    doc.select(&sel).next().map(|e| e.text().collect::<Vec<_>>().join(" ")).unwrap_or_default()
}

const ALL_BATCHES: &str = "SELECT COUNT(*) FROM bulk_batches WHERE id > $1";
const ALL_ROWS: &str = "SELECT COUNT(*) FROM bulk_rows WHERE batch_id > $1";
const ROWS_OF: &str = "SELECT COUNT(*) FROM bulk_rows WHERE batch_id = $1";
const BATCH: &str = "SELECT COUNT(*) FROM bulk_batches WHERE id = $1";

on_both!(a_sixth_unapplied_preview_is_429_naming_the_oldest_and_nothing_is_stored, |app| {
    // Without the edit permission, as in the penetration test: any signed-in user uploads.
    let user = app.login("viewer@acme.example").await;
    let file = format!("{HEADER}Sub-1001-1,new@globex.example\n");
    let mut ids = Vec::new();
    for i in 1..=5 {
        let response = upload_named(&user, &format!("file-{i}.csv"), file.as_bytes()).await;
        assert_eq!(response.status(), 200, "preview {i}");
        ids.push(batch_id(&response.text().await.unwrap()));
    }
    let list = user.get_html("/bulk-fixes").await;
    let uploaded = text_of(&list, &format!("tr[data-bulk-batch=\"{}\"] td:nth-child(2)", ids[0]));
    assert!(uploaded.contains("UTC"), "{list}");

    let sixth = upload_named(&user, "file-6.csv", file.as_bytes()).await;
    assert_eq!(sixth.status(), 429);
    let retry: i64 = sixth.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=24 * 3600).contains(&retry), "until the oldest is deleted by itself: {retry}");
    let page = sixth.text().await.unwrap();
    // It names the oldest (file and upload time) and offers to discard it.
    let quota = text_of(&page, "[data-bulk-quota]");
    assert!(quota.contains("file-1.csv") && quota.contains(&uploaded), "{quota}");
    assert!(!page.contains("file-6.csv"));
    let forms = discard_forms(&page);
    assert_eq!(forms[0].0, ids[0], "the first discard form is the oldest's");
    assert!(!forms[0].1.is_empty(), "with the CSRF token");
    assert_eq!(app.db_count(ALL_BATCHES, 0).await, 5, "nothing stored for the refused upload");
    assert_eq!(app.db_count(ALL_ROWS, 0).await, 5);
    // A file that cannot be read is still 422 (input before limit), and stored neither.
    assert_eq!(upload(&user, "a,b\n1,2\n").await.status(), 422);
    assert_eq!(app.db_count(ALL_BATCHES, 0).await, 5);

    // The quota is the user's own.
    let colleague = app.login("editor@acme.example").await;
    assert_eq!(upload(&colleague, &file).await.status(), 200);

    // Discarding the oldest, with the page's own form, makes room for one more.
    let discarded = user
        .client
        .post(format!("{}/bulk-fixes/{}/discard", user.base, forms[0].0))
        .form(&[("csrf_token", forms[0].1.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(discarded.status(), 303);
    assert_eq!(location(discarded.headers()), "/bulk-fixes");
    assert!(user.get_html("/bulk-fixes").await.contains("The preview file-1.csv was discarded"));
    let sixth = upload_named(&user, "file-6.csv", file.as_bytes()).await;
    assert_eq!(sixth.status(), 200);
    assert_eq!(upload_named(&user, "file-7.csv", file.as_bytes()).await.status(), 429);

    // An applied batch no longer counts.
    assert_eq!(user.post(&format!("/bulk-fixes/{}/apply", ids[1]), &[]).await.status(), 303);
    assert_eq!(upload_named(&user, "file-7.csv", file.as_bytes()).await.status(), 200);
    let refused = upload_named(&user, "file-8.csv", file.as_bytes()).await;
    assert_eq!(refused.status(), 429);
    let page = refused.text().await.unwrap();
    assert!(text_of(&page, "[data-bulk-quota]").contains("file-3.csv"), "the oldest unapplied one now");
    assert_eq!(discard_forms(&page)[0].0, ids[2]);
});

on_both!(parallel_uploads_cannot_pass_the_quota_together, |app| {
    let user = app.login("editor@acme.example").await;
    let file = format!("{HEADER}Sub-1001-1,new@globex.example\n");
    for _ in 0..3 {
        assert_eq!(upload(&user, &file).await.status(), 200);
    }
    // Most pass the count read before their transaction; the transaction's own count holds.
    let uploads = (0..8).map(|_| upload(&user, &file));
    let mut statuses: Vec<u16> =
        futures_util::future::join_all(uploads).await.iter().map(|r| r.status().as_u16()).collect();
    statuses.sort();
    assert_eq!(statuses, [200, 200, 429, 429, 429, 429, 429, 429]);
    assert_eq!(app.db_count(ALL_BATCHES, 0).await, 5);
});

on_both!(a_preview_is_discarded_by_its_owner_only_and_an_applied_batch_is_not, |app| {
    let user = app.login("editor@acme.example").await;
    let file = format!("{HEADER}Sub-1001-1,new@globex.example\nSub-1001-2,new@globex.example\n");
    let (a, html) = preview(&user, &file).await;
    assert_eq!(discard_forms(&html).iter().map(|f| f.0).collect::<Vec<_>>(), [a], "the preview offers it");
    let (b, _) = preview(&user, &file).await;
    let (applied, _) = preview(&user, &format!("{HEADER}Sub-1003-1,new@stark.example\n")).await;
    assert_eq!(user.post(&format!("/bulk-fixes/{applied}/apply"), &[]).await.status(), 303);
    // The list offers a Discard button for each unapplied preview, not for the applied one.
    let list = user.get_html("/bulk-fixes").await;
    let mut offered: Vec<i64> = discard_forms(&list).into_iter().map(|f| f.0).collect();
    offered.sort();
    assert_eq!(offered, [a, b]);
    assert_eq!(count(&list, &format!("tr[data-bulk-batch=\"{applied}\"][data-bulk-state=applied]")), 1);

    // Without the token: 403, nothing deleted.
    let path = format!("/bulk-fixes/{a}/discard");
    assert_eq!(user.post_without_csrf(&path, &[]).await.status(), 403);
    // Anyone else: 404, as for the batch itself.
    for email in ["viewer@acme.example", "stranger@other.example", "dist@north.example"] {
        assert_eq!(app.login(email).await.post(&path, &[]).await.status(), 404, "{email}");
    }
    assert_eq!(app.db_count(ROWS_OF, a).await, 2);
    assert_eq!(user.get(&format!("/bulk-fixes/{a}")).await.status(), 200);

    // The owner: the preview and its rows are gone.
    let response = user.post(&path, &[]).await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(response.headers()), "/bulk-fixes");
    assert_eq!(app.db_count(ROWS_OF, a).await, 0);
    assert_eq!(app.db_count(BATCH, a).await, 0);
    assert_eq!(user.get(&format!("/bulk-fixes/{a}")).await.status(), 404);
    assert_eq!(user.post(&path, &[]).await.status(), 404, "twice");
    assert_eq!(user.post(&format!("/bulk-fixes/{a}/apply"), &[]).await.status(), 404);

    // Operators may too (htmx: the same answer); an applied batch keeps its outcome: 409.
    let ops = app.login("ops@vendor.example").await;
    let response = ops.post_htmx(&format!("/bulk-fixes/{b}/discard"), &[]).await;
    assert_eq!(response.status(), 303);
    assert_eq!(app.db_count(BATCH, b).await, 0);
    let refused = user.post(&format!("/bulk-fixes/{applied}/discard"), &[]).await;
    assert_eq!(refused.status(), 409);
    assert_eq!(app.db_count(ROWS_OF, applied).await, 1);
    assert_eq!(result_of(&user.get_html(&format!("/bulk-fixes/{applied}")).await, 2), "done");
    assert_eq!(contact_of(&app, "WO-1003", "Sub-1003-1").await, "new@stark.example");

    let get = user.get(&format!("/bulk-fixes/{applied}/discard")).await;
    assert_eq!(get.status(), 405);
    assert_eq!(get.headers()["allow"], "POST");
    assert_eq!(user.post("/bulk-fixes/nonsense/discard", &[]).await.status(), 404);
});

on_both!(old_previews_and_old_outcomes_are_purged_with_their_rows, |app| {
    let keep = app.config.bulk_keep;
    let user = app.login("editor@acme.example").await;
    // An old preview; a file uploaded as long ago but applied now; a file applied now
    // that changed nothing (no transaction names it); a fresh preview.
    let (old, _) = preview(&user, &format!("{HEADER}Sub-1001-1,a@globex.example\nSub-1001-2,a@globex.example\n")).await;
    let (changed, _) = preview(&user, &format!("{HEADER}Sub-1003-1,new@stark.example\n")).await;
    let (nothing, _) = preview(&user, &format!("{HEADER}Sub-1001-1,old@globex.example\n")).await;
    let (fresh, _) = preview(&user, &format!("{HEADER}Sub-1001-2,b@globex.example\n")).await;
    let long_ago = Utc::now() - keep - chrono::Duration::minutes(5);
    for id in [old, changed] {
        assert_eq!(app.db_set_time("UPDATE bulk_batches SET created_at = $1 WHERE id = $2", long_ago, id).await, 1);
    }
    for id in [changed, nothing] {
        assert_eq!(user.post(&format!("/bulk-fixes/{id}/apply"), &[]).await.status(), 303);
    }
    let applied = Utc::now();

    // The scheduler's run now: the old preview goes with its rows; an applied batch is
    // kept from its apply, not its upload.
    let stop = provisio::stop::Stop::never();
    let purged = provisio::jobs::purge_bulk(&app.store, keep, &stop).await.unwrap();
    assert_eq!((purged.previews, purged.outcomes, purged.rows), (1, 0, 2));
    assert_eq!(user.get(&format!("/bulk-fixes/{old}")).await.status(), 404);
    assert_eq!((app.db_count(BATCH, old).await, app.db_count(ROWS_OF, old).await), (0, 0));
    for id in [changed, nothing, fresh] {
        assert_eq!(user.get(&format!("/bulk-fixes/{id}")).await.status(), 200, "batch {id}");
    }

    // Just before the keep time after apply, nothing more goes.
    let before = app.store.purge_bulk(keep, applied + keep - chrono::Duration::minutes(1)).await.unwrap();
    assert_eq!(before, provisio::store::BulkPurge::default());
    assert_eq!(app.db_count(ROWS_OF, changed).await, 1);
    assert_eq!(result_of(&user.get_html(&format!("/bulk-fixes/{changed}")).await, 2), "done");

    // Just after it, the outcomes' rows go (and the preview uploaded with them). The batch
    // that changed lines stays, named by its transactions, and says its details are no
    // longer kept; the other goes whole.
    let after = app.store.purge_bulk(keep, applied + keep + chrono::Duration::minutes(1)).await.unwrap();
    assert_eq!(after, provisio::store::BulkPurge { previews: 1, outcomes: 2, rows: 3 });
    assert_eq!(user.get(&format!("/bulk-fixes/{fresh}")).await.status(), 404);
    assert_eq!(app.db_count(ALL_ROWS, 0).await, 0);
    let gone = user.get(&format!("/bulk-fixes/{changed}")).await;
    assert_eq!(gone.status(), 410);
    let text = gone.text().await.unwrap();
    assert!(text.contains("no longer kept") && text.contains("href=\"/transactions"), "{text}");
    assert_eq!(user.get(&format!("/bulk-fixes/{changed}/outcome.csv")).await.status(), 410);
    assert_eq!(user.post(&format!("/bulk-fixes/{changed}/discard"), &[]).await.status(), 409);
    assert_eq!(user.post(&format!("/bulk-fixes/{changed}/apply"), &[]).await.status(), 409);
    assert_eq!(user.get(&format!("/bulk-fixes/{nothing}")).await.status(), 404);
    assert_eq!(app.db_count(BATCH, nothing).await, 0);
    let txs = app.store.line_transactions("Sub-1003-1").await.unwrap();
    assert_eq!(txs[0].bulk_batch_id, Some(changed), "the change and its record stay");
    assert!(user.get_html("/transactions").await.contains(&format!("Bulk fix {changed}")));
    let list = user.get_html("/bulk-fixes").await;
    assert_eq!(count(&list, &format!("tr[data-bulk-batch=\"{changed}\"][data-bulk-state=purged]")), 1);
    assert_eq!(count(&list, "tr[data-bulk-batch]"), 1);

    // Nothing is left to do.
    let again = app.store.purge_bulk(keep, applied + keep * 10).await.unwrap();
    assert_eq!(again, provisio::store::BulkPurge::default());
});

on_both!(the_quota_is_counted_in_the_transaction_that_stores_the_batch, |app| {
    let (user, _) = app.store.user_credentials("viewer@acme.example").await.unwrap().unwrap();
    let rows = provisio::domain::bulk::prepare(vec![provisio::domain::bulk::FileRow {
        row: 2,
        subscription_id: "Sub-1001-1".into(),
        typed_email: "new@globex.example".into(),
    }]);
    // Eight at once, straight at the store: no count before the transaction to thin them.
    let max = provisio::domain::bulk::MAX_UNAPPLIED;
    let tries = (0..8).map(|_| app.store.create_bulk_batch(&user, "f.csv", &rows, Utc::now(), max));
    let outcomes = futures_util::future::join_all(tries).await;
    let created = outcomes.iter().filter(|o| matches!(o, Ok(provisio::store::BulkCreated::Created(_)))).count();
    assert_eq!(created, max, "{outcomes:?}");
    assert_eq!(app.db_count(ALL_BATCHES, 0).await, max as i64);
});

on_both!(an_upload_without_its_token_is_403_whatever_its_body, |app| {
    let user = app.login("editor@acme.example").await;
    let bare = user.client.post(format!("{}/bulk-fixes", user.base)).send().await.unwrap();
    assert_eq!(bare.status(), 403, "the missing token, not the missing multipart");
    let typed = user
        .client
        .post(format!("{}/bulk-fixes", user.base))
        .header("X-CSRF-Token", &user.csrf)
        .header("Content-Type", "text/csv")
        .body("subscription_id,new_contact_email\n")
        .send()
        .await
        .unwrap();
    assert_eq!(typed.status(), 415);
});

/// The texts of a bulk row's cells, in order.
fn cells(html: &str, row: i64) -> Vec<String> {
    let doc = Html::parse_document(html);
    let sel = Selector::parse(&format!("tr[data-bulk-row=\"{row}\"] td")).unwrap();
    doc.select(&sel).map(|e| e.text().collect::<Vec<_>>().join(" ").trim().to_string()).collect()
}

on_both!(after_apply_each_changed_row_keeps_showing_its_old_and_new_contact, |app| {
    let user = app.login("editor@acme.example").await;
    let file =
        format!("{HEADER}Sub-1001-3,new@globex.example\nSub-1003-1,new@stark.example\nSub-1001-1,old@globex.example\n");
    let (id, before) = preview(&user, &file).await;
    assert!(text_of(&before, "table.bulk thead").contains("Current contact"), "{before}");
    assert_eq!(user.post(&format!("/bulk-fixes/{id}/apply"), &[]).await.status(), 303);
    // A later edit of the line does not rewrite what the batch did.
    let later = user.post("/subscriptions/Sub-1001-3/contact", &[("email", "later@globex.example")]).await;
    assert_eq!(later.status(), 303);

    let html = user.get_html(&format!("/bulk-fixes/{id}")).await;
    assert!(text_of(&html, "table.bulk thead").contains("Contact before"), "the column says what it holds now");
    // Row, subscription, order, contact before, new contact, outcome.
    for (row, old, new) in
        [(2, "old@globex.example", "new@globex.example"), (3, "it@stark.example", "new@stark.example")]
    {
        assert_eq!(result_of(&html, row), "done");
        let cells = cells(&html, row);
        assert_eq!((cells[3].as_str(), cells[4].as_str()), (old, new), "row {row}: {cells:?}");
        assert!(cells[5].contains(&format!("Changed from {old} to {new}.")), "row {row}: {cells:?}");
    }
    // A row that did not change shows the contact it kept.
    assert_eq!(result_of(&html, 4), "unchanged");
    assert_eq!(cells(&html, 4)[3], "old@globex.example");
    // The outcome file says the same.
    let csv = user.get(&format!("/bulk-fixes/{id}/outcome.csv")).await.text().await.unwrap();
    assert!(csv.contains("Changed from old@globex.example to new@globex.example."), "{csv}");
    // In Korean and Swedish as well.
    for (lang, says) in [
        ("ko", "old@globex.example에서 new@globex.example(으)로 변경됨."),
        ("sv", "Ändrad från old@globex.example till new@globex.example."),
    ] {
        assert_eq!(user.post("/settings/language", &[("lang", lang)]).await.status(), 303);
        let html = user.get_html(&format!("/bulk-fixes/{id}")).await;
        assert!(cells(&html, 2)[5].contains(says), "{lang}: {:?}", cells(&html, 2));
    }
});

on_both!(the_upload_page_lists_earlier_uploads_newest_first_operators_see_everyones, |app| {
    let editor = app.login("editor@acme.example").await;
    let viewer = app.login("viewer@acme.example").await;
    let file = format!("{HEADER}Sub-1001-1,new@globex.example\n");
    let mut made = Vec::new();
    for (user, name) in [(&editor, "first.csv"), (&viewer, "second.csv"), (&editor, "third.csv")] {
        let response = upload_named(user, name, file.as_bytes()).await;
        assert_eq!(response.status(), 200);
        made.push(batch_id(&response.text().await.unwrap()));
    }
    assert_eq!(editor.post(&format!("/bulk-fixes/{}/apply", made[0]), &[]).await.status(), 303);
    let listed = |html: &str| -> Vec<(i64, String, String)> {
        let doc = Html::parse_document(html);
        let row = Selector::parse("tr[data-bulk-batch]").unwrap();
        let link = Selector::parse("a[href]").unwrap();
        doc.select(&row)
            .map(|r| {
                let id = r.value().attr("data-bulk-batch").unwrap().parse().unwrap();
                let href = r.select(&link).next().and_then(|a| a.value().attr("href")).unwrap_or_default();
                (id, href.to_string(), r.text().collect::<String>())
            })
            .collect()
    };
    // Each user: their own, newest first, each linking to its batch.
    let own = editor.get_html("/bulk-fixes").await;
    assert!(text_of(&own, "h2#bulk-earlier").contains("Your earlier uploads"));
    let rows = listed(&own);
    assert_eq!(rows.iter().map(|r| r.0).collect::<Vec<_>>(), [made[2], made[0]]);
    for (id, href, _) in &rows {
        assert_eq!(href, &format!("/bulk-fixes/{id}"));
        assert_eq!(editor.get(href).await.status(), 200);
    }
    assert_eq!(listed(&viewer.get_html("/bulk-fixes").await).iter().map(|r| r.0).collect::<Vec<_>>(), [made[1]]);
    // Operators open every batch, so they are shown everyone's, naming who uploaded each.
    let ops = app.login("ops@vendor.example").await;
    let all = ops.get_html("/bulk-fixes").await;
    assert!(text_of(&all, "h2#bulk-earlier").contains("everyone's"), "{all}");
    let rows = listed(&all);
    assert_eq!(rows.iter().map(|r| r.0).collect::<Vec<_>>(), [made[2], made[1], made[0]]);
    assert!(rows[0].2.contains("Eddie Editor") && rows[1].2.contains("Vera Viewer"), "{rows:?}");
    assert!(rows[0].2.contains("third.csv") && rows[2].2.contains("first.csv"));
    for (_, href, _) in &rows {
        assert_eq!(ops.get(href).await.status(), 200, "{href}");
    }
    assert_eq!(count(&all, &format!("tr[data-bulk-batch=\"{}\"][data-bulk-state=applied]", made[0])), 1);
    // A company admin sees their own only: a batch is its uploader's (and operators').
    let admin: provisio::store::ImportFile = serde_json::from_value(serde_json::json!({"users": [
        {"email": "admin@acme.example", "name": "Ada Admin", "company": "acme", "password": PASSWORD, "company_admin": true}
    ]}))
    .unwrap();
    app.store.import(&admin, Utc::now()).await.unwrap();
    let admin = app.login("admin@acme.example").await;
    assert!(listed(&admin.get_html("/bulk-fixes").await).is_empty());
    assert_eq!(admin.get(&format!("/bulk-fixes/{}", made[1])).await.status(), 404);
});
