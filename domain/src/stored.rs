//! How the domain's named values are stored: as the text they print as, read back through the
//! same parser the rest of the code uses. A stored value the domain does not know is a decode
//! error, never a silent default (an unknown currency once read as USD).

use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgArgumentBuffer, PgTypeInfo, PgValueRef};
use sqlx::{Decode, Encode, Postgres, Type};

macro_rules! stored_as_text {
    ($($t:ty => $print:ident),* $(,)?) => {$(
        impl Type<Postgres> for $t {
            fn type_info() -> PgTypeInfo {
                <str as Type<Postgres>>::type_info()
            }
            fn compatible(ty: &PgTypeInfo) -> bool {
                <str as Type<Postgres>>::compatible(ty)
            }
        }

        impl<'r> Decode<'r, Postgres> for $t {
            fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
                let raw = <&str as Decode<Postgres>>::decode(value)?;
                <$t>::parse(raw).ok_or_else(|| format!("unknown {} {raw:?} in the database", stringify!($t)).into())
            }
        }

        impl Encode<'_, Postgres> for $t {
            fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
                <&str as Encode<Postgres>>::encode_by_ref(&self.$print(), buf)
            }
        }
    )*};
}

stored_as_text! {
    crate::money::Currency => code,
    crate::orders::OrderStatus => as_str,
    crate::orders::Actor => as_str,
    crate::orders::CollectionMethod => as_str,
    crate::payments::MethodKind => as_str,
    crate::payments::attempt::AttemptStatus => as_str,
    crate::qualification::QualificationStatus => as_str,
    crate::refunds::RefundKind => as_str,
    crate::refunds::RefundReason => as_str,
    crate::refunds::RequestStatus => as_str,
    crate::refunds::RefundStatus => as_str,
    crate::refunds::RefundMethod => as_str,
    crate::settlement::PayoutStatus => as_str,
    crate::settlement::PayoutSchedule => as_str,
    crate::api::ApiScope => as_str,
}
