//! Paying: the attempt machine, card and wallet checks, the ledger's postings.

pub mod attempt;
pub mod instrument;
pub mod ledger;
