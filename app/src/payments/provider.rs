//! The payment provider (the trait, the sandbox, signed callbacks) lives in the server-only
//! `backend` crate ([`backend::provider`]); this module adds the provider of the request at
//! hand.

pub use backend::provider::*;

use crate::error::AppError;

/// The provider the server put in the Leptos context.
pub fn provider() -> Result<Provider, AppError> {
    leptos::prelude::use_context::<Provider>().ok_or_else(|| AppError::internal("no payment provider in the Leptos context"))
}
