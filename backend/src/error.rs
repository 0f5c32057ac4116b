//! The one error of the backend's services.
//!
//! Each variant is either something the caller may show a user (a field to correct, a state
//! that refuses the change, a missing record, a limit) or an opaque failure whose detail went to
//! the server log under a reference ([`Error::internal`]). The web layer turns it into its wire
//! error one variant to one variant; nothing here knows HTTP.

use domain::{FieldError, Message, Refusal};

use crate::provider::ProviderError;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The input was understood but is not acceptable; one message per offending field.
    #[error("invalid input: {0:?}")]
    Validation(Vec<FieldError>),
    /// The request itself was malformed (an unreadable key, an unknown choice).
    #[error("malformed request: {0}")]
    BadRequest(String),
    /// The caller must sign in first (a session that is gone).
    #[error("not signed in")]
    Unauthenticated,
    /// The caller may not do this.
    #[error("forbidden")]
    Forbidden,
    /// The thing asked for does not exist, or is not the caller's to see.
    #[error("{0} was not found")]
    NotFound(String),
    /// The current state does not allow the change (already paid, deadline passed…).
    #[error("{0}")]
    Conflict(Message),
    /// Too many attempts; try again after this many seconds.
    #[error("rate limited for {0} s")]
    RateLimited(u64),
    /// Too much expensive work at once (password hashing); try again after this many seconds.
    #[error("busy for {0} s")]
    Busy(u64),
    /// A dependency (the database, the provider) does not answer right now.
    #[error("temporarily unavailable")]
    Unavailable,
    /// Something failed; `reference` finds the log line with the detail.
    #[error("internal error (reference {reference})")]
    Internal { reference: String },
}

impl Error {
    /// One validation error for one field.
    pub fn field(field: impl Into<String>, message: impl Into<Message>) -> Self {
        Error::Validation(vec![FieldError::new(field, message)])
    }

    /// Logs an internal failure under a fresh reference and returns the opaque error the user
    /// sees; the detail stays in the server log.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        let reference = uuid::Uuid::new_v4().simple().to_string()[..12].to_string();
        tracing::error!(%reference, error = %detail, "internal error");
        Error::Internal { reference }
    }
}

impl From<sqlx::Error> for Error {
    fn from(err: sqlx::Error) -> Self {
        match err {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) | sqlx::Error::Tls(_) => {
                tracing::warn!(error = %err, "database unavailable");
                Error::Unavailable
            }
            sqlx::Error::RowNotFound => Error::NotFound("The record".into()),
            other => Error::internal(other),
        }
    }
}

/// The domain's refusals are the user's to act on: a field to correct, or a state that does
/// not allow the change.
impl From<Refusal> for Error {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::Invalid(errors) => Error::Validation(errors),
            Refusal::Conflict(why) => Error::Conflict(why),
            Refusal::Malformed(why) => Error::BadRequest(why),
        }
    }
}

impl From<domain::orders::OrderTransitionError> for Error {
    fn from(err: domain::orders::OrderTransitionError) -> Self {
        Refusal::from(err).into()
    }
}

impl From<domain::qualification::TransitionError> for Error {
    fn from(err: domain::qualification::TransitionError) -> Self {
        Refusal::from(err).into()
    }
}

/// What a provider's refusal means to a user: a decline is theirs to act on, an outage is
/// temporary, anything else is ours.
impl From<ProviderError> for Error {
    fn from(err: ProviderError) -> Self {
        match err {
            ProviderError::Declined(reason) => Error::Conflict(Message::Declined { reason }),
            ProviderError::Unavailable(detail) => {
                tracing::warn!(%detail, "payment provider unavailable");
                Error::Unavailable
            }
            ProviderError::Unknown(what) => Error::internal(format!("provider does not know this {what}")),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
