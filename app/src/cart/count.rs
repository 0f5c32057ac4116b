//! The header's cart count, shared by the page like the unread notifications: created once
//! where the routes are, refetched on navigation and whenever a page changes the cart.

use leptos::prelude::*;

use super::cart_count;
use crate::error::AppError;

#[derive(Clone, Copy)]
pub struct CartTally {
    changed: RwSignal<u64>,
    count: Resource<Result<i64, AppError>>,
}

impl CartTally {
    pub fn provide() {
        let location = leptos_router::hooks::use_location();
        let changed = RwSignal::new(0u64);
        // Signing in merges a guest cart, signing out leaves the shopper's behind: count again.
        let auth = crate::accounts::Auth::get();
        let who = move || (auth.sign_in.version().get(), auth.sign_up.version().get(), auth.sign_out.version().get());
        let count = Resource::new(move || (location.pathname.get(), changed.get(), who()), |_| cart_count());
        provide_context(CartTally { changed, count });
    }

    /// Something on the page changed the cart: the header counts again.
    pub fn bump() {
        if let Some(c) = use_context::<CartTally>() {
            c.changed.update(|v| *v += 1);
        }
    }

    /// The count (awaited inside the header's suspended view).
    pub async fn get() -> i64 {
        match use_context::<CartTally>() {
            Some(c) => c.count.await.unwrap_or(0),
            None => 0,
        }
    }
}
