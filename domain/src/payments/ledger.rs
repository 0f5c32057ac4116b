//! The double-entry postings of money movements. Debits are positive, credits negative; the
//! entries of one transaction sum to zero per currency (Postgres checks it again at commit).

use crate::money::Money;

/// A ledger account, named by what it stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Account {
    /// Money that came from a shopper's external instrument (card, wallet).
    ShopperFunding { shopper_id: i64 },
    /// Money the platform holds while it is owed on.
    PlatformClearing,
    /// What the platform owes a shop, not yet paid out.
    MerchantPending { shop_id: i64 },
    /// Cash a shop's courier collected from shoppers on delivery: the shop holds it.
    MerchantCash { shop_id: i64 },
    /// Money the platform holds for nobody: a charge that arrived for an order that could no
    /// longer take it, until it is sent back.
    PlatformSuspense,
    /// Settled money a shop may take, not yet paid out (negative after a refund that came
    /// after settlement, until later settlements cover it).
    MerchantAvailable { shop_id: i64 },
    /// Held back at settlement for a while (the shop's reserve).
    MerchantReserve { shop_id: i64 },
    /// Paid out, not yet confirmed by the bank.
    MerchantPayoutsInTransit { shop_id: i64 },
    /// What reached the shop's bank account: outside the platform, like a shopper's card.
    MerchantBank { shop_id: i64 },
    /// The platform's commission.
    PlatformRevenue,
}

impl Account {
    pub fn kind(self) -> &'static str {
        match self {
            Account::ShopperFunding { .. } => "shopper_funding",
            Account::PlatformClearing => "platform_clearing",
            Account::MerchantPending { .. } => "merchant_pending",
            Account::MerchantCash { .. } => "merchant_cash",
            Account::PlatformSuspense => "platform_suspense",
            Account::MerchantAvailable { .. } => "merchant_available",
            Account::MerchantReserve { .. } => "merchant_reserve",
            Account::MerchantPayoutsInTransit { .. } => "merchant_payouts_in_transit",
            Account::MerchantBank { .. } => "merchant_bank",
            Account::PlatformRevenue => "platform_revenue",
        }
    }
    pub fn owner(self) -> Option<i64> {
        match self {
            Account::ShopperFunding { shopper_id } => Some(shopper_id),
            Account::PlatformClearing | Account::PlatformSuspense | Account::PlatformRevenue => None,
            Account::MerchantPending { shop_id }
            | Account::MerchantCash { shop_id }
            | Account::MerchantAvailable { shop_id }
            | Account::MerchantReserve { shop_id }
            | Account::MerchantPayoutsInTransit { shop_id }
            | Account::MerchantBank { shop_id } => Some(shop_id),
        }
    }
}

/// A successful payment: the shopper's funding source is credited, the clearing account takes
/// the money in and passes it on, and the shop's pending balance is debited with what it is owed.
pub fn payment_posting(amount: Money, shopper_id: i64, shop_id: i64) -> Vec<(Account, i64)> {
    vec![
        (Account::ShopperFunding { shopper_id }, -amount.minor),
        (Account::PlatformClearing, amount.minor),
        (Account::PlatformClearing, -amount.minor),
        (Account::MerchantPending { shop_id }, amount.minor),
    ]
}

/// Cash collected on delivery: it left the shopper's hands for the shop's, without passing
/// through the platform.
pub fn cash_on_delivery_posting(amount: Money, shopper_id: i64, shop_id: i64) -> Vec<(Account, i64)> {
    vec![(Account::ShopperFunding { shopper_id }, -amount.minor), (Account::MerchantCash { shop_id }, amount.minor)]
}

/// A charge that arrived for an order that could no longer take it: the platform holds the
/// money in suspense, owed to nobody but the shopper. No shop is credited.
pub fn unexpected_charge_posting(amount: Money, shopper_id: i64) -> Vec<(Account, i64)> {
    vec![(Account::ShopperFunding { shopper_id }, -amount.minor), (Account::PlatformSuspense, amount.minor)]
}

/// The unexpected charge went back to the shopper's instrument.
pub fn unexpected_refund_posting(amount: Money, shopper_id: i64) -> Vec<(Account, i64)> {
    vec![(Account::PlatformSuspense, -amount.minor), (Account::ShopperFunding { shopper_id }, amount.minor)]
}

