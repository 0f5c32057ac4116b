//! The connection check: which side asked, and what the round trip measured.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Which side of the platform asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Area {
    Shop,
    Merchant,
    /// The staff's system status page (only staff may check from there).
    Staff,
}

impl Area {
    pub fn as_str(self) -> &'static str {
        match self {
            Area::Shop => "shop",
            Area::Merchant => "merchant",
            Area::Staff => "staff",
        }
    }
}

/// What the server answers to a connection check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionReport {
    pub check_id: i64,
    pub area: Area,
    #[serde(with = "time::serde::rfc3339")]
    pub checked_at: OffsetDateTime,
    /// How many checks this area has recorded, this one included.
    pub area_total: i64,
}

impl ConnectionReport {
    /// `HH:MM:SS UTC`, the same on the server and in every browser.
    pub fn time_utc(&self) -> String {
        let t = self.checked_at.to_offset(time::UtcOffset::UTC);
        format!("{:02}:{:02}:{:02} UTC", t.hour(), t.minute(), t.second())
    }
}

/// What the staff's status page shows besides its own check: the last check made from each
/// other side, and what is waiting for staff.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusReport {
    pub last_shop_check: Option<ConnectionReport>,
    pub last_merchant_check: Option<ConnectionReport>,
    /// Background work that failed five times or more in a row.
    pub stuck_work: usize,
    pub open_tickets: usize,
    pub reviews_waiting: usize,
}
