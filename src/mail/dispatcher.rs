//! Drains the outbox: claims due messages in leased batches, renders and sends them with
//! several connections at once, and records each outcome. A 5xx answer fails a message
//! at once; other failures retry with exponential back-off and jitter until the last
//! attempt.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use tokio::sync::{Semaphore, mpsc};

use super::{EmailKind, Mailer, render_bounce_alert, render_email, render_invitation, render_security};
use crate::config::MailConfig;
use crate::secret::{SigningKey, random_token};
use crate::stop::Stop;
use crate::store::{ClaimedEmail, Delivery, Store};

const MAX_BACKOFF_SECS: f64 = 600.0;

/// At most this many outcomes in one record (one transaction).
const MAX_RECORD: usize = 64;

/// A message's outcome, with the connection slot it held until it is recorded.
type Answer = (i64, Delivery, tokio::sync::OwnedSemaphorePermit);

#[derive(Clone)]
pub struct Dispatcher {
    store: Store,
    mailer: Arc<Mailer>,
    config: MailConfig,
    setup_url: String,
    pub batch_size: i64,
    pub concurrency: usize,
    /// Raised by a graceful stop: nothing new is started.
    pub stop: Stop,
    /// Signs each message's envelope sender when PROVISIO_BOUNCE_ADDRESS is set
    /// ([`Dispatcher::with_bounces`]).
    signing_key: Option<SigningKey>,
    /// PROVISIO_PUBLIC_URL: the base of the links in bounce alerts.
    public_url: String,
    /// Where delivery outcomes are counted for `GET /metrics`.
    pub metrics: Arc<crate::metrics::Metrics>,
}

impl Dispatcher {
    pub fn new(store: Store, mailer: Mailer, config: MailConfig, setup_url: String) -> Self {
        Self {
            store,
            mailer: Arc::new(mailer),
            config,
            setup_url,
            batch_size: 200,
            concurrency: 8,
            stop: Stop::never(),
            signing_key: None,
            public_url: String::new(),
            metrics: Arc::default(),
        }
    }

