//! Support cases with screenshots: validation by content, visibility, operators' work.

use reqwest::multipart::{Form, Part};

use crate::helpers::*;
use crate::on_both;

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

fn case_form(user: &User, subscription: &str, files: Vec<(&str, Vec<u8>)>) -> Form {
    let mut form = Form::new()
        .text("csrf_token", user.csrf.clone())
        .text("subscription", subscription.to_string())
        .text("request_type", "change_contact")
        .text("description", "The contact never got the email <b>twice</b>.");
    for (name, data) in files {
        form = form.part("attachment", Part::bytes(data).file_name(name.to_string()));
    }
    form
}

async fn post_case(user: &User, form: Form) -> reqwest::Response {
    user.client.post(format!("{}/cases", user.base)).multipart(form).send().await.unwrap()
}

on_both!(cases_are_opened_with_screenshots_and_worked_by_operators, |app| {
    let user = app.login("viewer@acme.example").await;
    let form_page = user.get_html("/cases/new?subscription=Sub-1001-1").await;
    assert!(form_page.contains("enctype=\"multipart/form-data\""));
    let response = post_case(&user, case_form(&user, "Sub-1001-1", vec![("shot.png", PNG.to_vec())])).await;
    assert_eq!(response.status(), 303);
    let list = user.get_html("/cases").await;
    assert_eq!(count(&list, "tr[data-case][data-request-type=change_contact][data-case-status=open]"), 1);
    assert!(list.contains("&#60;b&#62;twice") || list.contains("&lt;b&gt;twice"), "escaped");
    let href = list.split("href=\"/cases/attachments/").nth(1).unwrap().split('"').next().unwrap().to_string();
    let download = user.get(&format!("/cases/attachments/{href}")).await;
    assert_eq!(download.status(), 200);
    assert_eq!(download.headers().get("content-type").unwrap(), "image/png");
    assert!(download.headers().get("content-disposition").unwrap().to_str().unwrap().starts_with("attachment"));
    assert_eq!(download.headers().get("x-content-type-options").unwrap(), "nosniff");
    assert_eq!(download.bytes().await.unwrap().as_ref(), PNG);

    // Another company sees neither the case nor its screenshot.
    let stranger = app.login("stranger@other.example").await;
    assert_eq!(count(&stranger.get_html("/cases").await, "tr[data-case]"), 0);
    assert_eq!(stranger.get(&format!("/cases/attachments/{href}")).await.status(), 404);
    assert_eq!(stranger.get("/cases/new?subscription=Sub-1001-1").await.status(), 404);

    // Operators move it along; partners may not.
    let id = list.split("data-case=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    assert_eq!(user.post(&format!("/cases/{id}"), &[("status", "resolved"), ("note", "x")]).await.status(), 403);
    let ops = app.login("ops@vendor.example").await;
    assert_eq!(count(&ops.get_html("/cases").await, "tr[data-case]"), 1);
    let r = ops.post(&format!("/cases/{id}"), &[("status", "in_progress"), ("note", "Looking at the mail logs")]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(ops.post(&format!("/cases/{id}"), &[("status", "closed")]).await.status(), 422);
    let list = user.get_html("/cases").await;
    assert_eq!(count(&list, "tr[data-case-status=in_progress]"), 1);
    assert!(list.contains("Looking at the mail logs"));
});

on_both!(bad_case_input_is_refused_and_changes_nothing, |app| {
    let user = app.login("editor@acme.example").await;
    // A renamed non-image.
    let r = post_case(&user, case_form(&user, "Sub-1001-1", vec![("notes.png", b"just text, not an image".to_vec())]))
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("PNG or JPEG"));
    // An oversized file.
    let mut big = PNG.to_vec();
    big.resize(5 * 1024 * 1024 + 1, 0);
    let r = post_case(&user, case_form(&user, "Sub-1001-1", vec![("big.png", big)])).await;
    assert_eq!(r.status(), 413, "a file over 5 MB is a body too large");
    // Four files.
    let four = (0..4).map(|i| (["a.png", "b.png", "c.png", "d.png"][i], PNG.to_vec())).collect();
    assert_eq!(post_case(&user, case_form(&user, "Sub-1001-1", four)).await.status(), 422);
    // No description, no type.
    let form = Form::new().text("csrf_token", user.csrf.clone()).text("subscription", "Sub-1001-1");
    assert_eq!(post_case(&user, form).await.status(), 422);
    // A line the user cannot see; a missing token.
    assert_eq!(post_case(&user, case_form(&user, "Sub-2001-1", vec![])).await.status(), 404);
    let form =
        Form::new().text("subscription", "Sub-1001-1").text("request_type", "resend_email").text("description", "x");
    assert_eq!(post_case(&user, form).await.status(), 403);
    assert_eq!(count(&user.get_html("/cases").await, "tr[data-case]"), 0, "nothing was opened");
});

mod one_user_opens_a_bounded_number_of_cases {
    use super::*;

    async fn run(backend: Backend) {
        let Some(app) = TestApp::spawn_with(backend, |c| {
            c.case_limit = provisio::config::Rate::parse("2/d").unwrap();
        })
        .await
        else {
            return;
        };
        let user = app.login("viewer@acme.example").await;
        for _ in 0..2 {
            let form = case_form(&user, "Sub-1001-1", vec![("shot.png", PNG.to_vec())]);
            assert_eq!(post_case(&user, form).await.status(), 303);
        }
        let third = post_case(&user, case_form(&user, "Sub-1001-1", vec![("shot.png", PNG.to_vec())])).await;
        assert_eq!(third.status(), 429);
        let retry: i64 = third.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=86_400).contains(&retry), "{retry}");
        let list = user.get_html("/cases").await;
        assert_eq!(count(&list, "tr[data-case]"), 2, "nothing stored over the quota");
        // The quota is the user's own: a colleague still opens a case.
        let colleague = app.login("editor@acme.example").await;
        let form = case_form(&colleague, "Sub-1001-1", vec![]);
        assert_eq!(post_case(&colleague, form).await.status(), 303);
    }

    crate::tests_on_both_backends!(run);
}

