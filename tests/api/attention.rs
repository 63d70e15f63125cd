//! Needs attention (`/attention`): where sign-in leads, the counts by reason, one row per
//! line and reason with the subscriptions page's dialogs, visibility, the operators'
//! company filter and keyset pages.

use chrono::Utc;
use reqwest::multipart::Form;

use crate::helpers::*;
use crate::on_both;

/// The text of each `data-attention-count` element, by kind.
fn counts(html: &str) -> Vec<(String, String)> {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse("[data-attention-count]").unwrap();
    doc.select(&sel)
        .map(|e| (e.value().attr("data-attention-count").unwrap().to_string(), e.text().collect::<String>()))
        .collect()
}

fn count_of(html: &str, kind: &str) -> i64 {
    let all = counts(html);
    let found = all.iter().find(|(k, _)| k == kind).unwrap_or_else(|| panic!("no count of {kind}: {all:?}"));
    found.1.trim().parse().unwrap_or_else(|_| panic!("the count of {kind} is a number: {:?}", found.1))
}

/// The (kind, subscription) of every row, in the page's order.
fn rows(html: &str) -> Vec<(String, String)> {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse("tr[data-attention]").unwrap();
    doc.select(&sel)
        .map(|e| {
            let v = e.value();
            (v.attr("data-attention").unwrap().to_string(), v.attr("data-subscription").unwrap().to_string())
        })
        .collect()
}

fn has(rows: &[(String, String)], kind: &str, subscription: &str) -> bool {
    rows.iter().any(|(k, s)| k == kind && s == subscription)
}

on_both!(sign_in_and_home_lead_to_needs_attention, |app| {
    let mut user = app.client();
    let response = user.sign_in("editor@acme.example", PASSWORD, "").await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(response.headers()), "/attention");
    let home = user.get("/").await;
    assert_eq!(home.status(), 303);
    assert_eq!(location(home.headers()), "/attention");
    // A page asked for before signing in still wins.
    let mut other = app.client();
    let response = other.sign_in("editor@acme.example", PASSWORD, "/transactions").await;
    assert_eq!(location(response.headers()), "/transactions");
    // Signed out, the page sends to sign-in and back.
    let anonymous = app.client().get("/attention").await;
    assert_eq!(anonymous.status(), 303);
    assert!(location(anonymous.headers()).starts_with("/login?next=%2Fattention"));
});

on_both!(counts_and_rows_show_what_a_partner_may_see, |app| {
    let editor = app.login("editor@acme.example").await;
    let page = editor.get_html("/attention").await;
    let kinds: Vec<String> = counts(&page).into_iter().map(|(k, _)| k).collect();
    assert_eq!(kinds, ["closing_soon", "bounced", "failed", "delayed", "pending", "case_answered"]);
    // A-Flex lines emailed 2 and 3 days ago close within 7 days; Webex Meetings after 28
    // days; a line never emailed does not close yet.
    assert_eq!(count_of(&page, "closing_soon"), 2);
    assert_eq!(count_of(&page, "pending"), 1);
    assert_eq!(count_of(&page, "failed"), 0);
    assert_eq!(count_of(&page, "case_answered"), 0);
    let found = rows(&page);
    assert_eq!(
        found,
        [
            ("closing_soon".to_string(), "Sub-1001-1".to_string()),
            ("closing_soon".to_string(), "Sub-1002-1".to_string()),
            ("pending".to_string(), "Sub-1001-3".to_string())
        ]
    );
    // Each row says why, and offers the subscriptions page's dialogs in place.
    let doc = scraper::Html::parse_document(&page);
    let sel = scraper::Selector::parse("tr[data-attention=pending][data-subscription=\"Sub-1001-3\"]").unwrap();
    let row = doc.select(&sel).next().unwrap();
    let text = row.text().collect::<String>();
    assert!(text.contains("Provisioning still pending"), "{text}");
    let html = row.html();
    assert!(html.contains("href=\"/subscriptions/Sub-1001-3/contact\""), "{html}");
    assert!(html.contains("hx-get=\"/subscriptions/Sub-1001-3/contact\""), "{html}");
    assert!(html.contains("href=\"/subscriptions/Sub-1001-3/resend\""), "{html}");
    // The dialog it opens is the subscriptions page's, and it edits the closed line.
    assert_eq!(editor.get("/subscriptions/Sub-1001-3/contact").await.status(), 200);

    // A kind alone.
    let pending = editor.get_html("/attention?kind=pending").await;
    assert_eq!(rows(&pending), [("pending".to_string(), "Sub-1001-3".to_string())]);
    assert_eq!(count_of(&pending, "closing_soon"), 2, "the counts stay whole");

    // The distributor sees its two-tier order's lines; another partner only its own.
    let dist = app.login("dist@north.example").await.get_html("/attention").await;
    assert!(has(&rows(&dist), "closing_soon", "Sub-1001-1") && has(&rows(&dist), "pending", "Sub-1001-3"));
    assert_eq!((count_of(&dist, "closing_soon"), count_of(&dist, "pending")), (1, 1));
    let stranger = app.login("stranger@other.example").await.get_html("/attention").await;
    assert_eq!(rows(&stranger), [("closing_soon".to_string(), "Sub-2001-1".to_string())]);
    assert_eq!(count_of(&stranger, "pending"), 0);
    // A company filter is for operators only: anyone else still sees their own.
    let probing = app.login("stranger@other.example").await.get_html("/attention?company=acme").await;
    assert_eq!(rows(&probing), rows(&stranger));
    assert!(!probing.contains("id=\"company\""));

    // Without the edit permission the row says whom to ask (case 1.1).
    let viewer = app.login("viewer@acme.example").await.get_html("/attention").await;
    assert!(viewer.contains("Cora Creator"));
    assert!(!viewer.contains("href=\"/subscriptions/Sub-1001-3/contact\""));
});

