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
    /// The product's image once it has been resized (None: no image, or one uploaded before
    /// images were resized and not yet processed).
    pub image: Option<ProductImage>,
}

impl Product {
    /// The largest resized image (what a plain `src` shows).
    pub fn image_url(&self) -> Option<String> {
        self.image.as_ref().map(|i| i.src(self.id, i.width))
    }
}

/// The widths (in pixels) an uploaded image is resized to. Never upscaled: a smaller image
/// gets the widths below its own and its own width (see [`image_widths`]).
pub const IMAGE_WIDTHS: [u32; 3] = [240, 480, 960];
/// Uploads are refused past these (a small file can declare enormous dimensions and take
/// gigabytes to decode).
pub const MAX_IMAGE_SIDE: u32 = 8000;
pub const MAX_IMAGE_MEGAPIXELS: u32 = 25;

/// The widths an image `original` pixels wide is stored at, smallest first: every standard
/// width below it, and its own width capped at the largest standard one. Applied to its own
/// largest result it gives the same list, so the largest stored width is enough to know all.
pub fn image_widths(original: u32) -> Vec<u32> {
    let largest = original.clamp(1, IMAGE_WIDTHS[IMAGE_WIDTHS.len() - 1]);
    let mut widths: Vec<u32> = IMAGE_WIDTHS.iter().copied().filter(|w| *w < largest).collect();
    widths.push(largest);
    widths
}

/// The height of an image `width` wide, keeping the aspect of `full_width` × `full_height`.
pub fn scaled_height(full_width: u32, full_height: u32, width: u32) -> u32 {
    let h = (u64::from(full_height) * u64::from(width) + u64::from(full_width) / 2) / u64::from(full_width.max(1));
    (h as u32).max(1)
}

/// A product's resized image: its version (changes with every upload, so the URLs change and
/// can be cached for good) and the size of its largest variant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductImage {
    pub version: i32,
    pub width: u32,
    pub height: u32,
}

impl ProductImage {
    pub fn widths(&self) -> Vec<u32> {
        image_widths(self.width)
    }

    pub fn src(&self, product_id: i64, width: u32) -> String {
        format!("/images/products/{product_id}?v={}&w={width}", self.version)
    }

    /// `srcset`: every stored width with its URL.
    pub fn srcset(&self, product_id: i64) -> String {
        self.widths().iter().map(|w| format!("{} {w}w", self.src(product_id, *w))).collect::<Vec<_>>().join(", ")
    }

    /// The stored width closest above `wanted` (else the largest), for a plain `src`.
    pub fn width_for(&self, wanted: u32) -> u32 {
        let widths = self.widths();
        widths.iter().copied().find(|w| *w >= wanted).unwrap_or(self.width)
    }

    pub fn height_at(&self, width: u32) -> u32 {
        scaled_height(self.width, self.height, width)
    }
}

/// One stored size of a product image, encoded (made by the backend from an upload).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageVariant {
    pub width: u32,
    pub height: u32,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

/// A product search as typed: trimmed, at most 100 characters; empty means "everything".
pub fn search_terms(query: &str) -> String {
    query.trim().chars().filter(|c| !c.is_control()).take(100).collect()
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

/// A shop as shoppers see it: its active products, or those matching `query` when it is not
/// empty.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShopPageData {
    pub shop: Shop,
    pub products: Vec<Product>,
    #[serde(default)]
    pub query: String,
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
    fn images_are_never_upscaled() {
        assert_eq!(image_widths(4000), vec![240, 480, 960]);
        assert_eq!(image_widths(960), vec![240, 480, 960]);
        assert_eq!(image_widths(600), vec![240, 480, 600]);
        assert_eq!(image_widths(300), vec![240, 300]);
        assert_eq!(image_widths(100), vec![100]);
        // The largest stored width gives back the same list.
        for w in [100, 300, 600, 4000] {
            let widths = image_widths(w);
            assert_eq!(image_widths(*widths.last().unwrap()), widths);
        }
        assert_eq!(scaled_height(1200, 800, 480), 320);
        assert_eq!(scaled_height(3000, 1, 240), 1);
        let image = ProductImage { version: 3, width: 600, height: 400 };
        assert_eq!(image.srcset(7), "/images/products/7?v=3&w=240 240w, /images/products/7?v=3&w=480 480w, /images/products/7?v=3&w=600 600w");
        assert_eq!(image.width_for(300), 480);
        assert_eq!(image.width_for(2000), 600);
        assert_eq!(image.height_at(240), 160);
    }

    #[test]
    fn search_terms_are_one_trimmed_line() {
        assert_eq!(search_terms("  Earbuds \n"), "Earbuds");
        assert_eq!(search_terms(&"x".repeat(300)).len(), 100);
    }

    #[test]
    fn unticked_checkbox_archives() {
        let f = ProductForm { active: None, ..form("1", "1") };
        assert!(!f.parse(Currency::USD).unwrap().active);
    }
}
