//! Company admins (issue 12): their company's users, invitations, edit permission, admin
//! role and deactivation, each a permission_change transaction; nobody manages another
//! company; operators manage every company with `?company=ID`.

use chrono::{Duration, Utc};
use provisio::store::ImportFile;

use crate::helpers::*;
use crate::{on_both, on_both_with_smtp};

const ADMIN: &str = "admin@acme.example";
const OTHER_ADMIN: &str = "boss@other.example";

/// An admin for acme and one for other (the standard fixture has none).
async fn with_admins(app: &TestApp) {
    let file: ImportFile = serde_json::from_value(serde_json::json!({"users": [
        {"email": ADMIN, "name": "Ada Admin", "company": "acme", "password": PASSWORD, "company_admin": true},
        {"email": OTHER_ADMIN, "name": "Bo Boss", "company": "other", "password": PASSWORD, "company_admin": true}
    ]}))
    .unwrap();
    app.store.import(&file, Utc::now()).await.unwrap();
}

/// The data-* flags of the row of `email` on a Company page: (can_edit, admin, active).
fn flags(html: &str, email: &str) -> Option<(String, String, String)> {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse(&format!("[data-user=\"{email}\"]")).unwrap();
    doc.select(&sel).next().map(|e| {
        let v = e.value();
        let get = |name: &str| v.attr(name).unwrap_or_default().to_string();
        (get("data-can-edit"), get("data-company-admin"), get("data-active"))
    })
}

fn row_text(html: &str, email: &str) -> String {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse(&format!("[data-user=\"{email}\"]")).unwrap();
    doc.select(&sel).next().map(|e| e.text().collect::<Vec<_>>().join(" ")).unwrap_or_default()
}

fn yes_no(can_edit: bool, admin: bool, active: bool) -> Option<(String, String, String)> {
    Some((can_edit.to_string(), admin.to_string(), active.to_string()))
}

/// The link of an invitation email (quoted-printable soft breaks undone).
fn invitation_path(data: &str) -> String {
    let flat = data.replace("=\r\n", "").replace("=\n", "").replace("=3D", "=");
    let start = flat.find("/invitations/").expect("the email carries the link");
    let rest = &flat[start..];
    let end = "/invitations/".len()
        + rest["/invitations/".len()..].find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_')).unwrap();
    rest[..end].to_string()
}

on_both!(admins_see_their_company_and_others_are_refused, |app| {
    with_admins(&app).await;
    let admin = app.login(ADMIN).await;
    let page = admin.get_html("/company/users").await;
    assert!(page.contains("href=\"/company/users\""), "the Company link in Change View");
    for email in [ADMIN, "creator@acme.example", "editor@acme.example", "viewer@acme.example"] {
        assert!(flags(&page, email).is_some(), "{email} listed");
    }
    assert_eq!(flags(&page, "editor@acme.example"), yes_no(true, false, true));
    assert_eq!(flags(&page, ADMIN), yes_no(false, true, true));
    assert!(flags(&page, "stranger@other.example").is_none(), "only their own company");
    assert!(flags(&page, "dist@north.example").is_none());

    // A user without the admin role: no link, and 403 on every /company route.
    let viewer = app.login("viewer@acme.example").await;
    assert!(!viewer.get_html("/orders").await.contains("href=\"/company/users\""));
    assert_eq!(viewer.get("/company/users").await.status(), 403);
    assert_eq!(viewer.post("/company/users", &[("email", "new@acme.example"), ("name", "New")]).await.status(), 403);
    assert_eq!(viewer.post("/company/users/viewer@acme.example", &[("can_edit", "on")]).await.status(), 403);
    let editor = app.login("editor@acme.example").await;
    assert_eq!(editor.get("/company/users").await.status(), 403, "the edit permission is not the admin role");

    // Another company's admin: 403 for acme's page, 404 for a user they cannot see.
    let boss = app.login(OTHER_ADMIN).await;
    assert_eq!(boss.get("/company/users?company=acme").await.status(), 403);
    assert_eq!(
        boss.post("/company/users?company=acme", &[("email", "x@acme.example"), ("name", "X")]).await.status(),
        403
    );
    assert_eq!(boss.post("/company/users/viewer@acme.example", &[("can_edit", "on")]).await.status(), 404);
    let boss_page = boss.get_html("/company/users").await;
    assert!(flags(&boss_page, "stranger@other.example").is_some() && flags(&boss_page, ADMIN).is_none());
    let unchanged = admin.get_html("/company/users").await;
    assert_eq!(flags(&unchanged, "viewer@acme.example"), yes_no(false, false, true), "nothing changed");

    // HEAD answers like GET; other methods 405 with Allow.
    let head = admin.client.head(format!("{}/company/users", app.address)).send().await.unwrap();
    assert_eq!(head.status(), 200);
    let put = admin.client.put(format!("{}/company/users", app.address)).send().await.unwrap();
    assert_eq!(put.status(), 405);
    assert_eq!(put.headers()["allow"], "GET, HEAD, POST");
    let get = admin.get("/company/users/viewer@acme.example").await;
    assert_eq!((get.status().as_u16(), get.headers()["allow"].to_str().unwrap()), (405, "POST"));
    // CSRF on every POST.
    let forged = admin.post_without_csrf("/company/users/viewer@acme.example", &[("can_edit", "on")]).await;
    assert_eq!(forged.status(), 403);
    assert_eq!(flags(&admin.get_html("/company/users").await, "viewer@acme.example"), yes_no(false, false, true));
});

