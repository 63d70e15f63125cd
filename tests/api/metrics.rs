//! `GET /metrics` (docs/operations.md, "Metrics"): 404 without PROVISIO_METRICS_TOKEN, 401
//! without the bearer token or with a wrong one; with it, Prometheus' text with the
//! requests just made counted by route pattern and status.

use crate::helpers::*;
use crate::on_both;
use crate::tests_on_both_backends;

pub const TOKEN: &str = "metrics-token-0123456789";

on_both!(without_the_setting_metrics_is_not_there, |app| {
    let response =
        reqwest::Client::new().get(format!("{}/metrics", app.address)).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(response.status(), 404);
});

pub fn value(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

/// GET /metrics with the token (the app set up with `metrics_token = Some(TOKEN)`).
pub async fn scrape(app: &TestApp) -> String {
    let response =
        reqwest::Client::new().get(format!("{}/metrics", app.address)).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let kind = response.headers()["content-type"].to_str().unwrap().to_string();
    assert!(kind.starts_with("text/plain; version=0.0.4"), "{kind}");
    response.text().await.unwrap()
}

async fn counts_requests_by_route_and_status(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |c| c.metrics_token = Some(TOKEN.to_string())).await else {
        return;
    };
    let client = reqwest::Client::new();
    let url = format!("{}/metrics", app.address);
    assert_eq!(client.get(&url).send().await.unwrap().status(), 401, "no token");
    for wrong in ["Bearer not-the-token", "Bearer ", "Basic bWV0cmljczp4", &format!("Bearer {TOKEN}x")] {
        let response = client.get(&url).header("Authorization", wrong).send().await.unwrap();
        assert_eq!(response.status(), 401, "{wrong}");
    }

    assert_eq!(app.healthz().await, 200);
    let user = app.login("editor@acme.example").await;
    assert_eq!(user.get("/orders/WO-1001").await.status(), 200);
    assert_eq!(user.get("/orders/WO-9999").await.status(), 404);
    let mut stranger = app.client();
    assert_eq!(stranger.sign_in("editor@acme.example", "not the password", "").await.status(), 401);

    let text = scrape(&app).await;
    let healthz = "method=\"GET\",route=\"/healthz\",status=\"200\"";
    assert_eq!(value(&text, &format!("provisio_http_requests_total{{{healthz}}}")), Some(1.0), "{text}");
    let order = "method=\"GET\",route=\"/orders/{order_id}\",status=\"200\"";
    assert!(value(&text, &format!("provisio_http_requests_total{{{order}}}")).unwrap() >= 1.0, "{text}");
    let missing = "method=\"GET\",route=\"/orders/{order_id}\",status=\"404\"";
    assert_eq!(value(&text, &format!("provisio_http_requests_total{{{missing}}}")), Some(1.0));
    assert_eq!(value(&text, &format!("provisio_http_request_duration_seconds_count{{{healthz}}}")), Some(1.0));
    assert_eq!(
        value(&text, &format!("provisio_http_request_duration_seconds_bucket{{{healthz},le=\"+Inf\"}}")),
        Some(1.0)
    );
    assert!(!text.contains("WO-1001") && !text.contains("WO-9999"), "patterns, never paths");
    let refused = "method=\"GET\",route=\"/metrics\",status=\"401\"";
    assert_eq!(value(&text, &format!("provisio_http_requests_total{{{refused}}}")), Some(5.0));
    assert_eq!(value(&text, "provisio_sign_in_refusals_total{reason=\"credentials\"}"), Some(1.0));
    assert_eq!(value(&text, "provisio_email_deliveries_total{outcome=\"bounced\"}"), Some(0.0));
    assert!(value(&text, "provisio_email_queue_depth").is_some());
    assert!(value(&text, "provisio_email_queue_oldest_seconds").is_some());
    assert!(text.contains("provisio_db_pool_connections{pool="), "{text}");
    assert!(text.contains("# TYPE provisio_http_request_duration_seconds histogram"));

    // A queued email shows in the queue at the next scrape.
    let mut user = user;
    user.refresh_csrf().await;
    let edit = user.post("/orders/WO-1001/lines/Sub-1001-1/contact", &[("email", "new@globex.example")]).await;
    assert_eq!(edit.status(), 303);
    app.outbox_settled().await;
    let text = scrape(&app).await;
    assert_eq!(value(&text, "provisio_email_queue_depth"), Some(0.0));
    assert!(value(&text, "provisio_email_deliveries_total{outcome=\"accepted\"}").unwrap() >= 1.0, "{text}");
}

mod counts {
    use super::*;
    tests_on_both_backends!(counts_requests_by_route_and_status);
}
