//! Drains the outbox: claims due messages in leased batches, renders and sends them with
//! several connections at once, and records each outcome. A 5xx answer fails a message
//! at once; other failures retry with exponential back-off and jitter until the last
//! attempt.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use futures_util::StreamExt;
use rand::Rng;

use super::{Mailer, render_invitation, render_provisioning};
use crate::config::MailConfig;
use crate::secret::random_token;
use crate::store::{ClaimedEmail, Delivery, Store};

const MAX_BACKOFF_SECS: f64 = 600.0;

#[derive(Clone)]
pub struct Dispatcher {
    store: Store,
    mailer: Arc<Mailer>,
    config: MailConfig,
    setup_url: String,
    pub batch_size: i64,
    pub concurrency: usize,
}

impl Dispatcher {
    pub fn new(store: Store, mailer: Mailer, config: MailConfig, setup_url: String) -> Self {
        Self { store, mailer: Arc::new(mailer), config, setup_url, batch_size: 200, concurrency: 8 }
    }

    /// The wait before attempt `attempts + 1`: base × 2^(attempts − 1), at most ten
    /// minutes, ± 20 % so that many failed messages do not come back at the same moment.
    fn backoff(&self, attempts: i64) -> Duration {
        let base = self.config.retry_base.as_secs_f64();
        let secs = (base * 2f64.powi((attempts - 1).clamp(0, 30) as i32)).min(MAX_BACKOFF_SECS);
        let jitter = rand::rng().random_range(0.8..1.2);
        Duration::milliseconds((secs * jitter * 1000.0) as i64)
    }

    async fn deliver(&self, email: &ClaimedEmail, now: DateTime<Utc>) -> Delivery {
        let rendered = match &email.invitation {
            Some(invitation) => render_invitation(email.language.as_deref(), invitation),
            None => render_provisioning(
                email.language.as_deref(),
                &email.order_id,
                &email.customer,
                &email.lines,
                &self.setup_url,
                &self.config.from,
            ),
        };
        let rendered = match rendered {
            Ok(r) => r,
            Err(e) => return Delivery::Failed(format!("could not render the email: {e}")),
        };
        let result = match Mailer::message(email.id, &self.config.from, &email.recipient, &rendered) {
            Ok(message) => self.mailer.send(message).await,
            Err(e) => Err(e),
        };
        match result {
            Ok(reply) => Delivery::Accepted(reply),
            Err(e) if e.permanent => Delivery::Failed(e.reason),
            Err(e) if email.attempts >= i64::from(self.config.max_attempts) => {
                Delivery::Failed(format!("gave up after {} attempts: {}", email.attempts, e.reason))
            }
            Err(e) => Delivery::Retry(now + self.backoff(email.attempts), e.reason),
        }
    }

    /// Sends one batch of due messages; returns how many were attempted.
    pub async fn run_once(&self) -> anyhow::Result<usize> {
        let now = Utc::now();
        // A read first: an idle dispatcher never takes the write lock (SQLite has one).
        match self.store.next_email_due().await? {
            Some(due) if due <= now => {}
            _ => return Ok(0),
        }
        let lease = random_token();
        // After the lease (PROVISIO_MAIL_LEASE) a crashed holder's messages go again.
        let claimed = self.store.claim_emails(&lease, now, now + self.config.lease, self.batch_size).await?;
        if claimed.is_empty() {
            return Ok(0);
        }
        let results: Vec<(i64, Delivery)> = futures_util::stream::iter(claimed)
            .map(|email| {
                let this = self.clone();
                async move { (email.id, this.deliver(&email, Utc::now()).await) }
            })
            .buffer_unordered(self.concurrency)
            .collect()
            .await;
        for (id, result) in &results {
            match result {
                Delivery::Accepted(_) => tracing::debug!(outbox = id, "email accepted"),
                Delivery::Retry(at, reason) => tracing::warn!(outbox = id, %at, reason, "email will be retried"),
                Delivery::Failed(reason) => tracing::warn!(outbox = id, reason, "email failed"),
            }
        }
        self.store.finish_emails(&lease, &results, Utc::now()).await?;
        Ok(results.len())
    }

    /// Sends everything that is due now (used by `provisio tick`).
    pub async fn drain(&self) -> anyhow::Result<usize> {
        let mut total = 0;
        loop {
            let n = self.run_once().await?;
            total += n;
            if n == 0 {
                return Ok(total);
            }
        }
    }

    /// Runs in the background of `provisio serve`: queued mail is first attempted within
    /// about a second; errors are logged and retried, never fatal.
    pub fn spawn(self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                match self.run_once().await {
                    Ok(0) => tokio::time::sleep(StdDuration::from_millis(500)).await,
                    Ok(_) => {}
                    Err(e) => {
                        tracing::error!(error = %e, "email dispatch failed; trying again shortly");
                        tokio::time::sleep(StdDuration::from_secs(5)).await;
                    }
                }
            }
        })
    }
}
