//! The Transaction Manager: filters, visibility, statuses that follow the real delivery,
//! operator retry, CSV.

use crate::helpers::*;
use crate::smtp::Mode;
use crate::{on_both, on_both_with_smtp};

const RESEND_1: &str = "/orders/WO-1001/lines/Sub-1001-1/resend";

on_both_with_smtp!(the_transaction_manager_filters_and_follows_delivery, |app, smtp| {
    let user = app.login("editor@acme.example").await;
    assert_eq!(user.post(RESEND_1, &[]).await.status(), 303);
    assert_eq!(
        user.post("/orders/WO-1003/lines/Sub-1003-1/contact", &[("email", "new@stark.example")]).await.status(),
        303
    );
    smtp.wait_for(1).await;
    app.settled_transactions("Sub-1001-1").await;

    let all = user.get_html("/transactions").await;
    assert_eq!(count(&all, "tr[data-transaction]"), 2);
    let resends = user.get_html("/transactions?type=provisioning_email_resend").await;
    assert_eq!(count(&resends, "tr[data-transaction][data-type=provisioning_email_resend][data-status=success]"), 1);
    assert!(resends.contains("Sub-1001-1") && resends.contains("Accepted by the mail server"));
    let updates = user.get_html("/transactions?type=provisioning_email_update&q=sub-1003").await;
    assert_eq!(count(&updates, "tr[data-transaction][data-type=provisioning_email_update]"), 1);
    assert_eq!(count(&user.get_html("/transactions?q=WO-1001").await, "tr[data-transaction]"), 1);
    assert_eq!(count(&user.get_html("/transactions?status=failed").await, "tr[data-transaction]"), 0);
    let today = chrono::Utc::now().date_naive().format("%Y-%m-%d").to_string();
    assert_eq!(
        count(&user.get_html(&format!("/transactions?from={today}&to={today}")).await, "tr[data-transaction]"),
        2
    );
    assert_eq!(count(&user.get_html("/transactions?to=2000-01-01").await, "tr[data-transaction]"), 0);
    assert_eq!(user.get("/transactions?type=everything").await.status(), 422);
    assert_eq!(user.get("/transactions?from=yesterday").await.status(), 422);

    // Another company sees none of them; operators see all.
    let stranger = app.login("stranger@other.example").await;
    assert_eq!(count(&stranger.get_html("/transactions").await, "tr[data-transaction]"), 0);
    let ops = app.login("ops@vendor.example").await;
    assert_eq!(count(&ops.get_html("/transactions").await, "tr[data-transaction]"), 2);

    // CSV: the same rows, with a header, formula-safe.
    let csv = user.get("/transactions.csv?type=provisioning_email_resend").await;
    assert_eq!(csv.status(), 200);
    assert!(csv.headers().get("content-type").unwrap().to_str().unwrap().starts_with("text/csv"));
    let text = csv.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[0].contains("\"subscription\""));
    assert!(lines[1].contains("\"Sub-1001-1\"") && lines[1].contains("\"Provisioning Email Resend\""));
});

on_both_with_smtp!(a_failed_delivery_is_retried_by_an_operator, |app, smtp| {
    smtp.set_mode(Mode::RefuseForGood);
    let user = app.login("editor@acme.example").await;
    assert_eq!(user.post(RESEND_1, &[]).await.status(), 303);
    let txs = app.settled_transactions("Sub-1001-1").await;
    assert_eq!(txs[0].status, "failed", "never success while the server refuses");
    let id = txs[0].id.to_string();
    let failed = user.get_html("/transactions?status=failed").await;
    assert_eq!(count(&failed, &format!("tr[data-transaction=\"{id}\"][data-status=failed]")), 1);
    assert_eq!(count(&failed, "form[action$=\"/retry\"]"), 0, "partners see no retry");
    assert_eq!(user.post(&format!("/transactions/{id}/retry"), &[]).await.status(), 403);
    let stranger = app.login("stranger@other.example").await;
    assert_eq!(stranger.post(&format!("/transactions/{id}/retry"), &[]).await.status(), 404);

    smtp.set_mode(Mode::Accept);
    let ops = app.login("ops@vendor.example").await;
    assert_eq!(count(&ops.get_html("/transactions?status=failed").await, "form[action$=\"/retry\"]"), 1);
    let retry = ops.post(&format!("/transactions/{id}/retry"), &[]).await;
    assert_eq!(retry.status(), 303);
    smtp.wait_for(1).await;
    let txs = app.settled_transactions("Sub-1001-1").await;
    assert_eq!(txs[0].status, "success");
    assert_eq!(ops.post(&format!("/transactions/{id}/retry"), &[]).await.status(), 409, "only failed ones");
});

