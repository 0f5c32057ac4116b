//! Named values (statuses, currencies, methods) are stored as text and read back through the
//! domain's parsers: what the domain does not know is an error, never a default.

use domain::money::Currency;
use domain::orders::{Actor, CollectionMethod, OrderStatus};
use domain::payments::MethodKind;
use domain::payments::attempt::AttemptStatus;
use sqlx::PgPool;

#[sqlx::test(migrator = "app::db::MIGRATOR")]
async fn known_values_round_trip_and_unknown_ones_are_errors(pool: PgPool) {
    assert_eq!(sqlx::query_scalar::<_, OrderStatus>("SELECT 'awaiting_payment'").fetch_one(&pool).await.unwrap(), OrderStatus::AwaitingPayment);
    assert_eq!(sqlx::query_scalar::<_, Currency>("SELECT 'JPY'").fetch_one(&pool).await.unwrap(), Currency::JPY);
    assert_eq!(sqlx::query_scalar::<_, AttemptStatus>("SELECT 'succeeded'").fetch_one(&pool).await.unwrap(), AttemptStatus::Succeeded);
    // Written as the text it prints as.
    let written: String = sqlx::query_scalar("SELECT $1::text").bind(CollectionMethod::CashOnDelivery).fetch_one(&pool).await.unwrap();
    assert_eq!(written, CollectionMethod::CashOnDelivery.as_str());

    // Before, an unknown currency was read as USD and an unknown status as "cancelled".
    for unknown in [
        sqlx::query_scalar::<_, Currency>("SELECT 'XTS'").fetch_one(&pool).await.err(),
        sqlx::query_scalar::<_, OrderStatus>("SELECT 'lost'").fetch_one(&pool).await.map(|_| ()).err(),
    ]
    .into_iter()
    .map(|e| e.map(|e| e.to_string()))
    {
        let message = unknown.expect("an unknown stored value is an error");
        assert!(message.contains("in the database"), "{message}");
    }
    assert!(sqlx::query_scalar::<_, MethodKind>("SELECT 'cheque'").fetch_one(&pool).await.is_err());
    assert!(sqlx::query_scalar::<_, Actor>("SELECT 'robot'").fetch_one(&pool).await.is_err());
}
