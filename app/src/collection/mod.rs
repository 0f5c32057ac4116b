//! The merchant collects (收款): the order console (filters, search, keyset paging, counts per
//! status), the merchant's order page with the actions allowed now, payment requests with
//! deadlines, cash on delivery, fulfilment, and the background worker that expires unpaid
//! requests and completes delivered orders.

pub use domain::collection::{
    AttemptView, CollectionMethod, ConsoleFilter, ConsolePage, ConsoleQuery, ConsoleRow, Cursor, MerchantOrderView, PAGE_SIZE, Search,
};
mod console;
mod detail;

pub use console::{OrdersConsolePage, console_orders};
pub use detail::{MerchantOrderPage, merchant_order, merchant_order_action};
