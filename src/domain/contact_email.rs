//! The provisioning contact's address: parsed once, valid from then on.

use std::fmt;

const MAX_LEN: usize = 254;
const MAX_LOCAL_LEN: usize = 64;
const MAX_LABEL_LEN: usize = 63;

/// A single, bare email address (no display name), safe to put in a mail header:
/// ASCII only, no white space or line breaks, domain lower-cased.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ContactEmail(String);

/// Why an address was refused; each maps to one message in the catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactEmailError {
    Empty,
    TooLong,
    LocalPartTooLong,
    NotOneAddress,
    Invalid,
}

impl ContactEmailError {
    /// The message catalog key that explains this error to a person.
    pub fn message_key(self) -> &'static str {
        match self {
            Self::Empty => "email-error-empty",
            Self::TooLong => "email-error-too-long",
            Self::LocalPartTooLong => "email-error-local-too-long",
            Self::NotOneAddress => "email-error-not-one",
            Self::Invalid => "email-error-invalid",
        }
    }

    /// A short English reason, for the command line (import errors).
    pub fn plain(self) -> &'static str {
        match self {
            Self::Empty => "an email address is required",
            Self::TooLong => "an email address has at most 254 characters",
            Self::LocalPartTooLong => "the part before @ has at most 64 characters",
            Self::NotOneAddress => "enter one address only, without a name",
            Self::Invalid => "not a valid email address",
        }
    }
}

impl fmt::Display for ContactEmailError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.plain())
    }
}

impl std::error::Error for ContactEmailError {}

fn is_atext(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~-".contains(c)
}

fn is_valid_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= MAX_LABEL_LEN
        && !label.starts_with('-')
        && !label.ends_with('-')
        && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

impl ContactEmail {
    /// Parses what a person typed. Surrounding spaces are forgiven; everything else
    /// that is not one plain address is refused.
    pub fn parse(input: &str) -> Result<Self, ContactEmailError> {
        let s = input.trim_matches(|c| c == ' ' || c == '\t');
        if s.is_empty() {
            return Err(ContactEmailError::Empty);
        }
        if s.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';' | '"')) {
            return Err(ContactEmailError::NotOneAddress);
        }
        if s.len() > MAX_LEN {
            return Err(ContactEmailError::TooLong);
        }
        let Some((local, domain)) = s.rsplit_once('@') else {
            return Err(ContactEmailError::Invalid);
        };
        if local.is_empty() || local.contains('@') {
            return Err(ContactEmailError::Invalid);
        }
        if local.len() > MAX_LOCAL_LEN {
            return Err(ContactEmailError::LocalPartTooLong);
        }
        if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
            return Err(ContactEmailError::Invalid);
        }
        if !local.chars().all(|c| is_atext(c) || c == '.') {
            return Err(ContactEmailError::Invalid);
        }
        let domain = domain.to_ascii_lowercase();
        let labels: Vec<&str> = domain.split('.').collect();
        if labels.len() < 2 || !labels.iter().all(|l| is_valid_label(l)) {
            return Err(ContactEmailError::Invalid);
        }
        // A top-level domain is never all digits (that would be an IP address).
        if labels.last().is_some_and(|tld| tld.chars().all(|c| c.is_ascii_digit())) {
            return Err(ContactEmailError::Invalid);
        }
        Ok(Self(format!("{local}@{domain}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for ContactEmail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for ContactEmail {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_plain_addresses_and_lowercases_the_domain() {
        let e = ContactEmail::parse("  It.Admin+webex@Globex.EXAMPLE ").unwrap();
        assert_eq!(e.as_str(), "It.Admin+webex@globex.example");
        assert!(ContactEmail::parse("a@b.co").is_ok());
        assert!(ContactEmail::parse("o'brien@sub.domain-1.example").is_ok());
    }

    #[test]
    fn refuses_hostile_and_malformed_input() {
        use ContactEmailError::*;
        let cases = [
            ("", Empty),
            ("   ", Empty),
            ("Ana <ana@globex.example>", NotOneAddress),
            ("a@globex.example, b@globex.example", NotOneAddress),
            ("a@globex.example;b@globex.example", NotOneAddress),
            ("a@globex.example\r\nBcc: x@evil.example", NotOneAddress),
            ("a@globex.example\nBcc: x@evil.example", NotOneAddress),
            ("\"quoted\"@globex.example", NotOneAddress),
            ("plainaddress", Invalid),
            ("@globex.example", Invalid),
            ("a@", Invalid),
            ("a@localhost", Invalid),
            ("a@@globex.example", Invalid),
            ("a@-globex.example", Invalid),
            ("a@globex-.example", Invalid),
            ("a@globex..example", Invalid),
            (".a@globex.example", Invalid),
            ("a.@globex.example", Invalid),
            ("a..b@globex.example", Invalid),
            ("a@127.0.0.1", Invalid),
            ("a@[127.0.0.1]", Invalid),
            ("ä@globex.example", Invalid),
            ("a@glöbex.example", Invalid),
            ("a@globex.example\0", NotOneAddress),
        ];
        for (input, expected) in cases {
            assert_eq!(ContactEmail::parse(input), Err(expected), "input {input:?}");
        }
    }

    #[test]
    fn enforces_lengths() {
        let local64 = "a".repeat(64);
        assert!(ContactEmail::parse(&format!("{local64}@globex.example")).is_ok());
        assert_eq!(
            ContactEmail::parse(&format!("{}@globex.example", "a".repeat(65))),
            Err(ContactEmailError::LocalPartTooLong)
        );
        // 254 in all is fine, 255 is not.
        let domain = format!("{}.{}.{}.example", "b".repeat(63), "c".repeat(63), "d".repeat(63));
        let ok = format!("{}@{}", "a".repeat(254 - 1 - domain.len()), domain);
        assert_eq!(ok.len(), 254);
        assert!(ContactEmail::parse(&ok).is_ok());
        let long = format!("a{ok}");
        assert_eq!(ContactEmail::parse(&long), Err(ContactEmailError::TooLong));
        let label64 = format!("a@{}.example", "b".repeat(64));
        assert_eq!(ContactEmail::parse(&label64), Err(ContactEmailError::Invalid));
    }

    proptest! {
        #[test]
        fn never_panics_and_never_lets_header_breaking_characters_through(s in "\\PC{0,300}") {
            if let Ok(e) = ContactEmail::parse(&s) {
                prop_assert!(e.as_str().len() <= 254);
                prop_assert!(e.as_str().is_ascii());
                prop_assert!(!e.as_str().chars().any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == ','));
                prop_assert_eq!(e.as_str().matches('@').count(), 1);
            }
        }

        #[test]
        fn parsing_is_idempotent(local in "[a-z0-9._+-]{1,20}", domain in "[a-zA-Z0-9]{1,10}\\.[a-zA-Z]{2,6}") {
            if let Ok(e) = ContactEmail::parse(&format!("{local}@{domain}")) {
                prop_assert_eq!(ContactEmail::parse(e.as_str()), Ok(e.clone()));
            }
        }
    }
}