on_both!(admins_grant_and_revoke_and_every_change_is_a_transaction, |app| {
    with_admins(&app).await;
    let admin = app.login(ADMIN).await;
    let viewer = app.login("viewer@acme.example").await;
    assert_eq!(viewer.get("/orders/WO-1001/lines/Sub-1001-1/contact").await.status(), 403, "case 1.1 at first");

    // Plain form: 303 back with a flash message.
    let granted = admin.post("/company/users/viewer@acme.example", &[("can_edit", "on")]).await;
    assert_eq!(granted.status(), 303);
    assert_eq!(location(granted.headers()), "/company/users");
    let page = admin.get_html("/company/users").await;
    assert!(page.contains("Saved the changes to Vera Viewer"), "the flash message");
    assert_eq!(flags(&page, "viewer@acme.example"), yes_no(true, false, true));
    assert_eq!(viewer.get("/orders/WO-1001/lines/Sub-1001-1/contact").await.status(), 200, "case 1.2 now");

    // htmx: 200 with the fragment; a field left out stays as it is.
    let made_admin = admin.post_htmx("/company/users/viewer@acme.example", &[("company_admin", "on")]).await;
    assert_eq!(made_admin.status(), 200);
    let fragment = made_admin.text().await.unwrap();
    assert!(!fragment.contains("<html"), "a fragment");
    assert_eq!(flags(&fragment, "viewer@acme.example"), yes_no(true, true, true));
    let revoked =
        admin.post_htmx("/company/users/viewer@acme.example", &[("can_edit", "off"), ("company_admin", "off")]).await;
    assert_eq!(flags(&revoked.text().await.unwrap(), "viewer@acme.example"), yes_no(false, false, true));
    // Invalid input: 422 with the message, nothing changed.
    let invalid = admin.post("/company/users/viewer@acme.example", &[("can_edit", "yes")]).await;
    assert_eq!(invalid.status(), 422);
    assert!(invalid.text().await.unwrap().contains("Choose on or off"));
    assert_eq!(admin.post("/company/users/nobody@acme.example", &[("can_edit", "on")]).await.status(), 404);

    // Four permission changes, newest first, in the Transaction Manager of the company.
    let rows = |html: &str| count(html, "tr[data-type=\"permission_change\"]");
    let tm = admin.get_html("/transactions?type=permission_change").await;
    assert_eq!(rows(&tm), 4, "{tm}");
    assert!(tm.contains("viewer@acme.example") && tm.contains("Edit permission granted") && tm.contains("Ada Admin"));
    assert!(tm.contains("Made company admin") && tm.contains("Edit permission revoked"));
    // …to every user of the company, and operators; not to another company.
    assert_eq!(rows(&app.login("creator@acme.example").await.get_html("/transactions").await), 4);
    assert_eq!(rows(&app.login("ops@vendor.example").await.get_html("/transactions?type=permission_change").await), 4);
    let stranger = app.login("stranger@other.example").await;
    assert_eq!(rows(&stranger.get_html("/transactions?type=permission_change").await), 0);
    assert_eq!(rows(&stranger.get_html("/transactions").await), 0);
    let distributor = app.login("dist@north.example").await;
    assert_eq!(
        rows(&distributor.get_html("/transactions").await),
        0,
        "the distributor of acme's orders is another company"
    );
    let csv = admin.get("/transactions.csv?type=permission_change").await.text().await.unwrap();
    assert_eq!(csv.lines().count(), 5, "{csv}");
    assert!(csv.contains("viewer@acme.example"));
    // The line transactions are still filtered as before.
    assert_eq!(rows(&admin.get_html("/transactions?type=provisioning_email_update").await), 0);
});

