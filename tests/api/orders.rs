//! The orders list, the order page and editing the provisioning contact (docs/product.md rules
//! 2, 3, 4 and 7; docs/http.md's answers in their order of checks).

use crate::helpers::*;
use crate::on_both;
use provisio::domain::LineStatus;

const EDIT_1: &str = "/orders/WO-1001/lines/Sub-1001-1/contact";

async fn contact_of(app: &TestApp, order: &str, sub: &str) -> String {
    let order = order_of(&app.store, order).await.unwrap().unwrap();
    order.line(sub).unwrap().contact.clone()
}

on_both!(users_see_the_orders_of_their_own_company_only, |app| {
    let acme = app.login("viewer@acme.example").await;
    let html = acme.get_html("/orders").await;
    for id in ["WO-1001", "WO-1002", "WO-1003"] {
        assert_eq!(count(&html, &format!("tr[data-order=\"{id}\"]")), 1, "{id}");
    }
    assert_eq!(count(&html, "tr[data-order=\"WO-2001\"]"), 0);
    assert_eq!(acme.get("/orders/WO-2001").await.status(), 404);
    assert_eq!(acme.get("/orders/WO-2001/lines/Sub-2001-1/contact").await.status(), 404);
    assert_eq!(acme.get("/orders/WO-9999").await.status(), 404);

    // The distributor sees the order it distributes, not the partner's direct ones.
    let dist = app.login("distview@north.example").await;
    let html = dist.get_html("/orders").await;
    assert_eq!(count(&html, "tr[data-order]"), 1);
    assert_eq!(count(&html, "tr[data-order=\"WO-1001\"]"), 1);
    assert_eq!(dist.get("/orders/WO-1003").await.status(), 404);

    let ops = app.login("ops@vendor.example").await;
    let html = ops.get_html("/orders").await;
    assert_eq!(count(&html, "tr[data-order]"), 4);
});

on_both!(search_matches_order_and_subscription_ids_by_prefix_in_any_case, |app| {
    let user = app.login("ops@vendor.example").await;
    let cases = [
        ("wo-1001", vec!["WO-1001"]),
        ("WO-100", vec!["WO-1001", "WO-1002", "WO-1003"]),
        ("sub-1003-2", vec!["WO-1003"]),
        ("SUB-2001", vec!["WO-2001"]),
        ("100%", vec![]),
        ("nothing", vec![]),
    ];
    for (q, expected) in cases {
        let html = user.get_html(&format!("/orders?q={}", urlencode(q))).await;
        assert_eq!(count(&html, "tr[data-order]"), expected.len(), "q={q}");
        for id in expected {
            assert_eq!(count(&html, &format!("tr[data-order=\"{id}\"]")), 1, "q={q} finds {id}");
        }
    }
});

fn urlencode(s: &str) -> String {
    s.replace('%', "%25")
}

on_both!(the_order_page_shows_every_line_with_its_status_and_contact, |app| {
    let user = app.login("editor@acme.example").await;
    let html = user.get_html("/orders/WO-1001").await;
    let (status, text) = row(&html, "Sub-1001-1").unwrap();
    assert_eq!(status, "awaiting");
    assert!(
        text.contains("old@globex.example")
            && text.contains("A-Flex")
            && text.contains("Awaiting Provisioning Details")
    );
    let (status, text) = row(&html, "Sub-1001-3").unwrap();
    assert_eq!(status, "closed");
    assert!(text.contains("Closed") && text.contains("Provisioning still pending"));
    assert_eq!(count(&html, "a[href=\"/subscriptions?q=Sub-1001-3\"]"), 1, "Click here to the subscriptions page");
    assert_eq!(count(&html, "tr[data-status]"), 3, "only rows carry data-status");
    assert!(html.contains("Not reached"), "PONR state is shown");

    let html = user.get_html("/orders/WO-1002").await;
    assert!(html.contains("UTC"), "times carry their zone");
    assert!(html.contains(ADMIN_CONSOLE), "after PONR the page points to the admin console");
    assert_eq!(count(&html, "button#edit-Sub-1002-1[disabled]"), 1);

    let html = user.get_html("/orders/WO-1003").await;
    assert_eq!(row(&html, "Sub-1003-2").unwrap().0, "complete");
});

