//! The completed-transaction record a receipt is rendered from, and the rendering options.

use serde::{Deserialize, Serialize};

use super::layout::Labels;
use super::{ReceiptError, MAX_WIDTH, MIN_WIDTH};
use crate::card::{self, Brand, MaskPolicy, PaymentCodeKind};

/// Default no-signature (免签) limit in minor units: 1000.00, UnionPay's 小额免密免签 ceiling for
/// most merchant categories since 2019. Acquirers set their own through [`RenderOptions`].
pub const DEFAULT_NO_SIGNATURE_LIMIT: u64 = 100_000;

/// Largest amount field 4 (n12) can carry.
const MAX_AMOUNT: u64 = 999_999_999_999;

/// Longest e-receipt link accepted: keeps the ESC/POS QR code (byte mode, level M) within
/// version 16 or so, which still scans at 5 dots a module on 58 mm paper.
pub const MAX_URL_LEN: usize = 300;

/// Kind of transaction, as printed (交易类型).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TxnType {
    /// 消费 sale.
    Sale,
    /// 撤销 void of a sale.
    Void,
    /// 退货 refund.
    Refund,
    /// 预授权 pre-authorisation.
    PreAuth,
    /// 预授权完成 pre-authorisation completion.
    PreAuthCompletion,
    /// 预授权撤销 void of a pre-authorisation: the hold is released, nothing was charged.
    PreAuthVoid,
    /// 预授权完成撤销 void of a completion: the charge goes back to the cardholder.
    PreAuthCompletionVoid,
    /// 余额查询 balance inquiry: printed without a card number.
    BalanceInquiry,
}

impl TxnType {
    /// snake_case identifier (JSON, label keys).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sale => "sale",
            Self::Void => "void",
            Self::Refund => "refund",
            Self::PreAuth => "pre_auth",
            Self::PreAuthCompletion => "pre_auth_completion",
            Self::PreAuthVoid => "pre_auth_void",
            Self::PreAuthCompletionVoid => "pre_auth_completion_void",
            Self::BalanceInquiry => "balance_inquiry",
        }
    }

    /// Money goes back to the cardholder: the amount prints with a minus sign.
    pub fn is_credit(self) -> bool {
        matches!(self, Self::Void | Self::Refund | Self::PreAuthCompletionVoid)
    }
}

/// How the card (or payment code) was read (输入方式).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum EntryMode {
    /// 插卡: contact chip.
    Chip,
    /// 刷卡: magnetic stripe.
    Swipe,
    /// 挥卡: contactless (QuickPass 闪付).
    Contactless,
    /// 扫码: a payment code scanned from the customer's phone.
    Qr,
    /// 手输: key-entered PAN.
    Manual,
}

impl EntryMode {
    /// snake_case identifier.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Chip => "chip",
            Self::Swipe => "swipe",
            Self::Contactless => "contactless",
            Self::Qr => "qr",
            Self::Manual => "manual",
        }
    }
}

/// Receipt language: the one language type of the core. On a slip, `zh` prints bilingual labels,
/// `商户名称(MERCHANT NAME)`, as UnionPay slips do (a foreign cardholder can still read them);
/// `en` prints English only.
pub use crate::response::Lang;

/// Which copy (存根) of the slip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReceiptCopy {
    /// 商户存根: kept by the merchant, carries the signature.
    #[default]
    Merchant,
    /// 持卡人存根: handed to the cardholder; never has a signature line.
    Cardholder,
    /// 银行存根: for the acquiring bank, carries the signature like the merchant copy.
    Bank,
}

impl ReceiptCopy {
    /// snake_case identifier.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Merchant => "merchant",
            Self::Cardholder => "cardholder",
            Self::Bank => "bank",
        }
    }
}

