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
        self.sign_in_at(&app.address, email, next).await
    }

    /// Signs in through the form of the portal at `base` (`http://localhost:PORT` where
    /// passkeys are tested: browsers refuse an IP address as their relying party).
    async fn sign_in_at(&self, base: &str, email: &str, next: &str) {
        let d = self.driver();
        d.goto(format!("{base}/login?next={next}")).await.unwrap();
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

    /// The text of a Company page's row for `email`, or "" without one.
    async fn row_user_text(&self, email: &str) -> String {
        match self.driver().find(By::Css(format!("tr[data-user='{email}']"))).await {
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

    /// The page's layout viewport in CSS px (DevTools device metrics: headless chromium's
    /// window has a minimum width above 320).
    async fn viewport(&self, width: u32, height: u32) {
        self.driver().cdp().emulation().set_device_metrics_override(width, height, 1.0, false).await.unwrap();
    }

    /// The Accept-Language the browser sends, which picks a signed-out visitor's language.
    async fn accept_language(&self, lang: &str) {
        let user_agent = self.script("return navigator.userAgent").await;
        let params = serde_json::json!({ "userAgent": user_agent, "acceptLanguage": lang });
        self.driver().cdp().send_raw("Emulation.setUserAgentOverride", params).await.unwrap();
    }

    async fn sign_out(&self) {
        self.driver().delete_all_cookies().await.unwrap();
    }

    /// Picks the signed-in user's language with the header's switcher.
    async fn choose_language(&self, app: &TestApp, lang: &str) {
        let d = self.driver();
        d.goto(format!("{}/orders", app.address)).await.unwrap();
        let option = format!("#lang-switch option[value={lang}]");
        d.find(By::Css(&option)).await.unwrap().click().await.unwrap();
        self.wait_for(
            || async { d.find(By::Css("html")).await.unwrap().attr("lang").await.unwrap().as_deref() == Some(lang) },
            "the language to change",
        )
        .await;
    }

    /// Changes a line's contact through the dialog on the current page.
    async fn save_contact(&self, subscription: &str, email: &str) {
        let d = self.driver();
        d.find(By::Id(format!("edit-{subscription}"))).await.unwrap().click().await.unwrap();
        self.wait_for(|| self.dialog_open(), "the dialog to open").await;
        let field = d.find(By::Id("contact-email")).await.unwrap();
        field.clear().await.unwrap();
        field.send_keys(email).await.unwrap();
        d.find(By::Css("#dialog button[type=submit]")).await.unwrap().click().await.unwrap();
        self.wait_for(|| async { self.row_text(subscription).await.contains(email) }, "the new address").await;
        self.wait_for(|| async { !self.dialog_open().await }, "the dialog to close").await;
    }

    /// The page is wider than the viewport (WCAG 1.4.10 reflow: it scrolls sideways).
    async fn scrolls_sideways(&self) -> Option<String> {
        let sizes = self.script("return [document.documentElement.scrollWidth, window.innerWidth]").await;
        (sizes[0].as_u64() > sizes[1].as_u64()).then(|| format!("scrolls sideways: {sizes} (page, viewport)"))
    }

    /// axe's findings on the current page, and a sideways scroll, each named with `what`.
    async fn audit(&self, axe: &str, what: String) -> Vec<String> {
        let mut problems = axe_violations(self, axe).await;
        problems.extend(self.scrolls_sideways().await);
        problems.into_iter().map(|v| format!("{what}: {v}")).collect()
    }

    /// Presses `key` (with Shift held when `shift`) on whatever has the focus.
    async fn press(&self, key: Key, shift: bool) {
        let chain = self.driver().action_chain();
        let chain =
            if shift { chain.key_down(Key::Shift).send_keys(key).key_up(Key::Shift) } else { chain.send_keys(key) };
        chain.perform().await.unwrap();
    }

    async fn type_text(&self, text: &str) {
        self.driver().action_chain().send_keys(text).perform().await.unwrap();
    }

    /// The focused element, whether it shows a focus ring (outline or box-shadow), lies
    /// inside the viewport and is not covered by anything at its centre (WCAG 2.4.7, 2.4.11).
    async fn focus(&self) -> serde_json::Value {
        self.script(
            "const e = document.activeElement, s = getComputedStyle(e), r = e.getBoundingClientRect();
             const ring = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none';
             // Within a pixel: scrolling into view may leave a box half a pixel over the edge.
             const inView = r.width > 0 && r.height > 0 && r.top >= -1 && r.left >= -1
                 && r.bottom <= window.innerHeight + 1 && r.right <= window.innerWidth + 1;
             const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
             const uncovered = top !== null && (e === top || e.contains(top));
             return { what: e.tagName + '#' + e.id + ' ' + (e.innerText || '').trim().slice(0, 40),
                      visible: e !== document.body && ring && inView && uncovered, ring, inView, uncovered,
                      rect: [r.left, r.top, r.right, r.bottom, window.innerWidth, window.innerHeight] };",
        )
        .await
    }

    async fn assert_focus_visible(&self, step: &str) {
        let focus = self.focus().await;
        assert_eq!(focus["visible"], true, "{step}: the focus is not visible: {focus}");
    }

    /// Tabs (backwards with `shift`) until the focused element matches `css`, checking at
    /// every stop that the focus is visible.
    async fn tab_to(&self, css: &str, shift: bool) {
        let matches = format!("return document.activeElement.matches({css:?})");
        for _ in 0..60 {
            self.press(Key::Tab, shift).await;
            self.assert_focus_visible(&format!("tabbing to {css}")).await;
            if self.script(&matches).await == true {
                return;
            }
        }
        panic!("60 presses of Tab did not reach {css}");
    }

    /// The element's box in the viewport after scrolling it into view: [left, top, width, height].
    async fn rect_in_view(&self, css: &str) -> Vec<f64> {
        let js = format!(
            "const e = document.querySelector({css:?}); e.scrollIntoView({{block: 'nearest'}});
             const r = e.getBoundingClientRect(); return [r.left, r.top, r.width, r.height];"
        );
        serde_json::from_value(self.script(&js).await).unwrap()
    }

    async fn assert_fits_viewport(&self, css: &str) {
        let rect = self.rect_in_view(css).await;
        let size = self.script("return [window.innerWidth, window.innerHeight]").await;
        let (w, h) = (size[0].as_f64().unwrap(), size[1].as_f64().unwrap());
        assert!(
            // Within a pixel, as scrolling into view may leave a fraction over the edge.
            rect[0] >= -1.0 && rect[1] >= -1.0 && rect[0] + rect[2] <= w + 1.0 && rect[1] + rect[3] <= h + 1.0,
            "{css} at {rect:?} does not fit the {w}×{h} viewport"
        );
    }

    /// Boxes whose text spills out of them (what WCAG 1.4.12's spacing must not cause).
    async fn clipped(&self) -> serde_json::Value {
        self.script(
            "return [...document.querySelectorAll('button, .button, summary, td, th, dd, p, h1, h2')]
                 .filter(e => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1)
                 .map(e => e.tagName + ' ' + (e.innerText || '').trim().slice(0, 40));",
        )
        .await
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
    assert!(flash.contains("email to old@globex.example is queued to go again"), "{flash}");
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

/// The WCAG 2.2 AA rules and axe's best practices: every violation, of any impact, on the
/// current page (the default rule set leaves WCAG 2.2's target size out).
async fn axe_violations(browser: &Browser, axe: &str) -> Vec<String> {
    let script = format!(
        "{axe}\nconst done = arguments[arguments.length - 1];
         axe.run(document, {{
             runOnly: {{ type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] }},
             resultTypes: ['violations'],
         }}).then(r => done(JSON.stringify(r.violations
             .map(v => v.impact + ' ' + v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', ')))));"
    );
    let result = browser.driver().execute_async(script, vec![]).await.unwrap();
    let text: String = result.convert().unwrap();
    serde_json::from_str(&text).unwrap()
}

/// A desktop window and the narrowest phone WCAG 1.4.10 names (320 CSS px).
const WIDTHS: [(u32, u32); 2] = [(1280, 900), (320, 640)];

#[tokio::test]
async fn every_page_and_dialog_passes_axe_wcag_22_aa_in_three_languages_at_desktop_and_phone_width() {
    let Some(axe) = axe_source() else { return };
    let Some((app, browser)) = spawn().await else { return };
    let d = browser.driver();
    // Something in every list: a change in the Transaction Manager and a case.
    let admin: provisio::store::ImportFile = serde_json::from_value(serde_json::json!({"users": [
        {"email": "admin@acme.example", "name": "Ada Admin", "company": "acme", "password": PASSWORD, "company_admin": true}
    ]}))
    .unwrap();
    app.store.import(&admin, chrono::Utc::now()).await.unwrap();
    browser.sign_in(&app, "editor@acme.example", "/orders/WO-1001").await;
    browser.save_contact("Sub-1001-2", "axe@globex.example").await;
    d.goto(format!("{}/cases/new?subscription=Sub-1001-1", app.address)).await.unwrap();
    d.find(By::Css("input[name=request_type][value=resend_email]")).await.unwrap().click().await.unwrap();
    d.find(By::Id("description")).await.unwrap().send_keys("Please resend the email.").await.unwrap();
    d.find(By::Css("form[action='/cases'] button[type=submit]")).await.unwrap().click().await.unwrap();
    browser.wait_for(|| async { d.find(By::Css("tr[data-case]")).await.is_ok() }, "the new case").await;

    // Strong sign-in's pages: an enrolment of one-time codes waiting for its first code
    // (the admin's key and QR code), and a user whose codes are on (the second step).
    let key = provisio::startup::signing_key(&app.store).await.unwrap();
    let user_of = |email: &'static str| {
        let store = app.store.clone();
        async move { store.user_credentials(email).await.unwrap().unwrap().0 }
    };
    let admin_user = user_of("admin@acme.example").await;
    let waiting = provisio::web::factors::seal(&key, admin_user.id, &provisio::web::factors::new_secret());
    app.store.start_totp(admin_user.id, &waiting, chrono::Utc::now()).await.unwrap();
    let dist = user_of("dist@north.example").await;
    let on = provisio::web::factors::seal(&key, dist.id, &provisio::web::factors::new_secret());
    app.store.enrol_totp_directly(dist.id, &on, chrono::Utc::now()).await.unwrap();

    // The email the edit queued, for its view.
    let history = app.store.line_history("Sub-1001-2", None, 10).await.unwrap();
    let email_view = format!("/emails/{}", history.iter().find_map(|t| t.outbox_id).expect("the edit queued an email"));
    // Bulk fixes: an applied batch (its rows show old → new) and a preview with refusals.
    let editor = app.login("editor@acme.example").await;
    let upload = |csv: &'static str| {
        let part = reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("fix.csv");
        let form = reqwest::multipart::Form::new().text("csrf_token", editor.csrf.clone()).part("file", part);
        editor.client.post(format!("{}/bulk-fixes", editor.base)).multipart(form).send()
    };
    let batch_of = |response: reqwest::Response| async move {
        let pushed = response.headers()["hx-push-url"].to_str().unwrap().to_string();
        assert_eq!(response.status(), 200, "{pushed}");
        pushed
    };
    let applied_batch =
        batch_of(upload("subscription_id,new_contact_email\nSub-1003-1,bulk@stark.example\n").await.unwrap()).await;
    assert_eq!(editor.post(&format!("{applied_batch}/apply"), &[]).await.status(), 303);
    let preview_batch = batch_of(
        upload("subscription_id,new_contact_email\nSub-1001-1,bulk@globex.example\nSub-9999-9,a@b.example\nSub-1002-1,not an address\n")
            .await
            .unwrap(),
    )
    .await;
    let files = tempfile::tempdir().unwrap();
    let unreadable = files.path().join("wrong.csv");
    std::fs::write(&unreadable, "subscription,email\nSub-1001-1,a@globex.example\n").unwrap();
    // A token on the admin's list, so that its row and Revoke are checked too.
    let company_admin = app.login("admin@acme.example").await;
    let made = company_admin.post("/company/tokens", &[("name", "ERP"), ("scope", "write")]).await;
    assert_eq!(made.status(), 200);

    let mut problems = Vec::new();
    for lang in ["en", "ko", "sv"] {
        browser.sign_out().await;
        browser.accept_language(lang).await;
        for (width, height) in WIDTHS {
            browser.viewport(width, height).await;
            d.goto(format!("{}/login", app.address)).await.unwrap();
            problems.extend(browser.audit(&axe, format!("{lang} {width}px /login")).await);
        }
        let editor_paths = [
            "/attention",
            "/attention?kind=pending",
            email_view.as_str(),
            "/bulk-fixes",
            preview_batch.as_str(),
            applied_batch.as_str(),
            // Refused: the tokens are the company admins'.
            "/company/tokens",
            "/orders",
            "/orders/WO-1001",
            "/orders/WO-1001/lines/Sub-1001-1/contact",
            "/orders/WO-1001/lines/Sub-1001-1/resend",
            "/orders/WO-1001/lines/Sub-1001-2/history",
            "/orders/WO-1002/lines/Sub-1002-1/contact",
            "/orders/WO-9999",
            "/subscriptions",
            "/subscriptions?q=Sub-1001-3",
            // The dialogs as pages, as they open without JavaScript.
            "/subscriptions/Sub-1001-3/contact",
            "/subscriptions/Sub-1001-3/resend",
            "/transactions",
            "/cases",
            "/cases/new?subscription=Sub-1001-1",
            "/account/security",
            "/login/confirm?next=/orders",
        ];
        for (user, paths) in [
            ("editor@acme.example", &editor_paths[..]),
            (
                "ops@vendor.example",
                &[
                    "/cases",
                    "/transactions",
                    "/orders/WO-1001",
                    "/attention",
                    "/attention?company=north",
                    // The Company pages with the company picker and an operator's row.
                    "/company/users",
                    "/company/users?company=acme",
                    "/company/tokens?company=acme",
                    // Everyone's uploads, and someone else's batch.
                    "/bulk-fixes",
                    preview_batch.as_str(),
                ][..],
            ),
            // Case 1.1: the pages' note that the disabled controls point to.
            ("viewer@acme.example", &["/orders/WO-1001", "/subscriptions", "/attention"][..]),
            // The admin last: the token pages below are theirs.
            ("admin@acme.example", &["/company/users", "/company/tokens", "/account/security"][..]),
        ] {
            browser.sign_out().await;
            browser.viewport(WIDTHS[0].0, WIDTHS[0].1).await;
            browser.sign_in(&app, user, "/orders").await;
            browser.choose_language(&app, lang).await;
            for (width, height) in WIDTHS {
                browser.viewport(width, height).await;
                for path in paths {
                    d.goto(format!("{}{path}", app.address)).await.unwrap();
                    problems.extend(browser.audit(&axe, format!("{lang} {width}px {user} {path}")).await);
                }
            }
        }
        // The admin's tokens page as the creating POST answers it: the secret shown once.
        for (width, height) in WIDTHS {
            browser.viewport(width, height).await;
            d.goto(format!("{}/company/tokens", app.address)).await.unwrap();
            d.find(By::Id("token-name")).await.unwrap().send_keys(format!("{lang} {width}")).await.unwrap();
            d.find(By::Css("form[action='/company/tokens'] button[type=submit]")).await.unwrap().click().await.unwrap();
            browser.wait_for(|| async { d.find(By::Css("[data-token-secret]")).await.is_ok() }, "the new secret").await;
            problems.extend(browser.audit(&axe, format!("{lang} {width}px a new token's secret")).await);
        }
        // The dialogs as they open in place (the editor is signed in again).
        browser.sign_out().await;
        browser.sign_in(&app, "editor@acme.example", "/orders/WO-1001").await;
        for (width, height) in WIDTHS {
            browser.viewport(width, height).await;
            for (opener, what) in [("edit-Sub-1001-1", "edit dialog"), ("resend-Sub-1001-1", "resend dialog")] {
                d.goto(format!("{}/orders/WO-1001", app.address)).await.unwrap();
                d.find(By::Id(opener)).await.unwrap().click().await.unwrap();
                browser.wait_for(|| browser.dialog_open(), what).await;
                problems.extend(browser.audit(&axe, format!("{lang} {width}px {what}")).await);
            }
            // The edit dialog showing an invalid address.
            d.goto(format!("{}/orders/WO-1001", app.address)).await.unwrap();
            d.find(By::Id("edit-Sub-1001-1")).await.unwrap().click().await.unwrap();
            browser.wait_for(|| browser.dialog_open(), "the edit dialog").await;
            let field = d.find(By::Id("contact-email")).await.unwrap();
            field.clear().await.unwrap();
            field.send_keys("not an address").await.unwrap();
            d.find(By::Css("#dialog button[type=submit]")).await.unwrap().click().await.unwrap();
            browser.wait_for(|| async { d.find(By::Css("#dialog .error-summary")).await.is_ok() }, "the error").await;
            problems.extend(browser.audit(&axe, format!("{lang} {width}px edit dialog with an error")).await);
            // The bulk fix page refusing a file it cannot read (422, the error summary).
            d.goto(format!("{}/bulk-fixes", app.address)).await.unwrap();
            d.find(By::Id("bulk-file")).await.unwrap().send_keys(unreadable.display().to_string()).await.unwrap();
            d.find(By::Css("form[action='/bulk-fixes'] button[type=submit]")).await.unwrap().click().await.unwrap();
            browser
                .wait_for(|| async { d.find(By::Css("main .error-summary")).await.is_ok() }, "the file's error")
                .await;
            problems.extend(browser.audit(&axe, format!("{lang} {width}px bulk fix with an unreadable file")).await);
            // Needs attention's dialogs, in place.
            d.goto(format!("{}/attention", app.address)).await.unwrap();
            d.find(By::Css("tr[data-attention=pending] a[href$='/contact']")).await.unwrap().click().await.unwrap();
            browser.wait_for(|| browser.dialog_open(), "the edit dialog on Needs attention").await;
            problems.extend(browser.audit(&axe, format!("{lang} {width}px edit dialog on Needs attention")).await);
            // A refusal inside the dialog (PONR reached on WO-1002).
            d.goto(format!("{}/orders/WO-1002", app.address)).await.unwrap();
            browser
                .script("htmx.ajax('GET', '/orders/WO-1002/lines/Sub-1002-1/contact', {target: '#dialog-body', swap: 'innerHTML'}); return null;")
                .await;
            browser.wait_for(|| browser.dialog_open(), "the refusal dialog").await;
            problems.extend(browser.audit(&axe, format!("{lang} {width}px refusal dialog")).await);
        }
        // The second step of sign-in (with a recovery code: each works once), then new
        // recovery codes shown once.
        for (width, height) in WIDTHS {
            let (codes, hashes) = provisio::web::factors::new_recovery_codes();
            app.store.renew_recovery_codes(&dist, &hashes, chrono::Utc::now()).await.unwrap();
            browser.sign_out().await;
            browser.viewport(width, height).await;
            d.goto(format!("{}/login?next=/account/security", app.address)).await.unwrap();
            d.find(By::Id("email")).await.unwrap().send_keys("dist@north.example").await.unwrap();
            d.find(By::Id("password")).await.unwrap().send_keys(PASSWORD).await.unwrap();
            d.find(By::Css("form[action='/login'] button[type=submit]")).await.unwrap().click().await.unwrap();
            let second_step = || async { d.current_url().await.unwrap().path() == "/login/second-factor" };
            browser.wait_for(second_step, "the second step").await;
            problems.extend(browser.audit(&axe, format!("{lang} {width}px /login/second-factor")).await);
            d.find(By::Id("code")).await.unwrap().send_keys(&codes[0]).await.unwrap();
            d.find(By::Css("form[action='/login/second-factor'] button[type=submit]"))
                .await
                .unwrap()
                .click()
                .await
                .unwrap();
            let landed = || async { d.current_url().await.unwrap().path() == "/account/security" };
            browser.wait_for(landed, "signed in").await;
            d.find(By::Css("form[action='/account/recovery-codes'] button")).await.unwrap().click().await.unwrap();
            let shown = || async { d.find(By::Css("[data-recovery-code]")).await.is_ok() };
            browser.wait_for(shown, "new recovery codes").await;
            problems.extend(browser.audit(&axe, format!("{lang} {width}px new recovery codes")).await);
        }
        browser.viewport(WIDTHS[0].0, WIDTHS[0].1).await;
    }
    assert!(problems.is_empty(), "accessibility violations: {problems:#?}");
    browser.assert_clean_console().await;
    browser.quit().await;
}