on_both!(case_1_1_sees_edit_disabled_with_the_creator_and_a_crafted_post_gets_403, |app| {
    let user = app.login("viewer@acme.example").await;
    let html = user.get_html("/orders/WO-1001").await;
    assert_eq!(count(&html, "button#edit-Sub-1001-1[disabled]"), 1);
    assert_eq!(count(&html, "a#edit-Sub-1001-1"), 0);
    assert!(html.contains("Cora Creator") && html.contains("creator@acme.example"));

    let response = user.post(EDIT_1, &[("email", "new@globex.example")]).await;
    assert_eq!(response.status(), 403);
    let text = response.text().await.unwrap();
    assert!(text.contains("Cora Creator") && text.contains("creator@acme.example"));
    assert_eq!(user.get(EDIT_1).await.status(), 403, "the dialog answers as its POST would");
    let htmx = user.post_htmx(EDIT_1, &[("email", "new@globex.example")]).await;
    assert_eq!(htmx.status(), 403);
    assert!(htmx.text().await.unwrap().contains("creator@acme.example"));
    assert_eq!(contact_of(&app, "WO-1001", "Sub-1001-1").await, "old@globex.example");

    // A distributor user without the permission is told the same.
    let dist = app.login("distview@north.example").await;
    assert_eq!(dist.post(EDIT_1, &[("email", "new@globex.example")]).await.status(), 403);
});

on_both!(case_1_2_edits_one_line_and_sees_the_new_address, |app| {
    let user = app.login("editor@acme.example").await;
    let dialog = user.get_html(EDIT_1).await;
    assert!(dialog.contains("name=\"version\""));
    let response = user.post(EDIT_1, &[("email", "  New.Contact@Globex.EXAMPLE ")]).await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(response.headers()), "/orders/WO-1001");
    let html = user.get_html("/orders/WO-1001").await;
    assert!(html.contains("Provisioning contact updated to New.Contact@globex.example on 1 line."), "{html}");
    assert!(row(&html, "Sub-1001-1").unwrap().1.contains("New.Contact@globex.example"));
    assert!(row(&html, "Sub-1001-2").unwrap().1.contains("old@globex.example"), "other lines untouched");
    // The message shows once.
    assert!(!user.get_html("/orders/WO-1001").await.contains("Provisioning contact updated"));

    let history = app.settled_transactions("Sub-1001-1").await;
    assert_eq!(history.len(), 1);
    let tx = &history[0];
    assert_eq!(tx.kind, "provisioning_email_update");
    assert_eq!(tx.old_value.as_deref(), Some("old@globex.example"));
    assert_eq!(tx.new_value.as_deref(), Some("New.Contact@globex.example"));
    assert_eq!(tx.actor, "Eddie Editor");
    assert_eq!(tx.status, "success");
    let page = user.get_html("/orders/WO-1001/lines/Sub-1001-1/history").await;
    assert_eq!(count(&page, "tr[data-transaction][data-type=provisioning_email_update][data-status=success]"), 1);
});

on_both!(the_order_creator_may_edit_without_the_permission_and_so_may_operators_and_distributors, |app| {
    for (email, address) in [
        ("creator@acme.example", "a@globex.example"),
        ("ops@vendor.example", "b@globex.example"),
        ("dist@north.example", "c@globex.example"),
    ] {
        let user = app.login(email).await;
        let response = user.post(EDIT_1, &[("email", address)]).await;
        assert_eq!(response.status(), 303, "{email}");
        assert_eq!(contact_of(&app, "WO-1001", "Sub-1001-1").await, address);
    }
    let history = app.store.line_transactions("Sub-1001-1").await.unwrap();
    let actors: Vec<&str> = history.iter().map(|t| t.actor.as_str()).collect();
    assert_eq!(actors, ["Dina Dist", "Olga Ops", "Cora Creator"], "recorded as theirs, newest first");
});