on_both!(operators_manage_every_company_with_the_company_query, |app| {
    with_admins(&app).await;
    let ops = app.login("ops@vendor.example").await;
    let page = ops.get_html("/company/users?company=acme").await;
    assert!(flags(&page, "viewer@acme.example").is_some() && flags(&page, "ops@vendor.example").is_none());
    assert!(page.contains("action=\"/company/users/viewer@acme.example?company=acme\""), "forms keep the company");
    let changed = ops.post("/company/users/viewer@acme.example?company=acme", &[("can_edit", "on")]).await;
    assert_eq!(changed.status(), 303);
    assert_eq!(location(changed.headers()), "/company/users?company=acme");
    assert_eq!(
        flags(&ops.get_html("/company/users?company=acme").await, "viewer@acme.example"),
        yes_no(true, false, true)
    );
    // Without ?company= an operator manages their own company, where acme's users are not.
    assert_eq!(ops.post("/company/users/viewer@acme.example", &[("can_edit", "off")]).await.status(), 404);
    assert_eq!(ops.get("/company/users?company=nowhere").await.status(), 404);
    let tm = app.login(ADMIN).await.get_html("/transactions?type=permission_change").await;
    assert!(tm.contains("Olga Ops"), "the admin sees who changed their company's user");
});

on_both!(deactivation_ends_sessions_at_once_and_blocks_sign_in, |app| {
    with_admins(&app).await;
    let admin = app.login(ADMIN).await;
    let viewer = app.login("viewer@acme.example").await;
    assert_eq!(viewer.get("/orders").await.status(), 200);
    assert_eq!(admin.post("/company/users/viewer@acme.example", &[("active", "off")]).await.status(), 303);
    let next = viewer.get("/orders").await;
    assert_eq!(next.status(), 303, "the live session ended");
    assert!(location(next.headers()).starts_with("/login"));
    let mut again = app.client();
    assert_eq!(again.sign_in("viewer@acme.example", PASSWORD, "").await.status(), 401);
    assert_eq!(flags(&admin.get_html("/company/users").await, "viewer@acme.example"), yes_no(false, false, false));
    // Reactivated, the user signs in again.
    assert_eq!(admin.post("/company/users/viewer@acme.example", &[("active", "on")]).await.status(), 303);
    assert_eq!(again.sign_in("viewer@acme.example", PASSWORD, "").await.status(), 303);
    // The last sign-in shows when it was.
    let page = admin.get_html("/company/users").await;
    let text = row_text(&page, "viewer@acme.example");
    assert!(text.contains("UTC") && !text.contains("Never"), "{text}");
});

