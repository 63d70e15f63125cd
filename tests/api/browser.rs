//! Browser tests in Debian's chromium through chromedriver. They run on SQLite: the same
//! HTTP flows run on both databases in the other modules. Outside CI they skip, with the
//! reason printed, when chromium or chromedriver is not installed; under CI=true they fail.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use thirtyfour::prelude::*;
use thirtyfour::{ChromiumLikeCapabilities, LoggingPrefsLogLevel};

use crate::helpers::*;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// A chromedriver process with one headless chromium session, ended on drop.
struct Browser {
    driver: Option<WebDriver>,
    process: Child,
    _profile: tempfile::TempDir,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Browser {
    async fn start() -> Option<Self> {
        for tool in [CHROMIUM, CHROMEDRIVER] {
            if !std::path::Path::new(tool).exists() {
                if std::env::var("CI").is_ok_and(|v| v == "true") {
                    panic!("CI=true but {tool} is missing: install chromium and chromium-driver");
                }
                skip_notice(&format!(
                    "browser tests: {tool} is not installed (apt-get install chromium chromium-driver)"
                ));
                return None;
            }
        }
        let port = free_port();
        let process = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        while reqwest::get(format!("{url}/status")).await.is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not answer");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = tempfile::tempdir().unwrap();
        let mut caps = DesiredCapabilities::chrome();
        caps.set_binary(CHROMIUM).unwrap();
        for arg in [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1280,900",
        ] {
            caps.add_arg(arg).unwrap();
        }
        caps.add_arg(&format!("--user-data-dir={}", profile.path().display())).unwrap();
        caps.set_browser_log_level(LoggingPrefsLogLevel::All).unwrap();
        let driver = WebDriver::new(&url, caps).await.expect("a chromium session");
        Some(Self { driver: Some(driver), process, _profile: profile })
    }

    fn driver(&self) -> &WebDriver {
        self.driver.as_ref().unwrap()
    }

    async fn sign_in(&self, app: &TestApp, email: &str, next: &str) {
        let d = self.driver();
        d.goto(format!("{}/login?next={next}", app.address)).await.unwrap();
        d.find(By::Id("email")).await.unwrap().send_keys(email).await.unwrap();
        d.find(By::Id("password")).await.unwrap().send_keys(PASSWORD).await.unwrap();
        d.find(By::Css("form[action='/login'] button[type=submit]")).await.unwrap().click().await.unwrap();
        self.wait_for(|| async { d.current_url().await.unwrap().path() == next }, "landing on next").await;
    }

    /// Polls `check` for up to ten seconds.
    async fn wait_for<F, Fut>(&self, check: F, what: &str)
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !check().await {
            if Instant::now() > deadline {
                let source = self.driver().source().await.unwrap_or_default();
                let log = self.driver().browser_log().await.unwrap_or_default();
                panic!("timed out waiting for {what}; console: {log:#?}\npage:\n{source}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn row_text(&self, subscription: &str) -> String {
        let css = format!("tr[data-subscription='{subscription}']");
        match self.driver().find(By::Css(&css)).await {
            Ok(row) => row.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    async fn dialog_open(&self) -> bool {
        let dialog = self.driver().find(By::Id("dialog")).await.unwrap();
        dialog.attr("open").await.unwrap().is_some()
    }

    async fn script(&self, js: &str) -> serde_json::Value {
        self.driver().execute(js, vec![]).await.unwrap().json().clone()
    }

    /// No script error and no CSP refusal was logged by the page.
    async fn assert_clean_console(&self) {
        let entries = self.driver().browser_log().await.unwrap();
        let bad: Vec<String> = entries
            .iter()
            // The network's 4xx answers (a 422 in the dialog) are expected; script errors
            // and CSP refusals are not.
            .filter(|e| {
                (e.level == "SEVERE" && e.source.as_deref() != Some("network"))
                    || e.message.contains("Content Security Policy")
                    || e.message.contains("Refused")
            })
            .map(|e| format!("{}: {}", e.level, e.message))
            .collect();
        assert!(bad.is_empty(), "console errors: {bad:#?}");
    }

    async fn quit(mut self) {
        if let Some(driver) = self.driver.take() {
            driver.quit().await.unwrap();
        }
    }
}

async fn spawn() -> Option<(TestApp, Browser)> {
    let browser = Browser::start().await?;
    let app = TestApp::spawn(Backend::Sqlite).await?;
    Some((app, browser))
}

#[tokio::test]
async fn edit_dialog_applies_to_all_lines_in_place() {
    let Some((app, browser)) = spawn().await else { return };
    browser.sign_in(&app, "editor@acme.example", "/orders/WO-1001").await;
    let d = browser.driver();
    d.find(By::Id("edit-Sub-1001-1")).await.unwrap().click().await.unwrap();
    browser.wait_for(|| browser.dialog_open(), "the dialog to open").await;
    assert_eq!(browser.script("return document.activeElement.id").await, "contact-email");
    let field = d.find(By::Id("contact-email")).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys("team@globex.example").await.unwrap();
    d.find(By::Id("apply-to-all")).await.unwrap().click().await.unwrap();
    d.find(By::Css("#dialog button[type=submit]")).await.unwrap().click().await.unwrap();
    browser
        .wait_for(
            || async {
                browser.row_text("Sub-1001-1").await.contains("team@globex.example")
                    && browser.row_text("Sub-1001-2").await.contains("team@globex.example")
            },
            "both awaiting lines to show the new address",
        )
        .await;
    browser.wait_for(|| async { !browser.dialog_open().await }, "the dialog to close after the save").await;
    assert!(browser.row_text("Sub-1001-3").await.contains("old@globex.example"), "the closed line is untouched");
    let flash = d.find(By::Id("flash")).await.unwrap().text().await.unwrap();
    assert!(flash.contains("on 2 lines"), "{flash}");
    assert_eq!(
        browser.script("return document.activeElement.id").await,
        "edit-Sub-1001-1",
        "focus returns to the line"
    );
    assert_eq!(
        d.current_url().await.unwrap().path(),
        "/orders/WO-1001",
        "no page load: the rows were swapped in place"
    );
    browser.assert_clean_console().await;
    browser.quit().await;
}

#[tokio::test]
async fn invalid_address_is_shown_inside_the_dialog() {
    let Some((app, browser)) = spawn().await else { return };
    browser.sign_in(&app, "editor@acme.example", "/orders/WO-1001").await;
    let d = browser.driver();
    d.find(By::Id("edit-Sub-1001-1")).await.unwrap().click().await.unwrap();
    browser.wait_for(|| browser.dialog_open(), "the dialog to open").await;
    let field = d.find(By::Id("contact-email")).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys("Ana <ana@globex.example>").await.unwrap();
    d.find(By::Css("#dialog button[type=submit]")).await.unwrap().click().await.unwrap();
    browser
        .wait_for(|| async { d.find(By::Css("#dialog .error-summary")).await.is_ok() }, "the error in the dialog")
        .await;
    assert!(browser.dialog_open().await);
    let error = d.find(By::Css("#dialog .error-summary")).await.unwrap().text().await.unwrap();
    assert!(error.contains("one email address only"), "{error}");
    let field = d.find(By::Id("contact-email")).await.unwrap();
    assert_eq!(field.value().await.unwrap().as_deref(), Some("Ana <ana@globex.example>"), "the typed value stays");
    assert_eq!(field.attr("aria-invalid").await.unwrap().as_deref(), Some("true"));
    assert!(browser.row_text("Sub-1001-1").await.contains("old@globex.example"));
    // Escape closes the dialog; nothing changed.
    d.find(By::Id("contact-email")).await.unwrap().send_keys(Key::Escape).await.unwrap();
    browser.wait_for(|| async { !browser.dialog_open().await }, "the dialog to close").await;
    browser.assert_clean_console().await;
    browser.quit().await;
}

#[tokio::test]
async fn case_1_1_sees_edit_disabled_with_the_creator_to_ask() {
    let Some((app, browser)) = spawn().await else { return };
    browser.sign_in(&app, "viewer@acme.example", "/orders/WO-1001").await;
    let d = browser.driver();
    let edit = d.find(By::Id("edit-Sub-1001-1")).await.unwrap();
    assert!(!edit.is_enabled().await.unwrap());
    let page = d.find(By::Id("main")).await.unwrap().text().await.unwrap();
    assert!(page.contains("Cora Creator") && page.contains("creator@acme.example"));
    // After PONR the admin console is named instead.
    d.goto(format!("{}/orders/WO-1002", app.address)).await.unwrap();
    let page = d.find(By::Id("main")).await.unwrap().text().await.unwrap();
    assert!(page.contains("admin console"));
    browser.assert_clean_console().await;
    browser.quit().await;
}

#[tokio::test]
async fn resend_asks_for_confirmation_and_confirms_in_place() {
    let Some((app, browser)) = spawn().await else { return };
    browser.sign_in(&app, "editor@acme.example", "/orders/WO-1001").await;
    let d = browser.driver();
    d.find(By::Id("resend-Sub-1001-1")).await.unwrap().click().await.unwrap();
    browser.wait_for(|| browser.dialog_open(), "the confirmation to open").await;
    let dialog = d.find(By::Id("dialog")).await.unwrap().text().await.unwrap();
    assert!(
        dialog.contains("old@globex.example") && dialog.contains("webex_comm@webex.com") && dialog.contains("spam")
    );
    d.find(By::Css("#dialog button[type=submit]")).await.unwrap().click().await.unwrap();
    browser.wait_for(|| async { !browser.dialog_open().await }, "the dialog to close").await;
    let flash = d.find(By::Id("flash")).await.unwrap().text().await.unwrap();
    assert!(flash.contains("sent again to old@globex.example"), "{flash}");
    assert_eq!(browser.script("return document.activeElement.id").await, "resend-Sub-1001-1");
    browser
        .wait_for(
            || async {
                d.goto(format!("{}/orders/WO-1001", app.address)).await.unwrap();
                browser.row_text("Sub-1001-1").await.contains("accepted by the mail server")
            },
            "the line to show that the mail server accepted the email",
        )
        .await;
    browser.assert_clean_console().await;
    browser.quit().await;
}

#[tokio::test]
async fn a_closed_line_is_fixed_from_the_subscriptions_page() {
    let Some((app, browser)) = spawn().await else { return };
    browser.sign_in(&app, "editor@acme.example", "/orders/WO-1001").await;
    let d = browser.driver();
    d.find(By::Css("tr[data-subscription='Sub-1001-3'] a[href='/subscriptions?q=Sub-1001-3']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .wait_for(|| async { d.current_url().await.unwrap().path() == "/subscriptions" }, "the subscriptions page")
        .await;
    assert!(browser.row_text("Sub-1001-3").await.contains("Provisioning still pending"));
    d.find(By::Id("edit-Sub-1001-3")).await.unwrap().click().await.unwrap();
    browser.wait_for(|| browser.dialog_open(), "the dialog to open").await;
    let field = d.find(By::Id("contact-email")).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys("fixed@globex.example").await.unwrap();
    d.find(By::Css("#dialog button[type=submit]")).await.unwrap().click().await.unwrap();
    browser
        .wait_for(|| async { browser.row_text("Sub-1001-3").await.contains("fixed@globex.example") }, "the new address")
        .await;
    let flash = d.find(By::Id("flash")).await.unwrap().text().await.unwrap();
    assert!(flash.contains("Provisioning contact updated to fixed@globex.example"), "{flash}");
    browser.assert_clean_console().await;
    browser.quit().await;
}

#[tokio::test]
async fn change_view_leads_to_the_transaction_manager_and_the_status_of_a_change() {
    let Some((app, browser)) = spawn().await else { return };
    browser.sign_in(&app, "editor@acme.example", "/orders/WO-1001").await;
    let d = browser.driver();
    d.find(By::Id("edit-Sub-1001-2")).await.unwrap().click().await.unwrap();
    browser.wait_for(|| browser.dialog_open(), "the dialog to open").await;
    let field = d.find(By::Id("contact-email")).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys("tm@globex.example").await.unwrap();
    d.find(By::Css("#dialog button[type=submit]")).await.unwrap().click().await.unwrap();
    browser.wait_for(|| async { !browser.dialog_open().await }, "the save").await;
    // Change View → Transaction Manager → type → search.
    d.find(By::LinkText("Transaction Manager")).await.unwrap().click().await.unwrap();
    browser
        .wait_for(|| async { d.current_url().await.unwrap().path() == "/transactions" }, "the Transaction Manager")
        .await;
    d.find(By::Css("#type option[value=provisioning_email_update]")).await.unwrap().click().await.unwrap();
    d.find(By::Id("q")).await.unwrap().send_keys("Sub-1001-2").await.unwrap();
    d.find(By::Css("form.filters button[type=submit]")).await.unwrap().click().await.unwrap();
    browser
        .wait_for(
            || async {
                d.goto(format!("{}/transactions?type=provisioning_email_update&q=Sub-1001-2", app.address))
                    .await
                    .unwrap();
                match d.find(By::Css("tr[data-transaction][data-type=provisioning_email_update]")).await {
                    Ok(row) => row.attr("data-status").await.unwrap().as_deref() == Some("success"),
                    Err(_) => false,
                }
            },
            "the change to show Success",
        )
        .await;
    let row = d.find(By::Css("tr[data-transaction]")).await.unwrap().text().await.unwrap();
    assert!(row.contains("Sub-1001-2") && row.contains("tm@globex.example") && row.contains("Success"), "{row}");
    browser.assert_clean_console().await;
    browser.quit().await;
}

/// axe-core from the npm registry, pinned in tests/axe/package.json and installed by
/// `.ci/run` (`npm ci --prefix tests/axe`).
fn axe_source() -> Option<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/axe/node_modules/axe-core/axe.min.js");
    match std::fs::read_to_string(&path) {
        Ok(source) => Some(source),
        Err(_) if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI=true but {} is missing: run npm ci --prefix tests/axe", path.display())
        }
        Err(_) => {
            skip_notice("accessibility test: axe-core is not installed (npm ci --prefix tests/axe)");
            None
        }
    }
}

/// Serious and critical axe violations on the current page.
async fn axe_violations(browser: &Browser, axe: &str) -> Vec<String> {
    let script = format!(
        "{axe}\nconst done = arguments[arguments.length - 1];
         axe.run(document, {{ resultTypes: ['violations'] }}).then(r => done(JSON.stringify(r.violations
             .filter(v => v.impact === 'serious' || v.impact === 'critical')
             .map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', ')))));"
    );
    let result = browser.driver().execute_async(script, vec![]).await.unwrap();
    let text: String = result.convert().unwrap();
    serde_json::from_str(&text).unwrap()
}

#[tokio::test]
async fn main_pages_have_no_serious_accessibility_violations_in_three_languages() {
    let Some(axe) = axe_source() else { return };
    let Some((app, browser)) = spawn().await else { return };
    browser.sign_in(&app, "editor@acme.example", "/orders").await;
    let d = browser.driver();
    let mut problems = Vec::new();
    for lang in ["en", "ko", "sv"] {
        d.goto(format!("{}/orders", app.address)).await.unwrap();
        let option = format!("#lang-switch option[value={lang}]");
        d.find(By::Css(&option)).await.unwrap().click().await.unwrap();
        browser
            .wait_for(
                || async {
                    d.find(By::Css("html")).await.unwrap().attr("lang").await.unwrap().as_deref() == Some(lang)
                },
                "the language to change",
            )
            .await;
        for path in [
            "/orders",
            "/orders/WO-1001",
            "/orders/WO-1001/lines/Sub-1001-1/contact",
            "/orders/WO-1001/lines/Sub-1001-1/resend",
            "/subscriptions",
            "/transactions",
            "/cases",
            "/cases/new?subscription=Sub-1001-1",
        ] {
            d.goto(format!("{}{path}", app.address)).await.unwrap();
            for v in axe_violations(&browser, &axe).await {
                problems.push(format!("{lang} {path}: {v}"));
            }
        }
        // The dialogs as they open in place.
        d.goto(format!("{}/orders/WO-1001", app.address)).await.unwrap();
        d.find(By::Id("edit-Sub-1001-1")).await.unwrap().click().await.unwrap();
        browser.wait_for(|| browser.dialog_open(), "the edit dialog").await;
        for v in axe_violations(&browser, &axe).await {
            problems.push(format!("{lang} edit dialog: {v}"));
        }
    }
    assert!(problems.is_empty(), "accessibility violations: {problems:#?}");
    browser.quit().await;
}

#[tokio::test]
async fn resend_for_every_line_of_the_order_in_place() {
    let Some((app, browser)) = spawn().await else { return };
    browser.sign_in(&app, "editor@acme.example", "/orders/WO-1001").await;
    let d = browser.driver();
    d.find(By::Id("resend-Sub-1001-1")).await.unwrap().click().await.unwrap();
    browser.wait_for(|| browser.dialog_open(), "the confirmation to open").await;
    let dialog = d.find(By::Id("dialog")).await.unwrap().text().await.unwrap();
    assert!(dialog.contains("Send for every line of this order") && dialog.contains("2 lines"), "{dialog}");
    d.find(By::Id("resend-all")).await.unwrap().click().await.unwrap();
    d.find(By::Css("#dialog button[type=submit]")).await.unwrap().click().await.unwrap();
    browser.wait_for(|| async { !browser.dialog_open().await }, "the dialog to close").await;
    let flash = d.find(By::Id("flash")).await.unwrap().text().await.unwrap();
    assert!(flash.contains("sent again for 2 lines"), "{flash}");
    for sub in ["Sub-1001-1", "Sub-1001-2"] {
        let txs = app.settled_transactions(sub).await;
        assert_eq!(txs.iter().filter(|t| t.kind == "provisioning_email_resend").count(), 1, "{sub}");
    }
    browser.assert_clean_console().await;
    browser.quit().await;
}

/// The invitation link of the newest email in the file mailbox that carries one.
async fn invitation_link_in_mailbox(app: &TestApp) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let found = std::fs::read_dir(&app.config.mail.mailbox).ok().and_then(|dir| {
            dir.filter_map(Result::ok)
                .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
                .map(|d| d.replace("=\r\n", "").replace("=\n", "").replace("=3D", "="))
                .find(|d| d.contains("/invitations/"))
        });
        if let Some(data) = found {
            let start = data.find("/invitations/").unwrap();
            let rest = &data[start + "/invitations/".len()..];
            let token: String =
                rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect();
            return format!("/invitations/{token}");
        }
        assert!(Instant::now() < deadline, "the invitation email was written");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn an_admin_invites_a_user_who_sets_a_password_and_signs_in() {
    let Some((app, browser)) = spawn().await else { return };
    let admin: provisio::store::ImportFile = serde_json::from_value(serde_json::json!({"users": [
        {"email": "admin@acme.example", "name": "Ada Admin", "company": "acme", "password": PASSWORD, "company_admin": true}
    ]}))
    .unwrap();
    app.store.import(&admin, chrono::Utc::now()).await.unwrap();
    browser.sign_in(&app, "admin@acme.example", "/orders").await;
    let d = browser.driver();
    // Change View → Company.
    d.find(By::Css("nav a[href='/company/users']")).await.unwrap().click().await.unwrap();
    browser.wait_for(|| async { d.current_url().await.unwrap().path() == "/company/users" }, "the Company page").await;
    d.find(By::Id("invite-name")).await.unwrap().send_keys("Ivy Invitee").await.unwrap();
    d.find(By::Id("invite-email")).await.unwrap().send_keys("ivy@acme.example").await.unwrap();
    d.find(By::Css("form[action='/company/users'] button[type=submit]")).await.unwrap().click().await.unwrap();
    browser
        .wait_for(
            || async { d.find(By::Css("[data-user='ivy@acme.example']")).await.is_ok() },
            "the invited user in the list, swapped in place",
        )
        .await;
    let message = d.find(By::Id("company-users")).await.unwrap().text().await.unwrap();
    assert!(message.contains("Invitation sent to ivy@acme.example"), "{message}");
    // The admin grants the edit permission in place.
    let grant = "[data-user='ivy@acme.example'] input[name=can_edit][value=on]";
    let form_button = format!("{grant} ~ button");
    d.find(By::Css(&form_button)).await.unwrap().click().await.unwrap();
    browser
        .wait_for(
            || async {
                match d.find(By::Css("[data-user='ivy@acme.example']")).await {
                    Ok(row) => row.attr("data-can-edit").await.unwrap().as_deref() == Some("true"),
                    Err(_) => false,
                }
            },
            "the edit permission granted",
        )
        .await;
    browser.assert_clean_console().await;

    // Ivy, in a browser of her own (signed out here), follows the link of her email.
    let link = invitation_link_in_mailbox(&app).await;
    d.find(By::Css("form[action='/logout'] button")).await.unwrap().click().await.unwrap();
    browser.wait_for(|| async { d.current_url().await.unwrap().path() == "/login" }, "signed out").await;
    d.goto(format!("{}{link}", app.address)).await.unwrap();
    d.find(By::Id("password")).await.unwrap().send_keys("password1234").await.unwrap();
    d.find(By::Id("password-confirm")).await.unwrap().send_keys("password1234").await.unwrap();
    d.find(By::Css("form button[type=submit]")).await.unwrap().click().await.unwrap();
    let alert = d.find(By::Css(".error-summary[role=alert]")).await.unwrap().text().await.unwrap();
    assert!(alert.contains("too common"), "{alert}");
    d.find(By::Id("password")).await.unwrap().send_keys("lanterns by the quay").await.unwrap();
    d.find(By::Id("password-confirm")).await.unwrap().send_keys("lanterns by the quay").await.unwrap();
    d.find(By::Css("form button[type=submit]")).await.unwrap().click().await.unwrap();
    browser.wait_for(|| async { d.current_url().await.unwrap().path() == "/login" }, "the sign-in page").await;
    d.find(By::Id("email")).await.unwrap().send_keys("ivy@acme.example").await.unwrap();
    d.find(By::Id("password")).await.unwrap().send_keys("lanterns by the quay").await.unwrap();
    d.find(By::Css("form[action='/login'] button[type=submit]")).await.unwrap().click().await.unwrap();
    browser.wait_for(|| async { d.current_url().await.unwrap().path() == "/orders" }, "signed in").await;
    // With the edit permission her admin granted, she may edit acme's orders.
    d.goto(format!("{}/orders/WO-1001", app.address)).await.unwrap();
    assert!(d.find(By::Id("edit-Sub-1001-1")).await.unwrap().is_enabled().await.unwrap());
    // The link worked once.
    let again = reqwest::get(format!("{}{link}", app.address)).await.unwrap();
    assert_eq!(again.status(), 410);
    browser.assert_clean_console().await;
    browser.quit().await;
}

#[tokio::test]
async fn company_and_invitation_pages_have_no_serious_accessibility_violations() {
    let Some(axe) = axe_source() else { return };
    let Some((app, browser)) = spawn().await else { return };
    let admin: provisio::store::ImportFile = serde_json::from_value(serde_json::json!({"users": [
        {"email": "admin@acme.example", "name": "Ada Admin", "company": "acme", "password": PASSWORD, "company_admin": true}
    ]}))
    .unwrap();
    app.store.import(&admin, chrono::Utc::now()).await.unwrap();
    browser.sign_in(&app, "admin@acme.example", "/orders").await;
    let d = browser.driver();
    let mut problems = Vec::new();
    d.goto(format!("{}/company/users", app.address)).await.unwrap();
    // The invitation form with its errors, then a sent invitation.
    d.find(By::Css("form[action='/company/users'] button[type=submit]")).await.unwrap().click().await.unwrap();
    browser.wait_for(|| async { d.find(By::Css(".error-summary")).await.is_ok() }, "the errors").await;
    for v in axe_violations(&browser, &axe).await {
        problems.push(format!("company users with errors: {v}"));
    }
    d.find(By::Id("invite-name")).await.unwrap().send_keys("Ivy Invitee").await.unwrap();
    d.find(By::Id("invite-email")).await.unwrap().send_keys("ivy@acme.example").await.unwrap();
    d.find(By::Css("form[action='/company/users'] button[type=submit]")).await.unwrap().click().await.unwrap();
    browser
        .wait_for(|| async { d.find(By::Css("[data-user='ivy@acme.example']")).await.is_ok() }, "the invitation")
        .await;
    for v in axe_violations(&browser, &axe).await {
        problems.push(format!("company users: {v}"));
    }
    let link = invitation_link_in_mailbox(&app).await;
    d.find(By::Css("form[action='/logout'] button")).await.unwrap().click().await.unwrap();
    browser.wait_for(|| async { d.current_url().await.unwrap().path() == "/login" }, "signed out").await;
    d.goto(format!("{}{link}", app.address)).await.unwrap();
    for v in axe_violations(&browser, &axe).await {
        problems.push(format!("invitation: {v}"));
    }
    d.find(By::Css("form button[type=submit]")).await.unwrap().click().await.unwrap();
    browser.wait_for(|| async { d.find(By::Css(".error-summary")).await.is_ok() }, "the password error").await;
    for v in axe_violations(&browser, &axe).await {
        problems.push(format!("invitation with an error: {v}"));
    }
    assert!(problems.is_empty(), "accessibility violations: {problems:#?}");
    browser.quit().await;
}