on_both!(apply_to_all_changes_every_awaiting_line_at_once_and_nothing_else, |app| {
    let user = app.login("editor@acme.example").await;
    let response = user.post(EDIT_1, &[("email", "all@globex.example"), ("apply_to_all", "on")]).await;
    assert_eq!(response.status(), 303);
    assert_eq!(contact_of(&app, "WO-1001", "Sub-1001-1").await, "all@globex.example");
    assert_eq!(contact_of(&app, "WO-1001", "Sub-1001-2").await, "all@globex.example");
    assert_eq!(
        contact_of(&app, "WO-1001", "Sub-1001-3").await,
        "old@globex.example",
        "closed line: not on the order page"
    );
    assert_eq!(app.store.line_transactions("Sub-1001-2").await.unwrap().len(), 1);
    assert!(app.store.line_transactions("Sub-1001-3").await.unwrap().is_empty());
    let html = user.get_html("/orders/WO-1001").await;
    assert!(html.contains("on 2 lines"));
    // Other orders are never touched.
    assert_eq!(contact_of(&app, "WO-1003", "Sub-1003-1").await, "it@stark.example");
});

on_both!(htmx_edit_answers_with_the_changed_rows_and_the_message, |app| {
    let user = app.login("editor@acme.example").await;
    let dialog = user.get_htmx(EDIT_1).await;
    assert_eq!(dialog.status(), 200);
    let dialog = dialog.text().await.unwrap();
    assert!(!dialog.contains("<html"), "a fragment, not a page");
    assert!(dialog.contains("id=\"contact-email\""));
    let response = user.post_htmx(EDIT_1, &[("email", "fresh@globex.example"), ("apply_to_all", "on")]).await;
    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();
    assert_eq!(count(&html, "tr[hx-swap-oob][data-subscription]"), 2);
    assert!(row(&html, "Sub-1001-2").unwrap().1.contains("fresh@globex.example"));
    assert!(html.contains("data-close-dialog") && html.contains("data-focus=\"edit-Sub-1001-1\""));
    assert!(html.contains("on 2 lines"));
});

on_both!(invalid_input_gets_422_with_the_typed_value_and_changes_nothing, |app| {
    let user = app.login("editor@acme.example").await;
    for bad in ["not-an-address", "Ana <ana@globex.example>", "a@globex.example\r\nBcc: x@evil.example", ""] {
        let response = user.post(EDIT_1, &[("email", bad), ("apply_to_all", "on")]).await;
        assert_eq!(response.status(), 422, "{bad:?}");
        let html = response.text().await.unwrap();
        assert_eq!(count(&html, ".error-summary"), 1);
        assert_eq!(count(&html, "input#apply-to-all[checked]"), 1, "the ticked box stays ticked");
        if bad == "not-an-address" {
            assert!(html.contains("value=\"not-an-address\""));
        }
    }
    let htmx = user.post_htmx(EDIT_1, &[("email", "<script>alert(1)</script>")]).await;
    assert_eq!(htmx.status(), 422);
    let html = htmx.text().await.unwrap();
    assert!(!html.contains("<script>alert(1)"), "the typed value is escaped");
    assert!(html.contains("&lt;script&gt;") || html.contains("&#60;script&#62;"), "{html}");
    assert_eq!(contact_of(&app, "WO-1001", "Sub-1001-1").await, "old@globex.example");
    assert!(app.store.line_transactions("Sub-1001-1").await.unwrap().is_empty());
});