on_both!(an_oversized_upload_is_refused_before_it_is_stored, |app| {
    let user = app.login("viewer@acme.example").await;
    // Four fields of 5 MB: past the whole-body cap, whatever the fields are called.
    let big = vec![0u8; 5 * 1024 * 1024];
    let mut form = case_form(&user, "Sub-1001-1", vec![]);
    for i in 0..4 {
        form = form.part(format!("extra{i}"), Part::bytes(big.clone()).file_name("x.bin"));
    }
    let response = post_case(&user, form).await;
    assert_eq!(response.status(), 413);
    // A declared length over the cap is refused without reading the body.
    let declared = user
        .client
        .post(format!("{}/cases", user.base))
        .header("Content-Type", "multipart/form-data; boundary=x")
        .header("Content-Length", (40 * 1024 * 1024).to_string())
        .body(vec![0u8; 16])
        .send()
        .await;
    if let Ok(r) = declared {
        assert_eq!(r.status(), 413);
    }
    assert_eq!(count(&user.get_html("/cases").await, "tr[data-case]"), 0);
});

on_both!(the_csrf_token_is_checked_before_the_bodys_type, |app| {
    let user = app.login("editor@acme.example").await;
    let cases_before = count(&user.get_html("/cases").await, "[data-case]");
    // No body, no token: the missing token is the answer, not the missing multipart.
    let bare = user.client.post(format!("{}/cases", user.base)).send().await.unwrap();
    assert_eq!(bare.status(), 403);
    let form = user.client.post(format!("{}/cases", user.base)).form(&[("subscription", "Sub-1001-1")]).send();
    assert_eq!(form.await.unwrap().status(), 403, "a urlencoded body cannot carry the upload's token either");
    // With the header token, a body that is no multipart form is refused for its type.
    let typed = user
        .client
        .post(format!("{}/cases", user.base))
        .header("X-CSRF-Token", &user.csrf)
        .header("Content-Type", "text/plain")
        .body("subscription=Sub-1001-1")
        .send()
        .await
        .unwrap();
    assert_eq!(typed.status(), 415);
    assert_eq!(count(&user.get_html("/cases").await, "[data-case]"), cases_before, "nothing stored");
});

