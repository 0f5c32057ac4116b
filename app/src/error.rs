//! The one error type of the app.
//!
//! Every server function returns `Result<T, AppError>`. Each variant carries only what the
//! user may see: internal details (SQL, driver messages) are logged on the server with a
//! reference id and never sent to the browser. The HTTP status of a failed server-function
//! call is derived from the variant in one place ([`AppError::status_code`]), so bad input
//! answers 4xx and never 500.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

pub use domain::{FieldError, Message};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum AppError {
    /// The input was understood but is not acceptable; one message per offending field.
    #[error("Please correct the highlighted fields.")]
    Validation(Vec<FieldError>),
    /// The request itself was malformed (missing or unreadable arguments).
    #[error("The request could not be understood: {0}")]
    BadRequest(String),
    /// The caller must sign in first.
    #[error("Please sign in to continue.")]
    Unauthenticated,
    /// The caller is signed in but may not do this.
    #[error("You are not allowed to do that.")]
    Forbidden,
    /// The thing asked for does not exist (or is not the caller's to see).
    #[error("{0} was not found.")]
    NotFound(String),
    /// The request conflicts with the current state (e.g. already paid).
    #[error("{0}")]
    Conflict(Message),
    /// Too many attempts; try again after the given number of seconds.
    #[error("Too many attempts. Try again in {0} s.")]
    RateLimited(u64),
    /// The server is too busy with expensive work (password hashing) to take this now; try
    /// again after the given number of seconds.
    #[error("The server is busy. Please try again in {0} s.")]
    Busy(u64),
    /// A dependency (the database) does not answer right now; retrying later may work.
    #[error("The service is temporarily unavailable. Please try again in a moment.")]
    Unavailable,
    /// Something failed on the server. `reference` points to the server log line.
    #[error("Something went wrong on our side (reference {reference}). Please try again.")]
    Internal { reference: String },
    /// The browser could not reach the server, or could not read its answer.
    #[error("Could not reach the server. Check your connection and try again.")]
    Network(String),
}

impl AppError {
    /// One validation error for one field.
    pub fn field(field: impl Into<String>, message: impl Into<Message>) -> Self {
        AppError::Validation(vec![FieldError::new(field, message)])
    }

    /// The message for `field`, if this is a validation error that names it.
    pub fn message_for(&self, field: &str) -> Option<&Message> {
        match self {
            AppError::Validation(errors) => errors.iter().find(|e| e.field == field).map(|e| &e.message),
            _ => None,
        }
    }

    /// What the user reads, in their language; a conflict is the domain's message, worded for
    /// this reader.
    pub fn text(&self, l: crate::i18n::Locale) -> String {
        use crate::i18n::td_string;
        use crate::texts::fill;
        match self {
            AppError::Validation(_) => td_string!(l, common.error_validation).to_string(),
            AppError::BadRequest(why) => fill(td_string!(l, common.error_bad_request), &[("why", why.clone())]),
            AppError::Unauthenticated => td_string!(l, common.error_unauthenticated).to_string(),
            AppError::Forbidden => td_string!(l, common.error_forbidden).to_string(),
            // The thing is named in English ("The order"): other languages say it generally.
            AppError::NotFound(_) => match l {
                crate::i18n::Locale::en => self.to_string(),
                _ => td_string!(l, common.error_not_found).to_string(),
            },
            AppError::Conflict(why) => crate::words::message_text(l, why),
            AppError::RateLimited(secs) => fill(td_string!(l, common.error_rate_limited), &[("secs", secs.to_string())]),
            AppError::Busy(secs) => fill(td_string!(l, common.error_busy), &[("secs", secs.to_string())]),
            AppError::Unavailable => td_string!(l, common.error_unavailable).to_string(),
            AppError::Internal { reference } => fill(td_string!(l, common.error_internal), &[("reference", reference.clone())]),
            AppError::Network(_) => td_string!(l, common.error_network).to_string(),
        }
    }

    /// The HTTP status a server-function response carries for this error.
    pub fn status_code(&self) -> u16 {
        match self {
            AppError::Validation(_) => 422,
            AppError::BadRequest(_) => 400,
            AppError::Unauthenticated => 401,
            AppError::Forbidden => 403,
            AppError::NotFound(_) => 404,
            AppError::Conflict(_) => 409,
            AppError::RateLimited(_) => 429,
            AppError::Unavailable | AppError::Busy(_) => 503,
            AppError::Internal { .. } | AppError::Network(_) => 500,
        }
    }

    /// Log an internal failure with a fresh reference id and return the opaque error that the
    /// user sees. The detail stays in the server log.
    #[cfg(feature = "ssr")]
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        backend::Error::internal(detail).into()
    }
}

/// The backend's errors reach the user one variant to one variant; internal ones were already
/// logged under their reference.
#[cfg(feature = "ssr")]
impl From<backend::Error> for AppError {
    fn from(err: backend::Error) -> Self {
        use backend::Error as E;
        match err {
            E::Validation(errors) => AppError::Validation(errors),
            E::BadRequest(why) => AppError::BadRequest(why),
            E::Unauthenticated => AppError::Unauthenticated,
            E::Forbidden => AppError::Forbidden,
            E::NotFound(what) => AppError::NotFound(what),
            E::Conflict(why) => AppError::Conflict(why),
            E::RateLimited(secs) => AppError::RateLimited(secs),
            E::Busy(secs) => AppError::Busy(secs),
            E::Unavailable => AppError::Unavailable,
            E::Internal { reference } => AppError::Internal { reference },
        }
    }
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    fn from(err: sqlx::Error) -> Self {
        backend::Error::from(err).into()
    }
}