/// A refund of an online payment: the payment's posting reversed for the refunded amount (the
/// shop is owed less, the money passes back through clearing to the shopper's instrument).
/// Before the order settled it comes out of the shop's pending money; after, out of its
/// available balance (which may go below zero and is netted against later settlements).
pub fn refund_posting(amount: Money, shopper_id: i64, shop_id: i64, settled: bool) -> Vec<(Account, i64)> {
    let from = if settled { Account::MerchantAvailable { shop_id } } else { Account::MerchantPending { shop_id } };
    vec![
        (from, -amount.minor),
        (Account::PlatformClearing, amount.minor),
        (Account::PlatformClearing, -amount.minor),
        (Account::ShopperFunding { shopper_id }, amount.minor),
    ]
}

/// Cash a shop gave back by hand (cash or its own bank transfer): out of the cash it holds,
/// never through the platform.
pub fn cash_refund_posting(amount: Money, shopper_id: i64, shop_id: i64) -> Vec<(Account, i64)> {
    vec![(Account::MerchantCash { shop_id }, -amount.minor), (Account::ShopperFunding { shopper_id }, amount.minor)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;

    #[test]
    fn a_refund_reverses_the_payment_for_its_amount() {
        let (shopper, shop) = (7, 3);
        let paid = payment_posting(Money::new(2999, Currency::SGD), shopper, shop);
        let refunded = refund_posting(Money::new(1000, Currency::SGD), shopper, shop, false);
        let after = refund_posting(Money::new(1000, Currency::SGD), shopper, shop, true);
        assert_eq!(after[0], (Account::MerchantAvailable { shop_id: shop }, -1000));
        assert_eq!(refunded.iter().map(|(_, a)| a).sum::<i64>(), 0);
        let balance = |account: Account| paid.iter().chain(&refunded).filter(|(a, _)| *a == account).map(|(_, m)| m).sum::<i64>();
        assert_eq!(balance(Account::MerchantPending { shop_id: shop }), 1999);
        assert_eq!(balance(Account::ShopperFunding { shopper_id: shopper }), -1999);
        assert_eq!(balance(Account::PlatformClearing), 0);
        let cash = cash_refund_posting(Money::new(500, Currency::JPY), shopper, shop);
        assert_eq!(cash.iter().map(|(_, a)| a).sum::<i64>(), 0);
    }

    #[test]
    fn a_payment_posting_balances_and_credits_the_shop() {
        let entries = payment_posting(Money::new(2999, Currency::SGD), 7, 3);
        assert_eq!(entries.iter().map(|(_, a)| a).sum::<i64>(), 0);
        let shop: i64 = entries.iter().filter(|(a, _)| *a == Account::MerchantPending { shop_id: 3 }).map(|(_, m)| m).sum();
        assert_eq!(shop, 2999);
        let clearing: i64 = entries.iter().filter(|(a, _)| *a == Account::PlatformClearing).map(|(_, m)| m).sum();
        assert_eq!(clearing, 0, "clearing nets out");
        assert!(entries.iter().all(|(_, m)| *m != 0));
    }

    #[test]
    fn an_unexpected_charge_and_its_refund_cancel_out_and_touch_no_shop() {
        let amount = Money::new(2500, Currency::USD);
        let mut all = unexpected_charge_posting(amount, 7);
        assert_eq!(all.iter().map(|(_, m)| m).sum::<i64>(), 0);
        let refund = unexpected_refund_posting(amount, 7);
        assert_eq!(refund.iter().map(|(_, m)| m).sum::<i64>(), 0);
        all.extend(refund);
        for account in [Account::ShopperFunding { shopper_id: 7 }, Account::PlatformSuspense] {
            assert_eq!(all.iter().filter(|(a, _)| *a == account).map(|(_, m)| m).sum::<i64>(), 0, "{account:?}");
        }
        assert!(all.iter().all(|(a, _)| !matches!(a, Account::MerchantPending { .. } | Account::MerchantCash { .. })));
    }

    #[test]
    fn cash_on_delivery_balances_and_stays_with_the_shop() {
        let entries = cash_on_delivery_posting(Money::new(1500, Currency::JPY), 7, 3);
        assert_eq!(entries.iter().map(|(_, a)| a).sum::<i64>(), 0);
        assert_eq!(entries, vec![(Account::ShopperFunding { shopper_id: 7 }, -1500), (Account::MerchantCash { shop_id: 3 }, 1500)]);
    }
}
