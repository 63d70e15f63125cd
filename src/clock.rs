//! The time sessions are measured by. Production reads the system clock; a test holds a
//! clock of its own and moves it, so idle and absolute lifetimes are checked to the second
//! without sleeping (tests/api/abuse.rs).

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Duration, Utc};

/// Now, as the portal's sessions see it: the system clock, or a held time that only moves
/// when told to ([`Clock::held`], for tests).
#[derive(Debug, Clone, Default)]
pub struct Clock {
    /// Microseconds since the epoch of a held clock; None: the system clock.
    held: Option<Arc<AtomicI64>>,
}

impl Clock {
    /// The system clock (`Utc::now`).
    pub fn system() -> Self {
        Self { held: None }
    }

    /// A clock that stands at `at` until [`Clock::advance`] moves it. Clones share it.
    pub fn held(at: DateTime<Utc>) -> Self {
        Self { held: Some(Arc::new(AtomicI64::new(at.timestamp_micros()))) }
    }

    pub fn now(&self) -> DateTime<Utc> {
        match &self.held {
            None => Utc::now(),
            Some(micros) => {
                DateTime::from_timestamp_micros(micros.load(Ordering::SeqCst)).expect("a held time in range")
            }
        }
    }

    /// Moves a held clock forward (every clone sees it). The system clock cannot be moved.
    pub fn advance(&self, by: Duration) {
        let micros = self.held.as_ref().expect("only a held clock moves");
        micros.fetch_add(by.num_microseconds().expect("a step in range"), Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_clock_moves_only_when_told_and_clones_share_it() {
        let start = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let clock = Clock::held(start);
        let other = clock.clone();
        assert_eq!(clock.now(), start);
        other.advance(Duration::minutes(7));
        assert_eq!(clock.now(), start + Duration::minutes(7));
        assert!(Clock::system().now() > start - Duration::days(365 * 10));
    }
}
