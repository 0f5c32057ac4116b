//! Merchant qualification: the business details a merchant submits, and the review's state
//! machine. Transitions live only in [`QualificationStatus::apply`].

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::{FieldError, Message, Refusal};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QualificationStatus {
    /// Nothing submitted yet.
    Draft,
    /// Waiting for a reviewer.
    Submitted,
    /// The merchant may open a shop and sell.
    Approved,
    /// Refused with a reason; the merchant may correct and resubmit.
    Rejected,
}

/// What can happen to a qualification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReviewEvent {
    /// The merchant submits (or resubmits) their details.
    Submit,
    /// Staff approve the submission.
    Approve,
    /// Staff reject the submission with a reason.
    Reject(RejectionReason),
}

impl ReviewEvent {
    fn name(&self) -> &'static str {
        match self {
            ReviewEvent::Submit => "submit",
            ReviewEvent::Approve => "approve",
            ReviewEvent::Reject(_) => "reject",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct TransitionError {
    pub from: QualificationStatus,
    pub event: &'static str,
    pub message: Message,
}

impl From<TransitionError> for Refusal {
    fn from(err: TransitionError) -> Self {
        Refusal::Conflict(err.message)
    }
}

impl QualificationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            QualificationStatus::Draft => "draft",
            QualificationStatus::Submitted => "submitted",
            QualificationStatus::Approved => "approved",
            QualificationStatus::Rejected => "rejected",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "draft" => Some(QualificationStatus::Draft),
            "submitted" => Some(QualificationStatus::Submitted),
            "approved" => Some(QualificationStatus::Approved),
            "rejected" => Some(QualificationStatus::Rejected),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            QualificationStatus::Draft => "Not submitted",
            QualificationStatus::Submitted => "Under review",
            QualificationStatus::Approved => "Approved",
            QualificationStatus::Rejected => "Rejected",
        }
    }

    /// The one place where the review moves: the new status, or why the event is refused.
    pub fn apply(self, event: &ReviewEvent) -> Result<QualificationStatus, TransitionError> {
        use QualificationStatus::*;
        let refuse = |message| Err(TransitionError { from: self, event: event.name(), message });
        match (self, event) {
            (Draft | Rejected, ReviewEvent::Submit) => Ok(Submitted),
            (Submitted, ReviewEvent::Approve) => Ok(Approved),
            (Submitted, ReviewEvent::Reject(_)) => Ok(Rejected),
            (Submitted, ReviewEvent::Submit) => refuse(Message::AlreadyUnderReview),
            (Approved, ReviewEvent::Submit) => refuse(Message::AlreadyApproved),
            (Approved, ReviewEvent::Approve | ReviewEvent::Reject(_)) => refuse(Message::SubmissionAlreadyApproved),
            (Draft | Rejected, ReviewEvent::Approve | ReviewEvent::Reject(_)) => refuse(Message::NothingToReview),
        }
    }
}

/// Why staff rejected a submission: 5 to 500 characters, shown to the merchant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectionReason(String);

