//! The catalog: shops and their products, and the product form's checks.

use serde::{Deserialize, Serialize};

use crate::money::{Currency, Money};
use crate::{FieldError, Message, Refusal};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shop {
    pub id: i64,
    pub merchant_id: i64,
    pub name: String,
    pub currency: Currency,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    pub id: i64,
    pub shop_id: i64,
    pub shop_name: String,
    pub title: String,
    pub description: String,
    pub price: Money,
    pub stock: i32,
    pub active: bool,
    pub has_image: bool,
}

impl Product {
    pub fn image_url(&self) -> Option<String> {
        self.has_image.then(|| format!("/images/products/{}", self.id))
    }
}

/// The product form as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductForm {
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub price: String,
    pub stock: String,
    /// A checkbox: present ("on") when ticked.
    #[serde(default)]
    pub active: Option<String>,
}

/// A product that passed every check, priced in the shop's currency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProductInput {
    pub title: String,
    pub description: String,
    pub price: Money,
    pub stock: i32,
    pub active: bool,
}

pub const MAX_STOCK: i32 = 1_000_000;

impl ProductForm {
    pub fn parse(&self, currency: Currency) -> Result<ProductInput, Refusal> {
        let mut errors = Vec::new();
        let mut push = |field: &str, message: Message| errors.push(FieldError::new(field, message));
        let title = self.title.trim().to_string();
        if title.is_empty() {
            push("title", Message::Required);
        } else if title.chars().count() > 120 || title.chars().any(char::is_control) {
            push("title", Message::OneLine { max: 120 });
        }
        let description = self.description.trim().to_string();
        if description.chars().count() > 4000 {
            push("description", Message::TooLong { max: 4000 });
        }
        let price = Money::parse_major(&self.price, currency).map_err(|e| push("price", e.into())).ok();
        let stock = match self.stock.trim().parse::<i64>() {
            Ok(n) if (0..=MAX_STOCK as i64).contains(&n) => Some(n as i32),
            Ok(n) if n < 0 => {
                push("stock", Message::StockNegative);
                None
            }
            Ok(_) => {
                push("stock", Message::StockTooHigh { max: MAX_STOCK });
                None
            }
            Err(_) => {
                push("stock", Message::StockNotANumber);
                None
            }
        };
        match (price, stock) {
            (Some(price), Some(stock)) if errors.is_empty() => Ok(ProductInput { title, description, price, stock, active: self.active.is_some() }),
            _ => Err(Refusal::Invalid(errors)),
        }
    }
}

/// What the merchant's product page shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyShopData {
    pub shop: Shop,
    pub products: Vec<Product>,
}

/// A shop as shoppers see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShopPageData {
    pub shop: Shop,
    pub products: Vec<Product>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(price: &str, stock: &str) -> ProductForm {
        ProductForm { title: "Phone case".into(), description: "Soft".into(), price: price.into(), stock: stock.into(), active: Some("on".into()) }
    }

    #[test]
    fn prices_are_parsed_in_the_shop_currency() {
        assert_eq!(form("12.50", "3").parse(Currency::USD).unwrap().price, Money::new(1250, Currency::USD));
        assert_eq!(form("1500", "3").parse(Currency::JPY).unwrap().price, Money::new(1500, Currency::JPY));
        let err = form("12.5", "3").parse(Currency::JPY).unwrap_err();
        assert_eq!(err.message_for("price"), Some(&Message::NoDecimals { currency: Currency::JPY }));
    }

    #[test]
    fn bad_products_get_messages_per_field() {
        let bad = ProductForm { title: "".into(), description: "x".repeat(4001), price: "0".into(), stock: "-1".into(), active: None };
        let err = bad.parse(Currency::USD).unwrap_err();
        for f in ["title", "description", "price", "stock"] {
            assert!(err.message_for(f).is_some(), "{f}");
        }
        assert!(form("1.00", "lots").parse(Currency::USD).unwrap_err().message_for("stock").is_some());
        assert!(form("-3", "1").parse(Currency::USD).unwrap_err().message_for("price").is_some());
    }

    #[test]
    fn unticked_checkbox_archives() {
        let f = ProductForm { active: None, ..form("1", "1") };
        assert!(!f.parse(Currency::USD).unwrap().active);
    }
}
