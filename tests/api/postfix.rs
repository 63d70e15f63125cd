//! A real MTA (docs/product.md rule 14): Debian's Postfix, run with a configuration of this
//! test's own (`postfix -c DIR`: its own queue, its own port on 127.0.0.1, never the system
//! instance), relays the portal's email. It accepts mail for `customer.test`, fails
//! delivery to an unknown user there (`local_recipient_maps =` empty), and its bounce, an
//! RFC 3464 report to the message's signed envelope sender `bounces+TOKEN@portal.test`,
//! goes by the alias `bounces: "|…provisio bounce"` to the built binary, which records it.
//!
//! Needs root (Postfix starts only as root) and the `postfix` package; without them the
//! test is skipped with the reason printed, and fails under CI=true (`.ci/run` installs it).

use std::path::{Path, PathBuf};
use std::process::Command;

use provisio::mail::bounce::BounceAddress;

use crate::helpers::*;
use crate::tests_on_both_backends;

const POSTFIX: &str = "/usr/sbin/postfix";

/// Whether Postfix can run here; else the reason (a failure under CI=true).
fn postfix_usable() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    let root = unsafe { libc::geteuid() } == 0;
    let reason = if !Path::new(POSTFIX).exists() {
        "Postfix test: /usr/sbin/postfix is missing (apt-get install postfix)"
    } else if !root {
        "Postfix test: Postfix starts only as root"
    } else {
        return true;
    };
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("CI=true but {reason}");
    }
    skip_notice(reason);
    false
}

/// The test's own Postfix instance; stopped (and its queue removed) when dropped.
struct Postfix {
    dir: tempfile::TempDir,
    port: u16,
}

impl Postfix {
    /// Configures and starts an instance whose alias `bounces` pipes to `bounce_command`.
    fn start(bounce_command: &Path) -> Self {
        let dir = tempfile::tempdir().expect("a folder for Postfix");
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let d = dir.path().display().to_string();
        let main_cf = format!(
            "compatibility_level = 3.6
queue_directory = {d}/queue
data_directory = {d}/data
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.portal.test
mydomain = portal.test
myorigin = portal.test
mydestination = portal.test, customer.test
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
local_recipient_maps =
alias_maps = texthash:{d}/aliases
alias_database = texthash:{d}/aliases
recipient_delimiter = +
allow_mail_to_commands = alias
default_transport = discard:not a test domain
relay_transport = discard:not a test domain
maillog_file = {d}/maillog
maillog_file_prefixes = {d}
smtputf8_enable = no
biff = no
smtpd_banner = $myhostname ESMTP
"
        );
        // No chroot (Debian's default master.cf chroots, which needs a prepared queue).
        let master_cf = format!(
            "127.0.0.1:{port} inet n - n - - smtpd
pickup unix n - n 60 1 pickup
cleanup unix n - n - 0 cleanup
qmgr unix n - n 300 1 qmgr
rewrite unix - - n - - trivial-rewrite
bounce unix - - n - 0 bounce
defer unix - - n - 0 bounce
trace unix - - n - 0 bounce
verify unix - - n - 1 verify
flush unix n - n 1000? 0 flush
proxymap unix - - n - - proxymap
smtp unix - - n - - smtp
relay unix - - n - - smtp
showq unix n - n - - showq
error unix - - n - - error
retry unix - - n - - error
discard unix - - n - - discard
local unix - n n - - local
anvil unix - - n - 1 anvil
scache unix - - n - 1 scache
postlog unix-dgram n - n - 1 postlogd
"
        );
        std::fs::write(dir.path().join("main.cf"), main_cf).unwrap();
        std::fs::write(dir.path().join("master.cf"), master_cf).unwrap();
        // texthash: postmap's "key value" form (no `:` as /etc/aliases has), read without postalias.
        std::fs::write(dir.path().join("aliases"), format!("bounces \"|{}\"\n", bounce_command.display())).unwrap();
        // Postfix's daemons (user postfix) walk into the queue; `check` makes its subfolders.
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::create_dir(dir.path().join("queue")).unwrap();
        std::fs::create_dir(dir.path().join("data")).unwrap();
        let chown = Command::new("chown").arg("postfix").arg(dir.path().join("data")).output().unwrap();
        assert!(chown.status.success(), "{}", String::from_utf8_lossy(&chown.stderr));
        let postfix = Self { dir, port };
        postfix.run(&["check"]);
        postfix.run(&["start"]);
        // Started once it answers on its port.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(std::time::Instant::now() < deadline, "Postfix did not start: {}", postfix.log());
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        postfix
    }

