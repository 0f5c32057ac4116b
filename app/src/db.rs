//! The data-access layer lives in the server-only `backend` crate ([`backend::db`]: all SQL,
//! one module per feature); this module adds what only a Leptos request has: the pool the
//! server put in its context.

pub use backend::db::*;

use leptos::prelude::use_context;
use sqlx::PgPool;

use crate::error::AppError;

/// The pool that the server hands to every server function through the Leptos context.
pub fn pool() -> Result<PgPool, AppError> {
    use_context::<PgPool>().ok_or_else(|| AppError::internal("no database pool in the Leptos context"))
}
