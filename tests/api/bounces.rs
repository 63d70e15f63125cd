//! Delivery truth (docs/product.md rule 14): every message carries its own signed envelope
//! sender; bounce and delay reports in the shapes the common MTAs send (tests/api/fixtures/
//! bounces, written from the RFCs) reach the line, the Transaction Manager, the CSV, the API
//! and, for a bounce, the people concerned by email; auto-replies, forged tokens and the
//! same report twice change nothing; `provisio bounce` exits as an MTA's pipe needs.

use std::process::{Command, Stdio};

use chrono::{Duration, Utc};
use hmac::{Hmac, Mac};
use provisio::domain::bounce::BounceOutcome;
use provisio::mail::bounce::{BounceAddress, Reading, read};
use provisio::secret::SigningKey;
use scraper::{Html, Selector};
use serde_json::Value;
use sha2::Sha256;

use crate::helpers::*;
use crate::smtp::SmtpServer;
use crate::tests_on_both_backends;

pub const BOUNCES: &str = "bounces@portal.example";
pub const PUBLIC_URL: &str = "https://portal.example";

/// A stored report with the message's envelope sender and the customer's address filled in.
pub fn report(name: &str, sender: &str, recipient: &str) -> String {
    let path = format!("{}/tests/api/fixtures/bounces/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .replace("@@SENDER@@", sender)
        .replace("@@RCPT@@", recipient)
        .replace('\n', "\r\n")
}

fn signature(body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(WEBHOOK_SECRET.as_bytes()).unwrap();
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// POST /webhooks/bounce, signed; the status and the JSON answer.
async fn post_bounce(app: &TestApp, body: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("{}/webhooks/bounce", app.address))
        .header("X-Provisio-Signature", signature(body.as_bytes()))
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The application with the bounce address set, links on PUBLIC_URL, mail to `smtp`.
async fn spawn(backend: Backend, smtp: &SmtpServer) -> Option<TestApp> {
    let url = smtp.url();
    TestApp::spawn_with(backend, |c| {
        c.mail.smtp = Some(provisio::config::SmtpUrl::parse(&url).unwrap());
        c.mail.bounce_address = Some(BounceAddress::parse(BOUNCES).unwrap());
        c.public_url = PUBLIC_URL.to_string();
        c.metrics_token = Some(crate::metrics::TOKEN.to_string());
    })
    .await
}

/// `provisio_email_deliveries_total{outcome}` as `GET /metrics` says it.
async fn deliveries(app: &TestApp, outcome: &str) -> f64 {
    let text = crate::metrics::scrape(app).await;
    crate::metrics::value(&text, &format!("provisio_email_deliveries_total{{outcome=\"{outcome}\"}}"))
        .unwrap_or_else(|| panic!("{text}"))
}

/// The row of `sub` on `html`: its data-email-state, its text and its markup.
fn line_row(html: &str, sub: &str) -> (String, String, String) {
    let doc = Html::parse_document(html);
    let sel = Selector::parse(&format!("tr[data-subscription=\"{sub}\"]")).unwrap();
    let row = doc.select(&sel).next().expect("the line's row");
    let state = row.value().attr("data-email-state").unwrap_or_default().to_string();
    (state, row.text().collect::<Vec<_>>().join(" "), row.html())
}

mod a_bounce_reaches_the_line_the_transaction_manager_the_api_and_the_people {
    use super::*;

    async fn run(backend: Backend) {
        let smtp = SmtpServer::start().await;
        let Some(app) = spawn(backend, &smtp).await else { return };
        // The creator reads Swedish: the alert goes out in the reader's language.
        execute_directly(&app.database_url, "UPDATE users SET language = 'sv' WHERE email = $1", |b| {
            b.text("creator@acme.example")
        })
        .await;
        let editor = app.login("editor@acme.example").await;
        let edited =
            editor.post("/orders/WO-1001/lines/Sub-1001-1/contact", &[("email", "nobody@customer.example")]).await;
        assert_eq!(edited.status(), 303);
        let sent = smtp.wait_for(1).await[0].clone();
        assert_eq!(sent.to, ["nobody@customer.example"]);
        assert!(sent.from.starts_with("bounces+") && sent.from.ends_with("@portal.example"), "{}", sent.from);
        assert!(sent.from.split('@').next().unwrap().len() <= 64);
        assert!(sent.header("From").unwrap().contains("webex_comm@webex.com"), "the From header stays");
        app.settled_transactions("Sub-1001-1").await;
        assert_eq!(deliveries(&app, "bounced").await, 0.0);

        let dsn = report("gmail_failed.eml", &sent.from, "nobody@customer.example");
        let (status, body) = post_bounce(&app, &dsn).await;
        assert_eq!((status, body["status"].as_str()), (200, Some("bounced")), "{body}");
        // /metrics counts the report once, however often it comes.
        assert_eq!(post_bounce(&app, &dsn).await.0, 200);
        assert_eq!((deliveries(&app, "bounced").await, deliveries(&app, "delayed").await), (1.0, 0.0));

        // The line, in place: state, reason in plain words with its code, Fix first.
        let page = editor.get_html("/orders/WO-1001").await;
        let (state, text, markup) = line_row(&page, "Sub-1001-1");
        assert_eq!(state, "bounced");
        assert!(text.contains("does not exist (5.1.1)"), "{text}");
        let fix = markup.find("data-fix-first").expect("Fix the address is offered");
        assert!(fix < markup.find("resend-Sub-1001-1").unwrap(), "before Resend");
        assert_eq!(line_row(&page, "Sub-1001-2").0, "none", "the other lines are as they were");

        // The Transaction Manager filters by it; the CSV carries it.
        let tm = editor.get_html("/transactions?status=bounced").await;
        assert_eq!(count(&tm, "tr[data-status=\"bounced\"]"), 1, "{tm}");
        assert!(tm.contains("Sub-1001-1") && tm.contains("(5.1.1)"));
        assert_eq!(count(&editor.get_html("/transactions?status=delayed").await, "tr[data-status]"), 0);
        let csv = editor.get("/transactions.csv?status=bounced").await.text().await.unwrap();
        assert!(csv.contains("Bounced") && csv.contains("does not exist (5.1.1)"), "{csv}");

        // The alerts: the order's creator (in Swedish) and the editor who sent it.
        let all = smtp.wait_for(3).await;
        let alert_to = |who: &str| all.iter().find(|m| m.to == [who]).unwrap_or_else(|| panic!("an alert to {who}"));
        let creator = alert_to("creator@acme.example");
        let editor_alert = alert_to("editor@acme.example");
        assert!(creator.header("Subject").unwrap().contains("studsade") || creator.data.contains("studsade"));
        for alert in [creator, editor_alert] {
            let body = alert.data.replace("=\n", "").replace("=3D", "=");
            assert!(body.contains("nobody@customer.example") && body.contains("WO-1001"), "{body}");
            assert!(body.contains("https://portal.example/orders/WO-1001?q=Sub-1001-1"), "{body}");
            assert!(body.contains("5.1.1"), "{body}");
        }
        assert!(editor_alert.data.contains("does not exist"));

        // The same report twice counts once; another shape of the same bounce adds nothing.
        let (status, body) = post_bounce(&app, &dsn).await;
        assert_eq!((status, body["status"].as_str()), (200, Some("already recorded")));
        let (status, _) =
            post_bounce(&app, &report("exchange_failed.eml", &sent.from, "nobody@customer.example")).await;
        assert_eq!(status, 200);
        // A forged token names nothing.
        let forged = sent.from.replacen('+', "+9", 1);
        let (status, body) = post_bounce(&app, &report("postfix_failed.eml", &forged, "nobody@customer.example")).await;
        assert_eq!((status, body["status"].as_str()), (200, Some("not ours")));
        let mac_flipped = {
            let (local, domain) = sent.from.split_once('@').unwrap();
            let last = local.chars().last().unwrap();
            let flipped = if last == '0' { '1' } else { '0' };
            format!("{}{flipped}@{domain}", &local[..local.len() - 1])
        };
        let (_, body) = post_bounce(&app, &report("postfix_delayed.eml", &mac_flipped, "x@customer.example")).await;
        assert_eq!(body["status"], "not ours");
        app.outbox_settled().await;
        assert_eq!(smtp.messages().len(), 3, "no second alert, nothing for the forged ones");
        let txs = app.settled_transactions("Sub-1001-1").await;
        assert_eq!(txs[0].status, "bounced");
        assert_eq!(app.db_count("SELECT COUNT(*) FROM bounces WHERE $1 = $1", 0).await, 2);

        // Signature and size.
        let unsigned = reqwest::Client::new()
            .post(format!("{}/webhooks/bounce", app.address))
            .body(dsn.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(unsigned.status(), 401);
        let huge = "x".repeat(1 << 21);
        let too_big = reqwest::Client::new()
            .post(format!("{}/webhooks/bounce", app.address))
            .header("X-Provisio-Signature", signature(huge.as_bytes()))
            .body(huge)
            .send()
            .await
            .unwrap();
        assert_eq!(too_big.status(), 413);

        // The API's line says the same.
        execute_directly(&app.database_url, "UPDATE users SET company_admin = TRUE WHERE email = $1", |b| {
            b.text("editor@acme.example")
        })
        .await;
        let admin = app.login("editor@acme.example").await;
        let created = admin.post("/company/tokens", &[("name", "bounce test"), ("scope", "read")]).await;
        let html = created.text().await.unwrap();
        let doc = Html::parse_document(&html);
        let secret: String = doc
            .select(&Selector::parse("[data-token-secret]").unwrap())
            .next()
            .expect("the new token")
            .text()
            .collect::<String>()
            .trim()
            .to_string();
        let order: Value = reqwest::Client::new()
            .get(format!("{}/api/v1/orders/WO-1001", app.address))
            .bearer_auth(secret)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let line = order["lines"].as_array().unwrap().iter().find(|l| l["subscription_id"] == "Sub-1001-1").unwrap();
        assert_eq!(line["last_email"]["state"], "bounced", "{line}");
        assert!(line["last_email"]["detail"].as_str().unwrap().contains("does not exist (5.1.1)"), "{line}");

        // No reminder to an address that bounced: in 4½ days Sub-1001-1 (A-Flex, closing in
        // 5) would be reminded, as Sub-2001-1 of the other partner is.
        let offsets = [Duration::days(3), Duration::days(1)];
        let reminded = app.store.enqueue_due_reminders(Utc::now() + Duration::hours(108), &offsets).await.unwrap();
        assert_eq!(reminded, 1, "Sub-2001-1 only");
        let txs = app.store.line_transactions("Sub-1001-1").await.unwrap();
        assert!(txs.iter().all(|t| t.kind != "provisioning_email_reminder"), "{txs:#?}");
        assert!(
            app.store
                .line_transactions("Sub-2001-1")
                .await
                .unwrap()
                .iter()
                .any(|t| t.kind == "provisioning_email_reminder")
        );
    }

    tests_on_both_backends!(run);
}

mod a_delay_may_end_delivered_and_auto_replies_are_not_failures {
    use super::*;

    async fn run(backend: Backend) {
        let smtp = SmtpServer::start().await;
        let Some(app) = spawn(backend, &smtp).await else { return };
        let editor = app.login("editor@acme.example").await;
        assert_eq!(editor.post("/orders/WO-1001/lines/Sub-1001-2/resend", &[]).await.status(), 303);
        let sent = smtp.wait_for(1).await[0].clone();
        app.settled_transactions("Sub-1001-2").await;
        let state = |html: String| line_row(&html, "Sub-1001-2");

        for auto_reply in ["out_of_office.eml", "vacation_swedish.eml"] {
            let (status, body) = post_bounce(&app, &report(auto_reply, &sent.from, "old@globex.example")).await;
            assert_eq!((status, body["status"].as_str()), (200, Some("automatic reply")), "{auto_reply}");
        }
        assert_eq!(state(editor.get_html("/orders/WO-1001").await).0, "accepted");

        let (_, body) = post_bounce(&app, &report("postfix_delayed.eml", &sent.from, "old@globex.example")).await;
        assert_eq!(body["status"], "delayed");
        let (s, text, markup) = state(editor.get_html("/orders/WO-1001").await);
        assert_eq!(s, "delayed");
        assert!(text.contains("still being tried (4.4.1)"), "{text}");
        assert!(markup.contains("data-fix-first"));
        assert_eq!(app.settled_transactions("Sub-1001-2").await[0].status, "delayed");
        let tm = editor.get_html("/transactions?status=delayed").await;
        assert_eq!(count(&tm, "tr[data-status=\"delayed\"]"), 1);

        let (_, body) = post_bounce(&app, &report("delivered.eml", &sent.from, "old@globex.example")).await;
        assert_eq!(body["status"], "delivered");
        assert_eq!(state(editor.get_html("/orders/WO-1001").await).0, "accepted");
        let tx = &app.settled_transactions("Sub-1001-2").await[0];
        assert_eq!(tx.status, "success");
        assert!(tx.detail.as_deref().unwrap_or_default().starts_with("accepted:"), "{tx:?}");
        app.outbox_settled().await;
        assert_eq!(smtp.messages().len(), 1, "a delay alerts no one");

        // A delay, then the bounce after all: final, and the alert goes.
        post_bounce(&app, &report("postfix_delayed.eml", &sent.from, "old@globex.example").replace("5AbC", "5AbD"))
            .await;
        let (_, body) = post_bounce(&app, &report("exim_failed.eml", &sent.from, "old@globex.example")).await;
        assert_eq!(body["status"], "bounced");
        let (s, text, _) = state(editor.get_html("/orders/WO-1001").await);
        assert_eq!(s, "bounced");
        assert!(text.contains("does not exist (5.1.1)"), "{text}");
        smtp.wait_for(3).await;
        // A late delay report does not undo a bounce.
        post_bounce(&app, &report("postfix_delayed.eml", &sent.from, "old@globex.example").replace("5AbC", "5AbE"))
            .await;
        assert_eq!(state(editor.get_html("/orders/WO-1001").await).0, "bounced");
    }

    tests_on_both_backends!(run);
}

/// Each stored shape, read without a database.
#[test]
fn every_shape_is_read_as_what_it_is() {
    let key = SigningKey::new(b"a key of the tests".to_vec());
    let sender = BounceAddress::parse(BOUNCES).unwrap().envelope_sender(&key, 42);
    let cases: [(&str, Option<BounceOutcome>, Option<&str>, &str); 10] = [
        ("postfix_failed.eml", Some(BounceOutcome::Bounced), Some("5.1.1"), "bounce-reason-no-such-address"),
        ("postfix_delayed.eml", Some(BounceOutcome::Delayed), Some("4.4.1"), "bounce-reason-delayed"),
        ("delivered.eml", Some(BounceOutcome::Delivered), Some("2.0.0"), ""),
        ("exim_failed.eml", Some(BounceOutcome::Bounced), Some("5.1.1"), "bounce-reason-no-such-address"),
        ("exim_plain.eml", Some(BounceOutcome::Bounced), Some("5.2.2"), "bounce-reason-mailbox-full"),
        ("exchange_failed.eml", Some(BounceOutcome::Bounced), Some("5.1.10"), "bounce-reason-no-such-address"),
        ("gmail_failed.eml", Some(BounceOutcome::Bounced), Some("5.1.1"), "bounce-reason-no-such-address"),
        ("qmail_no_report.eml", Some(BounceOutcome::Bounced), None, "bounce-reason-no-report"),
        ("out_of_office.eml", None, None, ""),
        ("vacation_swedish.eml", None, None, ""),
    ];
    for (name, outcome, code, words) in cases {
        let text = report(name, &sender, "nobody@customer.example");
        match (read(text.as_bytes(), &key, None), outcome) {
            (Reading::Report(r), Some(outcome)) => {
                assert_eq!((r.outbox_id, r.outcome), (42, outcome), "{name}");
                assert_eq!(r.reason.code.as_deref(), code, "{name}: {r:?}");
                if !words.is_empty() {
                    assert_eq!(r.reason.words_key(outcome), words, "{name}");
                }
                if outcome != BounceOutcome::Delivered && code.is_some() {
                    assert_eq!(r.recipient.as_deref(), Some("nobody@customer.example"), "{name}");
                }
            }
            (Reading::AutoReply, None) => {}
            (other, _) => panic!("{name}: {other:?}"),
        }
        // With LF line ends too (an IMAP fetcher or a webhook may hand them over so).
        let lf = text.replace("\r\n", "\n");
        assert_eq!(
            std::mem::discriminant(&read(lf.as_bytes(), &key, None)),
            std::mem::discriminant(&read(text.as_bytes(), &key, None)),
            "{name}"
        );
        // Another key: nothing of ours.
        let other = SigningKey::new(b"another key".to_vec());
        assert_eq!(read(text.as_bytes(), &other, None), Reading::NotOurs, "{name}");
    }
    // The envelope recipient an MTA names is enough, with a mbox From line first.
    let bare = "From MAILER-DAEMON Mon Dec  7 09:00:02 2026\nSubject: x\nFrom: a@b.example\n\nhello\n";
    assert_eq!(read(bare.as_bytes(), &key, Some(&sender)), Reading::NotOurs, "a person's message is no bounce");
    let null_sender = "Return-Path: <>\nSubject: x\nFrom: a@b.example\n\nhello\n";
    assert!(matches!(read(null_sender.as_bytes(), &key, Some(&sender)), Reading::Report(_)));
    assert_eq!(read(b"", &key, None), Reading::Unreadable);
}

/// `provisio bounce`: 0 for anything it read, EX_TEMPFAIL (75) without its database.
mod the_bounce_command_records_and_exits_as_a_pipe_needs {
    use super::*;

    async fn bounce(database_url: &str, stdin: String) -> std::process::Output {
        let url = database_url.to_string();
        tokio::task::spawn_blocking(move || {
            let mut child = Command::new(env!("CARGO_BIN_EXE_provisio"))
                .arg("bounce")
                .env("DATABASE_URL", url)
                .env_remove("ORIGINAL_RECIPIENT")
                .env_remove("RECIPIENT")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            use std::io::Write;
            let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
            child.wait_with_output().unwrap()
        })
        .await
        .unwrap()
    }

    async fn run(backend: Backend) {
        let Some(app) = TestApp::spawn(backend).await else { return };
        let editor = app.login("editor@acme.example").await;
        assert_eq!(editor.post("/orders/WO-1001/lines/Sub-1001-2/resend", &[]).await.status(), 303);
        app.settled_transactions("Sub-1001-2").await;
        let id = app.db_count("SELECT MAX(id) FROM outbox WHERE $1 = $1", 0).await;
        let key = provisio::startup::signing_key(&app.store).await.unwrap();
        let sender = BounceAddress::parse(BOUNCES).unwrap().envelope_sender(&key, id);

        let out = bounce(&app.database_url, report("postfix_failed.eml", &sender, "old@globex.example")).await;
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        let line = order_of(&app.store, "WO-1001").await.unwrap().unwrap();
        assert_eq!(line.line("Sub-1001-2").unwrap().email_state(), "bounced");
        for anything in ["", "not a message at all", &report("out_of_office.eml", &sender, "old@globex.example")] {
            let out = bounce(&app.database_url, anything.to_string()).await;
            assert_eq!(out.status.code(), Some(0), "{anything:?}: {}", String::from_utf8_lossy(&out.stderr));
        }
        let again = bounce(&app.database_url, report("postfix_failed.eml", &sender, "old@globex.example")).await;
        assert_eq!(again.status.code(), Some(0));
        assert!(String::from_utf8_lossy(&again.stdout).contains("Duplicate"));
        let unreachable =
            bounce("postgres://provisio@127.0.0.1:1/nowhere", report("postfix_failed.eml", &sender, "x@y.example"))
                .await;
        assert_eq!(unreachable.status.code(), Some(75), "{}", String::from_utf8_lossy(&unreachable.stderr));
    }

    tests_on_both_backends!(run);
}

/// Hostile input never panics the reader (docs/product.md rule 14): random bytes, the stored
/// reports cut, spliced and mutated, deep nesting, huge headers. A fixed seed and
/// PROVISIO_FUZZ_CASES cases (1,000 in CI), like tests/api/fuzz.rs. A report under another
/// key is never ours.
#[test]
fn hostile_messages_never_panic_the_reader() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config as ProptestConfig, RngAlgorithm, TestRng, TestRunner};
    const NAMES: [&str; 10] = [
        "postfix_failed.eml",
        "postfix_delayed.eml",
        "delivered.eml",
        "exim_failed.eml",
        "exim_plain.eml",
        "exchange_failed.eml",
        "gmail_failed.eml",
        "qmail_no_report.eml",
        "out_of_office.eml",
        "vacation_swedish.eml",
    ];
    const FRAGMENTS: [&str; 12] = [
        "\r\n\r\n",
        "Content-Type: multipart/report; boundary=\"\"\r\n",
        "--\r\n",
        "Action: failed\r\nStatus: 5.1.1\r\n",
        "Status: 9.9.99999999999999999999\r\n",
        "=?utf-8?B?////?=",
        "+99999999999999999999-0123456789abcdef@x",
        "+-@",
        "\u{202E}\0\u{7}",
        "Content-Transfer-Encoding: base64\r\n\r\n@@@@",
        "Content-Type: message/rfc822\r\n\r\nContent-Type: message/rfc822\r\n\r\n",
        "Diagnostic-Code: smtp;",
    ];
    let key = SigningKey::new(b"a key of the tests".to_vec());
    let other = SigningKey::new(b"another key".to_vec());
    let sender = BounceAddress::parse(BOUNCES).unwrap().envelope_sender(&key, 7);
    let reports: Vec<Vec<u8>> = NAMES.iter().map(|n| report(n, &sender, "x@customer.example").into_bytes()).collect();
    let cases = std::env::var("PROVISIO_FUZZ_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(1000);
    let config =
        ProptestConfig { cases, failure_persistence: None, max_shrink_iters: 200, ..ProptestConfig::default() };
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, b"provisio bounce fuzz, fixed seed"));
    // (which report, cuts and splices: (at per mille, fragment or byte), drop the tail at per mille)
    let message = (
        0..NAMES.len(),
        prop::collection::vec(
            (
                0u32..1000,
                prop_oneof![
                    2 => prop::sample::select(FRAGMENTS.to_vec()).prop_map(|f| f.as_bytes().to_vec()),
                    1 => prop::collection::vec(any::<u8>(), 0..64),
                ],
            ),
            0..8,
        ),
        prop::option::of(0u32..1000),
    );
    let strategy = prop_oneof![
        1 => prop::collection::vec(any::<u8>(), 0..4096),
        1 => prop::collection::vec(prop::sample::select(FRAGMENTS.to_vec()), 0..200).prop_map(|parts| parts.concat().into_bytes()),
        4 => message.prop_map(move |(which, splices, cut)| {
            let mut bytes = reports[which].clone();
            for (at, insert) in splices {
                let at = bytes.len() * at as usize / 1000;
                bytes.splice(at..at, insert);
            }
            if let Some(cut) = cut {
                bytes.truncate(bytes.len() * cut as usize / 1000);
            }
            bytes
        }),
    ];
    runner
        .run(&strategy, |bytes| {
            let _ = read(&bytes, &key, Some(&String::from_utf8_lossy(&bytes[..bytes.len().min(200)])));
            prop_assert!(!matches!(read(&bytes, &other, None), Reading::Report(_)));
            Ok(())
        })
        .unwrap();
    // Very deep nesting and a header of a megabyte.
    let deep = "Content-Type: multipart/mixed; boundary=a\r\n\r\n--a\r\n".repeat(5000);
    let _ = read(deep.as_bytes(), &key, None);
    let long = format!("Subject: {}\r\nTo: {sender}\r\n\r\nbody", "x".repeat(1 << 20));
    let _ = read(long.as_bytes(), &key, None);
}
