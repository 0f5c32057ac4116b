//! Paydesk's Leptos app: components, routes and server functions shared by the SSR server and
//! the hydrating WASM client. Each flow lives in its own module, its components and server
//! functions side by side; SQL lives only in [`db`], which is compiled for the server alone.

#![recursion_limit = "256"]

pub mod accounts;
pub mod cart;
pub mod catalog;
pub mod checkout;
pub mod collection;
pub mod error;
pub mod health;
pub mod live;
pub mod merchant;
pub mod notifications;
pub mod orders;
pub mod payments;
pub mod shell;
pub mod staff;
pub mod support;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod db;

pub use shell::{App, shell};