#[tokio::test]
async fn at_320_px_the_order_and_subscriptions_pages_fit_the_screen_and_edit_in_place() {
    let Some((app, browser)) = spawn().await else { return };
    let d = browser.driver();
    browser.viewport(320, 640).await;
    browser.sign_in(&app, "editor@acme.example", "/orders/WO-1001").await;
    for (path, line, email) in [
        ("/orders/WO-1001", "Sub-1001-1", "phone@globex.example"),
        ("/subscriptions", "Sub-1003-1", "phone@stark.example"),
    ] {
        d.goto(format!("{}{path}", app.address)).await.unwrap();
        assert_eq!(browser.scrolls_sideways().await, None, "{path}");
        // Edit is on screen, and as the line's main action at least 44 × 44 px.
        let edit = format!("#edit-{line}");
        browser.assert_fits_viewport(&edit).await;
        let rect = browser.rect_in_view(&edit).await;
        assert!(rect[2] >= 44.0 && rect[3] >= 44.0, "{path}: Edit is {rect:?}");
        browser.assert_fits_viewport(&format!("#resend-{line}")).await;
        d.find(By::Css(&edit)).await.unwrap().click().await.unwrap();
        browser.wait_for(|| browser.dialog_open(), "the dialog to open").await;
        browser.assert_fits_viewport("#dialog").await;
        browser.assert_fits_viewport("#dialog button[type=submit]").await;
        assert_eq!(browser.scrolls_sideways().await, None, "{path} with the dialog open");
        let field = d.find(By::Id("contact-email")).await.unwrap();
        field.clear().await.unwrap();
        field.send_keys(email).await.unwrap();
        d.find(By::Css("#dialog button[type=submit]")).await.unwrap().click().await.unwrap();
        browser.wait_for(|| async { browser.row_text(line).await.contains(email) }, "the new address").await;
        browser.wait_for(|| async { !browser.dialog_open().await }, "the dialog to close").await;
        assert_eq!(browser.scrolls_sideways().await, None, "{path} after the save");
    }
    // WCAG 1.4.12: the user's own text spacing loses nothing, at 320 px.
    let spacing = "const sheet = new CSSStyleSheet();
        sheet.replaceSync('* { line-height: 1.5 !important; letter-spacing: .12em !important; word-spacing: .16em !important; }'
            + ' p { margin-bottom: 2em !important; }');
        document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet]; return null;";
    // WCAG 1.4.4: text at 200 %, in a desktop window.
    let bigger = "document.documentElement.style.fontSize = '200%'; return null;";
    for ((width, height), change) in [((320, 640), spacing), ((1280, 900), bigger)] {
        browser.viewport(width, height).await;
        for path in ["/orders/WO-1001", "/subscriptions", "/transactions", "/cases", "/orders"] {
            d.goto(format!("{}{path}", app.address)).await.unwrap();
            browser.script(change).await;
            assert_eq!(browser.scrolls_sideways().await, None, "{path} at {width} px: {change}");
            assert_eq!(browser.clipped().await, serde_json::json!([]), "{path} at {width} px: {change}");
        }
    }
    browser.assert_clean_console().await;
    browser.quit().await;
}

