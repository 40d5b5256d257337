//! The crate-level error: one variant per module, each wrapping that module's own enum.
//!
//! Bindings map this type once: Kotlin gets `PoscoreException` subclasses, JS gets a
//! `PoscoreError` subclass per module, the CLI prints `code: message` to stderr. Every error has a
//! stable [`Error::code`] (`module.reason`) that does not change when the message wording does.

use crate::card::CardError;
use crate::dukpt::DukptError;
use crate::emv::EmvError;
use crate::iso8583::Iso8583Error;
use crate::keys::KeyError;
use crate::mac::MacError;
use crate::pin::PinError;
use crate::receipt::ReceiptError;
use crate::response::ResponseError;
use crate::rng::RngError;
use crate::store::StoreError;
use crate::terminal::TerminalError;
use crate::tlv::TlvError;
use crate::tms::TmsError;
use crate::tr31::Tr31Error;

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
    /// Random number generation.
    #[error(transparent)]
    Rng(#[from] RngError),
    /// Keys: length, algorithm, usage, check values, working keys.
    #[error(transparent)]
    Keys(#[from] KeyError),
    /// PIN blocks (ISO 9564-1).
    #[error(transparent)]
    Pin(#[from] PinError),
    /// MAC generation and verification.
    #[error(transparent)]
    Mac(#[from] MacError),
    /// DUKPT (TDES and AES) derivation and terminal state.
    #[error(transparent)]
    Dukpt(#[from] DukptError),
    /// TR-31 key blocks.
    #[error(transparent)]
    Tr31(#[from] Tr31Error),
    /// Response-code registry: profile loading, language tags, event keys.
    #[error(transparent)]
    Response(#[from] ResponseError),
    /// Receipt building, rendering and the print job.
    #[error(transparent)]
    Receipt(#[from] ReceiptError),
    /// Merchant reports: settlement report, terminal totals, statistics.
    #[error(transparent)]
    Report(#[from] crate::report::ReportError),
    /// The journal store (memory, file, or a host-provided one).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The transaction engine: refusals, journal failures, message building.
    #[error(transparent)]
    Terminal(#[from] TerminalError),
    /// TMS downloads: field 62 of the parameter, CA public key and AID messages.
    #[error(transparent)]
    Tms(#[from] TmsError),
    /// EMV issuer cryptograms: ICC master keys, session keys, ARQC and ARPC.
    #[error(transparent)]
    Emv(#[from] EmvError),
    /// Payment-code orders: unknown wallet, an answer out of turn.
    #[error(transparent)]
    Order(#[from] crate::order::OrderError),
}

impl Error {
    /// The module that failed (`card`, `iso8583`, ...): selects the error subclass on each surface.
    pub fn module(&self) -> &'static str {
        match self {
            Self::Card(_) => "card",
            Self::Iso8583(_) => "iso8583",
            Self::Tlv(_) => "tlv",
            Self::Rng(_) => "rng",
            Self::Keys(_) => "keys",
            Self::Pin(_) => "pin",
            Self::Mac(_) => "mac",
            Self::Dukpt(_) => "dukpt",
            Self::Tr31(_) => "tr31",
            Self::Response(_) => "response",
            Self::Receipt(_) => "receipt",
            Self::Report(_) => "report",
            Self::Store(_) => "store",
            Self::Terminal(_) => "terminal",
            Self::Tms(_) => "tms",
            Self::Emv(_) => "emv",
            Self::Order(_) => "order",
        }
    }

    /// Stable machine-readable code, `module.reason`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Card(e) => e.code(),
            Self::Iso8583(e) => e.code(),
            Self::Tlv(e) => e.code(),
            Self::Rng(e) => e.code(),
            Self::Keys(e) => e.code(),
            Self::Pin(e) => e.code(),
            Self::Mac(e) => e.code(),
            Self::Dukpt(e) => e.code(),
            Self::Tr31(e) => e.code(),
            Self::Response(e) => e.code(),
            Self::Receipt(e) => e.code(),
            Self::Report(e) => e.code(),
            Self::Store(e) => e.code(),
            Self::Terminal(e) => e.code(),
            Self::Tms(e) => e.code(),
            Self::Emv(e) => e.code(),
            Self::Order(e) => e.code(),
        }
    }
}

/// Result with poscore's [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;
