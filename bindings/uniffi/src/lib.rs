//! UniFFI surface of poscore, for Kotlin (Android smart-POS apps and the JVM).
//!
//! Only type mapping lives here: records mirror the core's serializable types, and every core
//! error is mapped once, in [`PoscoreError::from`], to a variant per module carrying the stable
//! `code` (`card.unexpected_char`, ...). Kotlin sees `PoscoreException.Card(code, detail, offset)`.

uniffi::setup_scaffolding!();

/// Declares a UniFFI enum mirroring a core enum variant for variant, with the `From` conversions
/// both ways. Core enums are `#[non_exhaustive]`: a variant added later maps to `$fallback` until
/// mirrored.
macro_rules! mirror_enum {
    ($(#[$m:meta])* $name:ident from $core:path { $($v:ident),+ $(,)? } else $fallback:ident) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
        pub enum $name { $($v),+ }
        impl From<$core> for $name {
            fn from(v: $core) -> Self {
                #[allow(unreachable_patterns)]
                match v { $(<$core>::$v => Self::$v,)+ _ => Self::$fallback }
            }
        }
        impl From<$name> for $core {
            fn from(v: $name) -> Self {
                match v { $($name::$v => <$core>::$v,)+ }
            }
        }
    };
}

mod card;
mod crypto;
mod emv;
mod iso8583;
mod order;
mod receipt;
mod report;
mod response;
mod terminal;
mod tms;

pub use card::*;
pub use crypto::*;
pub use emv::*;
pub use iso8583::*;
pub use receipt::*;
pub use report::*;
pub use response::*;
pub use terminal::*;
pub use tms::*;

/// Every error crossing into Kotlin. One variant per core module.
#[derive(Debug, thiserror::Error, uniffi::Error)]
#[non_exhaustive]
pub enum PoscoreError {
    /// Card number, track 2 or payment-code parsing failed.
    #[error("{detail}")]
    Card {
        /// Stable code, `card.reason`.
        code: String,
        /// Human-readable message.
        detail: String,
        /// Character offset the error points at, when known.
        offset: Option<u32>,
    },
    /// Response-code registry: a bad profile, language tag or event key.
    #[error("{detail}")]
    Response {
        /// Stable code, `response.reason`.
        code: String,
        /// Human-readable message.
        detail: String,
    },
    /// An ISO 8583 message, spec or frame is malformed.
    #[error("{detail}")]
    Iso8583 {
        /// Stable code, `iso8583.reason`.
        code: String,
        /// Human-readable message.
        detail: String,
        /// The field at fault, when known.
        field: Option<u8>,
        /// Byte offset, when known.
        offset: Option<u32>,
    },
    /// EMV BER-TLV data is malformed.
    #[error("{detail}")]
    Tlv {
        /// Stable code, `tlv.reason`.
        code: String,
        /// Human-readable message.
        detail: String,
        /// Byte offset.
        offset: u32,
    },
    /// A merchant report could not be built or rendered (`report.bad_field`, ...).
    #[error("{detail}")]
    Report {
        /// Stable code, `report.reason`.
        code: String,
        /// Human-readable message (names the field).
        detail: String,
    },
    /// Receipt building or rendering failed.
    #[error("{detail}")]
    Receipt {
        /// Stable code, `receipt.reason`.
        code: String,
        /// Human-readable message.
        detail: String,
    },
    /// Keys: wrong length, algorithm or usage, bad hex, check value mismatch, stored key.
    #[error("{detail}")]
    Keys {
        /// Stable code, `keys.reason`.
        code: String,
        /// Human-readable message.
        detail: String,
    },
    /// PIN or PIN block: length, digits, control field, fill, PAN.
    #[error("{detail}")]
    Pin {
        /// Stable code, `pin.reason`.
        code: String,
        /// Human-readable message.
        detail: String,
    },
    /// MAC generation or verification (`mac.mismatch` is reported by `mac_verify` as false).
    #[error("{detail}")]
    Mac {
        /// Stable code, `mac.reason`.
        code: String,
        /// Human-readable message.
        detail: String,
    },
    /// DUKPT: KSN, counter, exhaustion, terminal state.
    #[error("{detail}")]
    Dukpt {
        /// Stable code, `dukpt.reason`.
        code: String,
        /// Human-readable message.
        detail: String,
    },
    /// TR-31 key block: header, lengths, MAC, key data.
    #[error("{detail}")]
    Tr31 {
        /// Stable code, `tr31.reason`.
        code: String,
        /// Human-readable message.
        detail: String,
    },
    /// The journal store: I/O, corrupt record, key rules (also thrown by a Kotlin `HostStore`).
    #[error("{detail}")]
    Store {
        /// Stable code, `store.reason`.
        code: String,
        /// Human-readable message.
        detail: String,
    },
    /// The transaction engine: bad config or request, not signed on, reversal unresolved, halted.
    #[error("{detail}")]
    Terminal {
        /// Stable code, `terminal.reason`.
        code: String,
        /// Human-readable message.
        detail: String,
        /// What the operator should see and do, when it is theirs to handle (not signed on T501,
        /// unresolved reversal T701, failing journal 103): the diagnosis JSON events carry.
        diagnosis_json: Option<String>,
    },
    /// The random generator failed.
    #[error("{detail}")]
    Rng {
        /// Stable code, `rng.reason`.
        code: String,
        /// Human-readable message.
        detail: String,
    },
    /// TMS field 62 is malformed or refused (a CA public key whose checksum does not match).
    #[error("{detail}")]
    Tms {
        /// Stable code, `tms.reason`.
        code: String,
        /// Human-readable message.
        detail: String,
        /// Byte offset, when known.
        offset: Option<u32>,
        /// The EMV tag (hex) or parameter item tag at fault, when known.
        tag: Option<String>,
    },
    /// EMV cryptogram input malformed or unsupported (`emv.bad_length`, `emv.unsupported_cvn`, ...).
    #[error("{detail}")]
    Emv {
        /// Stable code, `emv.reason`.
        code: String,
        /// Human-readable message (names the input: `pan`, `atc`, ...).
        detail: String,
    },
    /// Payment-code order: unknown wallet (`order.unknown_wallet`), an answer out of turn
    /// (`order.unexpected_answer`).
    #[error("{detail}")]
    Order {
        /// Stable code, `order.reason`.
        code: String,
        /// Human-readable message.
        detail: String,
    },
}

impl From<poscore::Error> for PoscoreError {
    fn from(e: poscore::Error) -> Self {
        let code = e.code().to_owned();
        let detail = e.to_string();
        match e {
            poscore::Error::Card(c) => Self::Card { code, detail, offset: c.offset().map(|o| o as u32) },
            poscore::Error::Response(_) => Self::Response { code, detail },
            poscore::Error::Receipt(_) => Self::Receipt { code, detail },
            poscore::Error::Report(_) => Self::Report { code, detail },
            poscore::Error::Iso8583(e) => {
                Self::Iso8583 { code, detail, field: e.field(), offset: e.offset().map(|o| o as u32) }
            }
            poscore::Error::Tlv(e) => Self::Tlv { code, detail, offset: e.offset() as u32 },
            poscore::Error::Keys(_) => Self::Keys { code, detail },
            poscore::Error::Pin(_) => Self::Pin { code, detail },
            poscore::Error::Mac(_) => Self::Mac { code, detail },
            poscore::Error::Dukpt(_) => Self::Dukpt { code, detail },
            poscore::Error::Tr31(_) => Self::Tr31 { code, detail },
            poscore::Error::Rng(_) => Self::Rng { code, detail },
            poscore::Error::Store(_) => Self::Store { code, detail },
            poscore::Error::Terminal(_) => Self::Terminal { code, detail, diagnosis_json: None },
            poscore::Error::Tms(e) => Self::Tms { code, detail, offset: e.offset().map(|o| o as u32), tag: e.tag() },
            poscore::Error::Emv(_) => Self::Emv { code, detail },
            poscore::Error::Order(_) => Self::Order { code, detail },
            _ => Self::Card { code, detail, offset: None },
        }
    }
}

/// Every module error converts through `poscore::Error`, the one place errors are mapped.
macro_rules! via_core_error {
    ($($t:ty),+) => {$(
        impl From<$t> for PoscoreError {
            fn from(e: $t) -> Self {
                poscore::Error::from(e).into()
            }
        }
    )+};
}
via_core_error!(
    poscore::order::OrderError,
    poscore::card::CardError,
    poscore::response::ResponseError,
    poscore::receipt::ReceiptError,
    poscore::report::ReportError,
    poscore::iso8583::Iso8583Error,
    poscore::tlv::TlvError,
    poscore::keys::KeyError,
    poscore::pin::PinError,
    poscore::mac::MacError,
    poscore::dukpt::DukptError,
    poscore::tr31::Tr31Error,
    poscore::rng::RngError,
    poscore::store::StoreError,
    poscore::terminal::TerminalError,
    poscore::tms::TmsError,
    poscore::emv::EmvError
);

/// A Kotlin `HostStore` threw something that is not a `PoscoreException`.
impl From<uniffi::UnexpectedUniFFICallbackError> for PoscoreError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        Self::Store { code: "store.io".into(), detail: e.reason }
    }
}

/// Version of the core library.
#[uniffi::export]
pub fn core_version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}