/// A currency as printed: ISO 4217 alpha and numeric codes and the minor-unit exponent.
/// Serialized as the alpha code; deserialized from the alpha or the numeric code (field 49
/// carries the numeric one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency {
    /// ISO 4217 alpha code (`CNY`).
    pub alpha: String,
    /// ISO 4217 numeric code (`156`).
    pub numeric: String,
    /// Digits after the decimal point.
    pub exponent: u8,
    /// Code printed on paper: `RMB` for CNY, as Chinese slips print it.
    pub print: String,
    /// Symbol for the HTML receipt (`￥`).
    pub symbol: String,
}

impl Currency {
    /// Look up an ISO 4217 alpha or numeric code in the bundled table.
    pub fn lookup(code: &str) -> Result<Self, ReceiptError> {
        let code = code.trim();
        Labels::bundled()
            .currencies
            .iter()
            .find(|c| c.alpha.eq_ignore_ascii_case(code) || c.numeric == code)
            .cloned()
            .ok_or_else(|| ReceiptError::UnknownCurrency { currency: cut(code) })
    }

    /// `123.45` for 12345 minor units with exponent 2.
    pub fn format_minor(&self, amount: u64) -> String {
        if self.exponent == 0 {
            return amount.to_string();
        }
        let p = 10u64.pow(u32::from(self.exponent));
        format!("{}.{:0w$}", amount / p, amount % p, w = self.exponent as usize)
    }
}

impl TryFrom<String> for Currency {
    type Error = ReceiptError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::lookup(&s)
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> Self {
        c.alpha
    }
}

/// EMV data printed for chip and contactless transactions.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct EmvData {
    /// Application identifier (tag 4F/84), hex, 10–32 digits.
    pub aid: String,
    /// Application label (tag 50).
    pub app_label: Option<String>,
    /// Transaction certificate, the application cryptogram (tag 9F26), 16 hex digits.
    pub tc: Option<String>,
    /// Terminal verification results (tag 95), 10 hex digits.
    pub tvr: Option<String>,
    /// Transaction status information (tag 9B), 4 hex digits.
    pub tsi: Option<String>,
}

/// The completed-transaction record as the engine (or TXN.json) gives it, before validation.
///
/// JSON schema (snake_case; unknown fields are ignored, so the engine's record may carry more):
///
/// | field | type | notes |
/// |---|---|---|
/// | `merchant_name` | string | required |
/// | `merchant_id` | string | field 42, 15 characters |
/// | `terminal_id` | string | field 41, 8 characters |
/// | `operator_id` | string? | 操作员号 |
/// | `pan` | string? | full or already-masked (`*`) PAN or payment code; masked on construction; ignored for balance inquiries |
/// | `card_brand` | string? | `union_pay`, `visa`...; derived from the PAN when absent |
/// | `wallet` | string? | `wechat_pay`, `alipay`, `union_pay_qr` for QR payments |
/// | `entry_mode` | string | `chip`, `swipe`, `contactless`, `qr`, `manual` |
/// | `txn_type` | string | `sale`, `void`, `refund`, `pre_auth`, `pre_auth_completion`, `pre_auth_void`, `pre_auth_completion_void`, `balance_inquiry` |
/// | `amount` | integer | minor units (field 4); the balance for a balance inquiry |
/// | `currency` | string | ISO 4217 numeric (`156`) or alpha (`CNY`) |
/// | `date`, `time` | string | `YYYY-MM-DD`, `HH:MM:SS` (local time of the transaction; no clock is read) |
/// | `batch_no`, `voucher_no` | string | 6 digits (60.2, field 11 STAN) |
/// | `reference_no` | string? | field 37, 12 characters |
/// | `auth_code` | string? | field 38, 6 characters |
/// | `issuer_id`, `acquirer_id` | string? | institution names or codes as the engine has them |
/// | `response_text` | string? | e.g. `交易成功 APPROVED` |
/// | `original_voucher_no`, `original_reference_no` | string? | for void and refund |
/// | `emv` | object? | `aid`, `app_label`, `tc`, `tvr`, `tsi` |
/// | `e_receipt_url` | string? | http(s) link of the electronic receipt, printed as a QR code |
///
/// The expiry date is deliberately not a field: a receipt never prints it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
#[allow(missing_docs)]
pub struct ReceiptInput {
    pub merchant_name: String,
    pub merchant_id: String,
    pub terminal_id: String,
    pub operator_id: Option<String>,
    pub pan: Option<String>,
    pub card_brand: Option<Brand>,
    pub wallet: Option<PaymentCodeKind>,
    pub entry_mode: Option<EntryMode>,
    pub txn_type: Option<TxnType>,
    pub amount: Option<u64>,
    pub currency: Option<String>,
    pub date: String,
    pub time: String,
    pub batch_no: String,
    pub voucher_no: String,
    pub reference_no: Option<String>,
    pub auth_code: Option<String>,
    pub issuer_id: Option<String>,
    pub acquirer_id: Option<String>,
    pub response_text: Option<String>,
    pub original_voucher_no: Option<String>,
    pub original_reference_no: Option<String>,
    pub emv: Option<EmvData>,
    pub e_receipt_url: Option<String>,
}

