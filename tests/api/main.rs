//! One test binary for every integration test (one link instead of many on two cores).

mod helpers;
mod smtp;

mod abuse;
mod api_v1;
mod attention;
mod auth;
mod bounces;
mod browser;
mod bulk;
mod cases;
mod cli;
mod closing;
mod company;
mod compression;
mod copies;
mod csrf;
mod email_view;
mod emails;
mod faults;
mod fuzz;
mod import;
mod languages;
mod live_status;
mod metrics;
mod mfa;
mod orders;
mod plans;
mod postfix;
mod reminders;
mod resend_all;
mod scheduler_batches;
mod store;
mod tokens;
mod transactions;
mod walk;
