//! The graceful stop: one signal that `serve` raises on SIGTERM or Ctrl-C and that the
//! background work (the email dispatcher, the scheduler) checks between units of work, so
//! that a deploy finishes what is in flight, records it, and starts nothing new.

use tokio::sync::watch;

/// A clonable stop signal. [`Stop::never`] is one that is never raised (tests, `tick`
/// without a signal handler).
#[derive(Clone, Debug)]
pub struct Stop {
    raised: watch::Receiver<bool>,
    // Kept so that a receiver never sees the channel closed before the stop is raised.
    raise: std::sync::Arc<watch::Sender<bool>>,
}

impl Default for Stop {
    fn default() -> Self {
        Self::never()
    }
}

impl Stop {
    /// A signal nobody has raised yet.
    pub fn never() -> Self {
        let (raise, raised) = watch::channel(false);
        Self { raised, raise: std::sync::Arc::new(raise) }
    }

    /// Raises the signal for every clone.
    pub fn raise(&self) {
        self.raise.send_replace(true);
    }

    pub fn is_raised(&self) -> bool {
        *self.raised.borrow()
    }

    /// Resolves once the signal is raised (at once if it already was).
    pub async fn raised(&self) {
        let mut raised = self.raised.clone();
        // The sender lives as long as any clone of `self`: `wait_for` cannot fail here.
        let _ = raised.wait_for(|r| *r).await;
    }

    /// Sleeps for `duration`, or less if the signal is raised meanwhile.
    pub async fn sleep(&self, duration: std::time::Duration) {
        tokio::select! {
            _ = tokio::time::sleep(duration) => {}
            _ = self.raised() => {}
        }
    }
}

/// Resolves on SIGTERM (a deploy, `systemctl stop`) or Ctrl-C.
pub async fn signalled() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_raised_stop_wakes_every_clone_and_cuts_a_sleep_short() {
        let stop = Stop::never();
        let clone = stop.clone();
        assert!(!clone.is_raised());
        let waiter = tokio::spawn(async move {
            let started = std::time::Instant::now();
            clone.sleep(std::time::Duration::from_secs(60)).await;
            (clone.is_raised(), started.elapsed())
        });
        tokio::task::yield_now().await;
        stop.raise();
        let (raised, waited) = waiter.await.unwrap();
        assert!(raised);
        assert!(waited < std::time::Duration::from_secs(60));
        // Already raised: resolves at once.
        stop.raised().await;
    }
}