    /// Bounces come back (docs/product.md rule 14): every message's envelope sender is its
    /// own signed bounce address (when PROVISIO_BOUNCE_ADDRESS is set), and bounce alerts
    /// link to the line on `public_url`.
    pub fn with_bounces(mut self, signing_key: SigningKey, public_url: &str) -> Self {
        self.signing_key = Some(signing_key);
        self.public_url = public_url.trim_end_matches('/').to_string();
        self
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
        let subscriptions = || email.lines.iter().map(|(sub, _)| sub.clone()).collect::<Vec<_>>();
        let rendered = match (&email.invitation, &email.alert) {
            _ if email.security.is_some() => {
                render_security(email.language.as_deref(), email.security.as_ref().expect("a notice"), &self.public_url)
            }
            (Some(invitation), _) => render_invitation(email.language.as_deref(), invitation),
            (None, Some(alert)) => render_bounce_alert(
                email.language.as_deref(),
                alert,
                &email.order_id,
                &email.customer,
                &subscriptions(),
                &self.public_url,
            ),
            (None, None) => render_email(
                EmailKind::of(&email.cause, email.closes_at),
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
        let envelope_sender = match (&self.config.bounce_address, &self.signing_key) {
            (Some(address), Some(key)) => Some(address.envelope_sender(key, email.id)),
            _ => None,
        };
        let result = match Mailer::message_with_envelope(
            email.id,
            &self.config.from,
            &email.recipient,
            email.cc.as_deref(),
            &rendered,
            envelope_sender.as_deref(),
        ) {
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
    ///
    /// Up to `concurrency` messages are on the wire at once; each outcome is recorded as
    /// soon as the mail server has answered, together with whatever other answers came in
    /// while the previous record was being written (one transaction for a few messages),
    /// and a connection takes its next message only once its last one is recorded. A crash
    /// therefore forgets at most `concurrency` messages, and after the lease only those go
    /// again. Once `stop` is raised no further message of the batch is started:
    /// those are given back at once, the ones on the wire are finished and recorded.
    pub async fn run_once(&self) -> anyhow::Result<usize> {
        if self.stop.is_raised() {
            return Ok(0);
        }
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
        let (answered, mut answers) = mpsc::unbounded_channel::<Answer>();
        // Set when recording fails (the database went away): nothing more is started, as
        // its outcome could not be kept either.
        let recording_failed = Arc::new(AtomicBool::new(false));
        let starter =
            tokio::spawn(self.clone().start_sends(lease.clone(), claimed, answered, recording_failed.clone()));

        let mut recorded = 0;
        let mut failure = None;
        while let Some(first) = answers.recv().await {
            let mut results = vec![first];
            while results.len() < MAX_RECORD {
                match answers.try_recv() {
                    Ok(result) => results.push(result),
                    Err(_) => break,
                }
            }
            for (id, result, _) in &results {
                match result {
                    Delivery::Accepted(_) => {
                        self.metrics.delivery(crate::metrics::Delivery::Accepted);
                        tracing::debug!(outbox = id, "email accepted")
                    }
                    Delivery::Retry(at, reason) => {
                        self.metrics.delivery(crate::metrics::Delivery::Retried);
                        tracing::warn!(outbox = id, %at, reason, "email will be retried")
                    }
                    Delivery::Failed(reason) => {
                        self.metrics.delivery(crate::metrics::Delivery::Failed);
                        tracing::warn!(outbox = id, reason, "email failed")
                    }
                }
            }
            if failure.is_some() {
                continue;
            }
            let (outcomes, slots): (Vec<(i64, Delivery)>, Vec<_>) =
                results.into_iter().map(|(id, result, slot)| ((id, result), slot)).unzip();
            // The connections' slots came with the answers and are freed here, once the
            // outcomes are kept: a connection's next message waits for its last one's
            // record, so at most `concurrency` messages are ever sent and not recorded.
            match self.record(&lease, &outcomes, now + self.config.lease).await {
                Ok(()) => recorded += outcomes.len(),
                Err(e) => {
                    recording_failed.store(true, Ordering::SeqCst);
                    failure = Some(e);
                }
            }
            drop(slots);
        }
        let started = starter.await?;
        if let Some(e) = failure {
            return Err(e.into());
        }
        debug_assert!(recorded <= started);
        Ok(started)
    }

    /// Starts the claimed messages, at most `concurrency` at a time, each answer sent to
    /// `answered`; returns how many were started. Once `stop` is raised (or recording
    /// failed) the rest are not started: they are given back to the queue at once.
    async fn start_sends(
        self,
        lease: String,
        claimed: Vec<ClaimedEmail>,
        answered: mpsc::UnboundedSender<Answer>,
        recording_failed: Arc<AtomicBool>,
    ) -> usize {
        let slots = Arc::new(Semaphore::new(self.concurrency.max(1)));
        let mut sends = tokio::task::JoinSet::new();
        let mut unstarted = Vec::new();
        let mut claimed = claimed.into_iter();
        while let Some(email) = claimed.next() {
            let slot = tokio::select! {
                biased;
                _ = self.stop.raised() => None,
                slot = slots.clone().acquire_owned() => slot.ok(),
            };
            let Some(slot) = slot.filter(|_| !self.stop.is_raised() && !recording_failed.load(Ordering::SeqCst)) else {
                unstarted.push(email.id);
                unstarted.extend(claimed.by_ref().map(|e| e.id));
                break;
            };
            let this = self.clone();
            let answered = answered.clone();
            sends.spawn(async move {
                let result = this.deliver(&email, Utc::now()).await;
                // The receiver lives until every sender is gone; it frees the slot.
                let _ = answered.send((email.id, result, slot));
            });
        }
        let started = sends.len();
        if !unstarted.is_empty() && !recording_failed.load(Ordering::SeqCst) {
            match self.store.release_emails(&lease, &unstarted).await {
                Ok(n) => tracing::info!(messages = n, "stopping: gave back the messages not yet started"),
                Err(e) => tracing::warn!(error = %e, "stopping: could not give back messages; they go after the lease"),
            }
        }
        drop(answered);
        while sends.join_next().await.is_some() {}
        started
    }

    /// Records outcomes; while the database does not answer, tries again until shortly
    /// before the lease runs out (after that another dispatcher may send them again).
    async fn record(&self, lease: &str, results: &[(i64, Delivery)], lease_until: DateTime<Utc>) -> sqlx::Result<()> {
        let mut wait = StdDuration::from_millis(200);
        loop {
            match self.store.finish_emails(lease, results, Utc::now()).await {
                Ok(()) => return Ok(()),
                Err(e) if Utc::now() + Duration::from_std(wait * 2).unwrap_or_default() < lease_until => {
                    tracing::warn!(error = %e, messages = results.len(), "could not record outcomes; trying again");
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(StdDuration::from_secs(5));
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Sends everything that is due now (used by `provisio tick`), until the stop is raised.
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
    /// about a second; errors are logged and retried, never fatal. Ends once the stop is
    /// raised and the batch in hand is finished and recorded.
    pub fn spawn(self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            while !self.stop.is_raised() {
                match self.run_once().await {
                    Ok(0) => self.stop.sleep(StdDuration::from_millis(500)).await,
                    Ok(_) => {}
                    Err(e) => {
                        tracing::error!(error = %e, "email dispatch failed; trying again shortly");
                        self.stop.sleep(StdDuration::from_secs(5)).await;
                    }
                }
            }
        })
    }
}
