//! Receipts (出票): the slip a terminal prints after a transaction, on paper and electronically.
//!
//! The transaction engine hands over a completed-transaction record, [`ReceiptData`]; this module
//! renders it as
//! - plain text for 32- or 48-column printers ([`render_text`]), counting CJK characters as two
//!   columns, for hosts whose printer SDK takes strings (many Android POS devices);
//! - ESC/POS bytes ([`render_escpos`]) for a raw thermal printer, Chinese encoded as GBK;
//! - an electronic receipt: JSON with a versioned schema ([`render_json`]) and a self-contained
//!   HTML page ([`render_html`]).
//!
//! Printing itself is a sans-IO job ([`Printer`]): the host takes chunks to send and reports the
//! printer status back, so "paper out" mid-way resumes with the interrupted copy and reprints come
//! from a small serializable history. A print failure never touches the transaction: the approval
//! stands and the diagnosis tells the operator to load paper and reprint.
//!
//! Safety: [`ReceiptData`] masks the PAN when it is built (first 6 / last 4 at most, through
//! [`crate::card::mask_pan`]) so no renderer can print a full card number; the expiry is not even
//! part of the model; a balance inquiry never shows a card number.
//!
//! ```
//! use poscore::receipt::{self, ReceiptData, RenderOptions};
//! let txn = ReceiptData::from_json(r#"{
//!   "merchant_name": "测试商户", "merchant_id": "898310048160001", "terminal_id": "12345678",
//!   "pan": "6212345678901232", "entry_mode": "chip", "txn_type": "sale",
//!   "amount": 8800, "currency": "156", "date": "2026-11-23", "time": "16:21:05",
//!   "batch_no": "000001", "voucher_no": "000123"
//! }"#).unwrap();
//! let text = receipt::render_text(&txn, &RenderOptions::default()).unwrap();
//! assert!(text.contains("621234******1232"));
//! assert!(!text.contains("6212345678901232"));
//! assert!(text.contains("RMB 88.00"));
//! ```

// Scheme and printer names (UnionPay, WeChat, GPrinter) fill these docs; they are not code.
#![allow(clippy::doc_markdown)]

mod electronic;
mod escpos;
mod html;
mod layout;
mod model;
pub(crate) use model::check_date;
// Shared with the merchant reports (crate::report): the same text checks, line model,
// ESC/POS encoder and HTML escaping.
pub(crate) use escpos::encode as encode_escpos;
pub(crate) use html::escape as escape_html;
pub(crate) use layout::Line;
pub(crate) use model::{check_time, forbidden_in_text};
mod printer;

pub use electronic::{
    ElectronicCard, ElectronicEmv, ElectronicMerchant, ElectronicReceipt, ElectronicTxn, SignatureMark, SCHEMA_VERSION,
};
pub use layout::{display_width, wrap, Labels};
pub use model::{
    Currency, EmvData, EntryMode, Lang, ReceiptCopy, ReceiptData, ReceiptInput, RenderOptions, TxnType,
    DEFAULT_NO_SIGNATURE_LIMIT, MAX_URL_LEN,
};
pub use printer::{
    JobState, PrintChunk, PrintFault, PrintFormat, PrintSettings, Printer, PrinterStatus, ReceiptHistory,
    DEFAULT_HISTORY, ESCPOS_STATUS_QUERY,
};

use crate::card::CardError;

/// Errors from building or rendering a receipt and from the print job.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReceiptError {
    /// The transaction record is not valid JSON or lacks a required field.
    #[error("transaction record: {message} (line {line}, column {column})")]
    BadJson {
        /// Line of the JSON input (1-based, 0 when unknown).
        line: usize,
        /// Column of the JSON input.
        column: usize,
        /// What the JSON parser said.
        message: String,
    },
    /// A field has the wrong shape (never used for the PAN, whose digits must not be echoed).
    #[error("field {field}: found {found:?}, expected {expected}")]
    BadField {
        /// JSON name of the field.
        field: &'static str,
        /// What was found (cut to 40 characters).
        found: String,
        /// What the field must look like.
        expected: &'static str,
    },
    /// The card number is not a PAN (the card error says where, never which digits).
    #[error("field pan: {source}")]
    BadPan {
        /// The card module's error.
        source: CardError,
    },
    /// The currency is neither a known ISO 4217 numeric nor alpha code.
    #[error("currency {currency:?} is not in the receipt currency table")]
    UnknownCurrency {
        /// The code given.
        currency: String,
    },
    /// The paper width in columns is outside what the layouts support.
    #[error("width {width} columns: expected {min} to {max}")]
    BadWidth {
        /// Width asked for.
        width: u16,
        /// Narrowest supported.
        min: u16,
        /// Widest supported.
        max: u16,
    },
    /// A labels/currencies data file could not be used.
    #[error("receipt data file: {message}")]
    BadLabels {
        /// What is wrong (missing key, JSON error...).
        message: String,
    },
    /// No receipt in the history has this voucher number.
    #[error("no receipt with voucher number {voucher_no:?} in the last {kept} kept")]
    VoucherNotFound {
        /// Voucher number asked for.
        voucher_no: String,
        /// How many receipts the history holds.
        kept: usize,
    },
    /// Reprint asked for but nothing was printed yet.
    #[error("nothing to reprint: the receipt history is empty")]
    NoHistory,
    /// A print job is still unfinished (e.g. waiting for paper); finish or cancel it first.
    #[error("printer busy: copy {pending:?} of voucher {voucher_no} is still pending")]
    PrinterBusy {
        /// The copy not yet printed.
        pending: ReceiptCopy,
        /// Voucher number of the unfinished job.
        voucher_no: String,
    },
}