/// A validated receipt record. The PAN is held masked only (first 6 / last 4 at most): build it
/// with [`ReceiptData::new`] or deserialize it, and whatever PAN came in is masked on the way.
/// Serializing gives the same JSON shape back (with the masked PAN), which is what the print
/// history persists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "ReceiptInput")]
#[allow(missing_docs)]
pub struct ReceiptData {
    pub merchant_name: String,
    pub merchant_id: String,
    pub terminal_id: String,
    pub operator_id: Option<String>,
    /// Masked: see [`ReceiptData::masked_pan`].
    pan: Option<String>,
    pub card_brand: Option<Brand>,
    pub wallet: Option<PaymentCodeKind>,
    pub entry_mode: EntryMode,
    pub txn_type: TxnType,
    pub amount: u64,
    pub currency: Currency,
    pub date: String,
    pub time: String,
    pub batch_no: String,
    pub voucher_no: String,
    pub reference_no: Option<String>,
    pub auth_code: Option<String>,
    pub issuer_id: Option<String>,
    pub acquirer_id: Option<String>,
    pub response_text: Option<String>,
    pub original_voucher_no: Option<String>,
    pub original_reference_no: Option<String>,
    pub emv: Option<EmvData>,
    pub e_receipt_url: Option<String>,
}

fn cut(s: &str) -> String {
    s.chars().take(40).collect()
}

fn bad(field: &'static str, found: &str, expected: &'static str) -> ReceiptError {
    ReceiptError::BadField { field, found: cut(found), expected }
}

fn required(field: &'static str, v: &str) -> Result<(), ReceiptError> {
    if v.trim().is_empty() {
        Err(bad(field, v, "a non-empty value"))
    } else {
        Ok(())
    }
}

fn digits_field(
    field: &'static str,
    v: &str,
    min: usize,
    max: usize,
    expected: &'static str,
) -> Result<(), ReceiptError> {
    if (min..=max).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(bad(field, v, expected))
    }
}

fn hex_field(field: &'static str, v: &str, min: usize, max: usize, expected: &'static str) -> Result<(), ReceiptError> {
    if (min..=max).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(bad(field, v, expected))
    }
}

/// Characters no receipt text may hold, in any field:
/// - control characters (C0, DEL, C1): ESC or GS would inject printer commands into the ESC/POS
///   stream, CR/LF would break a printed line;
/// - the bidirectional formatting characters (U+202A-U+202E embeddings and overrides,
///   U+2066-U+2069 isolates, U+200E/U+200F marks, U+061C Arabic letter mark): they reorder what
///   is shown, so a merchant name or a response text could read differently on the HTML or
///   electronic receipt than it is stored, the "Trojan Source" trick (CVE-2021-42574);
/// - U+2028 LINE SEPARATOR and U+2029 PARAGRAPH SEPARATOR: line breaks to HTML, JSON and
///   JavaScript consumers that a width check does not see.
pub(crate) fn forbidden_in_text(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
        || matches!(c, '\u{2028}' | '\u{2029}')
}

