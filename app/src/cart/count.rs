//! The header's cart count, shared by the page like the unread notifications: created once
//! where the routes are, refetched on navigation and whenever a page changes the cart.

use leptos::prelude::*;

use crate::error::AppError;

/// Everyone: how many items their cart holds (0 without a cart, and for merchants and staff,
/// who have none).
#[server(prefix = "/api", endpoint = "cart_count")]
pub async fn cart_count() -> Result<i64, AppError> {
    use domain::accounts::Role;
    let pool = crate::db::pool()?;
    match crate::accounts::session::current_user(&pool).await? {
        Some(me) if me.role == Role::Shopper => Ok(crate::db::orders::cart_lines(&pool, me.id).await?.iter().map(|l| i64::from(l.quantity)).sum()),
        _ => Ok(0),
    }
}

#[derive(Clone, Copy)]
pub struct CartTally {
    changed: RwSignal<u64>,
    count: Resource<Result<i64, AppError>>,
}

impl CartTally {
    pub fn provide() {
        let location = leptos_router::hooks::use_location();
        let changed = RwSignal::new(0u64);
        let count = Resource::new(move || (location.pathname.get(), changed.get()), |_| cart_count());
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
