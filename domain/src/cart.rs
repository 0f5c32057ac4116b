//! The cart: its lines, grouped per shop (checkout is per shop).

use crate::money::Money;
use crate::{Message, Refusal};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartLine {
    pub product_id: i64,
    pub shop_id: i64,
    pub shop_name: String,
    pub title: String,
    pub unit_price: Money,
    pub stock: i32,
    pub quantity: i32,
    /// False when the product was archived after it was added.
    pub available: bool,
}

impl CartLine {
    pub fn line_total(&self) -> Money {
        self.unit_price.checked_mul(self.quantity as i64).unwrap_or(self.unit_price)
    }
    /// Why this line cannot be ordered as it stands, if it cannot.
    pub fn problem(&self) -> Option<Message> {
        if !self.available {
            Some(Message::ProductNoLongerSold)
        } else if self.stock == 0 {
            Some(Message::SoldOut)
        } else if self.quantity > self.stock {
            Some(Message::OnlyLeft { stock: self.stock })
        } else {
            None
        }
    }
}

/// The cart lines of one shop, with their subtotal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartGroup {
    pub shop_id: i64,
    pub shop_name: String,
    pub lines: Vec<CartLine>,
    pub subtotal: Money,
}

pub fn group(lines: Vec<CartLine>) -> Vec<CartGroup> {
    let mut groups: Vec<CartGroup> = Vec::new();
    for line in lines {
        match groups.iter_mut().find(|g| g.shop_id == line.shop_id) {
            Some(g) => {
                g.subtotal = g.subtotal.checked_add(line.line_total()).unwrap_or(g.subtotal);
                g.lines.push(line);
            }
            None => {
                groups.push(CartGroup { shop_id: line.shop_id, shop_name: line.shop_name.clone(), subtotal: line.line_total(), lines: vec![line] })
            }
        }
    }
    groups
}

/// Checks a requested quantity against the stock.
pub fn check_quantity(quantity: i32, stock: i32) -> Result<i32, Refusal> {
    if quantity < 1 {
        return Err(Refusal::field("quantity", Message::ChooseAtLeastOne));
    }
    if quantity > MAX_PER_LINE {
        return Err(Refusal::field("quantity", Message::AtMostPerOrder { max: MAX_PER_LINE }));
    }
    if stock == 0 {
        return Err(Refusal::field("quantity", Message::ProductSoldOut));
    }
    if quantity > stock {
        return Err(Refusal::field("quantity", Message::OnlyLeft { stock }));
    }
    Ok(quantity)
}

/// The most of one product a cart line may hold (the schema's bound too).
pub const MAX_PER_LINE: i32 = 999;

/// A line's quantity once a guest cart is merged into a shopper's cart: the two added up, but
/// no more than the stock and [`MAX_PER_LINE`] — and never less than the shopper already had
/// (a merge only adds; a line already over the stock says so in the cart as before). Zero
/// means no line.
pub fn merged_quantity(existing: i32, guest: i32, stock: i32) -> i32 {
    let bounded = existing.saturating_add(guest.max(0)).min(stock).min(MAX_PER_LINE);
    bounded.max(existing).max(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;

    fn line(shop: i64, price: i64, qty: i32, stock: i32) -> CartLine {
        CartLine {
            product_id: price,
            shop_id: shop,
            shop_name: format!("Shop {shop}"),
            title: "x".into(),
            unit_price: Money::new(price, Currency::USD),
            stock,
            quantity: qty,
            available: true,
        }
    }

    #[test]
    fn lines_group_by_shop_with_subtotals() {
        let groups = group(vec![line(1, 250, 2, 9), line(2, 100, 1, 9), line(1, 1000, 1, 9)]);
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].subtotal, Money::new(1500, Currency::USD));
        assert_eq!(groups[1].subtotal, Money::new(100, Currency::USD));
    }

    #[test]
    fn quantities_are_bounded_by_stock() {
        assert_eq!(check_quantity(2, 5), Ok(2));
        assert!(check_quantity(0, 5).is_err());
        assert!(check_quantity(-1, 5).is_err());
        assert_eq!(check_quantity(6, 5).unwrap_err().message_for("quantity"), Some(&Message::OnlyLeft { stock: 5 }));
        assert!(check_quantity(1, 0).is_err());
        assert!(check_quantity(1000, 5000).is_err());
    }

    #[test]
    fn a_merge_adds_up_within_stock_and_the_line_limit_and_never_takes_away() {
        assert_eq!(merged_quantity(0, 2, 5), 2);
        assert_eq!(merged_quantity(2, 2, 5), 4);
        assert_eq!(merged_quantity(3, 4, 5), 5, "capped by stock");
        assert_eq!(merged_quantity(0, 9, 0), 0, "sold out: no line");
        assert_eq!(merged_quantity(900, 900, 5000), MAX_PER_LINE);
        assert_eq!(merged_quantity(4, 1, 2), 4, "what the shopper had stays");
        assert_eq!(merged_quantity(1, i32::MAX, i32::MAX), MAX_PER_LINE, "no overflow");
        assert_eq!(merged_quantity(0, -3, 5), 0);
    }

    #[test]
    fn lines_explain_why_they_cannot_be_ordered() {
        assert_eq!(line(1, 1, 3, 2).problem(), Some(Message::OnlyLeft { stock: 2 }));
        assert_eq!(line(1, 1, 1, 0).problem(), Some(Message::SoldOut));
        assert_eq!(line(1, 1, 1, 1).problem(), None);
    }
}