impl ReceiptError {
    /// Stable machine-readable code, `receipt.reason`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadJson { .. } => "receipt.bad_json",
            Self::BadField { .. } => "receipt.bad_field",
            Self::BadPan { .. } => "receipt.bad_pan",
            Self::UnknownCurrency { .. } => "receipt.unknown_currency",
            Self::BadWidth { .. } => "receipt.bad_width",
            Self::BadLabels { .. } => "receipt.bad_labels",
            Self::VoucherNotFound { .. } => "receipt.voucher_not_found",
            Self::NoHistory => "receipt.no_history",
            Self::PrinterBusy { .. } => "receipt.printer_busy",
        }
    }
}

/// Narrowest paper supported, in columns.
pub const MIN_WIDTH: u16 = 24;
/// Widest paper supported, in columns.
pub const MAX_WIDTH: u16 = 80;

/// An output format, for hosts that pick it at run time (the CLI, the bindings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// [`render_text`] (UTF-8).
    Text,
    /// [`render_escpos`] (raw printer bytes).
    Escpos,
    /// [`render_html`] (UTF-8).
    Html,
    /// [`render_json`] (UTF-8).
    Json,
}

/// Render in `format`: the bytes (UTF-8 for every format but ESC/POS).
pub fn render(data: &ReceiptData, format: Format, options: &RenderOptions) -> Result<Vec<u8>, ReceiptError> {
    Ok(match format {
        Format::Text => render_text(data, options)?.into_bytes(),
        Format::Escpos => render_escpos(data, options)?,
        Format::Html => render_html(data, options)?.into_bytes(),
        Format::Json => render_json(data, options)?.into_bytes(),
    })
}

/// Plain text, one `\n`-terminated line per printed line, every line at most `options.width`
/// display columns (CJK = 2).
pub fn render_text(data: &ReceiptData, options: &RenderOptions) -> Result<String, ReceiptError> {
    render_text_with(data, options, Labels::bundled())
}

/// [`render_text`] with labels loaded at run time.
pub fn render_text_with(data: &ReceiptData, options: &RenderOptions, labels: &Labels) -> Result<String, ReceiptError> {
    options.check()?;
    let lines = layout::lines(&layout::blocks(data, options, labels), options.width as usize);
    let mut out = String::new();
    for l in lines {
        if let layout::Line::Text { text, .. } = l {
            out.push_str(&text);
            out.push('\n');
        }
    }
    Ok(out)
}

/// ESC/POS bytes for one copy: init, Chinese mode, the lines in GBK, the amount in bold double
/// height, the e-receipt QR code when there is a link, feed and cut.
pub fn render_escpos(data: &ReceiptData, options: &RenderOptions) -> Result<Vec<u8>, ReceiptError> {
    render_escpos_with(data, options, Labels::bundled())
}

/// [`render_escpos`] with labels loaded at run time.
pub fn render_escpos_with(
    data: &ReceiptData,
    options: &RenderOptions,
    labels: &Labels,
) -> Result<Vec<u8>, ReceiptError> {
    options.check()?;
    let lines = layout::lines(&layout::blocks(data, options, labels), options.width as usize);
    Ok(escpos::encode(&lines, options.width))
}

/// A self-contained HTML page (inline CSS, no external resources, all text escaped).
pub fn render_html(data: &ReceiptData, options: &RenderOptions) -> Result<String, ReceiptError> {
    render_html_with(data, options, Labels::bundled())
}

/// [`render_html`] with labels loaded at run time.
pub fn render_html_with(data: &ReceiptData, options: &RenderOptions, labels: &Labels) -> Result<String, ReceiptError> {
    options.check()?;
    Ok(html::render(&layout::blocks(data, options, labels), options, labels))
}

/// The electronic receipt as pretty JSON (see [`ElectronicReceipt`] for the schema).
pub fn render_json(data: &ReceiptData, options: &RenderOptions) -> Result<String, ReceiptError> {
    let e = electronic_receipt(data, options)?;
    Ok(serde_json::to_string_pretty(&e).expect("electronic receipt serializes") + "\n")
}

/// The electronic receipt as a value.
pub fn electronic_receipt(data: &ReceiptData, options: &RenderOptions) -> Result<ElectronicReceipt, ReceiptError> {
    options.check()?;
    Ok(ElectronicReceipt::new(data, options, Labels::bundled()))
}