on_both!(the_last_admin_cannot_remove_themselves, |app| {
    with_admins(&app).await;
    let admin = app.login(ADMIN).await;
    for field in ["company_admin", "active"] {
        let refused = admin.post(&format!("/company/users/{ADMIN}"), &[(field, "off")]).await;
        assert_eq!(refused.status(), 409, "{field}");
        assert!(refused.text().await.unwrap().contains("last admin"));
    }
    assert_eq!(flags(&admin.get_html("/company/users").await, ADMIN), yes_no(false, true, true));
    // With a second admin, the first may step down.
    assert_eq!(admin.post("/company/users/editor@acme.example", &[("company_admin", "on")]).await.status(), 303);
    assert_eq!(admin.post(&format!("/company/users/{ADMIN}"), &[("company_admin", "off")]).await.status(), 303);
    assert_eq!(admin.get("/company/users").await.status(), 403, "no longer an admin");
    let editor = app.login("editor@acme.example").await;
    assert_eq!(flags(&editor.get_html("/company/users").await, ADMIN), yes_no(false, false, true));
});

on_both!(case_1_1_names_the_company_admins, |app| {
    with_admins(&app).await;
    let viewer = app.login("viewer@acme.example").await;
    for path in ["/orders/WO-1001/lines/Sub-1001-1/contact", "/orders/WO-1001/lines/Sub-1001-1/resend"] {
        let refused = viewer.get(path).await;
        assert_eq!(refused.status(), 403);
        let text = refused.text().await.unwrap();
        assert!(
            text.contains("creator@acme.example") && text.contains("Ada Admin (admin@acme.example)"),
            "{path}: {text}"
        );
        let posted = viewer.post(path, &[("email", "x@globex.example")]).await.text().await.unwrap();
        assert!(posted.contains(ADMIN), "{path} POST");
    }
    let dialog = viewer.get_htmx("/orders/WO-1001/lines/Sub-1001-1/contact").await.text().await.unwrap();
    assert!(dialog.contains(ADMIN) && !dialog.contains("<html"));
    let order = viewer.get_html("/orders/WO-1001").await;
    assert!(
        order.contains("You can also ask your company&#39;s admins") || order.contains("You can also ask your company")
    );
    assert!(order.contains(ADMIN), "the disabled control's note and the order's note");
    assert!(viewer.get_html("/subscriptions").await.contains(ADMIN));
    // A distributor's user is told about their own company's admins, not acme's.
    let distview = app.login("distview@north.example").await;
    assert!(!distview.get("/orders/WO-1001/lines/Sub-1001-1/contact").await.text().await.unwrap().contains(ADMIN));
});