#[cfg(feature = "ssr")]
impl From<backend::provider::ProviderError> for AppError {
    fn from(err: backend::provider::ProviderError) -> Self {
        backend::Error::from(err).into()
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(msg) => AppError::BadRequest(msg),
            ServerFnErrorErr::MissingArg(arg) => AppError::BadRequest(format!("missing {arg}")),
            ServerFnErrorErr::Request(msg) | ServerFnErrorErr::Deserialization(msg) => AppError::Network(msg),
            #[cfg(feature = "ssr")]
            other => AppError::internal(other),
            #[cfg(not(feature = "ssr"))]
            other => AppError::Network(other.to_string()),
        }
    }

    /// Serialising the error is the last step of a failed server-function call on the server,
    /// so this is where the response status is set from the variant.
    fn ser(&self) -> leptos::server_fn::Bytes {
        // A plain HTML form post (no JavaScript) is answered with a redirect back to the form,
        // carrying the error in the URL; only script callers get the status.
        #[cfg(feature = "ssr")]
        {
            let from_html_form = leptos::prelude::use_context::<http::request::Parts>()
                .and_then(|parts| parts.headers.get(http::header::ACCEPT)?.to_str().ok().map(|a| a.contains("text/html")))
                .unwrap_or(false);
            if let (false, Some(res)) = (from_html_form, leptos::prelude::use_context::<leptos_axum::ResponseOptions>()) {
                if let Ok(status) = http::StatusCode::from_u16(self.status_code()) {
                    res.set_status(status);
                }
                if let AppError::Busy(secs) | AppError::RateLimited(secs) = self {
                    res.insert_header(http::header::RETRY_AFTER, http::HeaderValue::from(*secs));
                }
            }
        }
        <JsonEncoding as leptos::server_fn::Encodes<Self>>::encode(self)
            .unwrap_or_else(|_| leptos::server_fn::Bytes::from_static(br#"{"kind":"internal","detail":{"reference":"encoding"}}"#))
    }
}

/// The domain's refusals are the user's to act on: a field to correct, or a state that
/// does not allow the change.
impl From<domain::Refusal> for AppError {
    fn from(refusal: domain::Refusal) -> Self {
        match refusal {
            domain::Refusal::Invalid(errors) => AppError::Validation(errors),
            domain::Refusal::Conflict(why) => AppError::Conflict(why),
            domain::Refusal::Malformed(why) => AppError::BadRequest(why),
        }
    }
}

impl From<domain::orders::OrderTransitionError> for AppError {
    fn from(err: domain::orders::OrderTransitionError) -> Self {
        domain::Refusal::from(err).into()
    }
}

impl From<domain::qualification::TransitionError> for AppError {
    fn from(err: domain::qualification::TransitionError) -> Self {
        domain::Refusal::from(err).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_survives_the_trip_to_the_browser() {
        let all = vec![
            AppError::field("email", Message::EmailInvalid),
            AppError::BadRequest("missing amount".into()),
            AppError::Unauthenticated,
            AppError::Forbidden,
            AppError::NotFound("Order".into()),
            AppError::Conflict(Message::OrderAlreadyPaid),
            AppError::RateLimited(30),
            AppError::Busy(2),
            AppError::Unavailable,
            AppError::Internal { reference: "abc".into() },
            AppError::Network("offline".into()),
        ];
        for err in all {
            let bytes = err.ser();
            assert_eq!(AppError::de(bytes), err);
        }
    }

    #[test]
    fn bad_input_is_never_a_server_error() {
        assert_eq!(AppError::field("x", Message::Required).status_code(), 422);
        assert_eq!(AppError::BadRequest("x".into()).status_code(), 400);
        let from_args = AppError::from_server_fn_error(ServerFnErrorErr::Args("bad".into()));
        assert_eq!(from_args.status_code(), 400);
        let missing = AppError::from_server_fn_error(ServerFnErrorErr::MissingArg("label".into()));
        assert_eq!(missing, AppError::BadRequest("missing label".into()));
    }

    #[test]
    fn internal_errors_show_only_a_reference() {
        let shown = AppError::Internal { reference: "r1".into() }.to_string();
        assert!(shown.contains("r1"));
        assert!(!shown.to_lowercase().contains("sql"));
    }

    #[test]
    fn field_messages_are_found_by_field() {
        let err = AppError::Validation(vec![FieldError::new("a", Message::Required), FieldError::new("b", Message::TooLong { max: 60 })]);
        assert_eq!(err.message_for("b"), Some(&Message::TooLong { max: 60 }));
        assert_eq!(err.message_for("c"), None);
        assert_eq!(AppError::Forbidden.message_for("a"), None);
    }

    #[test]
    fn garbage_from_the_server_becomes_a_network_error() {
        let err = AppError::de(leptos::server_fn::Bytes::from_static(b"<html>proxy error</html>"));
        assert!(matches!(err, AppError::Network(_)));
    }
}
