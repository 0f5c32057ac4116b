//! The data-access layer: all SQL of the app lives below this module, which is compiled only
//! for the server. Queries are checked at run time (`sqlx::query_as` + `FromRow`), so building
//! needs no live database and no `.sqlx` cache; the integration tests exercise every query
//! against a real Postgres.

pub mod accounts;
pub mod cart;
pub mod catalog;
pub mod collection;
pub mod dashboard;
pub mod health;
pub mod jobs;
pub mod live;
pub mod notifications;
pub mod orders;
pub mod payment_methods;
pub mod payments;
pub mod qualification;
pub mod refunds;
pub mod settlement;
pub mod support;
pub mod webhooks;

use sqlx::PgPool;

/// The migrations in `migrations/`, embedded in the binary and applied at start-up.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

/// `SELECT 1`: does the database answer?
pub async fn ping(pool: &PgPool) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT 1").execute(pool).await.map(|_| ())
}
