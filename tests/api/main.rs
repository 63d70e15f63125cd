//! One test binary for every integration test (one link instead of many on two cores).

mod helpers;
mod smtp;

mod abuse;
mod auth;
mod browser;
mod cases;
mod cli;
mod closing;
mod company;
mod emails;
mod faults;
mod fuzz;
mod languages;
mod orders;
mod resend_all;
mod store;
mod transactions;
