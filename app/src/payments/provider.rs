//! The payment provider (the trait, the sandbox, signed callbacks) lives in the server-only
//! `backend` crate ([`backend::provider`]); this module adds the provider of the request at
//! hand and what a provider's refusal means to a user.

pub use backend::provider::*;

use crate::error::AppError;

impl From<ProviderError> for AppError {
    fn from(err: ProviderError) -> Self {
        match err {
            ProviderError::Declined(reason) => AppError::Conflict(reason.message().into()),
            ProviderError::Unavailable(detail) => {
                tracing::warn!(%detail, "payment provider unavailable");
                AppError::Unavailable
            }
            ProviderError::Unknown(what) => AppError::internal(format!("provider does not know this {what}")),
        }
    }
}

/// The provider the server put in the Leptos context.
pub fn provider() -> Result<Provider, AppError> {
    leptos::prelude::use_context::<Provider>().ok_or_else(|| AppError::internal("no payment provider in the Leptos context"))
}