#[tokio::test]
async fn the_keyboard_alone_goes_from_sign_in_to_the_transaction_manager_at_320_px_with_focus_always_visible() {
    let Some((app, browser)) = spawn().await else { return };
    let d = browser.driver();
    browser.viewport(320, 640).await;
    d.goto(format!("{}/login?next=/orders/WO-1001", app.address)).await.unwrap();
    // The address field has the focus on arrival.
    browser.assert_focus_visible("sign-in").await;
    browser.type_text("editor@acme.example").await;
    browser.press(Key::Tab, false).await;
    browser.assert_focus_visible("the password").await;
    browser.type_text(PASSWORD).await;
    browser.press(Key::Enter, false).await;
    browser.wait_for(|| async { d.current_url().await.unwrap().path() == "/orders/WO-1001" }, "the order page").await;

    // Edit, change the address on both awaiting lines, save.
    browser.tab_to("#edit-Sub-1001-1", false).await;
    browser.press(Key::Enter, false).await;
    browser.wait_for(|| browser.dialog_open(), "the edit dialog").await;
    assert_eq!(browser.script("return document.activeElement.id").await, "contact-email");
    browser.assert_focus_visible("the address field").await;
    d.action_chain().key_down(Key::Control).send_keys("a").key_up(Key::Control).perform().await.unwrap();
    browser.type_text("keys@globex.example").await;
    browser.tab_to("#apply-to-all", false).await;
    browser.press(Key::Space, false).await;
    browser.tab_to("#dialog button[type=submit]", false).await;
    browser.tab_to("#apply-to-all", true).await;
    browser.tab_to("#dialog button[type=submit]", false).await;
    browser.press(Key::Enter, false).await;
    browser
        .wait_for(|| async { browser.row_text("Sub-1001-2").await.contains("keys@globex.example") }, "the save")
        .await;
    browser.wait_for(|| async { !browser.dialog_open().await }, "the dialog to close").await;
    assert_eq!(browser.script("return document.activeElement.id").await, "edit-Sub-1001-1");
    browser.assert_focus_visible("back on the line").await;

    // Resend: Escape leaves the question unanswered; Enter answers it.
    browser.tab_to("#resend-Sub-1001-1", true).await;
    browser.press(Key::Enter, false).await;
    browser.wait_for(|| browser.dialog_open(), "the resend question").await;
    browser.assert_focus_visible("the resend question").await;
    browser.press(Key::Escape, false).await;
    browser.wait_for(|| async { !browser.dialog_open().await }, "the question to close").await;
    browser
        .wait_for(
            || async { browser.script("return document.activeElement.id").await == "resend-Sub-1001-1" },
            "Resend",
        )
        .await;
    browser.assert_focus_visible("back on Resend").await;
    browser.press(Key::Enter, false).await;
    browser.wait_for(|| browser.dialog_open(), "the resend question again").await;
    assert_eq!(browser.script("return document.activeElement.closest('dialog') !== null").await, true);
    browser.press(Key::Enter, false).await;
    browser.wait_for(|| async { !browser.dialog_open().await }, "the resend").await;
    let flash = d.find(By::Id("flash")).await.unwrap().text().await.unwrap();
    assert!(flash.contains("email to keys@globex.example is queued to go again"), "{flash}");
    // The line is drawn again (Resend may be disabled while its email is on the way): the
    // focus stays on the line.
    let on_the_line = "return document.activeElement.closest('tr[data-subscription=\"Sub-1001-1\"]') !== null";
    let deadline = Instant::now() + Duration::from_secs(10);
    while browser.script(on_the_line).await != true {
        if Instant::now() >= deadline {
            let row = browser.script("return document.getElementById('line-Sub-1001-1').outerHTML").await;
            panic!("the focus did not come back to the line: {}\n{row}", browser.focus().await);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    browser.assert_focus_visible("on the line after sending").await;

    // The folded menu opens from the keyboard and leads to the Transaction Manager.
    assert_eq!(browser.script("return document.querySelector('details.menu').open").await, false);
    browser.tab_to("details.menu > summary", true).await;
    browser.press(Key::Enter, false).await;
    assert_eq!(browser.script("return document.querySelector('details.menu').open").await, true);
    browser.tab_to("a[href='/transactions']", false).await;
    browser.press(Key::Enter, false).await;
    browser
        .wait_for(|| async { d.current_url().await.unwrap().path() == "/transactions" }, "the Transaction Manager")
        .await;
    browser.tab_to("form.filters button[type=submit]", false).await;
    assert_eq!(browser.scrolls_sideways().await, None);
    browser.assert_clean_console().await;
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
    assert!(flash.contains("for 2 lines is queued to go again"), "{flash}");
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
                    // The row may be swapped between the find and the read: then look again.
                    Ok(row) => row.attr("data-can-edit").await.ok().flatten().as_deref() == Some("true"),
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
    // The answer is a new page: wait for it rather than read the old one.
    let alert = d.query(By::Css(".error-summary[role=alert]")).first().await.unwrap().text().await.unwrap();
    assert!(alert.contains("too easy to guess"), "{alert}");
    d.find(By::Id("password")).await.unwrap().send_keys("lanterns by the quay").await.unwrap();
    d.find(By::Id("password-confirm")).await.unwrap().send_keys("lanterns by the quay").await.unwrap();
    d.find(By::Css("form button[type=submit]")).await.unwrap().click().await.unwrap();
    browser.wait_for(|| async { d.current_url().await.unwrap().path() == "/login" }, "the sign-in page").await;
    d.find(By::Id("email")).await.unwrap().send_keys("ivy@acme.example").await.unwrap();
    d.find(By::Id("password")).await.unwrap().send_keys("lanterns by the quay").await.unwrap();
    d.find(By::Css("form[action='/login'] button[type=submit]")).await.unwrap().click().await.unwrap();
    browser
        .wait_for(|| async { d.current_url().await.unwrap().path() == "/attention" }, "signed in on Needs attention")
        .await;
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

#[tokio::test]
async fn a_queued_email_shows_the_mail_servers_answer_without_a_reload() {
    let Some((app, browser)) = spawn().await else { return };
    browser.sign_in(&app, "editor@acme.example", "/orders/WO-1001").await;
    // A reminder queued an hour ahead, released once the page has shown it queued.
    crate::live_status::queued_ahead(&app, chrono::Duration::hours(1)).await;
    let d = browser.driver();
    d.goto(format!("{}/orders/WO-7001", app.address)).await.unwrap();
    // Read in one script: the poll may swap the row between a find and a read.
    let state = || async {
        let js = "var r = document.querySelector(\"tr[data-subscription='Sub-7001-1']\"); \
                  return r ? r.getAttribute('data-email-state') : null";
        browser.script(js).await.as_str().unwrap_or_default().to_string()
    };
    assert_eq!(state().await, "queued");
    assert!(browser.row_text("Sub-7001-1").await.contains("queued"));
    // A mark on this document: a reload would lose it.
    browser.script("window.provisioLoaded = 'before'; return null").await;
    crate::live_status::release_now(&app).await;
    browser.wait_for(|| async { state().await == "accepted" }, "the row to show the mail server's answer").await;
    assert!(browser.row_text("Sub-7001-1").await.contains("accepted by the mail server"));
    assert_eq!(browser.script("return window.provisioLoaded || null").await, "before", "no reload");
    let live = d.find(By::Id("email-live")).await.unwrap();
    assert_eq!(live.attr("aria-live").await.unwrap().as_deref(), Some("polite"));
    assert!(
        live.text().await.unwrap_or_default().contains("accepted")
            || live.inner_html().await.unwrap().contains("accepted")
    );
    // A final row asks no more.
    assert!(d.find_all(By::Css("[data-email-poll]")).await.unwrap().is_empty());
    browser.assert_clean_console().await;
    browser.quit().await;
}

/// Issue 25, point 4: ids and addresses never break inside a word, statuses are coloured
/// tags with their words, a disabled button looks disabled, and Needs attention and the
/// email view fit a 320 px screen.
#[tokio::test]
async fn tables_read_at_a_glance_without_words_broken_inside() {
    let Some((app, browser)) = spawn().await else { return };
    let d = browser.driver();
    // A long address, the kind the walk saw broken ("new.admin@globex.exampl / e").
    browser.sign_in(&app, "editor@acme.example", "/orders/WO-1001").await;
    browser.save_contact("Sub-1001-2", "new.administrator@globex-international.example").await;
    // Ids, addresses and the lines' dates each on one line (text broken across lines has
    // more than one rectangle).
    let broken =
        "return [...document.querySelectorAll('.id, .address, tbody th[scope=row], table.lines td:nth-last-child(4)')]
        .filter(e => { const r = document.createRange(); r.selectNodeContents(e);
                       return e.offsetParent !== null && r.getClientRects().length > 1; })
        .map(e => e.textContent.trim());";
    for (width, path) in [
        (1280, "/subscriptions"),
        (1040, "/subscriptions"),
        (1280, "/attention"),
        (1280, "/orders/WO-1001"),
        (1280, "/transactions"),
    ] {
        browser.viewport(width, 900).await;
        d.goto(format!("{}{path}", app.address)).await.unwrap();
        assert_eq!(browser.script(broken).await, serde_json::json!([]), "{width}px {path}: broken inside a word");
        assert_eq!(browser.scrolls_sideways().await, None, "{width}px {path}");
    }
    // Statuses are tags: words on a coloured ground.
    d.goto(format!("{}/subscriptions", app.address)).await.unwrap();
    let tags = browser
        .script(
            "return [...document.querySelectorAll('tr[data-status] .tag, tr[data-status] .status')].map(e =>
                 [e.closest('tr').dataset.status, e.textContent.trim(), getComputedStyle(e).backgroundColor]);",
        )
        .await;
    let tags = tags.as_array().unwrap();
    assert!(tags.len() >= 4, "{tags:?}");
    for tag in tags {
        assert!(!tag[1].as_str().unwrap().is_empty(), "a tag says its status in words: {tag}");
        assert_ne!(tag[2], "rgba(0, 0, 0, 0)", "a tag has a colour: {tag}");
    }
    let closed = tags.iter().find(|t| t[0] == "closed").unwrap();
    let awaiting = tags.iter().find(|t| t[0] == "awaiting").unwrap();
    assert_ne!(closed[2], awaiting[2], "still pending stands out");
    // A disabled button looks disabled: a dashed edge, no fill.
    browser.sign_out().await;
    browser.sign_in(&app, "viewer@acme.example", "/orders/WO-1001").await;
    let style = browser
        .script(
            "const s = getComputedStyle(document.querySelector('button[disabled]'));
             return [s.borderTopStyle, s.backgroundColor, s.cursor];",
        )
        .await;
    assert_eq!(style, serde_json::json!(["dashed", "rgb(255, 255, 255)", "not-allowed"]));
    // 320 px: nothing scrolls sideways on the new pages either.
    browser.sign_out().await;
    browser.sign_in(&app, "editor@acme.example", "/attention").await;
    let history = app.store.line_history("Sub-1001-2", None, 10).await.unwrap();
    let email = format!("/emails/{}", history.iter().find_map(|t| t.outbox_id).expect("the edit queued an email"));
    browser.viewport(320, 640).await;
    for path in ["/attention", "/subscriptions", email.as_str(), "/transactions"] {
        d.goto(format!("{}{path}", app.address)).await.unwrap();
        assert_eq!(browser.scrolls_sideways().await, None, "320px {path}");
    }
    // A card names each value by its column, from app.css rather than from every cell.
    let labels = "const row = document.querySelector('tr[data-status]');
        return [...row.children].slice(0, 3).map(c => getComputedStyle(c, '::before').content);";
    d.goto(format!("{}/orders/WO-1001", app.address)).await.unwrap();
    assert_eq!(
        browser.script(labels).await,
        serde_json::json!(["\"Subscription id\"", "\"Offer\"", "\"Requested start date\""])
    );
    d.goto(format!("{}/subscriptions", app.address)).await.unwrap();
    assert_eq!(
        browser.script(labels).await,
        serde_json::json!(["\"Subscription id\"", "\"Web order id\"", "\"Customer\""])
    );
    browser.assert_clean_console().await;
    browser.quit().await;
}

#[tokio::test]
async fn an_operator_picks_a_company_on_the_company_page_and_its_tokens_are_one_click_away() {
    let Some((app, browser)) = spawn().await else { return };
    let d = browser.driver();
    browser.sign_in(&app, "ops@vendor.example", "/company/users").await;
    // The header names the company, not its id.
    let account = d.find(By::Css(".site-header .account > span")).await.unwrap().text().await.unwrap();
    assert_eq!(account, "Olga Ops · Vendor Ops");
    // An operator is not "Edit permission: No".
    let own = browser.row_user_text("ops@vendor.example").await;
    assert!(own.contains("Operator: may change every company's lines"), "{own}");
    // Pick Acme Networks: the page manages it, and its links keep it.
    d.find(By::Css("#company-pick option[value=acme]")).await.unwrap().click().await.unwrap();
    d.find(By::Css("[data-company-picker] button[type=submit]")).await.unwrap().click().await.unwrap();
    browser
        .wait_for(
            || async { d.current_url().await.unwrap().query() == Some("company=acme") },
            "the page of the company picked",
        )
        .await;
    let heading = d.find(By::Css("h1")).await.unwrap().text().await.unwrap();
    assert!(heading.contains("Acme Networks"), "{heading}");
    assert!(!browser.row_user_text("viewer@acme.example").await.is_empty(), "acme's users");
    d.find(By::Css("nav.subnav a[href='/company/tokens?company=acme']")).await.unwrap().click().await.unwrap();
    browser.wait_for(|| async { d.current_url().await.unwrap().path() == "/company/tokens" }, "the tokens page").await;
    assert_eq!(d.current_url().await.unwrap().query(), Some("company=acme"));
    let selected = browser.script("return document.querySelector('#company-pick').value").await;
    assert_eq!(selected, "acme", "the picker shows the company managed");
    // The token made here shows its secret once; Revoke is not the primary button.
    d.find(By::Id("token-name")).await.unwrap().send_keys("ERP").await.unwrap();
    d.find(By::Css("form[action='/company/tokens?company=acme'] button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser.wait_for(|| async { d.find(By::Css("[data-token-secret]")).await.is_ok() }, "the secret").await;
    let colours = browser
        .script(
            "const create = getComputedStyle(document.querySelector('form[method=post][action=\"/company/tokens?company=acme\"] button[type=submit]'));
             const revoke = getComputedStyle(document.querySelector('form[action$=\"/revoke?company=acme\"] button'));
             return [create.backgroundColor, revoke.backgroundColor, revoke.color];",
        )
        .await;
    assert_ne!(colours[0], colours[1], "Revoke does not look like Create: {colours}");
    assert_eq!(colours[2], "rgb(148, 37, 20)", "Revoke warns in dark red: {colours}");
    // The API's document is linked from the page.
    let href = d.find(By::Css("[data-api-document] a")).await.unwrap().attr("href").await.unwrap();
    assert_eq!(href.as_deref(), Some("/api/v1/openapi.json"));
    browser.assert_clean_console().await;
    browser.quit().await;
}

#[tokio::test]
async fn a_bulk_fix_applied_in_the_browser_keeps_old_and_new_and_is_listed_afterwards() {
    let Some((app, browser)) = spawn().await else { return };
    let d = browser.driver();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fix.csv");
    std::fs::write(&file, "subscription_id,new_contact_email\nSub-1003-1,browser@stark.example\n").unwrap();
    browser.sign_in(&app, "editor@acme.example", "/bulk-fixes").await;
    d.find(By::Id("bulk-file")).await.unwrap().send_keys(file.display().to_string()).await.unwrap();
    d.find(By::Css("form[action='/bulk-fixes'] button[type=submit]")).await.unwrap().click().await.unwrap();
    browser
        .wait_for(
            || async { d.find(By::Css("tr[data-bulk-row='2'][data-result=change]")).await.is_ok() },
            "the preview",
        )
        .await;
    d.find(By::Css("form[action$='/apply'] button[type=submit]")).await.unwrap().click().await.unwrap();
    browser
        .wait_for(|| async { d.find(By::Css("tr[data-bulk-row='2'][data-result=done]")).await.is_ok() }, "the outcome")
        .await;
    let batch = d.current_url().await.unwrap().path().to_string();
    let row = d.find(By::Css("tr[data-bulk-row='2']")).await.unwrap().text().await.unwrap();
    assert!(row.contains("Changed from it@stark.example to browser@stark.example"), "{row}");
    // The upload page lists it, linked.
    d.goto(format!("{}/bulk-fixes", app.address)).await.unwrap();
    d.find(By::Css(format!("tr[data-bulk-batch][data-bulk-state=applied] a[href='{batch}']")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser.wait_for(|| async { d.current_url().await.unwrap().path() == batch }, "the batch again").await;
    // At 320 px the outcome reads as cards, without scrolling sideways.
    browser.viewport(320, 640).await;
    assert_eq!(browser.scrolls_sideways().await, None);
    browser.assert_clean_console().await;
    browser.quit().await;
}

/// The application for a passkey test: served at http://localhost:PORT, its public address
/// (PROVISIO_PUBLIC_URL), so that the browser accepts it as the relying party.
async fn spawn_for_passkeys(backend: Backend) -> Option<(TestApp, Browser, String)> {
    let browser = Browser::start().await?;
    let port = free_port();
    let base = format!("http://localhost:{port}");
    let public = base.clone();
    let app = TestApp::spawn_with(backend, move |c| {
        c.bind = format!("127.0.0.1:{port}").parse().unwrap();
        c.public_url = public;
    })
    .await?;
    Some((app, browser, base))
}

/// A platform authenticator of the DevTools protocol (a passkey kept on the device, user
/// verification by screen lock, always granted), for the current tab.
async fn virtual_authenticator(browser: &Browser) -> String {
    let cdp = browser.driver().cdp();
    cdp.send_raw("WebAuthn.enable", serde_json::json!({ "enableUI": false })).await.unwrap();
    let options = serde_json::json!({ "options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": true,
        "hasUserVerification": true, "isUserVerified": true, "automaticPresenceSimulation": true,
    }});
    let added = cdp.send_raw("WebAuthn.addVirtualAuthenticator", options).await.unwrap();
    added["authenticatorId"].as_str().expect("an authenticator id").to_string()
}

/// Registers a passkey named `name` on the security page, with the page's own form.
async fn add_passkey(browser: &Browser, base: &str, name: &str) {
    let d = browser.driver();
    d.goto(format!("{base}/account/security")).await.unwrap();
    let before = d.find_all(By::Css("[data-passkey]")).await.unwrap().len();
    d.find(By::Id("passkey-name")).await.unwrap().send_keys(name).await.unwrap();
    d.find(By::Css("form[data-passkey-register] button[type=submit]")).await.unwrap().click().await.unwrap();
    browser
        .wait_for(
            || async { d.find_all(By::Css("[data-passkey]")).await.map(|r| r.len()).unwrap_or(0) > before },
            "the new passkey in the list",
        )
        .await;
}

mod passkeys_register_and_sign_in_in_chromium {
    use super::*;
    crate::tests_on_both_backends!(run);

    async fn run(backend: Backend) {
        let Some((app, browser, base)) = spawn_for_passkeys(backend).await else { return };
        let d = browser.driver();
        browser.sign_in_at(&base, "editor@acme.example", "/orders").await;
        // The authenticator lives in this tab, across its page loads.
        let authenticator = virtual_authenticator(&browser).await;
        add_passkey(&browser, &base, "Test laptop").await;
        let row = d.find(By::Css("[data-passkey]")).await.unwrap().text().await.unwrap();
        assert!(row.contains("Test laptop") && row.contains("Not used yet"), "{row}");
        let flash = d.find(By::Id("flash")).await.unwrap().text().await.unwrap();
        assert!(flash.contains("Passkey \"Test laptop\" added"), "{flash}");
        let editor = app.store.user_credentials("editor@acme.example").await.unwrap().unwrap().0.id;
        let recorded = crate::my_sessions::security_changes(&app, editor, "passkey_added:Test laptop").await;
        assert_eq!(recorded, 1, "a security change, emailed to the user's own address");
        // The authenticator keeps it as a discoverable credential, for this site.
        let held = d
            .cdp()
            .send_raw("WebAuthn.getCredentials", serde_json::json!({ "authenticatorId": authenticator }))
            .await
            .unwrap();
        let credentials = held["credentials"].as_array().unwrap();
        assert_eq!(credentials.len(), 1, "{held}");
        assert_eq!(credentials[0]["isResidentCredential"], true);
        assert_eq!(credentials[0]["rpId"], "localhost");
        browser.assert_clean_console().await;

        // Signed out, the passkey alone signs in: no email address, no password.
        d.find(By::Css("form[action='/logout'] button")).await.unwrap().click().await.unwrap();
        browser.wait_for(|| async { d.current_url().await.unwrap().path() == "/login" }, "signed out").await;
        let sessions = app.store.session_count().await.unwrap();
        d.goto(format!("{base}/login?next=/subscriptions")).await.unwrap();
        d.find(By::Css("button[data-passkey-sign-in]")).await.unwrap().click().await.unwrap();
        browser
            .wait_for(|| async { d.current_url().await.unwrap().path() == "/subscriptions" }, "signed in by passkey")
            .await;
        assert_eq!(app.store.session_count().await.unwrap(), sessions + 1, "a session, at once");
        d.goto(format!("{base}/account/security")).await.unwrap();
        let row = d.find(By::Css("[data-passkey]")).await.unwrap().text().await.unwrap();
        assert!(!row.contains("Not used yet"), "its last use is shown: {row}");
        let current = d.find(By::Css("[data-session][data-current='true']")).await.unwrap().text().await.unwrap();
        assert!(current.contains("Chromium on Linux"), "{current}");
        browser.assert_clean_console().await;

        // A second passkey on the same authenticator is refused by the browser itself (the
        // user's passkeys are excluded), and the page says why.
        d.find(By::Id("passkey-name")).await.unwrap().send_keys("Again").await.unwrap();
        d.find(By::Css("form[data-passkey-register] button[type=submit]")).await.unwrap().click().await.unwrap();
        browser
            .wait_for(
                || async {
                    let status = d.find(By::Css("[data-passkeys] [data-passkey-status]")).await.unwrap();
                    status.text().await.unwrap_or_default().contains("already holds a passkey")
                },
                "the refusal",
            )
            .await;
        assert_eq!(d.find_all(By::Css("[data-passkey]")).await.unwrap().len(), 1);

        // With a passkey, the password alone no longer signs in: the second step offers the
        // passkey (and no code form: this user has no one-time codes).
        browser.sign_out().await;
        d.goto(format!("{base}/login?next=/transactions")).await.unwrap();
        d.find(By::Id("email")).await.unwrap().send_keys("editor@acme.example").await.unwrap();
        d.find(By::Id("password")).await.unwrap().send_keys(PASSWORD).await.unwrap();
        d.find(By::Css("form[action='/login'] button[type=submit]")).await.unwrap().click().await.unwrap();
        browser
            .wait_for(
                || async { d.current_url().await.unwrap().path() == "/login/second-factor" },
                "the second step of sign-in",
            )
            .await;
        assert!(d.find_all(By::Id("code")).await.unwrap().is_empty(), "no code form");
        let sessions = app.store.session_count().await.unwrap();
        d.find(By::Css("button[data-passkey-sign-in]")).await.unwrap().click().await.unwrap();
        browser.wait_for(|| async { d.current_url().await.unwrap().path() == "/transactions" }, "signed in").await;
        assert_eq!(app.store.session_count().await.unwrap(), sessions + 1);

        // Removing it after more than 10 minutes asks for a fresh check, which the passkey
        // itself answers; then it goes.
        let past = chrono::Utc::now() - chrono::Duration::minutes(11);
        // (Every session of the editor's: the earlier ones were left, not ended.)
        let moved = app.db_set_time("UPDATE sessions SET checked_at = $1 WHERE user_id = $2", past, editor).await;
        assert!(moved >= 1);
        d.goto(format!("{base}/account/security")).await.unwrap();
        d.find(By::Css("[data-passkey] form button")).await.unwrap().click().await.unwrap();
        browser
            .wait_for(|| async { d.current_url().await.unwrap().path() == "/login/confirm" }, "the fresh check")
            .await;
        assert!(d.find_all(By::Id("confirm-password")).await.unwrap().is_empty(), "not the password");
        d.find(By::Css("button[data-passkey-sign-in]")).await.unwrap().click().await.unwrap();
        browser
            .wait_for(|| async { d.current_url().await.unwrap().path() == "/account/security" }, "back after it")
            .await;
        d.find(By::Css("[data-passkey] form button")).await.unwrap().click().await.unwrap();
        browser
            .wait_for(|| async { d.find_all(By::Css("[data-passkey]")).await.unwrap().is_empty() }, "the passkey gone")
            .await;
        let recorded = crate::my_sessions::security_changes(&app, editor, "passkey_removed:Test laptop").await;
        assert_eq!(recorded, 1);
        browser.assert_clean_console().await;
        browser.quit().await;
    }
}

/// The passkeys and sessions parts of /account/security and the sign-in page's passkey
/// button, as they are with a passkey, two sessions and a refusal shown, in every language
/// at desktop and phone width: axe-clean, nothing scrolls sideways.
#[tokio::test]
async fn passkeys_and_sessions_pass_axe_in_three_languages_at_desktop_and_phone_width() {
    let Some(axe) = axe_source() else { return };
    let Some((app, browser, base)) = spawn_for_passkeys(Backend::Sqlite).await else { return };
    let d = browser.driver();
    // A second session of the same user, from another client, for the list (before the
    // passkey: with one, signing in asks for it after the password).
    let _elsewhere = app.login("editor@acme.example").await;
    browser.sign_in_at(&base, "editor@acme.example", "/orders").await;
    virtual_authenticator(&browser).await;
    add_passkey(&browser, &base, "Work laptop").await;
    let mut problems = Vec::new();
    for lang in ["en", "ko", "sv"] {
        d.goto(format!("{base}/account/security")).await.unwrap();
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
        for (width, height) in WIDTHS {
            browser.viewport(width, height).await;
            d.goto(format!("{base}/account/security")).await.unwrap();
            assert_eq!(d.find_all(By::Css("[data-session]")).await.unwrap().len(), 2);
            assert_eq!(d.find_all(By::Css("[data-passkey]")).await.unwrap().len(), 1);
            problems.extend(browser.audit(&axe, format!("{lang} {width}px /account/security")).await);
            // The same authenticator again: the browser refuses, the page says why.
            d.find(By::Id("passkey-name")).await.unwrap().send_keys("Again").await.unwrap();
            d.find(By::Css("form[data-passkey-register] button[type=submit]")).await.unwrap().click().await.unwrap();
            browser
                .wait_for(
                    || async { d.find(By::Css("[data-passkeys] [data-passkey-status].error")).await.is_ok() },
                    "the refusal",
                )
                .await;
            problems.extend(browser.audit(&axe, format!("{lang} {width}px /account/security with a refusal")).await);
            // The fresh check, which this user answers with the passkey.
            d.goto(format!("{base}/login/confirm?next=/account/security")).await.unwrap();
            d.find(By::Css("button[data-passkey-sign-in]")).await.unwrap();
            problems.extend(browser.audit(&axe, format!("{lang} {width}px /login/confirm with a passkey")).await);
        }
        browser.viewport(WIDTHS[0].0, WIDTHS[0].1).await;
    }
    // The sign-in page with its passkey button, signed out, in each language.
    browser.sign_out().await;
    for lang in ["en", "ko", "sv"] {
        browser.accept_language(lang).await;
        for (width, height) in WIDTHS {
            browser.viewport(width, height).await;
            d.goto(format!("{base}/login")).await.unwrap();
            d.find(By::Css("button[data-passkey-sign-in]")).await.unwrap();
            problems.extend(browser.audit(&axe, format!("{lang} {width}px /login with passkeys")).await);
        }
        // The second step of sign-in, which offers this user's passkey.
        browser.viewport(WIDTHS[0].0, WIDTHS[0].1).await;
        d.goto(format!("{base}/login")).await.unwrap();
        d.find(By::Id("email")).await.unwrap().send_keys("editor@acme.example").await.unwrap();
        d.find(By::Id("password")).await.unwrap().send_keys(PASSWORD).await.unwrap();
        d.find(By::Css("form[action='/login'] button[type=submit]")).await.unwrap().click().await.unwrap();
        browser
            .wait_for(|| async { d.current_url().await.unwrap().path() == "/login/second-factor" }, "the second step")
            .await;
        for (width, height) in WIDTHS {
            browser.viewport(width, height).await;
            d.goto(format!("{base}/login/second-factor")).await.unwrap();
            d.find(By::Css("button[data-passkey-sign-in]")).await.unwrap();
            problems.extend(browser.audit(&axe, format!("{lang} {width}px /login/second-factor with a passkey")).await);
        }
        browser.sign_out().await;
    }
    assert!(problems.is_empty(), "accessibility violations: {problems:#?}");
    browser.assert_clean_console().await;
    browser.quit().await;
}
