//! A password someone sets through an invitation, checked as OWASP ASVS level 2 asks:
//! at least 12 characters, not one of a list of common passwords (compared
//! case-insensitively), and no composition rules. The list ships in the binary; it holds
//! only entries of 12 characters or more, since shorter ones are refused by length.

use std::collections::HashSet;
use std::sync::LazyLock;

pub const MIN_CHARS: usize = 12;
/// Long enough for any passphrase, short enough that hashing it costs nothing unusual.
pub const MAX_CHARS: usize = 256;

static COMMON: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| include_str!("common-passwords.txt").lines().map(str::trim).filter(|l| !l.is_empty()).collect());

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordProblem {
    TooShort,
    TooLong,
    Common,
    Mismatch,
}

/// A password that passed the policy; only [`NewPassword::parse`] makes one.
#[derive(Clone)]
pub struct NewPassword(String);

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(…)")
    }
}

impl NewPassword {
    pub fn parse(password: &str, confirmation: &str) -> Result<Self, PasswordProblem> {
        let chars = password.chars().count();
        if chars < MIN_CHARS {
            return Err(PasswordProblem::TooShort);
        }
        if chars > MAX_CHARS {
            return Err(PasswordProblem::TooLong);
        }
        if COMMON.contains(password.trim().to_lowercase().as_str()) {
            return Err(PasswordProblem::Common);
        }
        if password != confirmation {
            return Err(PasswordProblem::Mismatch);
        }
        Ok(Self(password.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twelve_characters_not_common_and_confirmed() {
        assert_eq!(NewPassword::parse("short", "short").unwrap_err(), PasswordProblem::TooShort);
        assert_eq!(
            NewPassword::parse("ÅÄÖåäö한국어abc", "ÅÄÖåäö한국어abc").map(|_| ()),
            Ok(()),
            "characters, not bytes"
        );
        assert_eq!(NewPassword::parse("ÅÄÖåäö한국어", "x").unwrap_err(), PasswordProblem::TooShort);
        assert_eq!(NewPassword::parse("password1234", "password1234").unwrap_err(), PasswordProblem::Common);
        assert_eq!(NewPassword::parse("PassWord1234", "PassWord1234").unwrap_err(), PasswordProblem::Common);
        assert_eq!(NewPassword::parse("qwertyuiopas", "qwertyuiopas").unwrap_err(), PasswordProblem::Common);
        assert_eq!(
            NewPassword::parse("lanterns by the quay", "lanterns by the quai").unwrap_err(),
            PasswordProblem::Mismatch
        );
        assert!(NewPassword::parse("lanterns by the quay", "lanterns by the quay").is_ok(), "no composition rules");
        let long = "x".repeat(MAX_CHARS + 1);
        assert_eq!(NewPassword::parse(&long, &long).unwrap_err(), PasswordProblem::TooLong);
    }

    #[test]
    fn the_list_is_shipped_and_long_enough_to_matter() {
        assert!(COMMON.len() > 5000, "{}", COMMON.len());
        assert!(COMMON.iter().all(|p| p.chars().count() >= MIN_CHARS && *p == p.to_lowercase()));
    }
}