impl RejectionReason {
    pub fn parse(raw: &str) -> Result<Self, Refusal> {
        let reason = raw.trim();
        let n = reason.chars().count();
        if n < 5 {
            return Err(Refusal::field("reason", Message::RejectionReasonTooShort));
        }
        if n > 500 {
            return Err(Refusal::field("reason", Message::TooLong { max: 500 }));
        }
        Ok(RejectionReason(reason.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Business categories a shop can sell in.
pub const CATEGORIES: &[(&str, &str)] = &[
    ("fashion", "Fashion and accessories"),
    ("beauty", "Beauty and personal care"),
    ("electronics", "Electronics"),
    ("home", "Home and living"),
    ("food", "Food and drinks"),
    ("toys", "Toys and baby"),
    ("sports", "Sports and outdoors"),
    ("books", "Books and stationery"),
    ("other", "Other"),
];

/// Countries merchants may register from (ISO 3166-1 alpha-2).
pub const COUNTRIES: &[(&str, &str)] = &[
    ("AU", "Australia"),
    ("BR", "Brazil"),
    ("CA", "Canada"),
    ("CN", "China"),
    ("DE", "Germany"),
    ("ES", "Spain"),
    ("FR", "France"),
    ("GB", "United Kingdom"),
    ("HK", "Hong Kong SAR"),
    ("ID", "Indonesia"),
    ("IN", "India"),
    ("IT", "Italy"),
    ("JP", "Japan"),
    ("KR", "South Korea"),
    ("MX", "Mexico"),
    ("MY", "Malaysia"),
    ("NL", "Netherlands"),
    ("PH", "Philippines"),
    ("SA", "Saudi Arabia"),
    ("SG", "Singapore"),
    ("TH", "Thailand"),
    ("TW", "Taiwan"),
    ("AE", "United Arab Emirates"),
    ("US", "United States"),
    ("VN", "Vietnam"),
];

/// The business details as typed into the form (strings, possibly wrong).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusinessDetailsForm {
    pub legal_name: String,
    pub registration_number: String,
    pub country: String,
    pub contact_phone: String,
    pub category: String,
    pub shop_name: String,
}

/// Business details that passed every check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusinessDetails {
    legal_name: String,
    registration_number: String,
    country: &'static str,
    contact_phone: String,
    category: &'static str,
    shop_name: String,
}

fn text_field(errors: &mut Vec<FieldError>, field: &str, raw: &str, min: u32, max: u32) -> String {
    let value = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    let n = value.chars().count();
    let message = if n == 0 {
        Some(Message::Required)
    } else if n < min as usize {
        Some(Message::TooShort { min })
    } else if n > max as usize {
        Some(Message::TooLong { max })
    } else if value.chars().any(char::is_control) {
        Some(Message::ControlCharacter)
    } else {
        None
    };
    if let Some(message) = message {
        errors.push(FieldError::new(field, message));
    }
    value
}

impl BusinessDetailsForm {
    /// Checks every field and reports every problem at once, one message per field.
    pub fn parse(&self) -> Result<BusinessDetails, Refusal> {
        let mut errors = Vec::new();
        let legal_name = text_field(&mut errors, "legal_name", &self.legal_name, 2, 200);
        let shop_name = text_field(&mut errors, "shop_name", &self.shop_name, 2, 60);

        let registration_number = self.registration_number.trim().to_uppercase();
        let reg_ok = (3..=40).contains(&registration_number.chars().count())
            && registration_number.chars().all(|c| c.is_ascii_alphanumeric() || "-/. ".contains(c));
        if registration_number.is_empty() {
            errors.push(FieldError::new("registration_number", Message::Required));
        } else if !reg_ok {
            errors.push(FieldError::new("registration_number", Message::RegistrationNumberFormat));
        }

        let country = COUNTRIES.iter().find(|(code, _)| *code == self.country.trim().to_uppercase());
        if country.is_none() {
            errors.push(FieldError::new("country", Message::ChooseFromList));
        }

        let phone = self.contact_phone.trim();
        let digits = phone.chars().filter(char::is_ascii_digit).count();
        let phone_ok =
            phone.chars().enumerate().all(|(i, c)| c.is_ascii_digit() || " -()".contains(c) || (c == '+' && i == 0)) && (7..=15).contains(&digits);
        if phone.is_empty() {
            errors.push(FieldError::new("contact_phone", Message::Required));
        } else if !phone_ok {
            errors.push(FieldError::new("contact_phone", Message::ContactPhoneFormat));
        }

        let category = CATEGORIES.iter().find(|(code, _)| *code == self.category.trim());
        if category.is_none() {
            errors.push(FieldError::new("category", Message::ChooseFromList));
        }

        if !errors.is_empty() {
            return Err(Refusal::Invalid(errors));
        }
        Ok(BusinessDetails {
            legal_name,
            registration_number,
            country: country.map(|c| c.0).unwrap_or_default(),
            contact_phone: phone.to_string(),
            category: category.map(|c| c.0).unwrap_or_default(),
            shop_name,
        })
    }
}

impl BusinessDetails {
    pub fn legal_name(&self) -> &str {
        &self.legal_name
    }
    pub fn registration_number(&self) -> &str {
        &self.registration_number
    }
    pub fn country(&self) -> &'static str {
        self.country
    }
    pub fn contact_phone(&self) -> &str {
        &self.contact_phone
    }
    pub fn category(&self) -> &'static str {
        self.category
    }
    pub fn shop_name(&self) -> &str {
        &self.shop_name
    }
}

pub fn country_name(code: &str) -> &str {
    COUNTRIES.iter().find(|(c, _)| *c == code).map(|(_, n)| *n).unwrap_or(code)
}

pub fn category_name(code: &str) -> &str {
    CATEGORIES.iter().find(|(c, _)| *c == code).map(|(_, n)| *n).unwrap_or(code)
}

/// A merchant's qualification as both the merchant and staff see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Qualification {
    pub merchant_id: i64,
    pub merchant_email: String,
    pub status: QualificationStatus,
    pub details: BusinessDetailsForm,
    pub rejection_reason: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub submitted_at: Option<OffsetDateTime>,
    pub history: Vec<HistoryEntry>,
}