on_both_with_smtp!(an_invitation_email_carries_a_one_time_link_to_set_a_password, |app, smtp| {
    with_admins(&app).await;
    let admin = app.login(ADMIN).await;
    // An address that already has an account, of whichever company: 422 saying no more.
    for taken in ["viewer@acme.example", "STRANGER@other.example"] {
        let refused = admin.post("/company/users", &[("email", taken), ("name", "Someone")]).await;
        assert_eq!(refused.status(), 422);
        let text = refused.text().await.unwrap();
        assert!(
            text.contains("already has an account")
                && !text.contains("Other Partner")
                && !text.contains("Sam Stranger"),
            "{text}"
        );
    }
    let bad = admin.post("/company/users", &[("email", "not an address"), ("name", "")]).await;
    assert_eq!(bad.status(), 422);
    let bad = bad.text().await.unwrap();
    assert!(
        bad.contains("role=\"alert\"")
            && bad.contains("href=\"#invite-name\"")
            && bad.contains("href=\"#invite-email\"")
    );

    let invited = admin.post("/company/users", &[("email", "Ivy@Acme.example"), ("name", "Ivy Invitee")]).await;
    assert_eq!(invited.status(), 303);
    let page = admin.get_html("/company/users").await;
    assert!(page.contains("Invitation sent to ivy@acme.example"), "{}", &page[page.find("<main").unwrap()..][..600]);
    assert_eq!(flags(&page, "ivy@acme.example"), yes_no(false, false, true));
    assert!(page.contains("Invited, no password yet"));
    let tm = admin.get_html("/transactions?type=permission_change").await;
    assert!(tm.contains("Invited Ivy Invitee") && tm.contains("ivy@acme.example"));

    let messages = smtp.wait_for(1).await;
    let email = &messages[0];
    assert_eq!(email.to, vec!["ivy@acme.example".to_string()]);
    assert!(email.header("Subject").unwrap().contains("Acme Networks"), "{:?}", email.header("Subject"));
    let path = invitation_path(&email.data);
    let token = path.trim_start_matches("/invitations/");
    assert!(token.len() >= 43, "{path}");
    assert!(
        email.data.replace("=\r\n", "").replace("=\n", "").contains(&format!("{}{path}", app.address)),
        "an absolute link"
    );
    assert!(email.data.contains("Ada Admin"));

    // The link is public; its form carries a token like the sign-in form's.
    let ivy = app.client();
    assert_eq!(ivy.get("/invitations/not-a-real-token").await.status(), 404);
    let form = ivy.get(&path).await;
    assert_eq!(form.status(), 200);
    let form = form.text().await.unwrap();
    assert!(form.contains("ivy@acme.example") && form.contains("autocomplete=\"new-password\""));
    let csrf = csrf_token(&form);
    let post = |password: &'static str, confirm: &'static str| {
        let ivy = &ivy;
        let csrf = csrf.clone();
        let path = path.clone();
        async move {
            ivy.client
                .post(format!("{}{path}", ivy.base))
                .form(&[("password", password), ("password_confirm", confirm), ("csrf_token", csrf.as_str())])
                .send()
                .await
                .unwrap()
        }
    };
    for (password, confirm, says) in [
        ("short pass", "short pass", "at least 12 characters"),
        ("Password1234", "Password1234", "too easy to guess"),
        ("qwertyuiopasdf", "qwertyuiopasdf", "too easy to guess"),
        ("ivy@acme.example", "ivy@acme.example", "too easy to guess"),
        ("lanterns by the quay", "lanterns by the bay", "not the same"),
    ] {
        let refused = post(password, confirm).await;
        assert_eq!(refused.status(), 422, "{password}");
        assert!(refused.text().await.unwrap().contains(says), "{password}: {says}");
    }
    let forged = ivy
        .client
        .post(format!("{}{path}", ivy.base))
        .form(&[("password", "lanterns by the quay"), ("password_confirm", "lanterns by the quay")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403, "CSRF on the public form too");
    let set = post("lanterns by the quay", "lanterns by the quay").await;
    assert_eq!(set.status(), 303);
    assert_eq!(location(set.headers()), "/login");
    // Used once: 410 after.
    assert_eq!(ivy.get(&path).await.status(), 410);
    assert_eq!(post("another long phrase", "another long phrase").await.status(), 410);

    let mut signed = app.client();
    assert_eq!(signed.sign_in("ivy@acme.example", "lanterns by the quay", "").await.status(), 303);
    assert_eq!(signed.get("/orders").await.status(), 200);
    assert!(admin.get_html("/company/users").await.contains("Ivy Invitee"));
    // Only the token's hash is kept; the outbox forgot the link once the email was sent.
    let raw = app.store.invitation(token, Utc::now()).await.unwrap();
    assert_eq!(raw, provisio::store::InvitationState::NotFound, "the plain token is not a key");
});

on_both!(an_invitation_expires_after_its_time, |app| {
    with_admins(&app).await;
    let admin = app.login(ADMIN).await;
    assert_eq!(
        admin.post("/company/users", &[("email", "late@acme.example"), ("name", "Lou Late")]).await.status(),
        303
    );
    // Read the link from the file mailbox.
    let data = app.mailbox_message("/invitations/").await;
    let path = invitation_path(&data);
    let lou = app.client();
    assert_eq!(lou.get(&path).await.status(), 200, "valid within 72 hours");
    // The public page speaks the visitor's language, with no English left.
    for (lang, expected) in [("ko", "비밀번호 설정"), ("sv", "Välj ditt lösenord")] {
        let page = reqwest::Client::new()
            .get(format!("{}{path}", app.address))
            .header("Accept-Language", lang)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains(expected), "{lang}");
        for english in ["Set your password", "New password", "At least 12 characters", "Type the password again"] {
            assert!(!page.contains(english), "{lang}: {english}");
        }
    }
    assert_eq!(
        app.store.set_invitation_expiry("late@acme.example", Utc::now() - Duration::seconds(1)).await.unwrap(),
        1
    );
    let gone = lou.get(&path).await;
    assert_eq!(gone.status(), 410);
    assert!(gone.text().await.unwrap().contains("no longer works"));
    let mut signing = app.client();
    assert_eq!(signing.sign_in("late@acme.example", "", "").await.status(), 401, "no password, no sign-in");
});