on_both!(after_ponr_edit_is_refused_with_the_admin_console, |app| {
    let user = app.login("editor@acme.example").await;
    let path = "/orders/WO-1002/lines/Sub-1002-1/contact";
    assert_eq!(user.get(path).await.status(), 409);
    let response = user.post(path, &[("email", "new@umbrella.example")]).await;
    assert_eq!(response.status(), 409);
    let text = response.text().await.unwrap();
    assert!(text.contains(ADMIN_CONSOLE) && text.contains("administrator"));
    let htmx = user.post_htmx(path, &[("email", "new@umbrella.example")]).await;
    assert_eq!(htmx.status(), 409);
    assert!(!htmx.text().await.unwrap().contains("<html"), "shown inside the dialog");
    // State comes before input: an invalid address after PONR is still 409.
    assert_eq!(user.post(path, &[("email", "bad")]).await.status(), 409);
    // Operators are refused too: PONR holds for everyone.
    let ops = app.login("ops@vendor.example").await;
    assert_eq!(ops.post(path, &[("email", "new@umbrella.example")]).await.status(), 409);
    assert_eq!(contact_of(&app, "WO-1002", "Sub-1002-1").await, "it@umbrella.example");
});

on_both!(onboarding_after_the_dialog_opened_refuses_the_save, |app| {
    let user = app.login("editor@acme.example").await;
    assert_eq!(user.get(EDIT_1).await.status(), 200);
    app.store.onboard("WO-1001", chrono::Utc::now()).await.unwrap();
    let response = user.post(EDIT_1, &[("email", "late@globex.example"), ("apply_to_all", "on")]).await;
    assert_eq!(response.status(), 409);
    assert_eq!(contact_of(&app, "WO-1001", "Sub-1001-1").await, "old@globex.example");
    assert_eq!(contact_of(&app, "WO-1001", "Sub-1001-2").await, "old@globex.example");
});

on_both!(closed_and_complete_lines_are_not_editable_on_the_order_page, |app| {
    let user = app.login("editor@acme.example").await;
    let closed = "/orders/WO-1001/lines/Sub-1001-3/contact";
    assert_eq!(user.get(closed).await.status(), 409);
    let response = user.post(closed, &[("email", "new@globex.example")]).await;
    assert_eq!(response.status(), 409);
    assert!(response.text().await.unwrap().contains("/subscriptions?q=Sub-1001-3"));
    let complete = "/orders/WO-1003/lines/Sub-1003-2/contact";
    assert_eq!(user.post(complete, &[("email", "new@stark.example")]).await.status(), 409);
    assert_eq!(contact_of(&app, "WO-1001", "Sub-1001-3").await, "old@globex.example");
});

on_both!(a_stale_dialog_names_who_changed_the_line_and_its_current_value, |app| {
    let editor = app.login("editor@acme.example").await;
    let creator = app.login("creator@acme.example").await;
    let version = {
        let order = order_of(&app.store, "WO-1001").await.unwrap().unwrap();
        order.line("Sub-1001-1").unwrap().version.to_string()
    };
    let first = creator.post(EDIT_1, &[("email", "first@globex.example"), ("version", &version)]).await;
    assert_eq!(first.status(), 303);
    let second = editor.post(EDIT_1, &[("email", "second@globex.example"), ("version", &version)]).await;
    assert_eq!(second.status(), 409);
    let text = second.text().await.unwrap();
    assert!(text.contains("Cora Creator") && text.contains("first@globex.example"), "{text}");
    assert_eq!(contact_of(&app, "WO-1001", "Sub-1001-1").await, "first@globex.example");
});

