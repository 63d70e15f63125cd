//! What the benches share: a fresh database on each engine, fill statements run on either
//! connection type, the built binary serving a database, and a signed-in client. Each
//! bench takes it in with `mod support;` and uses the part it needs.
#![allow(dead_code, unused_macros, unused_imports)]

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Runs `$body` with `$conn` a fresh `&mut` connection to `$url` (SQLite or PostgreSQL),
/// the same statements on both, then has the planner read the sizes of `$tables`.
macro_rules! on_connection {
    ($url:expr, |$conn:ident| $body:block, analyze: $tables:expr) => {{
        use sqlx::Connection as _;
        if $url.starts_with("sqlite") {
            let mut connection = sqlx::SqliteConnection::connect($url).await.unwrap();
            let $conn = &mut connection;
            $body
            for table in $tables {
                let _ = sqlx::query(sqlx::AssertSqlSafe(format!("ANALYZE {table}"))).execute(&mut *$conn).await;
            }
        } else {
            let mut connection = sqlx::PgConnection::connect($url).await.unwrap();
            let $conn = &mut connection;
            $body
            for table in $tables {
                let _ = sqlx::query(sqlx::AssertSqlSafe(format!("ANALYZE {table}"))).execute(&mut *$conn).await;
            }
        }
    }};
}
pub(crate) use on_connection;

/// The PostgreSQL server benches make their databases on (PROVISIO_TEST_POSTGRES, or
/// the local one), while it answers.
pub struct Postgres {
    conn: sqlx::PgConnection,
    base: String,
}

impl Postgres {
    /// None, having said so, when no server answers.
    pub async fn connect() -> Option<Self> {
        use sqlx::Connection as _;
        let admin = std::env::var("PROVISIO_TEST_POSTGRES")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string());
        match sqlx::PgConnection::connect(&admin).await {
            Ok(conn) => Some(Self { conn, base: admin.rsplit_once('/').unwrap().0.to_string() }),
            Err(e) => {
                println!("PostgreSQL: skipped, no server at {admin}: {e}");
                None
            }
        }
    }

    /// A new empty database `{prefix}_{pid}`: its name and URL. The URL asks for no TLS,
    /// as docs/operations.md advises for a database on the same host (sqlx's handshake
    /// would add about 90 ms to every new connection).
    pub async fn create(&mut self, prefix: &str) -> (String, String) {
        let name = format!("{prefix}_{}", std::process::id());
        let sql = sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"));
        sqlx::query(sql).execute(&mut self.conn).await.unwrap();
        let url = format!("{}/{name}?sslmode=disable", self.base);
        (name, url)
    }

    pub async fn drop_database(&mut self, name: &str) {
        let sql = sqlx::AssertSqlSafe(format!("DROP DATABASE {name} WITH (FORCE)"));
        sqlx::query(sql).execute(&mut self.conn).await.unwrap();
    }
}

/// Logs of the library (RUST_LOG) to stderr, so that they do not mix with the figures.
pub fn log_to_stderr() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .try_init();
}

/// The body of an answer that must come.
pub async fn text(request: reqwest::RequestBuilder) -> String {
    request.send().await.unwrap().text().await.unwrap()
}

/// The URL of a SQLite file in `dir`.
pub fn sqlite_url(dir: &Path, file: &str) -> String {
    format!("sqlite://{}", dir.join(file).display())
}

/// `provisio serve` of this build, on a free port; killed when dropped.
pub struct Server {
    child: Child,
    pub base: String,
}

impl Server {
    /// Serves `url` from `dir` with the extra settings `env`, once /healthz answers.
    pub async fn start(url: &str, dir: &Path, env: &[(&str, &str)]) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(env!("CARGO_BIN_EXE_provisio"))
            .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
            .env("DATABASE_URL", url)
            .env("PROVISIO_MFA", "none")
            .env("PROVISIO_LOG", "warn")
            .envs(env.iter().copied())
            .current_dir(dir)
            .stdout(Stdio::null())
            .spawn()
            .expect("the provisio binary starts");
        let server = Self { child, base: format!("http://127.0.0.1:{port}") };
        let deadline = Instant::now() + Duration::from_secs(60);
        while reqwest::get(format!("{}/healthz", server.base)).await.map(|r| r.status().as_u16()).ok() != Some(200) {
            assert!(Instant::now() < deadline, "the server did not come up");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        server
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The CSRF token of the first form in `html`.
pub fn csrf_token(html: &str) -> String {
    let field = "name=\"csrf_token\" value=\"";
    let at = html.find(field).expect("a form token") + field.len();
    html[at..].split('"').next().unwrap().to_string()
}

/// A client signed in at `base` (it keeps its cookies and follows no redirect), and the
/// session cookie as `name=value` for tools that send it themselves.
pub async fn sign_in(base: &str, email: &str, password: &str) -> (reqwest::Client, String) {
    let client =
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let page = client.get(format!("{base}/login")).send().await.unwrap().text().await.unwrap();
    let response = client
        .post(format!("{base}/login"))
        .form(&[("email", email), ("password", password), ("next", ""), ("csrf_token", &csrf_token(&page))])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303, "sign-in of {email}");
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_string())
        .find(|c| c.contains("provisio_session="))
        .expect("a session cookie");
    (client, cookie)
}
