//! Defects a walk through the portal found (issue 25, point 5), each held by a test.

use crate::helpers::*;
use crate::on_both;

on_both!(a_line_before_its_rsd_says_once_when_the_first_email_goes_out, |app| {
    // Sub-1003-1's requested start date is in four days: no email yet.
    for who in ["editor@acme.example", "viewer@acme.example"] {
        let user = app.login(who).await;
        for path in ["/orders/WO-1003", "/subscriptions"] {
            let page = user.get_html(path).await;
            let (_, text) = row(&page, "Sub-1003-1").unwrap();
            assert_eq!(text.matches("goes out on").count(), 1, "{who} {path}: {text}");
        }
    }
});

/// The application sending to `smtp`, giving up on a message after its first failed
/// attempt (so that a mail server that is away fails it at once).
async fn app_giving_up_at_once(backend: Backend, smtp: &crate::smtp::SmtpServer) -> Option<TestApp> {
    let url = smtp.url();
    TestApp::spawn_with(backend, |c| {
        c.mail.smtp = Some(provisio::config::SmtpUrl::parse(&url).unwrap());
        c.mail.max_attempts = 1;
    })
    .await
}

/// Words of the transport that must never reach a partner.
const TECHNICAL: [&str; 6] =
    ["os error", "Connection refused", "could not connect", "gave up after", "permanent error", "127.0.0.1"];

fn technical_left(text: &str) -> Vec<&'static str> {
    TECHNICAL.iter().copied().filter(|t| text.contains(t)).collect()
}

mod a_failed_delivery_is_said_in_plain_words_with_a_next_step {
    use super::*;

    async fn run(backend: Backend) {
        let smtp = crate::smtp::SmtpServer::start().await;
        let Some(app) = app_giving_up_at_once(backend, &smtp).await else { return };
        // The portal's mail server is away: nothing is wrong with the address.
        smtp.stop();
        let editor = app.login("editor@acme.example").await;
        let edit = editor.post_htmx(EDIT, &[("email", "new@globex.example")]).await;
        assert_eq!(edit.status(), 200);
        let banner = edit.text().await.unwrap();
        assert!(banner.contains("is queued to go now") && !banner.contains("goes to"), "{banner}");
        assert_eq!(app.settled_transactions("Sub-1001-1").await[0].status, "failed");
        let page = editor.get_html("/orders/WO-1001").await;
        let (_, text) = row(&page, "Sub-1001-1").unwrap();
        assert!(
            text.contains("The provisioning email to new@globex.example did not go out.")
                && text.contains("could not reach its mail server")
                && text.contains("The address is not the problem: ask the operators through a support case"),
            "{text}"
        );
        assert!(technical_left(&page).is_empty(), "{:?}: {text}", technical_left(&page));
        assert!(!page.contains("goes to new@globex.example now"), "no banner or row says it went");
        let dialog = editor.get_htmx(EDIT).await.text().await.unwrap();
        assert!(
            !dialog.contains("goes to new@globex.example")
                && dialog.contains("Its provisioning contact is new@globex.example"),
            "{dialog}"
        );
        // The Transaction Manager, the line's history and the email's view say the same.
        let tm = editor.get_html("/transactions?q=Sub-1001-1").await;
        assert!(tm.contains("could not reach its mail server") && technical_left(&tm).is_empty(), "{tm}");
        let history = editor.get_html("/orders/WO-1001/lines/Sub-1001-1/history").await;
        assert!(history.contains("could not reach its mail server") && technical_left(&history).is_empty());
        let view = email_link(&history).expect("the history links to the email");
        let view = editor.get_html(&view).await;
        assert!(view.contains("It could not be delivered. The portal could not reach its mail server"), "{view}");
        assert!(technical_left(&view).is_empty(), "{view}");
        // In Korean and Swedish too.
        for (lang, words) in
            [("ko", "포털이 메일 서버에 연결할 수 없어"), ("sv", "Portalen kunde inte nå sin mejlserver")]
        {
            assert_eq!(editor.post("/settings/language", &[("lang", lang)]).await.status(), 303);
            let page = editor.get_html("/orders/WO-1001").await;
            assert!(row(&page, "Sub-1001-1").unwrap().1.contains(words), "{lang}");
            assert!(editor.get_html("/transactions?q=Sub-1001-1").await.contains(words), "{lang}");
        }
        // Operators see the transport's own words beside them, to find the cause.
        let ops = app.login("ops@vendor.example").await;
        let tm = ops.get_html("/transactions?q=Sub-1001-1").await;
        assert!(tm.contains("Technical detail") && tm.contains("could not connect to 127.0.0.1"), "{tm}");

        // The mail server refuses the address for good: the next step is to fix it.
        smtp.restart().await;
        smtp.set_mode(crate::smtp::Mode::RefuseForGood);
        editor.post("/settings/language", &[("lang", "en")]).await;
        assert_eq!(editor.post(EDIT, &[("email", "nobody@globex.example")]).await.status(), 303);
        assert_eq!(app.settled_transactions("Sub-1001-1").await[0].status, "failed");
        let page = editor.get_html("/orders/WO-1001").await;
        let (_, text) = row(&page, "Sub-1001-1").unwrap();
        assert!(text.contains("The mail server refused this address (5.1.1). Check the address and edit it"), "{text}");
        assert!(technical_left(&page).is_empty() && !page.contains("mailbox unavailable"), "{text}");
    }

