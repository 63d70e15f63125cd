//! Needs attention (docs/product.md, "A partner's day"): the kinds of reason a line needs
//! someone now, in the order the page lists them.

use chrono::{DateTime, Duration, Utc};

/// Why a line is on the Needs attention page. A line may be there for several reasons,
/// once for each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AttentionKind {
    /// Awaiting set-up and closing (billing starts) within [`CLOSING_SOON`].
    ClosingSoon,
    /// The line's last email bounced.
    Bounced,
    /// The line's last email failed.
    Failed,
    /// The line's last email was reported delayed.
    Delayed,
    /// Closed with provisioning still pending.
    Pending,
    /// The operators answered a support case about the line within [`CASE_ANSWER_FRESH`].
    CaseAnswered,
}

/// "Closing soon" means closing within this long.
pub const CLOSING_SOON: Duration = Duration::days(7);
/// An answered case stays on the page this long after the operators' last answer.
pub const CASE_ANSWER_FRESH: Duration = Duration::days(7);

impl AttentionKind {
    pub const ALL: [AttentionKind; 6] = [
        AttentionKind::ClosingSoon,
        AttentionKind::Bounced,
        AttentionKind::Failed,
        AttentionKind::Delayed,
        AttentionKind::Pending,
        AttentionKind::CaseAnswered,
    ];

    /// The code of `data-attention` and `?kind=`.
    pub fn as_str(self) -> &'static str {
        match self {
            AttentionKind::ClosingSoon => "closing_soon",
            AttentionKind::Bounced => "bounced",
            AttentionKind::Failed => "failed",
            AttentionKind::Delayed => "delayed",
            AttentionKind::Pending => "pending",
            AttentionKind::CaseAnswered => "case_answered",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == code)
    }

    /// Where the kind stands on the page (the first part of the page's key).
    pub fn rank(self) -> i64 {
        Self::ALL.iter().position(|k| *k == self).unwrap_or(0) as i64
    }

    pub fn from_rank(rank: i64) -> Option<Self> {
        usize::try_from(rank).ok().and_then(|i| Self::ALL.get(i).copied())
    }

    /// The line's last email's state (the outbox's status) that puts it here, if any.
    pub fn email_status(self) -> Option<&'static str> {
        match self {
            AttentionKind::Bounced => Some("bounced"),
            AttentionKind::Failed => Some("failed"),
            AttentionKind::Delayed => Some("delayed"),
            _ => None,
        }
    }
}

/// Where a page of the Needs attention list starts: after this kind's line (by
/// subscription id, case-insensitively).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttentionCursor {
    pub kind: AttentionKind,
    pub key: String,
}

impl AttentionCursor {
    pub fn encode(&self) -> String {
        format!("{}:{}", self.kind.as_str(), self.key)
    }

    pub fn parse(text: &str) -> Option<Self> {
        let (kind, key) = text.split_once(':')?;
        Some(Self { kind: AttentionKind::parse(kind)?, key: key.to_lowercase() })
    }
}

/// The first-email times at or before which an awaiting line closes within
/// [`CLOSING_SOON`] of `now`: (short-period offers, every other offer).
pub fn closing_soon_cutoffs(now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    super::closing::closing_cutoffs(now + CLOSING_SOON)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_read_back_from_their_codes_and_ranks() {
        for kind in AttentionKind::ALL {
            assert_eq!(AttentionKind::parse(kind.as_str()), Some(kind));
            assert_eq!(AttentionKind::from_rank(kind.rank()), Some(kind));
        }
        assert_eq!(AttentionKind::parse("closing"), None);
        assert_eq!(AttentionKind::from_rank(6), None);
    }

    #[test]
    fn a_cursor_names_its_kind_and_key() {
        let cursor = AttentionCursor { kind: AttentionKind::Pending, key: "sub-1:2".into() };
        assert_eq!(AttentionCursor::parse(&cursor.encode()), Some(cursor));
        assert_eq!(AttentionCursor::parse("pending:Sub-9").unwrap().key, "sub-9");
        assert_eq!(AttentionCursor::parse("nonsense"), None);
        assert_eq!(AttentionCursor::parse("unknown:sub-1"), None);
    }

    #[test]
    fn an_a_flex_line_emailed_now_closes_within_seven_days_a_webex_one_after_23_days() {
        let now = Utc::now();
        let (short, long) = closing_soon_cutoffs(now);
        assert_eq!(short, now);
        assert_eq!(long, now - Duration::days(23));
    }
}
