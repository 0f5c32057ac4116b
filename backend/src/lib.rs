//! Paydesk's server-only layer below the web framework: every SQL statement (`db`, one module
//! per feature, rows mapped into `domain` types) and the payment provider behind one trait
//! (`provider`: the trait, the sandbox, signed callbacks).
//!
//! Who may use what: `domain` ← `backend` ← `app` (server functions, services, pages) ←
//! `server`. Nothing here knows Leptos or Axum; `db` never calls `provider` (no provider call
//! inside a transaction) and `provider` reads and writes only its own sandbox tables.

pub mod db;
pub mod provider;
