//! A payment attempt's life, in one place: (status, event) → status or a refusal.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttemptStatus {
    /// Recorded before the provider is called; also a charge the provider is still settling.
    Processing,
    RequiresVerification,
    Succeeded,
    Failed,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttemptEvent {
    /// The provider (or the shopper's code) confirmed the charge.
    Succeed,
    /// The provider asks for a one-time code.
    AskVerification,
    /// The provider is still working on it.
    StillProcessing,
    /// Declined, or given up.
    Fail,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a payment attempt that is {from:?} cannot take {event:?}")]
pub struct AttemptTransitionError {
    pub from: AttemptStatus,
    pub event: AttemptEvent,
}

impl AttemptStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AttemptStatus::Processing => "processing",
            AttemptStatus::RequiresVerification => "requires_verification",
            AttemptStatus::Succeeded => "succeeded",
            AttemptStatus::Failed => "failed",
        }
    }
    pub fn parse(raw: &str) -> Option<AttemptStatus> {
        [AttemptStatus::Processing, AttemptStatus::RequiresVerification, AttemptStatus::Succeeded, AttemptStatus::Failed]
            .into_iter()
            .find(|s| s.as_str() == raw)
    }
    pub fn label(self) -> &'static str {
        match self {
            AttemptStatus::Processing => "Processing",
            AttemptStatus::RequiresVerification => "Waiting for the code",
            AttemptStatus::Succeeded => "Succeeded",
            AttemptStatus::Failed => "Failed",
        }
    }

    pub fn is_final(self) -> bool {
        matches!(self, AttemptStatus::Succeeded | AttemptStatus::Failed)
    }
    pub fn apply(self, event: AttemptEvent) -> Result<AttemptStatus, AttemptTransitionError> {
        use AttemptStatus::*;
        match (self, event) {
            (Processing, AttemptEvent::Succeed) | (RequiresVerification, AttemptEvent::Succeed) => Ok(Succeeded),
            (Processing, AttemptEvent::Fail) | (RequiresVerification, AttemptEvent::Fail) => Ok(Failed),
            (Processing, AttemptEvent::AskVerification) => Ok(RequiresVerification),
            (Processing, AttemptEvent::StillProcessing) => Ok(Processing),
            (RequiresVerification, AttemptEvent::AskVerification) => Ok(RequiresVerification),
            (from, event) => Err(AttemptTransitionError { from, event }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AttemptStatus::*;

    #[test]
    fn every_pair_is_decided() {
        let events = [AttemptEvent::Succeed, AttemptEvent::AskVerification, AttemptEvent::StillProcessing, AttemptEvent::Fail];
        let table: &[(AttemptStatus, AttemptEvent, Option<AttemptStatus>)] = &[
            (Processing, AttemptEvent::Succeed, Some(Succeeded)),
            (Processing, AttemptEvent::AskVerification, Some(RequiresVerification)),
            (Processing, AttemptEvent::StillProcessing, Some(Processing)),
            (Processing, AttemptEvent::Fail, Some(Failed)),
            (RequiresVerification, AttemptEvent::Succeed, Some(Succeeded)),
            (RequiresVerification, AttemptEvent::AskVerification, Some(RequiresVerification)),
            (RequiresVerification, AttemptEvent::StillProcessing, None),
            (RequiresVerification, AttemptEvent::Fail, Some(Failed)),
        ];
        for from in [Processing, RequiresVerification, Succeeded, Failed] {
            for e in events {
                let want = table.iter().find(|(f, ev, _)| *f == from && *ev == e).and_then(|(_, _, to)| *to);
                assert_eq!(from.apply(e).ok(), want, "{from:?} + {e:?}");
            }
        }
        assert!(Succeeded.is_final() && Failed.is_final() && !Processing.is_final());
    }
}
