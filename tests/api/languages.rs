//! The portal in Korean and Swedish: the user's choice, else Accept-Language, else English.

use crate::on_both;

/// English texts of the main pages that must not be left in another language.
const ENGLISH: [&str; 14] = [
    "Sign out",
    "Orders",
    "Search",
    "Customer",
    "Provisioning contact email",
    "Awaiting Provisioning Details",
    "Edit provisioning contact",
    "Apply to all lines",
    "Transaction Manager",
    "Requested start date",
    "Provisioning still pending",
    "Support cases",
    "Closes in",
    "Change language",
];

fn english_left(html: &str) -> Vec<&'static str> {
    ENGLISH.iter().copied().filter(|e| html.contains(e)).collect()
}

on_both!(main_pages_speak_korean_and_swedish, |app| {
    let user = app.login("editor@acme.example").await;
    for (lang, expected) in [("ko", "프로비저닝 세부 정보 대기"), ("sv", "Väntar på information om etablering")]
    {
        assert_eq!(user.post("/settings/language", &[("lang", lang)]).await.status(), 303);
        for path in [
            "/orders",
            "/orders/WO-1001",
            "/orders/WO-1001/lines/Sub-1001-1/contact",
            "/subscriptions",
            "/transactions",
            "/cases",
        ] {
            let html = user.get_html(path).await;
            assert!(html.contains(&format!("<html lang=\"{lang}\"")), "{lang} {path}");
            assert!(english_left(&html).is_empty(), "{lang} {path}: English left: {:?}", english_left(&html));
        }
        assert!(user.get_html("/orders/WO-1001").await.contains(expected));
    }
});

on_both!(accept_language_chooses_before_sign_in_and_the_choice_wins_after, |app| {
    let client = reqwest::Client::new();
    let page = client
        .get(format!("{}/login", app.address))
        .header("Accept-Language", "fr-FR, sv;q=0.8, en;q=0.5")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Logga in i Provisio"), "{page}");
    let page = client.get(format!("{}/login", app.address)).header("Accept-Language", "ko-KR").send().await.unwrap();
    assert!(page.text().await.unwrap().contains("Provisio 로그인"));
    let page = client.get(format!("{}/login", app.address)).header("Accept-Language", "de").send().await.unwrap();
    assert!(page.text().await.unwrap().contains("Sign in to Provisio"));
});

on_both!(counts_read_right_for_one_in_every_language, |app| {
    // WO-1001 has two lines that may be resent, both to one address: "1 recipient" was
    // said "1 recipients" when the count reached Fluent as text.
    let user = app.login("editor@acme.example").await;
    let en = user.get_htmx("/orders/WO-1001/lines/Sub-1001-1/resend").await.text().await.unwrap();
    assert!(en.contains("2 lines, to old@globex.example. One email per recipient"), "{en}");
    assert!(!en.contains("1 recipients"), "{en}");
    assert_eq!(user.post("/settings/language", &[("lang", "sv")]).await.status(), 303);
    let sv = user.get_htmx("/orders/WO-1001/lines/Sub-1001-1/resend").await.text().await.unwrap();
    assert!(sv.contains("2 orderrader, till old@globex.example."), "{sv}");
    assert_eq!(user.post("/settings/language", &[("lang", "ko")]).await.status(), 303);
    let ko = user.get_htmx("/orders/WO-1001/lines/Sub-1001-1/resend").await.text().await.unwrap();
    assert!(ko.contains("2개 줄, 받는 사람 1명: old@globex.example."), "{ko}");
});