    /// Runs `postfix -c DIR ARGS`; on failure says why. Postfix's commands write their
    /// errors to syslog (absent in a container) unless standard error is a terminal, so a
    /// failed command runs again under script(1) to show them.
    fn run(&self, args: &[&str]) {
        let out = Command::new(POSTFIX).arg("-c").arg(self.dir.path()).args(args).output().expect("postfix runs");
        if !out.status.success() {
            let line = format!("{POSTFIX} -c {} {}", self.dir.path().display(), args.join(" "));
            let told = Command::new("script").args(["-qc", &line, "/dev/null"]).output();
            let told = told.map(|o| String::from_utf8_lossy(&o.stdout).to_string()).unwrap_or_default();
            panic!("postfix {args:?} failed: {told}{}", self.log());
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("maillog")).unwrap_or_default()
    }
}

impl Drop for Postfix {
    fn drop(&mut self) {
        let _ = Command::new(POSTFIX).arg("-c").arg(self.dir.path()).arg("abort").output();
    }
}

/// The command the alias runs, as an operator would write it (docs/operations.md): the
/// binary with the portal's database, standard output kept for the test's diagnostics. It
/// runs as Postfix's unprivileged `default_privs` user.
fn bounce_command(folder: &Path, database_url: &str) -> PathBuf {
    let script = folder.join("provisio-bounce");
    let log = folder.join("bounce.log");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nDATABASE_URL='{database_url}' PROVISIO_LOG=warn exec '{}' bounce >>'{}' 2>&1\n",
            env!("CARGO_BIN_EXE_provisio"),
            log.display()
        ),
    )
    .unwrap();
    std::fs::write(&log, "").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&log, std::fs::Permissions::from_mode(0o666)).unwrap();
    std::fs::set_permissions(folder, std::fs::Permissions::from_mode(0o755)).unwrap();
    script
}

/// The unprivileged user of the pipe writes the SQLite database too.
fn open_to_everyone(database_url: &str) {
    use std::os::unix::fs::PermissionsExt;
    let Some(file) = database_url.strip_prefix("sqlite://") else { return };
    let folder = Path::new(file).parent().unwrap();
    std::fs::set_permissions(folder, std::fs::Permissions::from_mode(0o777)).unwrap();
    for entry in std::fs::read_dir(folder).unwrap().flatten() {
        std::fs::set_permissions(entry.path(), std::fs::Permissions::from_mode(0o666)).unwrap();
    }
}

async fn run(backend: Backend) {
    if !postfix_usable() {
        return;
    }
    // The portal first (its database), then Postfix with the pipe to it, then the portal's
    // mail goes to Postfix: SMTP_URL is read at start, so the app starts with it set.
    let scripts = tempfile::tempdir().unwrap();
    let Some((database_url, db_dir)) = empty_database(backend).await else { return };
    let store = provisio::store::Store::connect(&database_url).await.unwrap();
    store.import(&fixture(chrono::Utc::now()), chrono::Utc::now()).await.unwrap();
    open_to_everyone(&database_url);
    let postfix = Postfix::start(&bounce_command(scripts.path(), &database_url));
    let smtp = format!("smtp://127.0.0.1:{}", postfix.port);
    let mut config = test_config(&database_url, Some(&smtp));
    config.mail.bounce_address = Some(BounceAddress::parse("bounces@portal.test").unwrap());
    let app = provisio::startup::Application::build(config, store.clone()).await.unwrap();
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let _keep = db_dir;

    let mut editor = User {
        client: reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        base: address.clone(),
        csrf: String::new(),
        cookie: None,
    };
    assert_eq!(editor.sign_in("editor@acme.example", PASSWORD, "").await.status(), 303);
    editor.refresh_csrf().await;
    let edited =
        editor.post("/orders/WO-1001/lines/Sub-1001-1/contact", &[("email", "no-such-person@customer.test")]).await;
    assert_eq!(edited.status(), 303);

    // Postfix accepts, local(8) finds no such user, the bounce comes back through the pipe.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let order = order_of(&store, "WO-1001").await.unwrap().unwrap();
        let line = order.line("Sub-1001-1").unwrap();
        if line.email_state() == "bounced" {
            assert!(line.email_error.as_deref().unwrap_or_default().starts_with("5.1.1"), "{line:?}");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no bounce recorded; line {:?}\nmaillog:\n{}\nprovisio bounce:\n{}",
            line.email_state(),
            postfix.log(),
            std::fs::read_to_string(scripts.path().join("bounce.log")).unwrap_or_default()
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let page = editor.get_html("/orders/WO-1001").await;
    assert!(page.contains("does not exist (5.1.1)"), "the line says why");
    let txs = store.line_transactions("Sub-1001-1").await.unwrap();
    assert_eq!(txs[0].status, "bounced");
    store.close().await;
}

tests_on_both_backends!(run);