/// Reject text with a character of [`forbidden_in_text`], naming the field. The error's `found`
/// is shown escaped (`\u{202e}`), so the message itself cannot be reordered.
fn printable(field: &'static str, v: &str) -> Result<(), ReceiptError> {
    if v.chars().any(forbidden_in_text) {
        Err(bad(field, v, "text without control, bidirectional-formatting or line/paragraph-separator characters"))
    } else {
        Ok(())
    }
}

/// Mask a PAN that may come full (digits) or already masked (`*`, `X` or `x` for hidden digits).
/// An already-masked PAN is masked again, so a record that was masked with a looser policy still
/// shows at most first 6 / last 4.
pub(crate) fn mask_any_pan(pan: &str) -> Result<String, ReceiptError> {
    let pan = pan.trim();
    let hidden = |c: char| matches!(c, '*' | 'X' | 'x');
    let as_digits: String = pan.chars().map(|c| if hidden(c) { '0' } else { c }).collect();
    let policy = MaskPolicy::default();
    if as_digits.len() < card::PAN_MIN_LEN || as_digits.len() > card::PAN_MAX_LEN {
        // Payment codes are up to 24 digits (Alipay); card::mask_pan masks any digit string.
        if as_digits.len() > 24 || as_digits.len() < card::PAN_MIN_LEN {
            return Err(ReceiptError::BadPan {
                source: card::CardError::BadLength {
                    what: "PAN",
                    len: as_digits.len(),
                    min: card::PAN_MIN_LEN,
                    max: 24,
                },
            });
        }
    }
    let masked = card::mask_pan(&as_digits, &policy).map_err(|source| ReceiptError::BadPan { source })?;
    Ok(masked.chars().zip(pan.chars()).map(|(m, orig)| if hidden(orig) { policy.mask_char } else { m }).collect())
}

impl TryFrom<ReceiptInput> for ReceiptData {
    type Error = ReceiptError;

