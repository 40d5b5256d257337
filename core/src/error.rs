//! The crate-level error: one variant per module, each wrapping that module's own enum.
//!
//! Bindings map this type once: Kotlin gets `PoscoreException` subclasses, JS gets a
//! `PoscoreError` subclass per module, the CLI prints `code: message` to stderr. Every error has a
//! stable [`Error::code`] (`module.reason`) that does not change when the message wording does.

use crate::card::CardError;
use crate::iso8583::Iso8583Error;
use crate::tlv::TlvError;

/// Any error poscore returns.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Card number, track 2 or payment-code parsing.
    #[error(transparent)]
    Card(#[from] CardError),
    /// ISO 8583 specs, pack/unpack and framing.
    #[error(transparent)]
    Iso8583(#[from] Iso8583Error),
    /// EMV BER-TLV (field 55).
    #[error(transparent)]
    Tlv(#[from] TlvError),
}

impl Error {
    /// The module that failed (`card`, `iso8583`, ...): selects the error subclass on each surface.
    pub fn module(&self) -> &'static str {
        match self {
            Self::Card(_) => "card",
            Self::Iso8583(_) => "iso8583",
            Self::Tlv(_) => "tlv",
        }
    }

    /// Stable machine-readable code, `module.reason`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Card(e) => e.code(),
            Self::Iso8583(e) => e.code(),
            Self::Tlv(e) => e.code(),
        }
    }
}

/// Result with poscore's [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;
