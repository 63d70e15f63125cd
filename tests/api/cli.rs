//! The binary's commands, run as a user would run them.

use std::process::{Command, Output};

use chrono::Utc;

use crate::helpers::*;
use crate::on_both;

/// Runs the binary without blocking the test's runtime: the application under test runs
/// its background work on that runtime, and a blocked thread would hold its SQLite write
/// lock until the command gave up.
async fn provisio(database_url: &str, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_provisio"));
    command.args(args).env("DATABASE_URL", database_url).env_remove("PROVISIO_BIND");
    tokio::task::spawn_blocking(move || command.output().expect("the binary runs")).await.unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).to_string()
}

#[test]
fn bad_configuration_stops_with_one_line_naming_the_setting() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (vec![("DATABASE_URL", "mysql://localhost/x")], "DATABASE_URL"),
        (vec![("PROVISIO_BIND", "not-an-address")], "PROVISIO_BIND"),
        (vec![("PROVISIO_SECURE_COOKIES", "maybe")], "PROVISIO_SECURE_COOKIES"),
        (vec![("PROVISIO_ADMIN_CONSOLE_URL", "ftp://x")], "PROVISIO_ADMIN_CONSOLE_URL"),
        (vec![("PROVISIO_MFA", "admins,everyone")], "PROVISIO_MFA"),
    ];
    for (env, setting) in cases {
        let mut command = Command::new(env!("CARGO_BIN_EXE_provisio"));
        command.arg("serve").current_dir(dir.path()).env_remove("DATABASE_URL");
        for (k, v) in &env {
            command.env(k, v);
        }
        let output = command.output().unwrap();
        assert!(!output.status.success());
        let err = stderr(&output);
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(err.starts_with(&format!("error: {setting}:")), "{err}");
    }
}

on_both!(import_and_onboard_from_the_command_line, |app| {
    let dir = tempfile::tempdir().unwrap();
    let mut file = fixture(Utc::now());
    file.orders.truncate(0);
    let good = serde_json::json!({
        "companies": [{"id": "cli", "name": "CLI Partner", "kind": "partner"}],
        "users": [{"email": "cli@cli.example", "name": "Cli User", "company": "cli", "password": PASSWORD, "can_edit": true}],
        "orders": [{"id": "WO-7777", "partner": "cli", "distributor": null, "created_by": "cli@cli.example",
                    "customer": "Cli Customer", "language": null, "org_mapped_at": null,
                    "lines": [{"subscription": "Sub-7777", "offer": "A-Flex", "rsd": "2026-11-01",
                               "contact": "it@cli.example", "status": "awaiting", "email_sent_at": "2026-11-01T09:00:00Z"}]}]
    });
    let path = dir.path().join("good.json");
    std::fs::write(&path, good.to_string()).unwrap();
    let path = path.to_str().unwrap();
    let first = provisio(&app.database_url, &["import", path]).await;
    assert!(first.status.success(), "{}", stderr(&first));
    let again = provisio(&app.database_url, &["import", path]).await;
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(String::from_utf8_lossy(&again.stdout).contains("0 contact changes"));

    let mut bad = good.clone();
    bad["orders"][0]["lines"][0]["contact"] = "nope".into();
    bad["orders"][0]["customer"] = "Changed Customer".into();
    let bad_path = dir.path().join("bad.json");
    std::fs::write(&bad_path, bad.to_string()).unwrap();
    let refused = provisio(&app.database_url, &["import", bad_path.to_str().unwrap()]).await;
    assert!(!refused.status.success());
    assert!(stderr(&refused).contains("orders[0].lines[0].contact: not a valid email address"), "{}", stderr(&refused));
    let order = order_of(&app.store, "WO-7777").await.unwrap().unwrap();
    assert_eq!(order.head.customer, "Cli Customer", "a bad file changes nothing");

    let onboard = provisio(&app.database_url, &["onboard", "WO-7777"]).await;
    assert!(onboard.status.success(), "{}", stderr(&onboard));
    assert!(order_of(&app.store, "WO-7777").await.unwrap().unwrap().head.org_mapped_at.is_some());
    let unknown = provisio(&app.database_url, &["onboard", "WO-0000"]).await;
    assert!(!unknown.status.success());
    assert!(provisio(&app.database_url, &["migrate"]).await.status.success());
});

#[tokio::test]
async fn tick_sends_the_due_rsd_emails_once_to_the_file_mailbox() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some((store, url, _dir)) = fresh_store(backend).await else { continue };
        let mut file = fixture(Utc::now());
        file.orders[2].lines[0].rsd = Utc::now().date_naive(); // Sub-1003-1, no email yet
        store.import(&file, Utc::now()).await.unwrap();
        let cwd = tempfile::tempdir().unwrap();
        let run = || {
            Command::new(env!("CARGO_BIN_EXE_provisio"))
                .arg("tick")
                .current_dir(cwd.path())
                .env("DATABASE_URL", &url)
                .env_remove("SMTP_URL")
                .output()
                .unwrap()
        };
        let first = run();
        assert!(first.status.success(), "{}", stderr(&first));
        let out = String::from_utf8_lossy(&first.stdout).to_string();
        assert!(out.contains("queued 1 requested-start-date emails") && out.contains("1 sent"), "{out}");
        let second = run();
        assert!(String::from_utf8_lossy(&second.stdout).contains("queued 0 requested-start-date emails"));
        let mails: Vec<_> = std::fs::read_dir(cwd.path().join("mail")).unwrap().collect();
        assert_eq!(mails.len(), 1, "one .eml in ./mail/");
        let order = order_of(&store, "WO-1003").await.unwrap().unwrap();
        assert!(order.line("Sub-1003-1").unwrap().email_sent_at.is_some());
    }
}

on_both!(the_documented_example_import_file_imports_twice_without_change, |app| {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/import-example.json");
    let first = provisio(&app.database_url, &["import", path]).await;
    assert!(first.status.success(), "{}", stderr(&first));
    let order = order_of(&app.store, "WO-104233871").await.unwrap().expect("the example's order");
    assert_eq!(order.head.distributor_id.as_deref(), Some("northwind"));
    let (ana, _) = app.store.user_credentials("ana@acme.example").await.unwrap().unwrap();
    assert!(ana.company_admin && ana.can_edit && !ana.operator);
    let again = provisio(&app.database_url, &["import", path]).await;
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(String::from_utf8_lossy(&again.stdout).contains("(0 contact changes recorded)"));
});