    // One straight pass over the fields, in schema order: splitting it would scatter the rules.
    #[allow(clippy::too_many_lines)]
    fn try_from(i: ReceiptInput) -> Result<Self, Self::Error> {
        required("merchant_name", &i.merchant_name)?;
        required("merchant_id", &i.merchant_id)?;
        required("terminal_id", &i.terminal_id)?;
        for (f, v) in
            [("merchant_name", &i.merchant_name), ("merchant_id", &i.merchant_id), ("terminal_id", &i.terminal_id)]
        {
            printable(f, v)?;
        }
        let opt = [
            ("operator_id", &i.operator_id),
            ("reference_no", &i.reference_no),
            ("auth_code", &i.auth_code),
            ("issuer_id", &i.issuer_id),
            ("acquirer_id", &i.acquirer_id),
            ("response_text", &i.response_text),
            ("original_voucher_no", &i.original_voucher_no),
            ("original_reference_no", &i.original_reference_no),
        ];
        for (f, v) in opt {
            if let Some(v) = v {
                printable(f, v)?;
            }
        }
        let txn_type = i.txn_type.ok_or_else(|| bad("txn_type", "", "sale, void, refund, pre_auth, ..."))?;
        let entry_mode = i.entry_mode.ok_or_else(|| bad("entry_mode", "", "chip, swipe, contactless, qr or manual"))?;
        let amount = i.amount.ok_or_else(|| bad("amount", "", "an amount in minor units"))?;
        if amount > MAX_AMOUNT {
            return Err(bad("amount", &amount.to_string(), "at most 999999999999 minor units (field 4, n12)"));
        }
        let currency = Currency::lookup(i.currency.as_deref().unwrap_or("156"))?;
        check_date(&i.date)?;
        check_time(&i.time)?;
        digits_field("batch_no", &i.batch_no, 6, 6, "6 digits")?;
        digits_field("voucher_no", &i.voucher_no, 6, 6, "6 digits")?;
        if let Some(v) = &i.original_voucher_no {
            digits_field("original_voucher_no", v, 6, 6, "6 digits")?;
        }
        if let Some(e) = &i.emv {
            hex_field("emv.aid", &e.aid, 10, 32, "10 to 32 hex digits")?;
            if let Some(tc) = &e.tc {
                hex_field("emv.tc", tc, 16, 16, "16 hex digits")?;
            }
            if let Some(t) = &e.tvr {
                hex_field("emv.tvr", t, 10, 10, "10 hex digits")?;
            }
            if let Some(t) = &e.tsi {
                hex_field("emv.tsi", t, 4, 4, "4 hex digits")?;
            }
            if let Some(l) = &e.app_label {
                printable("emv.app_label", l)?;
            }
        }
        if let Some(u) = &i.e_receipt_url {
            let ok = (u.starts_with("https://") || u.starts_with("http://"))
                && u.len() <= MAX_URL_LEN
                && u.bytes().all(|b| b.is_ascii_graphic());
            if !ok {
                return Err(bad("e_receipt_url", u, "an http(s) URL of printable ASCII, at most 300 characters"));
            }
        }
        let (pan, card_brand) = if txn_type == TxnType::BalanceInquiry {
            // Never printed with a PAN: do not even keep the masked one.
            (None, i.card_brand)
        } else {
            match i.pan.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
                Some(p) => {
                    let brand = i.card_brand.or_else(|| {
                        (entry_mode != EntryMode::Qr && p.bytes().all(|b| b.is_ascii_digit())).then(|| card::brand(p))
                    });
                    (Some(mask_any_pan(p)?), brand)
                }
                None => (None, i.card_brand),
            }
        };
        let emv = i.emv.map(|mut e| {
            e.aid = e.aid.to_ascii_uppercase();
            e.tc = e.tc.map(|s| s.to_ascii_uppercase());
            e.tvr = e.tvr.map(|s| s.to_ascii_uppercase());
            e.tsi = e.tsi.map(|s| s.to_ascii_uppercase());
            e
        });
        Ok(Self {
            merchant_name: i.merchant_name,
            merchant_id: i.merchant_id,
            terminal_id: i.terminal_id,
            operator_id: i.operator_id,
            pan,
            card_brand,
            wallet: i.wallet,
            entry_mode,
            txn_type,
            amount,
            currency,
            date: i.date,
            time: i.time,
            batch_no: i.batch_no,
            voucher_no: i.voucher_no,
            reference_no: i.reference_no,
            auth_code: i.auth_code,
            issuer_id: i.issuer_id,
            acquirer_id: i.acquirer_id,
            response_text: i.response_text,
            original_voucher_no: i.original_voucher_no,
            original_reference_no: i.original_reference_no,
            emv,
            e_receipt_url: i.e_receipt_url,
        })
    }
}

/// Days in `month` (1-12) of `year` in the proleptic Gregorian calendar; 0 for another month.
fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => 29,
        2 => 28,
        _ => 0,
    }
}

/// A real calendar date: a receipt for 2026-02-30 is a forged or corrupted record, and a
/// reprint or a dispute would carry the impossible date on.
pub(crate) fn check_date(d: &str) -> Result<(), ReceiptError> {
    let b = d.as_bytes();
    let ok = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && [0, 1, 2, 3, 5, 6, 8, 9].iter().all(|&k| b[k].is_ascii_digit())
        && {
            let (year, month, day) =
                (d[0..4].parse().unwrap_or(0), d[5..7].parse().unwrap_or(0), d[8..10].parse().unwrap_or(0));
            (1..=days_in_month(year, month)).contains(&day)
        };
    if ok {
        Ok(())
    } else {
        Err(bad("date", d, "a calendar date YYYY-MM-DD (month 01-12, a day the month has)"))
    }
}

