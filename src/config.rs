//! Configuration from flags and environment variables, validated once at start-up.
//! A missing or malformed value stops start-up with one line naming the setting.

use std::net::SocketAddr;

#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
    pub bind: SocketAddr,
    pub admin_console_url: String,
    pub secure_cookies: bool,
}

#[derive(Debug, thiserror::Error)]
#[error("{setting}: {problem}")]
pub struct ConfigError {
    pub setting: &'static str,
    pub problem: String,
}

fn bad(setting: &'static str, problem: impl Into<String>) -> ConfigError {
    ConfigError { setting, problem: problem.into() }
}

impl Config {
    /// Reads the environment through `var`; `bind_flag` (from `--bind`) wins over PROVISIO_BIND.
    pub fn from_env(var: impl Fn(&str) -> Option<String>, bind_flag: Option<&str>) -> Result<Self, ConfigError> {
        let database_url = var("DATABASE_URL").unwrap_or_else(|| "sqlite://provisio.db".to_string());
        let is_sqlite = database_url.starts_with("sqlite:") && database_url.len() > "sqlite:".len();
        let is_postgres = database_url.starts_with("postgres://") || database_url.starts_with("postgresql://");
        if !is_sqlite && !is_postgres {
            return Err(bad("DATABASE_URL", "expected sqlite://PATH or postgres://USER@HOST/DB"));
        }

        let (bind_setting, bind_text) = match bind_flag {
            Some(b) => ("--bind", b.to_string()),
            None => ("PROVISIO_BIND", var("PROVISIO_BIND").unwrap_or_else(|| "127.0.0.1:8080".to_string())),
        };
        let bind = bind_text
            .parse()
            .map_err(|_| bad(bind_setting, format!("expected an address such as 127.0.0.1:8080, got {bind_text:?}")))?;

        let admin_console_url =
            var("PROVISIO_ADMIN_CONSOLE_URL").unwrap_or_else(|| "https://admin.webex.com".to_string());
        let valid_url = (admin_console_url.starts_with("https://") || admin_console_url.starts_with("http://"))
            && !admin_console_url.chars().any(|c| c.is_whitespace() || c.is_control() || c == '"' || c == '<');
        if !valid_url {
            return Err(bad("PROVISIO_ADMIN_CONSOLE_URL", "expected an http:// or https:// URL"));
        }

        let secure_cookies = match var("PROVISIO_SECURE_COOKIES").as_deref() {
            None | Some("false") | Some("0") => false,
            Some("true") | Some("1") => true,
            Some(other) => {
                return Err(bad("PROVISIO_SECURE_COOKIES", format!("expected true or false, got {other:?}")));
            }
        };

        Ok(Self { database_url, bind, admin_console_url, secure_cookies })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn defaults_are_the_embedded_ones() {
        let c = Config::from_env(env(&[]), None).unwrap();
        assert_eq!(c.database_url, "sqlite://provisio.db");
        assert_eq!(c.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(c.admin_console_url, "https://admin.webex.com");
        assert!(!c.secure_cookies);
    }

    #[test]
    fn bad_values_name_their_setting() {
        let cases: [(&[(&str, &str)], &str); 4] = [
            (&[("DATABASE_URL", "mysql://x")], "DATABASE_URL"),
            (&[("PROVISIO_BIND", "localhost")], "PROVISIO_BIND"),
            (&[("PROVISIO_SECURE_COOKIES", "yes")], "PROVISIO_SECURE_COOKIES"),
            (&[("PROVISIO_ADMIN_CONSOLE_URL", "javascript:alert(1)")], "PROVISIO_ADMIN_CONSOLE_URL"),
        ];
        for (pairs, setting) in cases {
            let err = Config::from_env(env(pairs), None).unwrap_err();
            assert_eq!(err.setting, setting);
            assert!(err.to_string().starts_with(setting));
        }
        assert_eq!(Config::from_env(env(&[]), Some("nope")).unwrap_err().setting, "--bind");
    }
}
