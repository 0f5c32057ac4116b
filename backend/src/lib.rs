//! Paydesk's server-only layer below the web framework. Per feature, its SQL (`db::<feature>`,
//! rows mapped into `domain` types) and its service (`<feature>`: the transactions, each one
//! short, none held across a provider call); the payment provider behind one trait
//! (`provider`: the trait, the sandbox, signed callbacks); the live outbox's listener and
//! dispatcher (`live`); the background worker.
//!
//! Who may use what: `domain` ← `backend` ← `app` (server functions and pages) ← `server`.
//! Nothing here knows Leptos or Axum. Inside, features are layered, each using only those
//! listed before it:
//!
//! 1. `error`, `db`, `provider`, `live` — the error, the SQL, the provider (`db` never calls
//!    the provider, so no provider call sits inside a transaction), the live outbox's delivery;
//! 2. `accounts`, `qualification`, `catalog`, `cart`, `support`;
//! 3. `orders` (the guard every change that ends an order's chance to be paid goes through);
//! 4. `checkout`, `payment_methods`, `refunds` (after-sales: requests, refunds, their
//!    deadlines; also the refund of an unexpected charge);
//! 5. `pay` (paying, verification, callbacks, reconciling, unexpected charges);
//! 6. `clock` (the platform's time, with the sandbox's test clock), `settlement` (settling
//!    delivered orders, reserves, balances, statements, reconciliation), `payouts`;
//! 7. `collection` (the merchant's actions), `worker` (deadlines, completion, settlement, payouts);
//! 8. `api` (the merchant API's keys, rate windows, request log and idempotency);
//! 9. `dashboard` (reads what all of the above wrote: sales, orders to act on, balances).

pub mod error;
pub use error::Error;

pub mod db;
pub mod live;
pub mod provider;

pub mod accounts;
pub mod cart;
pub mod catalog;
pub mod qualification;
pub mod support;

pub mod orders;

pub mod checkout;
pub mod payment_methods;
pub mod refunds;

pub mod pay;

pub mod clock;
pub mod payouts;
pub mod settlement;

pub mod api;
pub mod webhooks;

pub mod collection;
pub mod worker;

pub mod dashboard;