on_both!(company_pages_speak_korean_and_swedish, |app| {
    with_admins(&app).await;
    let admin = app.login(ADMIN).await;
    const ENGLISH: [&str; 9] = [
        "Edit permission",
        "Invite a user",
        "Last sign-in",
        "Company admin",
        "Send invitation",
        "Deactivate",
        "Email address",
        "Actions",
        "Never",
    ];
    for lang in ["ko", "sv"] {
        assert_eq!(admin.post("/settings/language", &[("lang", lang)]).await.status(), 303);
        let page = admin.get_html("/company/users").await;
        assert!(page.contains(&format!("<html lang=\"{lang}\"")));
        let left: Vec<_> = ENGLISH.iter().filter(|e| page.contains(*e)).collect();
        assert!(left.is_empty(), "{lang}: English left: {left:?}");
        let refused = admin.post("/company/users", &[("email", "bad"), ("name", "")]).await.text().await.unwrap();
        assert!(!refused.contains("Enter the person"), "{lang}: errors translated");
    }
    let client = reqwest::Client::new();
    let page = client
        .get(format!("{}/invitations/unknown-token", app.address))
        .header("Accept-Language", "sv")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 404);
});

/// A second admin of acme, made by an operator.
const SECOND_ADMIN: &str = "editor@acme.example";

/// Whether an answer is the success of a change: 303 back to the users page.
fn succeeded(response: &reqwest::Response) -> bool {
    response.status() == 303 && location(response.headers()) == "/company/users"
}

/// What the loser of a race may hear: 403 (its actor is no longer an admin, found by the
/// session or under the company's lock), 409 (it would leave no admin), or 303 to the
/// sign-in page (its session ended with its deactivation before the request was read).
fn refused(response: &reqwest::Response) -> bool {
    matches!(response.status().as_u16(), 403 | 409)
        || (response.status() == 303 && location(response.headers()).starts_with("/login"))
}

on_both!(two_admins_removing_each_other_at_once_leave_one, |app| {
    with_admins(&app).await;
    let ops = app.login("ops@vendor.example").await;
    let second_path = format!("/company/users/{SECOND_ADMIN}?company=acme");
    assert_eq!(ops.post(&second_path, &[("company_admin", "on")]).await.status(), 303);
    let mut first = app.login(ADMIN).await;
    let mut second = app.login(SECOND_ADMIN).await;
    let mut wins = [0; 2];
    for round in 0..50 {
        // Deactivate in even rounds, unmake admin in odd ones.
        let field = if round % 2 == 0 { "active" } else { "company_admin" };
        let (to_second, to_first) = (format!("/company/users/{SECOND_ADMIN}"), format!("/company/users/{ADMIN}"));
        let off = [(field, "off")];
        let (a, b) = tokio::join!(first.post(&to_second, &off), second.post(&to_first, &off));
        let admins = app.store.company_admins("acme").await.unwrap();
        let said = format!("round {round} ({field}): {} {}; active admins {admins:?}", a.status(), b.status());
        assert_eq!(admins.len(), 1, "never none (nor both): {said}");
        assert!(succeeded(&a) != succeeded(&b), "exactly one succeeds: {said}");
        assert!(refused(if succeeded(&a) { &b } else { &a }), "the other is refused: {said}");
        let loser = if succeeded(&a) { SECOND_ADMIN } else { ADMIN };
        assert!(admins.iter().all(|(_, email)| email != loser), "{said}");
        wins[usize::from(succeeded(&b))] += 1;
        // The operator puts the loser back; a deactivated loser signs in again.
        let restore = format!("/company/users/{loser}?company=acme");
        assert_eq!(ops.post(&restore, &[("active", "on"), ("company_admin", "on")]).await.status(), 303, "{said}");
        if field == "active" {
            if loser == ADMIN {
                first = app.login(ADMIN).await;
            } else {
                second = app.login(SECOND_ADMIN).await;
            }
        }
    }
    assert_eq!(app.store.company_admins("acme").await.unwrap().len(), 2);
    eprintln!("wins of the first and the second admin: {wins:?}");
});

