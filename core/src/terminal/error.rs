//! The engine's one error enum: refusals a terminal shows, and failures of the injected store
//! or of message building.

use crate::response;
use crate::store::StoreError;

/// Errors from the engine's API: refusals (with the reason a terminal shows) and failures of the
/// injected store or of message building.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TerminalError {
    /// A request other than sign-on before a successful sign-on (or after the host asked for a
    /// new one, 77/A0).
    #[error("not signed on: sign on (签到) first")]
    NotSignedOn,
    /// A reversal could not be delivered within the retry limit and is unresolved: financial
    /// requests, settlement and sign-off are refused until it is resolved.
    #[error("reversal for STAN {stan} is exhausted and unresolved: reconcile it first (T701)")]
    ReversalUnresolved {
        /// The original's STAN.
        stan: String,
    },
    /// A void names a STAN with no approved, unvoided sale in the open batch.
    #[error("no approved sale with STAN {stan} in batch {batch} to void")]
    UnknownOriginal {
        /// The STAN given.
        stan: String,
        /// The open batch.
        batch: String,
    },
    /// No exhausted reversal has that STAN.
    #[error("no exhausted reversal with STAN {stan}")]
    NoSuchReversal {
        /// The STAN given.
        stan: String,
    },
    /// A request field is unusable.
    #[error("request field {field}: {reason}")]
    BadRequest {
        /// Which field (`amount`, `card.pan`, `pin`...).
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The configuration is unusable.
    #[error("config {field}: {reason}")]
    BadConfig {
        /// Which field.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The journal could not be read or written. The engine stops (every later call fails with
    /// [`TerminalError::Halted`]); build a new one from the store, which is consistent.
    #[error("journal: {0}")]
    Store(#[from] StoreError),
    /// A journal record does not parse.
    #[error("journal record {key}: {reason}")]
    BadRecord {
        /// The key.
        key: String,
        /// What is wrong.
        reason: String,
    },
    /// Building a message, PIN block or MAC failed (wrong key, bad card data).
    #[error("{code}: {message}")]
    Build {
        /// The underlying stable code (`pin.pin_length`, `iso8583.too_long`...).
        code: &'static str,
        /// The underlying message.
        message: String,
    },
    /// The same money movement (kind, amount, card) is already queued or in flight: a double
    /// tap is refused rather than sent twice.
    #[error("an identical {kind} is already queued or in flight")]
    Duplicate {
        /// The request kind.
        kind: &'static str,
    },
    /// A settlement is owed to the host (its answer was lost, or the host could not be reached
    /// within the retry limit): nothing may be booked until the host says where the batch
    /// stands. Settle again (结算) to resend it.
    #[error("settlement of batch {batch} is unresolved: settle again before any transaction (T701)")]
    SettlementUnresolved {
        /// The batch being settled.
        batch: String,
    },
    /// The journal failed its integrity checks: a record deleted, added, replaced by an older
    /// copy, copied from another terminal, or the whole journal older than the rollback counter.
    /// Nothing is sent. Keep a copy for audit, then open it with
    /// [`super::Terminal::recover`] and settle with the host.
    #[error("journal damaged: {}", damage.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    JournalDamaged {
        /// What is wrong.
        damage: Vec<super::Damage>,
    },
    /// An offline sale ([`super::Request::OfflineSale`]) was refused by one of the merchant's
    /// limits ([`super::OfflineLimits`]) or because it may not go offline: nothing was stored.
    #[error("offline sale refused: offline.{}", what.as_str())]
    OfflineRefused {
        /// Which limit or rule.
        what: response::OfflineEvent,
    },
    /// An earlier journal failure stopped the engine.
    #[error("engine halted after a journal failure: {reason}")]
    Halted {
        /// The failure.
        reason: String,
    },
}

impl TerminalError {
    /// Stable machine-readable code, `terminal.reason`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotSignedOn => "terminal.not_signed_on",
            Self::ReversalUnresolved { .. } => "terminal.reversal_unresolved",
            Self::UnknownOriginal { .. } => "terminal.unknown_original",
            Self::NoSuchReversal { .. } => "terminal.no_such_reversal",
            Self::BadRequest { .. } => "terminal.bad_request",
            Self::BadConfig { .. } => "terminal.bad_config",
            Self::Store(_) => "terminal.store",
            Self::BadRecord { .. } => "terminal.bad_record",
            Self::Build { .. } => "terminal.build",
            Self::Duplicate { .. } => "terminal.duplicate",
            Self::SettlementUnresolved { .. } => "terminal.settlement_unresolved",
            Self::JournalDamaged { .. } => "terminal.journal_damaged",
            Self::Halted { .. } => "terminal.halted",
            Self::OfflineRefused { .. } => "terminal.offline_refused",
        }
    }

    /// The response-registry event of a refusal or terminal fault, for [`response::Registry::diagnose`]
    /// (`keys.not_signed_on`, `reversal.exhausted`, `general` for a failing journal), so it is
    /// shown to the operator like any failure. `None` for mistakes of the calling program (bad
    /// request or config, double tap), which an operator cannot fix.
    pub fn event(&self) -> Option<response::Event> {
        match self {
            Self::NotSignedOn => Some(response::Event::Keys { problem: response::KeyProblem::NotSignedOn }),
            // What is owed to the host could not be delivered: the operator reconciles (T701).
            Self::ReversalUnresolved { .. } | Self::SettlementUnresolved { .. } => {
                Some(response::Event::ReversalExhausted)
            }
            Self::Store(_) | Self::Halted { .. } | Self::BadRecord { .. } => Some(response::Event::General),
            Self::JournalDamaged { .. } => Some(response::Event::JournalDamaged),
            Self::OfflineRefused { what } => Some(response::Event::Offline { what: *what }),
            Self::UnknownOriginal { .. }
            | Self::NoSuchReversal { .. }
            | Self::BadRequest { .. }
            | Self::BadConfig { .. }
            | Self::Build { .. }
            | Self::Duplicate { .. } => None,
        }
    }
}

impl TerminalError {
    /// What an operator is shown for this error under `registry` (see [`TerminalError::event`]);
    /// `None` for mistakes of the calling program. Needs no engine: a journal refused as damaged
    /// ([`TerminalError::JournalDamaged`]) is diagnosed before any engine exists.
    pub fn diagnose(&self, registry: &response::Registry) -> Option<response::Diagnosis> {
        Some(registry.diagnose(&response::Context { request: response::Request::Financial, event: self.event()? }))
    }
}

impl From<crate::Error> for TerminalError {
    fn from(e: crate::Error) -> Self {
        match e {
            crate::Error::Store(s) => Self::Store(s),
            other => Self::Build { code: other.code(), message: other.to_string() },
        }
    }
}

impl From<crate::iso8583::Iso8583Error> for TerminalError {
    fn from(e: crate::iso8583::Iso8583Error) -> Self {
        Self::from(crate::Error::from(e))
    }
}

pub(super) type Result<T, E = TerminalError> = core::result::Result<T, E>;
