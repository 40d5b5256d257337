//! The electronic receipt as JSON: a stable, versioned schema for apps, mail and archives.
//!
//! Schema (version 1; fields are only ever added within a version, a removal or change of
//! meaning bumps [`SCHEMA_VERSION`]):
//!
//! ```text
//! { "schema_version": 1, "lang": "zh"|"en", "copy": "merchant"|"cardholder"|"bank", "reprint": bool,
//!   "title": string,
//!   "merchant": { "name", "id", "terminal_id", "operator_id"? },
//!   "card": { "masked_pan"?, "brand"?, "wallet"?, "entry_mode" } ,
//!   "transaction": { "type", "type_label", "amount_minor", "currency", "currency_numeric",
//!                    "amount_display", "credit", "date", "time", "batch_no", "voucher_no",
//!                    "reference_no"?, "auth_code"?, "original_voucher_no"?, "original_reference_no"?,
//!                    "issuer_id"?, "acquirer_id"?, "response_text"? },
//!   "emv": { "aid", "app_label"?, "tc"?, "tvr"?, "tsi"? }?,
//!   "signature": "required"|"not_required"|"none",
//!   "e_receipt_url": string? }
//! ```
//! Absent optional values are `null`. `masked_pan` is first 6 / last 4 at most and is `null` for a
//! balance inquiry.

use serde::{Deserialize, Serialize};

use super::layout::Labels;
use super::model::{Lang, ReceiptCopy, ReceiptData, RenderOptions};

/// Version of the JSON schema.
pub const SCHEMA_VERSION: u32 = 1;

/// Whether the slip needs a signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignatureMark {
    /// A signature line is printed (merchant and bank copies).
    Required,
    /// 免签: under the no-signature limit.
    NotRequired,
    /// No signature block (QR payment, balance inquiry).
    None,
}

/// The electronic receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct ElectronicReceipt {
    pub schema_version: u32,
    pub lang: Lang,
    pub copy: ReceiptCopy,
    pub reprint: bool,
    pub title: String,
    pub merchant: ElectronicMerchant,
    pub card: ElectronicCard,
    pub transaction: ElectronicTxn,
    pub emv: Option<ElectronicEmv>,
    pub signature: SignatureMark,
    pub e_receipt_url: Option<String>,
}

/// Merchant and terminal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct ElectronicMerchant {
    pub name: String,
    pub id: String,
    pub terminal_id: String,
    pub operator_id: Option<String>,
}

/// Card or payment code (masked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct ElectronicCard {
    pub masked_pan: Option<String>,
    pub brand: Option<String>,
    pub wallet: Option<String>,
    pub entry_mode: String,
}

/// The transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct ElectronicTxn {
    #[serde(rename = "type")]
    pub txn_type: String,
    pub type_label: String,
    pub amount_minor: u64,
    pub currency: String,
    pub currency_numeric: String,
    pub amount_display: String,
    pub credit: bool,
    pub date: String,
    pub time: String,
    pub batch_no: String,
    pub voucher_no: String,
    pub reference_no: Option<String>,
    pub auth_code: Option<String>,
    pub original_voucher_no: Option<String>,
    pub original_reference_no: Option<String>,
    pub issuer_id: Option<String>,
    pub acquirer_id: Option<String>,
    pub response_text: Option<String>,
}

/// EMV data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct ElectronicEmv {
    pub aid: String,
    pub app_label: Option<String>,
    pub tc: Option<String>,
    pub tvr: Option<String>,
    pub tsi: Option<String>,
}

impl ElectronicReceipt {
    pub(crate) fn new(d: &ReceiptData, o: &RenderOptions, labels: &Labels) -> Self {
        let signature = match d.signature_required(o.no_signature_limit) {
            None => SignatureMark::None,
            Some(false) => SignatureMark::NotRequired,
            Some(true) => SignatureMark::Required,
        };
        let sign = if d.txn_type.is_credit() { "-" } else { "" };
        Self {
            schema_version: SCHEMA_VERSION,
            lang: o.lang,
            copy: o.copy,
            reprint: o.reprint,
            title: labels.heading("title", o.lang),
            merchant: ElectronicMerchant {
                name: d.merchant_name.clone(),
                id: d.merchant_id.clone(),
                terminal_id: d.terminal_id.clone(),
                operator_id: d.operator_id.clone(),
            },
            card: ElectronicCard {
                masked_pan: d.masked_pan().map(str::to_owned),
                brand: d.card_brand.map(|b| b.as_str().to_owned()),
                wallet: d.wallet.map(|w| w.as_str().to_owned()),
                entry_mode: d.entry_mode.as_str().to_owned(),
            },
            transaction: ElectronicTxn {
                txn_type: d.txn_type.as_str().to_owned(),
                type_label: labels.label(&format!("txn_{}", d.txn_type.as_str()), o.lang),
                amount_minor: d.amount,
                currency: d.currency.alpha.clone(),
                currency_numeric: d.currency.numeric.clone(),
                amount_display: format!("{sign}{}{}", d.currency.symbol, d.currency.format_minor(d.amount)),
                credit: d.txn_type.is_credit(),
                date: d.date.clone(),
                time: d.time.clone(),
                batch_no: d.batch_no.clone(),
                voucher_no: d.voucher_no.clone(),
                reference_no: d.reference_no.clone(),
                auth_code: d.auth_code.clone(),
                original_voucher_no: d.original_voucher_no.clone(),
                original_reference_no: d.original_reference_no.clone(),
                issuer_id: d.issuer_id.clone(),
                acquirer_id: d.acquirer_id.clone(),
                response_text: d.response_text.clone(),
            },
            emv: d.emv.as_ref().map(|e| ElectronicEmv {
                aid: e.aid.clone(),
                app_label: e.app_label.clone(),
                tc: e.tc.clone(),
                tvr: e.tvr.clone(),
                tsi: e.tsi.clone(),
            }),
            signature,
            e_receipt_url: d.e_receipt_url.clone(),
        }
    }
}
