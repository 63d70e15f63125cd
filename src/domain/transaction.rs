//! Transactions (docs/product.md rule 10): what kind of change one records, and its update status.

/// The kind of change a transaction records (the Transaction Manager's `type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransactionKind {
    /// Provisioning Email Update: a new contact (an edit, a bulk fix, an import).
    Update,
    /// Provisioning Email Resend.
    Resend,
    /// A reminder before the line closes.
    Reminder,
    /// A company admin's change of a user's rights (no line).
    PermissionChange,
    /// A change to a user's own sign-in: a second factor added or removed, recovery codes
    /// renewed or used, a session ended by its user (no line; rule 15).
    SecurityChange,
}

impl TransactionKind {
    pub const ALL: [Self; 5] =
        [Self::Update, Self::Resend, Self::Reminder, Self::PermissionChange, Self::SecurityChange];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Update => "provisioning_email_update",
            Self::Resend => "provisioning_email_resend",
            Self::Reminder => "provisioning_email_reminder",
            Self::PermissionChange => "permission_change",
            Self::SecurityChange => "security_change",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A transaction's update status, which follows the delivery of its email.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransactionStatus {
    InProgress,
    /// The mail server accepted the email, or no email was needed yet.
    Success,
    Failed,
    /// The customer's mail server returned the email after accepting it (final; rule 14).
    Bounced,
    /// The customer's mail server reported a delay: it may still end Success or Bounced.
    Delayed,
}

impl TransactionStatus {
    pub const ALL: [Self; 5] = [Self::InProgress, Self::Success, Self::Failed, Self::Bounced, Self::Delayed];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::InProgress => "in_progress",
            Self::Success => "success",
            Self::Failed => "failed",
            Self::Bounced => "bounced",
            Self::Delayed => "delayed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Each is written as its code, as the markup, the catalog keys and the API write it.
impl std::fmt::Display for TransactionKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Display for TransactionStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Each compares equal to its code.
impl PartialEq<&str> for TransactionKind {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<&str> for TransactionStatus {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for k in TransactionKind::ALL {
            assert_eq!(TransactionKind::parse(k.as_str()), Some(k));
        }
        for s in TransactionStatus::ALL {
            assert_eq!(TransactionStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(TransactionKind::parse("provisioning_email"), None);
        assert_eq!(TransactionStatus::parse("done"), None);
    }
}
