//! What `GET /metrics` shows, in Prometheus' text format (docs/operations.md, "Metrics"):
//! requests by route pattern, method and status with their latency, email deliveries by
//! outcome and sign-in refusals, counted here as they happen; the email queue and the
//! database pools, read at scrape time.
//!
//! One `Metrics` per running application (so several in one test process stay apart),
//! written by hand: a few counters and one histogram family, which a global recorder
//! (the `metrics` crate's) would mix across instances.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

/// How an email delivery attempt ended (docs/operations.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// The mail server took the message.
    Accepted,
    /// It refused for good, or the attempts ran out.
    Failed,
    /// It refused for now: the message is tried again later.
    Retried,
}

const DELIVERIES: [(Delivery, &str); 3] =
    [(Delivery::Accepted, "accepted"), (Delivery::Failed, "failed"), (Delivery::Retried, "retried")];

/// Why a sign-in was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInRefusal {
    /// Unknown user or wrong password (401).
    Credentials,
    /// Too many failures from this address (429).
    Throttled,
    /// Too many password checks at once, or the database unavailable (503).
    Unavailable,
}

const REFUSALS: [(SignInRefusal, &str); 3] = [
    (SignInRefusal::Credentials, "credentials"),
    (SignInRefusal::Throttled, "throttled"),
    (SignInRefusal::Unavailable, "unavailable"),
];

#[derive(Default)]
struct Latency {
    /// Per bucket, not cumulative (made cumulative when rendered); the last is +Inf.
    buckets: [u64; BUCKETS.len() + 1],
    sum: f64,
    count: u64,
}

/// A request's labels: method, route pattern (`/orders/{order_id}`, or `unmatched`), status.
type RequestKey = (String, String, u16);

#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<RequestKey, Latency>>,
    deliveries: [AtomicU64; DELIVERIES.len()],
    refusals: [AtomicU64; REFUSALS.len()],
}

/// What is read at scrape time.
pub struct Snapshot {
    /// Messages queued, and the age in seconds of the oldest.
    pub queue_depth: i64,
    pub queue_oldest_seconds: f64,
    /// Bounce and delay reports recorded in the whole installation (read from the database:
    /// `provisio bounce` records them in a process of its own).
    pub bounced: i64,
    pub delayed: i64,
    pub pools: Vec<PoolUse>,
}

/// One database pool's connections.
pub struct PoolUse {
    pub name: &'static str,
    pub open: u32,
    pub idle: u32,
    pub max: u32,
}

impl Metrics {
    pub fn request(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let mut requests = self.requests.lock().unwrap_or_else(|e| e.into_inner());
        let latency = requests.entry((method.to_string(), route.to_string(), status)).or_default();
        let bucket = BUCKETS.iter().position(|le| seconds <= *le).unwrap_or(BUCKETS.len());
        latency.buckets[bucket] += 1;
        latency.sum += seconds;
        latency.count += 1;
    }

    pub fn delivery(&self, outcome: Delivery) {
        let at = DELIVERIES.iter().position(|(d, _)| *d == outcome).expect("every outcome is listed");
        self.deliveries[at].fetch_add(1, Ordering::Relaxed);
    }

    pub fn sign_in_refused(&self, why: SignInRefusal) {
        let at = REFUSALS.iter().position(|(r, _)| *r == why).expect("every refusal is listed");
        self.refusals[at].fetch_add(1, Ordering::Relaxed);
    }