/// One recorded decision: who moved the qualification from what to what, when, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub actor_email: String,
    pub from: QualificationStatus,
    pub to: QualificationStatus,
    pub reason: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// A line of the staff review queue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueEntry {
    pub merchant_id: i64,
    pub merchant_email: String,
    pub legal_name: String,
    pub country: String,
    #[serde(with = "time::serde::rfc3339::option")]
    pub submitted_at: Option<OffsetDateTime>,
}

/// An open shop, as shoppers see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShopSummary {
    pub id: i64,
    pub name: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use QualificationStatus::*;

    fn reason() -> RejectionReason {
        RejectionReason::parse("Registration number does not match the certificate").unwrap()
    }

    #[test]
    fn every_transition_is_either_allowed_or_refused_with_a_reason() {
        let events = [ReviewEvent::Submit, ReviewEvent::Approve, ReviewEvent::Reject(reason())];
        let expected: &[(QualificationStatus, &str, Option<QualificationStatus>)] = &[
            (Draft, "submit", Some(Submitted)),
            (Draft, "approve", None),
            (Draft, "reject", None),
            (Submitted, "submit", None),
            (Submitted, "approve", Some(Approved)),
            (Submitted, "reject", Some(Rejected)),
            (Approved, "submit", None),
            (Approved, "approve", None),
            (Approved, "reject", None),
            (Rejected, "submit", Some(Submitted)),
            (Rejected, "approve", None),
            (Rejected, "reject", None),
        ];
        let mut seen = 0;
        for from in [Draft, Submitted, Approved, Rejected] {
            for event in &events {
                let (_, _, want) = expected.iter().find(|(f, e, _)| *f == from && *e == event.name()).expect("every pair is listed");
                match (from.apply(event), want) {
                    (Ok(to), Some(want)) => assert_eq!(to, *want, "{from:?} + {}", event.name()),
                    (Err(err), None) => {
                        assert_eq!(err.from, from);
                        assert!(!err.message.to_string().is_empty());
                    }
                    (got, want) => panic!("{from:?} + {}: got {got:?}, want {want:?}", event.name()),
                }
                seen += 1;
            }
        }
        assert_eq!(seen, 12);
    }

    #[test]
    fn statuses_round_trip_through_their_names() {
        for s in [Draft, Submitted, Approved, Rejected] {
            assert_eq!(QualificationStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(QualificationStatus::parse("pending"), None);
    }

    #[test]
    fn rejection_reasons_are_bounded() {
        assert!(RejectionReason::parse("  bad ").is_err());
        assert!(RejectionReason::parse(&"x".repeat(501)).is_err());
        assert_eq!(RejectionReason::parse("  Blurry ID  ").unwrap().as_str(), "Blurry ID");
    }

    fn good_form() -> BusinessDetailsForm {
        BusinessDetailsForm {
            legal_name: "Shenzhen  Bright Trading Co., Ltd.".into(),
            registration_number: "91440300ma5f0x".into(),
            country: "cn".into(),
            contact_phone: "+86 138 0013 8000".into(),
            category: "electronics".into(),
            shop_name: "Bright Gadgets".into(),
        }
    }

    #[test]
    fn good_details_are_normalised() {
        let d = good_form().parse().unwrap();
        assert_eq!(d.legal_name(), "Shenzhen Bright Trading Co., Ltd.");
        assert_eq!(d.registration_number(), "91440300MA5F0X");
        assert_eq!(d.country(), "CN");
        assert_eq!(d.category(), "electronics");
    }

    #[test]
    fn every_bad_field_gets_its_own_message() {
        let bad = BusinessDetailsForm {
            legal_name: "".into(),
            registration_number: "<script>".into(),
            country: "XX".into(),
            contact_phone: "call me".into(),
            category: "weapons".into(),
            shop_name: "x".repeat(61),
        };
        let err = bad.parse().unwrap_err();
        for field in ["legal_name", "registration_number", "country", "contact_phone", "category", "shop_name"] {
            assert!(err.message_for(field).is_some(), "no message for {field}: {err:?}");
        }
        assert_eq!(err.message_for("legal_name"), Some(&Message::Required));
    }

    #[test]
    fn phone_numbers_need_seven_to_fifteen_digits() {
        for (phone, ok) in [("+65 6123 4567", true), ("123456", false), ("+1234567890123456", false), ("12+345678", false), ("(021) 555-0199", true)]
        {
            let form = BusinessDetailsForm { contact_phone: phone.into(), ..good_form() };
            assert_eq!(form.parse().is_ok(), ok, "{phone}");
        }
    }

    #[test]
    fn over_long_names_are_refused() {
        let form = BusinessDetailsForm { legal_name: "a".repeat(201), ..good_form() };
        assert!(form.parse().unwrap_err().message_for("legal_name").is_some());
    }
}
