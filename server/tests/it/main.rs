//! The integration tests: one binary, one module per feature, each test against the real router
//! and a fresh Postgres database of its own (see `common`). One binary links once after a change
//! instead of once per file. `card_data` stays a binary of its own: it captures every log line of
//! its process, which other tests would write into.

#[path = "../common/mod.rs"]
mod common;

mod account_safety;
mod accounts;
mod architecture;
mod assets;
mod catalog;
mod checkout;
mod collection;
mod confirmation;
mod connection_check;
mod dashboard;
mod guest_cart;
mod hardening;
mod health;
mod languages;
mod live;
mod merchant_api;
mod pages;
mod pay;
mod payment_methods;
mod qualification;
mod refunds;
mod sandbox_provider;
mod settlement;
mod stored_values;
mod support;
mod tls;
mod webhooks;