    crate::tests_on_both_backends!(run);
}

const EDIT: &str = "/orders/WO-1001/lines/Sub-1001-1/contact";

/// The first link to an email's view on a page.
fn email_link(html: &str) -> Option<String> {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse("a[data-email-link]").unwrap();
    doc.select(&sel).next().and_then(|a| a.value().attr("href")).map(str::to_string)
}

const ADMIN: &str = "admin@acme.example";

/// An admin for acme (the standard fixture has none).
async fn with_admin(app: &TestApp) {
    let file: provisio::store::ImportFile = serde_json::from_value(serde_json::json!({"users": [
        {"email": ADMIN, "name": "Ada Admin", "company": "acme", "password": PASSWORD, "company_admin": true}
    ]}))
    .unwrap();
    app.store.import(&file, chrono::Utc::now()).await.unwrap();
}

on_both!(case_1_1_is_explained_once_per_page_not_on_every_row, |app| {
    with_admin(&app).await;
    let viewer = app.login("viewer@acme.example").await;
    let admins = "Ada Admin (admin@acme.example)";
    // The order page: its note names the creator and the admins; the rows say nothing more,
    // and each disabled Edit points to the note.
    let order = viewer.get_html("/orders/WO-1001").await;
    assert_eq!(count(&order, "#permission-note"), 1);
    assert_eq!(order.matches(admins).count(), 1, "{order}");
    for sub in ["Sub-1001-1", "Sub-1001-2"] {
        let (_, text) = row(&order, sub).unwrap();
        assert!(!text.contains("Cora Creator") && !text.contains("Ada Admin"), "{sub}: {text}");
        assert_eq!(count(&order, &format!("button#edit-{sub}[disabled][aria-describedby=permission-note]")), 1);
    }
    // The live status of a row says no more than the row did.
    let status = viewer.get("/orders/WO-1001/lines/Sub-1001-1/status?from=order").await.text().await.unwrap();
    assert!(!status.contains("Ada Admin") && !status.contains("Cora Creator"), "{status}");
    // A page of many orders: the note once with the admins; each row names its own creator.
    for path in ["/subscriptions", "/attention"] {
        let page = viewer.get_html(path).await;
        assert_eq!(count(&page, "#permission-note"), 1, "{path}");
        assert_eq!(page.matches(admins).count(), 1, "{path}: {page}");
    }
    let subscriptions = viewer.get_html("/subscriptions").await;
    assert!(row(&subscriptions, "Sub-1001-1").unwrap().1.contains("Ask Cora Creator (creator@acme.example)"));
    assert!(row(&subscriptions, "Sub-1003-1").unwrap().1.contains("Ask Eddie Editor (editor@acme.example)"));
    // With the permission there is nothing to explain.
    let editor = app.login("editor@acme.example").await;
    for path in ["/orders/WO-1001", "/subscriptions", "/attention"] {
        assert_eq!(count(&editor.get_html(path).await, "#permission-note"), 0, "{path}");
    }
});

on_both!(a_used_invitation_offers_sign_in, |app| {
    with_admin(&app).await;
    let admin = app.login(ADMIN).await;
    assert_eq!(
        admin.post("/company/users", &[("email", "ivy@acme.example"), ("name", "Ivy Invitee")]).await.status(),
        303
    );
    // The link, from the file mailbox.
    let data = app.mailbox_message("/invitations/").await;
    let flat = data.replace("=\r\n", "").replace("=\n", "").replace("=3D", "=");
    let start = flat.find("/invitations/").unwrap();
    let end = flat[start + "/invitations/".len()..]
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .unwrap();
    let path = flat[start..start + "/invitations/".len() + end].to_string();
    let ivy = app.client();
    let form = ivy.get_html(&path).await;
    // Any company name reads well: no "Acme Networks's".
    assert!(form.contains("to sign in to the portal of Acme Networks."), "{form}");
    let token = csrf_token(&form);
    let set = ivy
        .client
        .post(format!("{}{path}", ivy.base))
        .form(&[
            ("password", "lanterns by the quay"),
            ("password_confirm", "lanterns by the quay"),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(set.status(), 303);
    let used = ivy.get(&path).await;
    assert_eq!(used.status(), 410);
    let page = used.text().await.unwrap();
    assert_eq!(count(&page, "main a[href=\"/login\"]"), 1, "{page}");
    assert!(!page.contains("href=\"/orders\"") && !page.contains("Back to orders"), "{page}");
});
