//! "Send me a copy" on the edit and resend dialogs (docs/product.md; docs/http.md
//! `copy_to_me=on` and the email limits): the copy reaches the acting user's own address
//! through the real SMTP server, says it is a copy, and over that address's limit only the
//! copy is dropped.

use crate::helpers::*;
use crate::on_both_with_smtp;

const RESEND_1: &str = "/orders/WO-1001/lines/Sub-1001-1/resend";
const EDIT_2: &str = "/orders/WO-1001/lines/Sub-1001-2/contact";

on_both_with_smtp!(a_copy_reaches_the_acting_user_and_says_it_is_one, |app, smtp| {
    let editor = app.login("editor@acme.example").await;
    // The dialogs offer it, naming the user's own address.
    let dialog = editor.get_html(RESEND_1).await;
    assert!(dialog.contains("name=\"copy_to_me\"") && dialog.contains("editor@acme.example"), "{dialog}");
    let dialog = editor.get_html(EDIT_2).await;
    assert!(dialog.contains("name=\"copy_to_me\""), "{dialog}");

    // Even a forged address field cannot send the copy anywhere else.
    let response = editor.post(RESEND_1, &[("copy_to_me", "on"), ("copy_to", "attacker@evil.example")]).await;
    assert_eq!(response.status(), 303);
    let page = editor.get_html("/orders/WO-1001").await;
    assert!(page.contains("A copy went to you at editor@acme.example"), "{page}");
    let messages = smtp.wait_for(2).await;
    let original = messages.iter().find(|m| m.to == ["old@globex.example"]).expect("the resend");
    let copy = messages.iter().find(|m| m.to == ["editor@acme.example"]).expect("the copy");
    assert!(messages.iter().all(|m| !m.to.iter().any(|t| t.contains("evil"))));
    let subject = original.header("Subject").unwrap();
    assert_eq!(copy.header("Subject").unwrap(), format!("Copy: {subject}"));
    // The same lines and the same set-up link, which carries no credential: it is the
    // admin console's address, for the customer to sign in to.
    assert!(copy.data.contains("Sub-1001-1") && copy.data.contains(ADMIN_CONSOLE));
    assert_ne!(copy.header("Message-ID"), original.header("Message-ID"));
    // The line's email is still the one to its contact, and the resend's transaction
    // follows that one.
    let txs = app.settled_transactions("Sub-1001-1").await;
    assert_eq!(txs.len(), 1, "a copy is no transaction of its own");
    assert_eq!(txs[0].status, "success");
    let order = order_of(&app.store, "WO-1001").await.unwrap().unwrap();
    assert_eq!(order.line("Sub-1001-1").unwrap().email_recipient.as_deref(), Some("old@globex.example"));

    // The edit dialog too (htmx): the answer says the copy went out.
    let response = editor.post_htmx(EDIT_2, &[("email", "new@globex.example"), ("copy_to_me", "on")]).await;
    assert_eq!(response.status(), 200);
    let body = response.text().await.unwrap();
    assert!(body.contains("A copy went to you at editor@acme.example"), "{body}");
    let messages = smtp.wait_for(4).await;
    assert_eq!(messages.iter().filter(|m| m.to == ["editor@acme.example"]).count(), 2);
    assert!(messages.iter().any(|m| m.to == ["new@globex.example"]));
    // Without the box ticked, no copy.
    let response = editor.post(RESEND_1, &[]).await;
    assert_eq!(response.status(), 303);
    smtp.wait_for(5).await;
    app.outbox_settled().await;
    assert_eq!(smtp.messages().iter().filter(|m| m.to == ["editor@acme.example"]).count(), 2);
});

on_both_with_smtp!(over_the_limit_only_the_copy_is_dropped, |app, smtp| {
    let editor = app.login("editor@acme.example").await;
    // Three copies fill the editor's address for the hour (PROVISIO_RESEND_LIMIT 3/h).
    for _ in 0..3 {
        assert_eq!(editor.post(RESEND_1, &[("copy_to_me", "on")]).await.status(), 303);
    }
    // An edit of another line with a copy: the edit and its email go on, the copy does not.
    let response = editor.post(EDIT_2, &[("email", "new@globex.example"), ("copy_to_me", "on")]).await;
    assert_eq!(response.status(), 303);
    let page = editor.get_html("/orders/WO-1001").await;
    assert!(page.contains("The copy to editor@acme.example was not sent"), "{page}");
    let order = order_of(&app.store, "WO-1001").await.unwrap().unwrap();
    assert_eq!(order.line("Sub-1001-2").unwrap().contact, "new@globex.example");
    let messages = smtp.wait_for(7).await;
    assert!(messages.iter().any(|m| m.to == ["new@globex.example"]), "the edit's email goes out");
    app.outbox_settled().await;
    assert_eq!(smtp.messages().len(), 7);
    assert_eq!(smtp.messages().iter().filter(|m| m.to == ["editor@acme.example"]).count(), 3);
    // The copies counted against the editor's address only: the contact of the other
    // line still takes its emails.
    assert_eq!(editor.post("/orders/WO-1001/lines/Sub-1001-2/resend", &[]).await.status(), 303);
});