on_both!(checks_run_in_the_contract_order, |app| {
    // CSRF before visibility: a foreign order without a token is 403 (form expired), not 404.
    let stranger = app.login("stranger@other.example").await;
    let response = stranger.post_without_csrf(EDIT_1, &[("email", "x@globex.example")]).await;
    assert_eq!(response.status(), 403);
    assert!(response.text().await.unwrap().contains("This form has expired"));
    // With a token: not visible is 404, before permission.
    assert_eq!(stranger.post(EDIT_1, &[("email", "x@globex.example")]).await.status(), 404);
    // A token of another session does not count.
    let editor = app.login("editor@acme.example").await;
    let forged = editor
        .client
        .post(format!("{}{EDIT_1}", editor.base))
        .form(&[("email", "x@globex.example"), ("csrf_token", stranger.csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    // Permission before state: case 1.1 on a PONR order is 403.
    let viewer = app.login("viewer@acme.example").await;
    assert_eq!(viewer.post("/orders/WO-1002/lines/Sub-1002-1/contact", &[("email", "bad")]).await.status(), 403);
    // A line of another order through this order's path does not exist.
    assert_eq!(
        editor.post("/orders/WO-1001/lines/Sub-1003-1/contact", &[("email", "x@globex.example")]).await.status(),
        404
    );
    assert_eq!(contact_of(&app, "WO-1001", "Sub-1001-1").await, "old@globex.example");
    assert_eq!(contact_of(&app, "WO-1003", "Sub-1003-1").await, "it@stark.example");
});

on_both!(saving_the_same_address_changes_nothing, |app| {
    let user = app.login("editor@acme.example").await;
    let response = user.post(EDIT_1, &[("email", "old@globex.example")]).await;
    assert_eq!(response.status(), 303);
    assert!(user.get_html("/orders/WO-1001").await.contains("Nothing was changed"));
    assert!(app.store.line_transactions("Sub-1001-1").await.unwrap().is_empty());
});

/// An order of `n` lines of acme's (created by creator@acme), whose first emails went
/// out: line i is `Sub-{order}-{i:04}`, at position i; every 10th is closed, every 25th
/// complete, the others awaiting.
fn large_order(order: &str, n: usize) -> provisio::store::ImportFile {
    let now = chrono::Utc::now();
    let lines: Vec<_> = (0..n)
        .map(|i| {
            let status = if i % 25 == 24 {
                "complete"
            } else if i % 10 == 9 {
                "closed"
            } else {
                "awaiting"
            };
            serde_json::json!({"subscription": format!("Sub-{order}-{i:04}"), "offer": "Webex Meetings",
                               "rsd": (now - chrono::Duration::days(2)).date_naive(), "contact": "big@initech.example",
                               "status": status, "email_sent_at": now - chrono::Duration::days(2)})
        })
        .collect();
    serde_json::from_value(serde_json::json!({"orders": [{
        "id": order, "partner": "acme", "created_by": "creator@acme.example", "customer": "Initech", "lines": lines
    }]}))
    .unwrap()
}

/// The subscription ids of the rows on a page, in order.
fn row_ids(html: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse("tr[data-subscription]").unwrap();
    doc.select(&sel).map(|e| e.value().attr("data-subscription").unwrap().to_string()).collect()
}

fn next_href(html: &str) -> Option<String> {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse("a[data-next-page]").unwrap();
    doc.select(&sel).next().map(|e| e.value().attr("href").unwrap().replace("&amp;", "&"))
}

fn count_text(html: &str, status: &str) -> String {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse(&format!("[data-count-status=\"{status}\"]")).unwrap();
    doc.select(&sel).next().map(|e| e.text().collect::<String>()).unwrap_or_default()
}

on_both!(a_large_order_opens_a_page_of_lines_at_a_time_with_counts_and_a_search, |app| {
    app.store.import(&large_order("WO-8000", 450), chrono::Utc::now()).await.unwrap();
    let user = app.login("editor@acme.example").await;
    let first = user.get_html("/orders/WO-8000").await;
    assert!(first.len() <= 300 * 1024, "the first page is {} bytes", first.len());
    let ids = row_ids(&first);
    assert_eq!(ids.len(), 200, "at most 200 lines at a time");
    assert_eq!(ids[0], "Sub-WO-8000-0000");
    assert_eq!(ids[199], "Sub-WO-8000-0199");
    // The head counts the whole order's lines by status, not the page's.
    assert_eq!(count_text(&first, "complete"), "18 lines provisioning complete");
    assert_eq!(count_text(&first, "closed"), "36 lines closed");
    assert_eq!(count_text(&first, "awaiting"), "396 lines awaiting provisioning details");

    let mut seen = ids.clone();
    let mut next = next_href(&first).expect("a next page link");
    let mut pages = 1;
    loop {
        let page = user.get_html(&next).await;
        seen.extend(row_ids(&page));
        pages += 1;
        match next_href(&page) {
            Some(href) => next = href,
            None => break,
        }
    }
    assert_eq!(pages, 3);
    let expected: Vec<String> = (0..450).map(|i| format!("Sub-WO-8000-{i:04}")).collect();
    assert_eq!(seen, expected, "every line once, in the order's order");

    // The search inside the order matches subscription id prefixes in any case, and
    // pages through its own results.
    let found = user.get_html("/orders/WO-8000?q=sub-wo-8000-04").await;
    assert_eq!(row_ids(&found).len(), 50);
    assert!(next_href(&found).is_none());
    let found = user.get_html("/orders/WO-8000?q=SUB-WO-8000-0").await;
    assert_eq!(row_ids(&found).len(), 200);
    let second = user.get_html(&next_href(&found).unwrap()).await;
    assert_eq!(row_ids(&second).len(), 200);
    assert!(row_ids(&second).iter().all(|id| id.starts_with("Sub-WO-8000-0")));
    let none = user.get_html("/orders/WO-8000?q=Sub-1001").await;
    assert!(row_ids(&none).is_empty(), "lines of other orders are not found inside this one");
    assert!(none.contains("No line of this order"));
    // A cursor that is not ours starts from the top.
    assert_eq!(row_ids(&user.get_html("/orders/WO-8000?after=nonsense").await)[0], "Sub-WO-8000-0000");
});

on_both!(apply_to_all_changes_every_line_of_a_large_order_and_the_dialog_says_how_many, |app| {
    app.store.import(&large_order("WO-8100", 450), chrono::Utc::now()).await.unwrap();
    let user = app.login("editor@acme.example").await;
    let edit = "/orders/WO-8100/lines/Sub-WO-8100-0000/contact";
    // 396 lines await set-up: the dialog counts the 395 others over the whole order.
    let dialog = user.get_html(edit).await;
    assert!(dialog.contains("Also changes the 395 other lines of this order"), "{dialog}");
    // From the subscriptions page, closed-but-pending lines count too.
    let dialog = user.get_html("/subscriptions/Sub-WO-8100-0000/contact").await;
    assert!(dialog.contains("Also changes the 431 other lines"), "{dialog}");

    let response = user.post(edit, &[("email", "all@initech.example"), ("apply_to_all", "on")]).await;
    assert_eq!(response.status(), 303);
    let order = order_of(&app.store, "WO-8100").await.unwrap().unwrap();
    assert_eq!(order.lines.len(), 450);
    for line in &order.lines {
        let expected = if line.status == LineStatus::Awaiting { "all@initech.example" } else { "big@initech.example" };
        assert_eq!(line.contact, expected, "{}", line.subscription_id);
    }
    let page = user.get_html("/orders/WO-8100").await;
    assert!(page.contains("Provisioning contact updated to all@initech.example on 396 lines."), "{page}");

    // htmx: more lines changed than a page holds, so the page reloads with the message.
    let response = user.post_htmx(edit, &[("email", "again@initech.example"), ("apply_to_all", "on")]).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers().get("hx-refresh").and_then(|v| v.to_str().ok()), Some("true"));
    assert!(user.get_html("/orders/WO-8100").await.contains("on 396 lines"));
    // One line alone: only its row comes back.
    let response = user.post_htmx(edit, &[("email", "one@initech.example")]).await;
    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();
    assert_eq!(count(&html, "tr[data-subscription]"), 1);
    assert!(row(&html, "Sub-WO-8100-0000").unwrap().1.contains("one@initech.example"));
});