    /// Everything, in Prometheus' text exposition format (version 0.0.4).
    pub fn render(&self, snapshot: &Snapshot) -> String {
        let mut out = String::with_capacity(4096);
        let requests = self.requests.lock().unwrap_or_else(|e| e.into_inner());
        head(
            &mut out,
            "provisio_http_requests_total",
            "counter",
            "HTTP requests answered, by route pattern and status.",
        );
        for ((method, route, status), latency) in requests.iter() {
            let labels = request_labels(method, route, *status);
            let _ = writeln!(out, "provisio_http_requests_total{{{labels}}} {}", latency.count);
        }
        head(
            &mut out,
            "provisio_http_request_duration_seconds",
            "histogram",
            "Time to answer, by route pattern and status.",
        );
        for ((method, route, status), latency) in requests.iter() {
            let labels = request_labels(method, route, *status);
            let mut cumulative = 0;
            for (at, count) in latency.buckets.iter().enumerate() {
                cumulative += count;
                let le = BUCKETS.get(at).map_or_else(|| "+Inf".to_string(), |le| le.to_string());
                let _ =
                    writeln!(out, "provisio_http_request_duration_seconds_bucket{{{labels},le=\"{le}\"}} {cumulative}");
            }
            let _ = writeln!(out, "provisio_http_request_duration_seconds_sum{{{labels}}} {}", latency.sum);
            let _ = writeln!(out, "provisio_http_request_duration_seconds_count{{{labels}}} {}", latency.count);
        }
        drop(requests);

        head(
            &mut out,
            "provisio_email_deliveries_total",
            "counter",
            "Email delivery attempts by outcome (this instance's), and bounce and delay reports (the installation's).",
        );
        let counted = DELIVERIES.iter().zip(&self.deliveries).map(|((_, name), n)| (*name, n.load(Ordering::Relaxed)));
        let reported = [("bounced", snapshot.bounced), ("delayed", snapshot.delayed)];
        for (name, count) in counted.chain(reported.map(|(name, n)| (name, u64::try_from(n).unwrap_or(0)))) {
            let _ = writeln!(out, "provisio_email_deliveries_total{{outcome=\"{name}\"}} {count}");
        }
        head(&mut out, "provisio_sign_in_refusals_total", "counter", "Sign-ins refused, by reason.");
        for ((_, name), count) in REFUSALS.iter().zip(&self.refusals) {
            let _ =
                writeln!(out, "provisio_sign_in_refusals_total{{reason=\"{name}\"}} {}", count.load(Ordering::Relaxed));
        }

        head(&mut out, "provisio_email_queue_depth", "gauge", "Email messages queued to send.");
        let _ = writeln!(out, "provisio_email_queue_depth {}", snapshot.queue_depth);
        head(
            &mut out,
            "provisio_email_queue_oldest_seconds",
            "gauge",
            "Age of the oldest queued message (0 when none).",
        );
        let _ = writeln!(out, "provisio_email_queue_oldest_seconds {}", snapshot.queue_oldest_seconds);

        head(&mut out, "provisio_db_pool_connections", "gauge", "Database pool connections, by pool and state.");
        for pool in &snapshot.pools {
            let busy = pool.open.saturating_sub(pool.idle);
            let _ = writeln!(out, "provisio_db_pool_connections{{pool=\"{}\",state=\"in_use\"}} {busy}", pool.name);
            let _ =
                writeln!(out, "provisio_db_pool_connections{{pool=\"{}\",state=\"idle\"}} {}", pool.name, pool.idle);
        }
        head(&mut out, "provisio_db_pool_max_connections", "gauge", "Most connections a pool opens.");
        for pool in &snapshot.pools {
            let _ = writeln!(out, "provisio_db_pool_max_connections{{pool=\"{}\"}} {}", pool.name, pool.max);
        }
        out
    }
}

fn head(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

fn request_labels(method: &str, route: &str, status: u16) -> String {
    format!("method=\"{}\",route=\"{}\",status=\"{status}\"", escape(method), escape(route))
}

/// A label value as the text format writes it.
fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_cumulative_buckets_and_escaped_labels() {
        let metrics = Metrics::default();
        metrics.request("GET", "/orders/{order_id}", 200, 0.003);
        metrics.request("GET", "/orders/{order_id}", 200, 0.2);
        metrics.request("GET", "a\"b", 404, 20.0);
        metrics.delivery(Delivery::Accepted);
        metrics.sign_in_refused(SignInRefusal::Throttled);
        let text = metrics.render(&Snapshot {
            queue_depth: 2,
            queue_oldest_seconds: 1.5,
            bounced: 3,
            delayed: 1,
            pools: Vec::new(),
        });
        let labels = "method=\"GET\",route=\"/orders/{order_id}\",status=\"200\"";
        assert!(text.contains(&format!("provisio_http_requests_total{{{labels}}} 2")), "{text}");
        assert!(text.contains(&format!("provisio_http_request_duration_seconds_bucket{{{labels},le=\"0.001\"}} 0")));
        assert!(text.contains(&format!("provisio_http_request_duration_seconds_bucket{{{labels},le=\"0.005\"}} 1")));
        assert!(text.contains(&format!("provisio_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} 2")));
        assert!(text.contains("route=\"a\\\"b\",status=\"404\",le=\"10\"} 0"));
        assert!(text.contains("provisio_email_deliveries_total{outcome=\"accepted\"} 1"));
        assert!(text.contains("provisio_email_deliveries_total{outcome=\"bounced\"} 3"));
        assert!(text.contains("provisio_email_deliveries_total{outcome=\"delayed\"} 1"));
        assert!(text.contains("provisio_sign_in_refusals_total{reason=\"throttled\"} 1"));
        assert!(text.contains("provisio_email_queue_depth 2\n"));
    }
}
