//! The rules of docs/product.md as plain types and functions, without I/O.

pub mod attention;
pub mod bounce;
pub mod bulk;
pub mod checks;
pub mod closing;
pub mod contact_email;
pub mod limits;
pub mod line;
pub mod new_password;
pub mod permissions;
pub mod second_factor;
pub mod transaction;

pub use attention::{AttentionCursor, AttentionKind};
pub use checks::{LineCheck, NotAllowed, check_line};
pub use contact_email::{ContactEmail, ContactEmailError};
pub use limits::{LimitBook, SendLimit, wait_for_limit};
pub use line::{EditScope, LineStatus, Refusal, stale_refusal};
pub use new_password::{NewPassword, PasswordProblem};
pub use permissions::{Actor, CompanyGrant, EditGrant, OperatorGrant, OrderParties};
pub use second_factor::{MfaPolicy, SecurityChange};
pub use transaction::{TransactionKind, TransactionStatus};

/// What the rules' unit tests share: an order of acme's and a user of some company.
#[cfg(test)]
mod fixtures {
    use super::{Actor, OrderParties};

    pub fn parties() -> OrderParties {
        OrderParties { order_id: "WO-1".into(), partner_id: "acme".into(), distributor_id: None, created_by: 1 }
    }

    pub fn actor(company: &str, can_edit: bool) -> Actor {
        Actor { user_id: 2, company_id: company.into(), can_edit, operator: false, company_admin: false }
    }
}