pub(crate) fn check_time(t: &str) -> Result<(), ReceiptError> {
    let b = t.as_bytes();
    let ok = b.len() == 8
        && b[2] == b':'
        && b[5] == b':'
        && [0, 1, 3, 4, 6, 7].iter().all(|&k| b[k].is_ascii_digit())
        && t[0..2].parse::<u8>().unwrap_or(99) < 24
        && t[3..5].parse::<u8>().unwrap_or(99) < 60
        && t[6..8].parse::<u8>().unwrap_or(99) < 61;
    if ok {
        Ok(())
    } else {
        Err(bad("time", t, "a time HH:MM:SS (hour 00-23, minute 00-59, second 00-60)"))
    }
}

impl ReceiptData {
    /// Validate a record and mask its PAN.
    pub fn new(input: ReceiptInput) -> Result<Self, ReceiptError> {
        Self::try_from(input)
    }

    /// Parse the TXN.json form (see [`ReceiptInput`] for the schema).
    pub fn from_json(json: &str) -> Result<Self, ReceiptError> {
        let input: ReceiptInput = serde_json::from_str(json).map_err(|e| ReceiptError::BadJson {
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
        Self::try_from(input)
    }

    /// The masked PAN or payment code (first 6 / last 4 at most), if any.
    pub fn masked_pan(&self) -> Option<&str> {
        self.pan.as_deref()
    }

    /// Replace the card number; it is masked before it is stored.
    pub fn set_pan(&mut self, pan: &str) -> Result<(), ReceiptError> {
        self.pan = Some(mask_any_pan(pan)?);
        Ok(())
    }

    /// Whether the slip needs the cardholder's signature under `limit` (minor units):
    /// `Some(true)` signature line, `Some(false)` 免签, `None` no signature block at all.
    ///
    /// The choice made here: purchases (sale, pre-auth, completion) are signature-free up to the
    /// limit, as UnionPay's 小额免密免签 allows; voids and refunds always carry a signature line
    /// because the merchant keeps the signed slip as proof the credit was agreed; scanned QR
    /// payments and balance inquiries have no signature block (the wallet authenticated the
    /// customer, and an inquiry moves no money).
    pub fn signature_required(&self, limit: u64) -> Option<bool> {
        if self.entry_mode == EntryMode::Qr || self.txn_type == TxnType::BalanceInquiry {
            return None;
        }
        Some(self.txn_type.is_credit() || self.amount > limit)
    }

    /// The amount as printed: `RMB 88.00`, `-RMB 12.00` style is avoided in favour of
    /// `RMB -12.00` for voids and refunds, the sign next to the digits.
    pub fn amount_text(&self) -> String {
        let sign = if self.txn_type.is_credit() { "-" } else { "" };
        format!("{} {sign}{}", self.currency.print, self.currency.format_minor(self.amount))
    }
}

/// How to render: paper width, language, which copy, reprint mark, the no-signature limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RenderOptions {
    /// Columns of the paper: 32 for 58 mm, 48 for 80 mm (24–80 accepted).
    pub width: u16,
    /// Language.
    pub lang: Lang,
    /// Which copy.
    pub copy: ReceiptCopy,
    /// Print the 重打印 REPRINT mark.
    pub reprint: bool,
    /// Purchases at or under this amount (minor units) print 免签 instead of a signature line.
    pub no_signature_limit: u64,
}

impl Default for RenderOptions {
    fn default() -> Self {
        Self {
            width: 32,
            lang: Lang::Zh,
            copy: ReceiptCopy::Merchant,
            reprint: false,
            no_signature_limit: DEFAULT_NO_SIGNATURE_LIMIT,
        }
    }
}

impl RenderOptions {
    pub(crate) fn check(&self) -> Result<(), ReceiptError> {
        if (MIN_WIDTH..=MAX_WIDTH).contains(&self.width) {
            Ok(())
        } else {
            Err(ReceiptError::BadWidth { width: self.width, min: MIN_WIDTH, max: MAX_WIDTH })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_full_and_premasked() {
        assert_eq!(mask_any_pan("6212345678901232").unwrap(), "621234******1232");
        assert_eq!(mask_any_pan("6212345678XXXX32").unwrap(), "621234******XX32".replace('X', "*"));
        assert_eq!(mask_any_pan("62123456****1232").unwrap(), "621234******1232");
        assert_eq!(mask_any_pan("134567890123456789").unwrap(), "134567********6789");
        assert_eq!(mask_any_pan("12ab").unwrap_err().code(), "receipt.bad_pan");
    }

    #[test]
    fn expiry_is_not_kept_and_balance_has_no_pan() {
        let j = r#"{"merchant_name":"M","merchant_id":"898310048160001","terminal_id":"12345678",
            "pan":"6212345678901232","expiry":"2912","entry_mode":"chip","txn_type":"balance_inquiry",
            "amount":1,"date":"2026-11-23","time":"10:00:00","batch_no":"000001","voucher_no":"000001"}"#;
        let d = ReceiptData::from_json(j).unwrap();
        assert_eq!(d.masked_pan(), None);
        assert_eq!(d.signature_required(0), None);
        let out = serde_json::to_string(&d).unwrap();
        assert!(!out.contains("2912") && !out.contains("621234"));
        let sale = ReceiptData::from_json(&j.replace("balance_inquiry", "sale")).unwrap();
        for f in [
            super::super::Format::Text,
            super::super::Format::Escpos,
            super::super::Format::Html,
            super::super::Format::Json,
        ] {
            let o = super::super::render(&sale, f, &RenderOptions::default()).unwrap();
            assert!(!o.windows(4).any(|w| w == b"2912"), "{f:?} prints the expiry");
        }
    }

    #[test]
    fn impossible_dates_times_and_hidden_characters_are_refused_by_field() {
        let j = r#"{"merchant_name":"M","merchant_id":"898310048160001","terminal_id":"12345678",
            "pan":"6212345678901232","entry_mode":"chip","txn_type":"sale","amount":1,"date":"2026-11-23",
            "time":"10:00:00","batch_no":"000001","voucher_no":"000001","response_text":"OK"}"#;
        ReceiptData::from_json(j).unwrap();
        let err = |from: &str, to: &str| ReceiptData::from_json(&j.replace(from, to)).unwrap_err().to_string();
        assert!(
            err("2026-11-23", "2026-02-30").starts_with("field date: found \"2026-02-30\", expected a calendar date")
        );
        assert!(err("2026-11-23", "2026-02-29").starts_with("field date:"));
        ReceiptData::from_json(&j.replace("2026-11-23", "2028-02-29")).unwrap();
        assert!(err("10:00:00", "25:61:00").starts_with("field time: found \"25:61:00\", expected a time HH:MM:SS"));
        assert!(err("10:00:00", "23:60:00").starts_with("field time:"));
        // The offending character is shown escaped, so the message cannot be reordered itself.
        assert_eq!(
            err(r#""M""#, r#""Shop \u202eYNC""#),
            "field merchant_name: found \"Shop \\u{202e}YNC\", expected text without control, \
             bidirectional-formatting or line/paragraph-separator characters"
        );
        for (c, field) in [
            ("\\u2028", "response_text"),
            ("\\u2066", "response_text"),
            ("\\u200f", "response_text"),
            ("\\u061c", "response_text"),
        ] {
            assert!(err(r#""OK""#, &format!("\"O{c}K\"")).starts_with(&format!("field {field}:")), "{c}");
        }
    }

    #[test]
    fn currency_lookup() {
        assert_eq!(Currency::lookup("156").unwrap().alpha, "CNY");
        assert_eq!(Currency::lookup("cny").unwrap().print, "RMB");
        assert_eq!(Currency::lookup("392").unwrap().format_minor(1200), "1200");
        assert_eq!(Currency::lookup("CNY").unwrap().format_minor(5), "0.05");
        assert_eq!(Currency::lookup("999").unwrap_err().code(), "receipt.unknown_currency");
    }
}