on_both!(the_transaction_manager_pages_by_keyset, |app| {
    let user = app.login("ops@vendor.example").await;
    // 60 edits before the RSD (no email, no limit): 60 transactions.
    for i in 0..60 {
        let r =
            user.post("/orders/WO-1003/lines/Sub-1003-1/contact", &[("email", &format!("p{i}@stark.example"))]).await;
        assert_eq!(r.status(), 303);
    }
    let mut ids = Vec::new();
    let mut next = Some("/transactions?q=Sub-1003-1".to_string());
    while let Some(url) = next {
        let html = user.get_html(&url).await;
        let doc = scraper::Html::parse_document(&html);
        let sel = scraper::Selector::parse("tr[data-transaction]").unwrap();
        ids.extend(doc.select(&sel).map(|e| e.value().attr("data-transaction").unwrap().parse::<i64>().unwrap()));
        let link = scraper::Selector::parse("a[rel=next]").unwrap();
        next = doc.select(&link).next().map(|a| a.value().attr("href").unwrap().replace("&amp;", "&"));
    }
    assert_eq!(ids.len(), 60);
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first, no repeats");
});

/// The texts of the elements matching `selector`, trimmed.
fn texts(html: &str, selector: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse(selector).unwrap();
    doc.select(&sel).map(|e| e.text().collect::<String>().trim().to_string()).collect()
}

on_both!(type_names_are_worded_alike_and_a_resend_names_its_recipient, |app| {
    let user = app.login("editor@acme.example").await;
    assert_eq!(user.post(RESEND_1, &[]).await.status(), 303);
    let edit = "/orders/WO-1001/lines/Sub-1001-2/contact";
    assert_eq!(user.post(edit, &[("email", "new@globex.example")]).await.status(), 303);
    // Every type is named the same way: title case in English, a noun phrase in Swedish.
    let names = |html: &str| -> Vec<String> {
        texts(html, "select#type option").into_iter().filter(|t| t != "Any" && t != "전체" && t != "Alla").collect()
    };
    let en = names(&user.get_html("/transactions").await);
    assert_eq!(en.len(), 5, "{en:?}");
    for name in &en {
        assert!(name.split(' ').all(|w| w.starts_with(|c: char| c.is_uppercase())), "title case: {name}");
    }
    assert!(en.contains(&"Permission Change".to_string()) && en.contains(&"Security Change".to_string()), "{en:?}");
    assert_eq!(user.post("/settings/language", &[("lang", "sv")]).await.status(), 303);
    let sv = names(&user.get_html("/transactions").await);
    assert_eq!(
        sv,
        [
            "Uppdatering av etableringsmejl",
            "Nytt utskick av etableringsmejl",
            "Behörighetsändring",
            "Säkerhetsändring",
            "Påminnelse om etableringsmejl"
        ]
    );
    assert_eq!(user.post("/settings/language", &[("lang", "en")]).await.status(), 303);
    // A resend changes nothing: its row names its recipient, not "x → x"; an update reads old → new.
    let page = user.get_html("/transactions").await;
    let change = |kind: &str| texts(&page, &format!("tr[data-type={kind}] td[data-label=\"Change\"]"));
    assert_eq!(change("provisioning_email_resend"), ["old@globex.example"]);
    assert_eq!(change("provisioning_email_update"), ["old@globex.example → new@globex.example"]);
    // The line's history says it the same way.
    let history = user.get_html("/orders/WO-1001/lines/Sub-1001-1/history").await;
    assert!(!history.contains("old@globex.example → old@globex.example"), "{history}");
});

on_both!(a_delivery_s_detail_is_in_the_reader_s_language, |app| {
    // The file mailbox (no SMTP_URL) accepted it: said in words, never its English answer.
    let user = app.login("editor@acme.example").await;
    assert_eq!(user.post(RESEND_1, &[]).await.status(), 303);
    assert_eq!(app.settled_transactions("Sub-1001-1").await[0].status, "success");
    for (lang, words) in
        [("en", "Written to the file mailbox as "), ("ko", "파일 메일함에 "), ("sv", "Sparat i filbrevlådan som ")]
    {
        assert_eq!(user.post("/settings/language", &[("lang", lang)]).await.status(), 303);
        for path in ["/transactions", "/orders/WO-1001/lines/Sub-1001-1/history"] {
            let page = user.get_html(path).await;
            assert!(page.contains(words), "{lang} {path}: {page}");
            assert!(!page.contains("written to the mailbox"), "{lang} {path}: not the mailbox's English answer");
            if lang != "en" {
                assert!(!page.contains("Written to"), "{lang} {path}");
            }
        }
    }
});

on_both_with_smtp!(a_mail_server_s_answer_is_worded_with_its_code_and_reference, |app, smtp| {
    let user = app.login("editor@acme.example").await;
    assert_eq!(user.post(RESEND_1, &[]).await.status(), 303);
    smtp.wait_for(1).await;
    assert_eq!(app.settled_transactions("Sub-1001-1").await[0].status, "success");
    for (lang, words) in [
        ("en", "Accepted by the mail server (reply 250 2.0.0, its reference test-"),
        ("ko", "메일 서버가 수락했습니다(응답 250 2.0.0, 참조 test-"),
        ("sv", "Accepterat av mejlservern (svar 250 2.0.0, referens test-"),
    ] {
        assert_eq!(user.post("/settings/language", &[("lang", lang)]).await.status(), 303);
        let page = user.get_html("/transactions").await;
        assert!(page.contains(words) && !page.contains("queued as"), "{lang}: {page}");
    }
});
