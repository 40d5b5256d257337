//! # poscore
//!
//! The portable payment core that a POS terminal runs: card data, ISO 8583 messaging, PIN-block
//! and MAC cryptography, response-code diagnosis, reversal (冲正) handling and receipts (出票).
//!
//! poscore is **sans-IO**: it builds the bytes to send and consumes the bytes received. Sockets,
//! timers, clocks, randomness and storage belong to the host and come in through small traits or
//! as arguments (`now`). That is what lets one core run natively, in a browser (wasm) and on
//! Android (UniFFI), and be tested deterministically.
//!
//! Start with [`card`] for card numbers, track 2 and scanned payment codes, and [`response`] for
//! what a response code or a local failure means and what the terminal must do next. Payment
//! cryptography lives in [`keys`] (typed keys, check values, UnionPay sign-on working keys),
//! [`pin`] (ISO 9564 PIN blocks), [`mac`], [`dukpt`] (TDES and AES) and [`tr31`] key blocks, with
//! randomness injected through [`rng`]; [`emv`] is the issuer side of chip cryptograms (ICC
//! master keys, ARQC, ARPC). [`terminal`] is the transaction engine (sign-on, sales, reversals,
//! settlement) that journals its state in a [`store`]; [`receipt`] renders the slip (text,
//! ESC/POS, HTML, JSON) and drives the print job. See `ARCHITECTURE.md` in the repository for
//! the layers and the flow of a sale.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

// On wasm32 the unit tests' `#[test]` is wasm-bindgen-test's (see core/test-macro): the same
// tests run natively and under `wasm-pack test`.
#[cfg(all(test, target_arch = "wasm32"))]
#[macro_use]
extern crate poscore_test_macro;

pub mod card;
pub mod dukpt;
pub mod emv;
pub mod error;
mod gbk;
pub mod iso8583;
pub mod keys;
pub mod mac;
pub mod order;
pub mod pin;
pub mod receipt;
pub mod report;
pub mod response;
pub mod rng;
pub mod store;
pub mod terminal;
pub mod tlv;
pub mod tms;
pub mod tr31;

pub use error::{Error, Result};

/// The README's Rust example is compiled and run as a doc test.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;
