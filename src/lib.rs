//! Provisio: the partner portal for provisioning contacts of cloud subscription orders.

pub mod actions;
pub mod cli;
pub mod clock;
pub mod config;
pub mod demo;
pub mod domain;
pub mod i18n;
pub mod import_progress;
pub mod jobs;
pub mod mail;
pub mod metrics;
pub mod secret;
pub mod startup;
pub mod stop;
pub mod store;
pub mod web;
