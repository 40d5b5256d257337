//! UniFFI surface of poscore, for Kotlin (Android smart-POS apps and the JVM).
//!
//! Only type mapping lives here: records mirror the core's serializable types, and every core
//! error is mapped once, in [`PoscoreError::from`], to a variant per module carrying the stable
//! `code` (`card.unexpected_char`, ...). Kotlin sees `PoscoreException.Card(code, detail, offset)`.

uniffi::setup_scaffolding!();

mod card;

pub use card::*;

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
}

impl From<poscore::Error> for PoscoreError {
    fn from(e: poscore::Error) -> Self {
        let code = e.code().to_owned();
        let detail = e.to_string();
        match e {
            poscore::Error::Card(c) => Self::Card { code, detail, offset: c.offset().map(|o| o as u32) },
            _ => Self::Card { code, detail, offset: None },
        }
    }
}

impl From<poscore::card::CardError> for PoscoreError {
    fn from(e: poscore::card::CardError) -> Self {
        poscore::Error::from(e).into()
    }
}

/// Version of the core library.
#[uniffi::export]
pub fn core_version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}
