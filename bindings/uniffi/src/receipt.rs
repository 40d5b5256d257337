//! `receipt` module for Kotlin (wrapped by `org.poscore.Receipt`).

use poscore::receipt::{self, Format, ReceiptData};

use crate::PoscoreError;

mirror_enum! {
    /// Language of the slip.
    ReceiptLang from receipt::Lang { Zh, En } else Zh
}

mirror_enum! {
    /// Which copy is printed.
    ReceiptCopy from receipt::ReceiptCopy { Merchant, Cardholder, Bank } else Merchant
}

/// How to render a receipt. `org.poscore.Receipt.options()` supplies the usual defaults
/// (32 columns for 58 mm paper, Chinese, merchant copy).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RenderOptions {
    #[uniffi(default = 32)]
    pub width: u16,
    pub lang: ReceiptLang,
    pub copy: ReceiptCopy,
    #[uniffi(default = false)]
    pub reprint: bool,
    #[uniffi(default = 100000)]
    pub no_signature_limit: u64,
}

impl From<&RenderOptions> for receipt::RenderOptions {
    fn from(o: &RenderOptions) -> Self {
        Self {
            width: o.width,
            lang: match o.lang {
                ReceiptLang::Zh => receipt::Lang::Zh,
                ReceiptLang::En => receipt::Lang::En,
            },
            copy: match o.copy {
                ReceiptCopy::Merchant => receipt::ReceiptCopy::Merchant,
                ReceiptCopy::Cardholder => receipt::ReceiptCopy::Cardholder,
                ReceiptCopy::Bank => receipt::ReceiptCopy::Bank,
            },
            reprint: o.reprint,
            no_signature_limit: o.no_signature_limit,
        }
    }
}

fn render(txn_json: &str, format: Format, options: &RenderOptions) -> Result<Vec<u8>, PoscoreError> {
    let data = ReceiptData::from_json(txn_json)?;
    Ok(receipt::render(&data, format, &options.into())?)
}

fn utf8(bytes: Vec<u8>) -> String {
    // Text, HTML and JSON renderings are UTF-8 by construction.
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Plain text for a 32- or 48-column printer or screen.
#[uniffi::export]
pub fn receipt_text(txn_json: String, options: RenderOptions) -> Result<String, PoscoreError> {
    render(&txn_json, Format::Text, &options).map(utf8)
}

/// ESC/POS bytes (GBK) for a thermal printer.
#[uniffi::export]
pub fn receipt_escpos(txn_json: String, options: RenderOptions) -> Result<Vec<u8>, PoscoreError> {
    render(&txn_json, Format::Escpos, &options)
}

/// A self-contained HTML page (electronic receipt).
#[uniffi::export]
pub fn receipt_html(txn_json: String, options: RenderOptions) -> Result<String, PoscoreError> {
    render(&txn_json, Format::Html, &options).map(utf8)
}

/// The electronic receipt as JSON (stable schema, `schema_version`).
#[uniffi::export]
pub fn receipt_json(txn_json: String, options: RenderOptions) -> Result<String, PoscoreError> {
    render(&txn_json, Format::Json, &options).map(utf8)
}
