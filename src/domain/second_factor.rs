//! Strong sign-in (docs/product.md rule 15), the rules without I/O: whom PROVISIO_MFA
//! covers, when a check is fresh, what a security change is, and the shape of one-time
//! and recovery codes.

use chrono::{DateTime, Duration, Utc};

use super::Actor;

/// How long a strong check counts for the changes that ask for a fresh one (company-admin
/// changes, creating an API token, removing a factor, operators' retries).
pub const FRESH_CHECK: i64 = 10 * 60;

/// Whether a check made `checked_at` (None: never in this session) is still fresh at `now`.
pub fn is_fresh(checked_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    checked_at.is_some_and(|at| now - at <= Duration::seconds(FRESH_CHECK))
}

/// Who must have a second factor (PROVISIO_MFA): operators, company admins, both, everyone
/// or no one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MfaPolicy {
    pub operators: bool,
    pub admins: bool,
    pub everyone: bool,
}

impl Default for MfaPolicy {
    /// `operators,admins`.
    fn default() -> Self {
        Self { operators: true, admins: true, everyone: false }
    }
}

impl MfaPolicy {
    pub const NONE: Self = Self { operators: false, admins: false, everyone: false };
    pub const ALL: Self = Self { operators: true, admins: true, everyone: true };

    /// `operators`, `admins` (comma-separated, either order), `all` or `none`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let expected = || format!("expected operators, admins, operators,admins, all or none, got {text:?}");
        match text.trim() {
            "all" => return Ok(Self::ALL),
            "none" => return Ok(Self::NONE),
            "" => return Err(expected()),
            _ => {}
        }
        let mut policy = Self::NONE;
        for part in text.split(',').map(str::trim) {
            match part {
                "operators" => policy.operators = true,
                "admins" => policy.admins = true,
                _ => return Err(expected()),
            }
        }
        Ok(policy)
    }

    /// Whether `actor` must have a second factor. An API token is never covered: it is
    /// not a sign-in.
    pub fn covers(&self, actor: &Actor) -> bool {
        if actor.user_id <= 0 {
            return false;
        }
        self.everyone || (self.operators && actor.operator) || (self.admins && actor.company_admin)
    }
}

/// What a `security_change` transaction records (its `new_value`), and what the email to
/// the user's own address says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecurityChange {
    /// One-time codes turned on (with a first set of recovery codes).
    TotpOn,
    /// One-time codes turned off (recovery codes go with them).
    TotpOff,
    /// A new set of recovery codes; the old ones stop working.
    RecoveryCodesRenewed,
    /// A recovery code was used to sign in (one fewer left).
    RecoveryCodeUsed,
    /// A passkey was added, under this name.
    PasskeyAdded(String),
    /// A passkey was removed, of this name.
    PasskeyRemoved(String),
    /// The user ended one of their sessions (not this one).
    SessionEnded,
    /// The user ended every session but this one: how many.
    OtherSessionsEnded(i64),
}

