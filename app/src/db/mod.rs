//! The data-access layer: all SQL of the app lives below this module, which is compiled only
//! for the server. Queries are checked at run time (`sqlx::query_as` + `FromRow`), so building
//! needs no live database and no `.sqlx` cache; the integration tests exercise every query
//! against a real Postgres.

pub mod accounts;
pub mod catalog;
pub mod collection;
pub mod health;
pub mod jobs;
pub mod live;
pub mod notifications;
pub mod orders;
pub mod payment_methods;
pub mod payments;
pub mod qualification;
pub mod support;

use leptos::prelude::use_context;
use sqlx::PgPool;

use crate::error::AppError;

/// The migrations in `migrations/`, embedded in the binary and applied at start-up.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

/// The pool that the server hands to every server function through the Leptos context.
pub fn pool() -> Result<PgPool, AppError> {
    use_context::<PgPool>().ok_or_else(|| AppError::internal("no database pool in the Leptos context"))
}

/// `SELECT 1`: does the database answer?
pub async fn ping(pool: &PgPool) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT 1").execute(pool).await.map(|_| ())
}