on_both!(operators_see_every_company_and_filter_by_one, |app| {
    let ops = app.login("ops@vendor.example").await;
    let all = ops.get_html("/attention").await;
    assert_eq!(count_of(&all, "closing_soon"), 3);
    assert!(has(&rows(&all), "closing_soon", "Sub-2001-1"));
    assert!(all.contains("id=\"company\""), "the company filter");
    let other = ops.get_html("/attention?company=other").await;
    assert_eq!(rows(&other), [("closing_soon".to_string(), "Sub-2001-1".to_string())]);
    assert_eq!(count_of(&other, "closing_soon"), 1);
    // A distributor's lines are its two-tier orders'.
    let north = ops.get_html("/attention?company=north").await;
    assert_eq!(
        rows(&north),
        [("closing_soon".to_string(), "Sub-1001-1".to_string()), ("pending".to_string(), "Sub-1001-3".to_string())]
    );
});

on_both!(a_failed_delivery_and_an_answered_case_need_attention, |app| {
    let editor = app.login("editor@acme.example").await;
    assert_eq!(editor.post("/orders/WO-1001/lines/Sub-1001-2/resend", &[]).await.status(), 303);
    app.outbox_settled().await;
    // The mail server refused it for good (what the dispatcher records after a 5xx).
    let failed = execute_directly(
        &app.database_url,
        "UPDATE outbox SET status = 'failed', last_error = '550 5.1.1 no such user'
         WHERE id = (SELECT last_outbox_id FROM lines WHERE subscription_id = 'Sub-1001-2')",
        |b| b,
    )
    .await;
    assert_eq!(failed, 1);
    let page = editor.get_html("/attention").await;
    assert_eq!(count_of(&page, "failed"), 1);
    assert!(has(&rows(&page), "failed", "Sub-1001-2"));
    let only = editor.get_html("/attention?kind=failed").await;
    assert_eq!(rows(&only), [("failed".to_string(), "Sub-1001-2".to_string())]);
    // Another company does not see it.
    let stranger = app.login("stranger@other.example").await.get_html("/attention").await;
    assert_eq!(count_of(&stranger, "failed"), 0);

    // A case about Sub-1001-2, answered by the operators.
    let form = Form::new()
        .text("csrf_token", editor.csrf.clone())
        .text("subscription", "Sub-1001-2")
        .text("request_type", "resend_email")
        .text("description", "The customer never got it.");
    let response = editor.client.post(format!("{}/cases", editor.base)).multipart(form).send().await.unwrap();
    assert_eq!(response.status(), 303);
    let page = editor.get_html("/attention").await;
    assert_eq!(count_of(&page, "case_answered"), 0, "an open case is not answered yet");
    let ops = app.login("ops@vendor.example").await;
    let cases = ops.get_html("/cases").await;
    let id = cases.split("data-case=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let r = ops.post(&format!("/cases/{id}"), &[("status", "resolved"), ("note", "Sent again by hand")]).await;
    assert_eq!(r.status(), 303);
    let page = editor.get_html("/attention").await;
    assert_eq!(count_of(&page, "case_answered"), 1);
    assert!(has(&rows(&page), "case_answered", "Sub-1001-2"));
    let dist = app.login("dist@north.example").await.get_html("/attention").await;
    assert_eq!(count_of(&dist, "case_answered"), 1, "the distributor sees its line's case");
});

on_both!(pages_follow_the_reason_then_the_subscription, |app| {
    let ops = app.store.user_credentials("ops@vendor.example").await.unwrap().unwrap().0.actor();
    let filter = provisio::store::AttentionFilter { company: None, kind: None, after: None, now: Utc::now() };
    let every: Vec<(String, String)> = app
        .store
        .attention_for(&ops, &filter, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.kind.clone(), r.subscription.line.subscription_id))
        .collect();
    assert_eq!(every.len(), 4);
    // Two at a time, each page after the last row of the one before.
    let mut paged = Vec::new();
    let mut after = None;
    loop {
        let filter = provisio::store::AttentionFilter { after: after.clone(), ..filter.clone() };
        let page = app.store.attention_for(&ops, &filter, 2).await.unwrap();
        if page.is_empty() {
            break;
        }
        let last = page.last().unwrap();
        after = Some(provisio::domain::AttentionCursor {
            kind: last.kind(),
            key: last.subscription.line.subscription_id.to_lowercase(),
        });
        paged.extend(page.into_iter().map(|r| (r.kind.clone(), r.subscription.line.subscription_id)));
    }
    assert_eq!(paged, every);
    // The page's own "next" link carries the cursor.
    let editor = app.login("editor@acme.example").await;
    let second = editor.get_html("/attention?after=closing_soon%3Asub-1001-1").await;
    assert_eq!(
        rows(&second),
        [("closing_soon".to_string(), "Sub-1002-1".to_string()), ("pending".to_string(), "Sub-1001-3".to_string())]
    );
    assert_eq!(editor.get("/attention?after=nonsense&kind=nonsense").await.status(), 200);
});
