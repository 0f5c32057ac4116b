//! Paydesk's Leptos app: components, routes and server functions shared by the SSR server and
//! the hydrating WASM client. Each flow lives in its own module, its components and server
//! functions side by side; SQL lives only in [`db`], which is compiled for the server alone.

#![recursion_limit = "256"]

pub mod accounts;
pub mod api_keys;
pub mod cart;
pub mod catalog;
pub mod checkout;
pub mod collection;
#[cfg(feature = "ssr")]
pub mod cookies;
pub mod dashboard;
pub mod error;
pub mod health;
pub mod live;
pub mod merchant;
pub mod notifications;
pub mod orders;
pub mod payments;
pub mod refunds;
pub mod settlement;
pub mod shell;
pub mod staff;
pub mod support;
pub mod texts;
pub mod ui;
pub mod webhooks;
pub mod words;

#[cfg(feature = "ssr")]
pub mod db;

pub use shell::{App, shell};

// The translations (`locales/<language>/<namespace>.json`), loaded and checked at compile
// time: `i18n::use_i18n()`, `t!`, `t_string!`, `Locale`. The macro is deprecated in favour of a
// build script (`leptos_i18n_build`), which compiles ICU's data exporter with its networking
// features into every clean build — minutes on two cores, for data these strings do not use.
#[allow(deprecated)]
mod generated {
    leptos_i18n::load_locales!();
}
pub use generated::i18n;

/// The tags of the languages the pages are written in ("en", "zh-CN").
pub fn language_tags() -> impl Iterator<Item = &'static str> {
    use leptos_i18n::Locale as _;
    i18n::Locale::get_all().iter().map(|l| l.as_str())
}