impl SecurityChange {
    /// The stored form: a code, and after a colon what it is about.
    pub fn code(&self) -> String {
        match self {
            Self::TotpOn => "totp_on".into(),
            Self::TotpOff => "totp_off".into(),
            Self::RecoveryCodesRenewed => "recovery_codes_renewed".into(),
            Self::RecoveryCodeUsed => "recovery_code_used".into(),
            Self::PasskeyAdded(name) => format!("passkey_added:{name}"),
            Self::PasskeyRemoved(name) => format!("passkey_removed:{name}"),
            Self::SessionEnded => "session_ended".into(),
            Self::OtherSessionsEnded(n) => format!("other_sessions_ended:{n}"),
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        let (head, rest) = code.split_once(':').map(|(h, r)| (h, Some(r))).unwrap_or((code, None));
        Some(match (head, rest) {
            ("totp_on", None) => Self::TotpOn,
            ("totp_off", None) => Self::TotpOff,
            ("recovery_codes_renewed", None) => Self::RecoveryCodesRenewed,
            ("recovery_code_used", None) => Self::RecoveryCodeUsed,
            ("passkey_added", Some(name)) => Self::PasskeyAdded(name.to_string()),
            ("passkey_removed", Some(name)) => Self::PasskeyRemoved(name.to_string()),
            ("session_ended", None) => Self::SessionEnded,
            ("other_sessions_ended", Some(n)) => Self::OtherSessionsEnded(n.parse().ok()?),
            _ => return None,
        })
    }
}

/// How many recovery codes a set holds.
pub const RECOVERY_CODES: usize = 10;

/// A recovery code as typed: lower case, without spaces or dashes (they are shown in groups
/// of four, `abcd-efgh-ijkl-mnop`). None for what cannot be one.
pub fn normalise_recovery_code(typed: &str) -> Option<String> {
    let code: String =
        typed.chars().filter(|c| !c.is_whitespace() && *c != '-').map(|c| c.to_ascii_lowercase()).collect();
    (code.len() == 16 && code.chars().all(|c| matches!(c, 'a'..='z' | '2'..='7'))).then_some(code)
}

/// A one-time code as typed: six digits, spaces allowed between them. None otherwise.
pub fn normalise_totp_code(typed: &str) -> Option<String> {
    let code: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    (code.len() == 6 && code.chars().all(|c| c.is_ascii_digit())).then_some(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(operator: bool, company_admin: bool) -> Actor {
        Actor { user_id: 7, company_id: "acme".into(), can_edit: false, operator, company_admin }
    }

    #[test]
    fn the_policy_covers_whom_it_names() {
        let default = MfaPolicy::default();
        assert_eq!(MfaPolicy::parse("operators,admins").unwrap(), default);
        assert_eq!(MfaPolicy::parse(" admins , operators ").unwrap(), default);
        assert!(default.covers(&actor(true, false)) && default.covers(&actor(false, true)));
        assert!(!default.covers(&actor(false, false)));
        let admins = MfaPolicy::parse("admins").unwrap();
        assert!(!admins.covers(&actor(true, false)), "an operator is not a company admin");
        assert!(MfaPolicy::parse("all").unwrap().covers(&actor(false, false)));
        assert!(!MfaPolicy::parse("none").unwrap().covers(&actor(true, true)));
        assert!(!MfaPolicy::ALL.covers(&Actor::api_token(3, "acme", true)), "tokens are never covered");
        for bad in ["", "everyone", "operators,", "all,admins", "Operators", "none,admins"] {
            assert!(MfaPolicy::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_check_is_fresh_for_ten_minutes() {
        let at = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        assert!(is_fresh(Some(at), at + Duration::seconds(FRESH_CHECK)));
        assert!(!is_fresh(Some(at), at + Duration::seconds(FRESH_CHECK + 1)));
        assert!(!is_fresh(None, at));
    }

    #[test]
    fn security_changes_round_trip() {
        for change in [
            SecurityChange::TotpOn,
            SecurityChange::TotpOff,
            SecurityChange::RecoveryCodesRenewed,
            SecurityChange::RecoveryCodeUsed,
            SecurityChange::PasskeyAdded("Laptop: work".into()),
            SecurityChange::PasskeyRemoved("Phone".into()),
            SecurityChange::SessionEnded,
            SecurityChange::OtherSessionsEnded(3),
        ] {
            assert_eq!(SecurityChange::parse(&change.code()), Some(change));
        }
        assert_eq!(SecurityChange::parse("totp_on:x"), None);
        assert_eq!(SecurityChange::parse("other_sessions_ended:many"), None);
    }

    #[test]
    fn codes_are_read_as_people_type_them() {
        assert_eq!(normalise_totp_code(" 123 456 ").as_deref(), Some("123456"));
        assert_eq!(normalise_totp_code("12345"), None);
        assert_eq!(normalise_totp_code("12345a"), None);
        assert_eq!(normalise_recovery_code("ABCD-efgh-2345-67ab").as_deref(), Some("abcdefgh234567ab"));
        assert_eq!(normalise_recovery_code("abcd-efgh-2345-67a1"), None, "1 is not base32");
        assert_eq!(normalise_recovery_code("abcd"), None);
    }
}