/// The screenshot links of each case on the cases page: (case id, attachment paths).
fn screenshots(html: &str) -> Vec<(String, Vec<String>)> {
    let doc = scraper::Html::parse_document(html);
    let rows = scraper::Selector::parse("tr[data-case]").unwrap();
    let links = scraper::Selector::parse("a[href^=\"/cases/attachments/\"]").unwrap();
    let mut cases: Vec<(String, Vec<String>)> = doc
        .select(&rows)
        .map(|r| {
            let hrefs = r.select(&links).map(|a| a.value().attr("href").unwrap().to_string()).collect();
            (r.value().attr("data-case").unwrap().to_string(), hrefs)
        })
        .collect();
    cases.sort();
    cases
}

on_both!(screenshots_are_deleted_90_days_after_their_case_was_resolved, |app| {
    let user = app.login("viewer@acme.example").await;
    for _ in 0..4 {
        let form = case_form(&user, "Sub-1001-1", vec![("shot.png", PNG.to_vec())]);
        assert_eq!(post_case(&user, form).await.status(), 303);
    }
    let before = screenshots(&user.get_html("/cases").await);
    assert_eq!(before.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>(), ["1", "2", "3", "4"]);
    assert!(before.iter().all(|(_, links)| links.len() == 1), "{before:?}");
    // Resolved (1, 2), in progress (3), resolved and opened again (4).
    let ops = app.login("ops@vendor.example").await;
    for (id, status) in [(1, "resolved"), (2, "resolved"), (3, "in_progress"), (4, "resolved"), (4, "open")] {
        let r = ops.post(&format!("/cases/{id}"), &[("status", status), ("note", "done")]).await;
        assert_eq!(r.status(), 303, "case {id} {status}");
    }
    const RESOLVED: &str = "SELECT COUNT(*) FROM cases WHERE id = $1 AND resolved_at IS NOT NULL";
    let resolved: Vec<i64> = futures_util::future::join_all((1..=4).map(|id| app.db_count(RESOLVED, id))).await;
    assert_eq!(resolved, [1, 1, 0, 0], "resolving records when; opening again clears it");
    // Case 1 was resolved 91 days ago, case 2 89 days ago.
    let now = chrono::Utc::now();
    let set = "UPDATE cases SET resolved_at = $1 WHERE id = $2";
    assert_eq!(app.db_set_time(set, now - chrono::Duration::days(91), 1).await, 1);
    assert_eq!(app.db_set_time(set, now - chrono::Duration::days(89), 2).await, 1);
    // Resolving case 2 again (a new note) does not restart its clock.
    let r = ops.post("/cases/2", &[("status", "resolved"), ("note", "still done")]).await;
    assert_eq!(r.status(), 303);

    let stop = provisio::stop::Stop::never();
    assert_eq!(provisio::jobs::purge_case_attachments(&app.store, &stop).await.unwrap(), 1);
    let after = screenshots(&user.get_html("/cases").await);
    assert_eq!(after[0], ("1".to_string(), vec![]), "case 1 stays, without its screenshot");
    assert_eq!(after[1..], before[1..], "the others keep theirs");
    assert_eq!(user.get(&before[0].1[0]).await.status(), 404);
    assert_eq!(user.get(&before[1].1[0]).await.status(), 200);
    assert_eq!(provisio::jobs::purge_case_attachments(&app.store, &stop).await.unwrap(), 0, "once");
    // Two days later case 2 is past its 90 days too.
    let later = now + chrono::Duration::days(2);
    let purged = app.store.purge_case_attachments(later - chrono::Duration::days(90), later, &stop).await.unwrap();
    assert_eq!(purged, 1);
    assert_eq!(user.get(&before[1].1[0]).await.status(), 404);
    assert_eq!(user.get(&before[2].1[0]).await.status(), 200, "a case in progress keeps them");
});