on_both!(nobody_takes_away_a_companys_only_admin, |app| {
    with_admins(&app).await;
    let ops = app.login("ops@vendor.example").await;
    let admin_path = format!("/company/users/{ADMIN}?company=acme");
    for fields in [&[("active", "off")][..], &[("company_admin", "off")], &[("can_edit", "on"), ("active", "off")]] {
        let refused = ops.post(&admin_path, fields).await;
        assert_eq!(refused.status(), 409, "an operator: {fields:?}");
        assert!(refused.text().await.unwrap().contains("last admin"));
    }
    // Nothing changed, not even the field that alone would have been allowed.
    let page = ops.get_html("/company/users?company=acme").await;
    assert_eq!(flags(&page, ADMIN), yes_no(false, true, true));
    assert_eq!(count(&ops.get_html("/transactions?type=permission_change").await, "tr[data-type]"), 0);
    // A company without admins (north) may still have its users changed.
    assert_eq!(
        ops.post("/company/users/distview@north.example?company=north", &[("can_edit", "on")]).await.status(),
        303
    );
    // With a second admin, the operator may deactivate the first.
    assert_eq!(
        ops.post(&format!("/company/users/{SECOND_ADMIN}?company=acme"), &[("company_admin", "on")]).await.status(),
        303
    );
    assert_eq!(ops.post(&admin_path, &[("active", "off")]).await.status(), 303);
    // …and then not the second, who is now the only one.
    let second_path = format!("/company/users/{SECOND_ADMIN}?company=acme");
    assert_eq!(ops.post(&second_path, &[("active", "off")]).await.status(), 409);
    assert_eq!(app.store.company_admins("acme").await.unwrap().len(), 1);
});

on_both!(a_change_rechecks_its_actor_inside_the_transaction, |app| {
    use provisio::store::{UserChange, UserChangeOutcome};
    with_admins(&app).await;
    let admin = app.login(ADMIN).await;
    assert_eq!(admin.post(&format!("/company/users/{SECOND_ADMIN}"), &[("company_admin", "on")]).await.status(), 303);
    // The grant a request made from its session a moment ago, before the second admin
    // took the role away.
    let (user, _) = app.store.user_credentials(ADMIN).await.unwrap().unwrap();
    let stale = user.actor().company_grant("acme").expect("an admin when the request began");
    let second = app.login(SECOND_ADMIN).await;
    assert_eq!(second.post(&format!("/company/users/{ADMIN}"), &[("company_admin", "off")]).await.status(), 303);
    let change = UserChange { can_edit: Some(true), ..UserChange::default() };
    let outcome = app.store.change_user(&stale, "Ada Admin", "viewer@acme.example", change, Utc::now()).await;
    assert!(matches!(outcome, Ok(UserChangeOutcome::Forbidden)), "{outcome:?}");
    assert_eq!(flags(&second.get_html("/company/users").await, "viewer@acme.example"), yes_no(false, false, true));
    // The page says so the same way: 403.
    assert_eq!(admin.post("/company/users/viewer@acme.example", &[("can_edit", "on")]).await.status(), 403);
});

/// The text of every element `selector` selects, trimmed.
fn texts(html: &str, selector: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse(selector).unwrap();
    doc.select(&sel).map(|e| e.text().collect::<Vec<_>>().join(" ").trim().to_string()).collect()
}

