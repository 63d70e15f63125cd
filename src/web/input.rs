//! Form inputs as types that say what they accept: required fields, lengths and allowed
//! values, checked with `validator` after trimming. Each rule's code is the catalog key of
//! the message a person reads when it fails. Addresses are not checked here:
//! `ContactEmail::parse` is the one place for the address rules.

use validator::{Validate, ValidationError, ValidationErrors};

/// The longest name of an invited user, in characters.
pub const PERSON_NAME_MAX: u64 = 200;
/// The longest name of an API token, in characters.
pub const TOKEN_NAME_MAX: u64 = 100;
/// The longest description of a support case, or note on one, in characters.
pub const CASE_TEXT_MAX: u64 = 4000;

/// What a support case may ask for.
pub const CASE_REQUEST_TYPES: [&str; 2] = ["change_contact", "resend_email"];
/// Where a support case may stand.
pub const CASE_STATUSES: [&str; 3] = ["open", "in_progress", "resolved"];
/// What an API token may do.
pub const TOKEN_SCOPES: [&str; 2] = ["read", "write"];
/// How many days an API token may work, to choose from at creation.
pub const TOKEN_DAYS: [&str; 3] = ["30", "90", "365"];
/// The lifetime of a token whose form does not say.
pub const DEFAULT_TOKEN_DAYS: &str = "90";
/// The longest one-time form key accepted (ours are 43 characters).
pub const FORM_KEY_MAX: u64 = 128;

/// A user a company admin invites (the address is `ContactEmail`'s).
#[derive(Debug, Validate)]
pub struct Invitee<'a> {
    #[validate(
        length(min = 1, max = "PERSON_NAME_MAX", code = "company-invite-name-error"),
        custom(function = "printable", code = "company-invite-name-error")
    )]
    pub name: &'a str,
}

/// A new API token.
#[derive(Debug, Validate)]
pub struct NewToken<'a> {
    #[validate(
        length(min = 1, max = "TOKEN_NAME_MAX", code = "tokens-invalid"),
        custom(function = "printable", code = "tokens-invalid")
    )]
    pub name: &'a str,
    #[validate(custom(function = "token_scope", code = "tokens-invalid"))]
    pub scope: &'a str,
    #[validate(custom(function = "token_days", code = "tokens-invalid-expiry"))]
    pub expires_in_days: &'a str,
    #[validate(length(max = "FORM_KEY_MAX", code = "tokens-invalid-form"))]
    pub form_key: &'a str,
}

/// A new support case (its attachments are checked as they stream in).
#[derive(Debug, Validate)]
pub struct CaseRequest<'a> {
    #[validate(custom(function = "case_request_type", code = "case-error-type"))]
    pub request_type: &'a str,
    #[validate(length(min = 1, max = "CASE_TEXT_MAX", code = "case-error-description"))]
    pub description: &'a str,
}

/// An operator's change to a support case.
#[derive(Debug, Validate)]
pub struct CaseChange<'a> {
    #[validate(custom(function = "case_status", code = "case-error-status"))]
    pub status: &'a str,
    #[validate(length(max = "CASE_TEXT_MAX", code = "case-error-status"))]
    pub note: &'a str,
}

fn printable(value: &str) -> Result<(), ValidationError> {
    if value.chars().any(char::is_control) { Err(ValidationError::new("printable")) } else { Ok(()) }
}

fn one_of(value: &str, allowed: &[&str]) -> Result<(), ValidationError> {
    if allowed.contains(&value) { Ok(()) } else { Err(ValidationError::new("one_of")) }
}

fn token_scope(value: &str) -> Result<(), ValidationError> {
    one_of(value, &TOKEN_SCOPES)
}

fn token_days(value: &str) -> Result<(), ValidationError> {
    one_of(value, &TOKEN_DAYS)
}

fn case_request_type(value: &str) -> Result<(), ValidationError> {
    one_of(value, &CASE_REQUEST_TYPES)
}

fn case_status(value: &str) -> Result<(), ValidationError> {
    one_of(value, &CASE_STATUSES)
}

/// The catalog key of the first rule broken, looking at the fields in `order` (the order
/// of the form, so that the message names the first problem a person meets).
pub fn first_problem(errors: &ValidationErrors, order: &[&str]) -> Option<String> {
    let fields = errors.field_errors();
    order
        .iter()
        .filter_map(|field| fields.get(*field))
        .chain(fields.values())
        .flat_map(|errors| errors.iter())
        .map(|e| e.code.to_string())
        .next()
}

/// Checks `input`: None when it is acceptable, else the catalog key of its first problem.
pub fn problem(input: &impl Validate, order: &[&str]) -> Option<String> {
    input.validate().err().and_then(|errors| first_problem(&errors, order))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_required_bounded_and_printable() {
        assert_eq!(problem(&Invitee { name: "Ada Lovelace" }, &["name"]), None);
        for bad in ["", "a\u{7}b", &"x".repeat(PERSON_NAME_MAX as usize + 1)] {
            assert_eq!(
                problem(&Invitee { name: bad }, &["name"]).as_deref(),
                Some("company-invite-name-error"),
                "{bad:?}"
            );
        }
        // Characters, not bytes: 200 Korean letters fit.
        assert_eq!(problem(&Invitee { name: &"가".repeat(200) }, &["name"]), None);
        let token = |scope, expires_in_days, form_key| NewToken { name: "CI", scope, expires_in_days, form_key };
        let order = ["name", "scope", "expires_in_days", "form_key"];
        for days in TOKEN_DAYS {
            assert_eq!(problem(&token("write", days, "k"), &order), None);
        }
        assert_eq!(problem(&token("admin", "90", ""), &order).as_deref(), Some("tokens-invalid"));
        for days in ["", "0", "31", "-30", "90 ", "3650"] {
            assert_eq!(problem(&token("read", days, ""), &order).as_deref(), Some("tokens-invalid-expiry"), "{days:?}");
        }
        let long = "k".repeat(FORM_KEY_MAX as usize + 1);
        assert_eq!(problem(&token("read", "30", &long), &order).as_deref(), Some("tokens-invalid-form"));
    }

    #[test]
    fn a_case_names_its_first_problem_in_form_order() {
        let case = CaseRequest { request_type: "refund", description: "" };
        assert_eq!(problem(&case, &["request_type", "description"]).as_deref(), Some("case-error-type"));
        let case = CaseRequest { request_type: "resend_email", description: "" };
        assert_eq!(problem(&case, &["request_type", "description"]).as_deref(), Some("case-error-description"));
        let long = "x".repeat(CASE_TEXT_MAX as usize + 1);
        assert_eq!(
            problem(&CaseChange { status: "open", note: &long }, &["status", "note"]).as_deref(),
            Some("case-error-status")
        );
        assert_eq!(problem(&CaseChange { status: "resolved", note: "" }, &["status", "note"]), None);
    }
}
