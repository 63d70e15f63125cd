//! The rules of docs/product.md as plain types and functions, without I/O.

pub mod attention;
pub mod bulk;
pub mod closing;
pub mod contact_email;
pub mod limits;
pub mod line;
pub mod new_password;
pub mod permissions;
pub mod transaction;

pub use attention::{AttentionCursor, AttentionKind};
pub use contact_email::{ContactEmail, ContactEmailError};
pub use limits::{LimitBook, SendLimit, wait_for_limit};
pub use line::{EditScope, LineStatus, Refusal, stale_refusal};
pub use new_password::{NewPassword, PasswordProblem};
pub use permissions::{Actor, CompanyGrant, EditGrant, OperatorGrant, OrderParties};
pub use transaction::{TransactionKind, TransactionStatus};