/// The values of an attribute on every element `selector` selects.
fn attrs(html: &str, selector: &str, attr: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse(selector).unwrap();
    doc.select(&sel).filter_map(|e| e.value().attr(attr)).map(str::to_string).collect()
}

on_both!(the_header_names_the_users_company_not_its_id, |app| {
    for (who, says) in [
        ("editor@acme.example", "Eddie Editor · Acme Networks"),
        ("dist@north.example", "Dina Dist · North Distribution"),
        ("ops@vendor.example", "Olga Ops · Vendor Ops"),
    ] {
        let user = app.login(who).await;
        // Every page has the one header; a refusal's page too.
        for path in ["/attention", "/orders/WO-1001", "/bulk-fixes", "/transactions", "/orders/WO-9999"] {
            let response = user.get(path).await;
            let html = response.text().await.unwrap();
            assert_eq!(texts(&html, ".site-header .account > span"), [says], "{who} {path}");
        }
    }
});

on_both!(operators_pick_the_company_to_manage_and_the_query_keeps_working, |app| {
    with_admins(&app).await;
    let ops = app.login("ops@vendor.example").await;
    // Their own company first; the picker offers every company by name, the managed one chosen.
    for (path, section, chosen, heading) in [
        ("/company/users", "users", "vendor", "Vendor Ops"),
        ("/company/users?company=acme", "users", "acme", "Acme Networks"),
        ("/company/tokens?company=north", "tokens", "north", "North Distribution"),
    ] {
        let html = ops.get_html(path).await;
        assert!(texts(&html, "h1")[0].contains(heading), "{path}");
        let picker = format!("form[method=get][action=\"/company/{section}\"][data-company-picker]");
        assert_eq!(
            texts(&html, &format!("{picker} select[name=company] option")),
            ["Acme Networks", "North Distribution", "Other Partner", "Vendor Ops"],
            "{path}"
        );
        assert_eq!(attrs(&html, &format!("{picker} option[selected]"), "value"), [chosen], "{path}");
        assert_eq!(attrs(&html, &format!("{picker} label[for=company-pick]"), "for").len(), 1, "labelled");
    }
    // The picker's answer is the `?company=` the pages always took.
    let picked = ops.get_html("/company/users?company=other").await;
    assert!(flags(&picked, OTHER_ADMIN).is_some() && flags(&picked, ADMIN).is_none());
    // Company admins manage one company: no picker.
    let admin = app.login(ADMIN).await.get_html("/company/users").await;
    assert_eq!(texts(&admin, "[data-company-picker]").len(), 0);
});

on_both!(operators_are_listed_with_what_they_may_do_not_as_without_edit_permission, |app| {
    let ops = app.login("ops@vendor.example").await;
    let page = ops.get_html("/company/users").await;
    // The stored flags stay the hooks; the words say what an operator may do.
    assert_eq!(flags(&page, "ops@vendor.example"), yes_no(false, false, true));
    let text = row_text(&page, "ops@vendor.example");
    assert!(text.contains("Operator: may change every company's lines"), "{text}");
    assert!(text.contains("Operator: manages every company's users and API tokens"), "{text}");
    let edit_cell = texts(&page, "[data-user=\"ops@vendor.example\"] td[data-label=\"Edit permission\"]");
    assert_eq!(edit_cell, ["Operator: may change every company's lines"], "not 'Edit permission: No'");
    // No toggle that would change nothing; Deactivate stays.
    let buttons = texts(&page, "[data-user=\"ops@vendor.example\"] button");
    assert_eq!(buttons, ["Deactivate"], "{buttons:?}");
    for (lang, words) in
        [("ko", "운영자: 모든 회사의 줄을 변경할 수 있음"), ("sv", "Operatör: får ändra alla företags rader")]
    {
        assert_eq!(ops.post("/settings/language", &[("lang", lang)]).await.status(), 303);
        assert!(row_text(&ops.get_html("/company/users").await, "ops@vendor.example").contains(words), "{lang}");
    }
});
