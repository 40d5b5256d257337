//! From a receipt record to blocks (what to print) and to lines (how it fits the paper).
//!
//! Widths are display columns as a Chinese thermal printer prints them: a character that is
//! wide or *ambiguous* in UAX #11 takes two columns ([`UnicodeWidthChar::width_cjk`]), because in
//! the printer's Chinese mode every double-byte GBK character (including `·`, `×`, `—`) is a
//! full-width glyph. A line measured that way also fits under the plain UAX #11 width.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;
use unicode_width::UnicodeWidthChar;

use super::model::{Currency, Lang, ReceiptCopy, ReceiptData, RenderOptions, TxnType};
use super::ReceiptError;

const BUNDLED: &str = include_str!("../../data/receipt.json");

/// Every label key a data file must define.
const KEYS: &[&str] = &[
    "title",
    "copy_merchant",
    "copy_cardholder",
    "copy_bank",
    "reprint",
    "merchant_name",
    "merchant_id",
    "terminal_id",
    "operator_id",
    "card_no",
    "payment_code",
    "card_brand",
    "wallet",
    "entry_mode",
    "issuer",
    "acquirer",
    "txn_type",
    "batch_no",
    "voucher_no",
    "datetime",
    "reference_no",
    "auth_code",
    "orig_voucher_no",
    "orig_reference_no",
    "amount",
    "balance",
    "response",
    "aid",
    "app_label",
    "tc",
    "tvr",
    "tsi",
    "signature",
    "no_signature",
    "acknowledge",
    "e_receipt",
    "txn_sale",
    "txn_void",
    "txn_refund",
    "txn_pre_auth",
    "txn_pre_auth_completion",
    "txn_pre_auth_void",
    "txn_pre_auth_completion_void",
    "txn_balance_inquiry",
    "entry_chip",
    "entry_swipe",
    "entry_contactless",
    "entry_qr",
    "entry_manual",
    "wallet_wechat_pay",
    "wallet_alipay",
    "wallet_union_pay_qr",
    "brand_union_pay",
    "brand_visa",
    "brand_mastercard",
    "brand_amex",
    "brand_jcb",
    "brand_discover",
    "brand_diners_club",
    "brand_unknown",
];

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
struct Label {
    zh: String,
    en: String,
}

/// Receipt labels (Chinese and English per key) and the currency table, from
/// `core/data/receipt.json` or a file of the same shape loaded at run time.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Labels {
    labels: BTreeMap<String, Label>,
    pub(crate) currencies: Vec<Currency>,
}

#[derive(Deserialize)]
struct CurrencyRow {
    alpha: String,
    numeric: String,
    exponent: u8,
    print: String,
    symbol: String,
}

#[derive(Deserialize)]
struct File {
    labels: BTreeMap<String, Label>,
    currencies: Vec<CurrencyRow>,
}

impl Labels {
    /// The bundled labels and currencies.
    pub fn bundled() -> &'static Labels {
        static L: OnceLock<Labels> = OnceLock::new();
        L.get_or_init(|| Labels::from_json(BUNDLED).expect("bundled core/data/receipt.json is valid"))
    }

    /// Load a labels file; every key of the bundled file must be present.
    pub fn from_json(json: &str) -> Result<Self, ReceiptError> {
        let f: File = serde_json::from_str(json).map_err(|e| ReceiptError::BadLabels { message: e.to_string() })?;
        if let Some(k) = KEYS.iter().find(|k| !f.labels.contains_key(**k)) {
            return Err(ReceiptError::BadLabels { message: format!("label {k:?} missing") });
        }
        if let Some((k, _)) = f.labels.iter().find(|(_, l)| l.zh.chars().chain(l.en.chars()).any(char::is_control)) {
            return Err(ReceiptError::BadLabels { message: format!("label {k:?} has a control character") });
        }
        let currencies = f
            .currencies
            .into_iter()
            .map(|c| Currency {
                alpha: c.alpha,
                numeric: c.numeric,
                exponent: c.exponent.min(4),
                print: c.print,
                symbol: c.symbol,
            })
            .collect();
        Ok(Self { labels: f.labels, currencies })
    }

    fn get(&self, key: &str) -> &Label {
        // Keys are checked on load, and every key used in code is in KEYS (tested).
        &self.labels[key]
    }

    /// A field label: `商户名称(MERCHANT NAME)` in zh, `MERCHANT NAME` in en.
    pub fn label(&self, key: &str, lang: Lang) -> String {
        let l = self.get(key);
        match lang {
            Lang::Zh if l.zh != l.en => format!("{}({})", l.zh, l.en),
            Lang::Zh => l.zh.clone(),
            Lang::En => l.en.clone(),
        }
    }

    /// A heading: `商户存根 MERCHANT COPY` in zh, `MERCHANT COPY` in en.
    pub fn heading(&self, key: &str, lang: Lang) -> String {
        let l = self.get(key);
        match lang {
            Lang::Zh if l.zh != l.en => format!("{} {}", l.zh, l.en),
            Lang::Zh => l.zh.clone(),
            Lang::En => l.en.clone(),
        }
    }

    /// One language only.
    pub fn text(&self, key: &str, lang: Lang) -> &str {
        let l = self.get(key);
        match lang {
            Lang::Zh => &l.zh,
            Lang::En => &l.en,
        }
    }
}

/// Display columns of one character as printed (control characters count 0: they are never
/// printed, see [`clean`]). A non-ASCII character that GBK encodes in two bytes prints
/// full-width in a printer's Chinese mode even when UAX #11 calls it narrow (`ḿ`, some pinyin
/// letters), so it counts two; ESC/POS output then never runs past the paper either.
pub(crate) fn char_width(c: char) -> usize {
    let w = c.width_cjk().unwrap_or(0);
    if w == 1 && crate::gbk::is_double_byte(c) {
        2
    } else {
        w
    }
}

/// Display columns of a string as a Chinese thermal printer prints it (wide and ambiguous = 2).
pub fn display_width(s: &str) -> usize {
    s.chars().map(char_width).sum()
}

/// Control characters become spaces: they would move the print head or inject printer commands.
fn clean(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// Break `text` into lines of at most `width` columns. Breaks at spaces and next to wide (CJK)
/// characters, and inside a word only when the word alone is wider than the line; a character
/// is never split, and zero-width characters (combining marks) stay with the character before.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(2);
    // Atoms: a wide character alone, or a run of narrow non-space characters. Spaces separate.
    let mut atoms: Vec<(String, bool)> = Vec::new(); // (text, preceded by space)
    let mut space = false;
    let mut cur = String::new();
    let flush = |cur: &mut String, atoms: &mut Vec<(String, bool)>, space: &mut bool| {
        if !cur.is_empty() {
            atoms.push((std::mem::take(cur), *space));
            *space = false;
        }
    };
    for c in clean(text).chars() {
        let w = char_width(c);
        if c == ' ' {
            flush(&mut cur, &mut atoms, &mut space);
            space = true;
        } else if w == 0 {
            if cur.is_empty() {
                if let Some(last) = atoms.last_mut().filter(|_| !space) {
                    last.0.push(c);
                } else {
                    cur.push(c);
                }
            } else {
                cur.push(c);
            }
        } else if w >= 2 {
            flush(&mut cur, &mut atoms, &mut space);
            cur.push(c);
            flush(&mut cur, &mut atoms, &mut space);
        } else {
            cur.push(c);
        }
    }
    flush(&mut cur, &mut atoms, &mut space);

    let mut lines = Vec::new();
    let mut line = String::new();
    let mut lw = 0;
    for (atom, spaced) in atoms {
        let aw = display_width(&atom);
        let sep = usize::from(spaced && lw > 0);
        if lw + sep + aw <= width {
            if sep == 1 {
                line.push(' ');
            }
            line.push_str(&atom);
            lw += sep + aw;
            continue;
        }
        if lw > 0 {
            lines.push(std::mem::take(&mut line));
            lw = 0;
        }
        if aw <= width {
            line.push_str(&atom);
            lw = aw;
            continue;
        }
        // A word longer than the line: hard break between characters.
        for c in atom.chars() {
            let cw = char_width(c);
            if lw + cw > width && lw > 0 {
                lines.push(std::mem::take(&mut line));
                lw = 0;
            }
            line.push(c);
            lw += cw;
        }
    }
    if lw > 0 || !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// What a receipt says, before it is fitted to a width or an output format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Block {
    /// Centered heading; `big` = bold double height on ESC/POS.
    Center { text: String, bold: bool, big: bool },
    /// A full-width rule of this character.
    Rule(char),
    /// Label on the left, value on the right.
    Field { key: &'static str, label: String, value: String, bold: bool },
    /// The amount: bold, double height.
    Amount { label: String, value: String },
    /// A wrapped paragraph.
    Para(String),
    /// The signature area: label, room to sign, a line.
    Signature { label: String },
    /// The e-receipt link, as a QR code where the output can draw one.
    Qr { caption: String, url: String },
}

fn field(key: &'static str, labels: &Labels, lang: Lang, value: impl Into<String>) -> Block {
    Block::Field { key, label: labels.label(key, lang), value: value.into(), bold: false }
}

/// The blocks of one copy of `data`.
pub(crate) fn blocks(data: &ReceiptData, o: &RenderOptions, labels: &Labels) -> Vec<Block> {
    let lang = o.lang;
    let mut b = Vec::new();
    let copy_key = match o.copy {
        ReceiptCopy::Merchant => "copy_merchant",
        ReceiptCopy::Cardholder => "copy_cardholder",
        ReceiptCopy::Bank => "copy_bank",
    };
    b.push(Block::Center { text: labels.heading("title", lang), bold: true, big: true });
    b.push(Block::Center { text: labels.heading(copy_key, lang), bold: false, big: false });
    if o.reprint {
        b.push(Block::Center { text: labels.heading("reprint", lang), bold: true, big: false });
    }
    b.push(Block::Rule('-'));
    b.push(field("merchant_name", labels, lang, data.merchant_name.clone()));
    b.push(field("merchant_id", labels, lang, data.merchant_id.clone()));
    b.push(field("terminal_id", labels, lang, data.terminal_id.clone()));
    if let Some(op) = &data.operator_id {
        b.push(field("operator_id", labels, lang, op.clone()));
    }
    b.push(Block::Rule('-'));
    if data.txn_type != TxnType::BalanceInquiry {
        if let Some(pan) = data.masked_pan() {
            let key = if data.entry_mode == super::EntryMode::Qr { "payment_code" } else { "card_no" };
            b.push(field(key, labels, lang, pan));
        }
    }
    if let Some(w) = data.wallet {
        b.push(field("wallet", labels, lang, labels.label(&format!("wallet_{}", w.as_str()), lang)));
    } else if let Some(br) = data.card_brand {
        b.push(field("card_brand", labels, lang, labels.label(&format!("brand_{}", br.as_str()), lang)));
    }
    b.push(field("entry_mode", labels, lang, labels.label(&format!("entry_{}", data.entry_mode.as_str()), lang)));
    if let Some(v) = &data.issuer_id {
        b.push(field("issuer", labels, lang, v.clone()));
    }
    if let Some(v) = &data.acquirer_id {
        b.push(field("acquirer", labels, lang, v.clone()));
    }
    b.push(Block::Field {
        key: "txn_type",
        label: labels.label("txn_type", lang),
        value: labels.label(&format!("txn_{}", data.txn_type.as_str()), lang),
        bold: true,
    });
    b.push(field("batch_no", labels, lang, data.batch_no.clone()));
    b.push(field("voucher_no", labels, lang, data.voucher_no.clone()));
    b.push(field("datetime", labels, lang, format!("{} {}", data.date.replace('-', "/"), data.time)));
    if let Some(v) = &data.reference_no {
        b.push(field("reference_no", labels, lang, v.clone()));
    }
    if let Some(v) = &data.auth_code {
        b.push(field("auth_code", labels, lang, v.clone()));
    }
    if let Some(v) = &data.original_voucher_no {
        b.push(field("orig_voucher_no", labels, lang, v.clone()));
    }
    if let Some(v) = &data.original_reference_no {
        b.push(field("orig_reference_no", labels, lang, v.clone()));
    }
    b.push(Block::Rule('-'));
    let amount_key = if data.txn_type == TxnType::BalanceInquiry { "balance" } else { "amount" };
    b.push(Block::Amount { label: labels.label(amount_key, lang), value: data.amount_text() });
    b.push(Block::Rule('-'));
    tail_blocks(data, o, labels, &mut b);
    b
}

/// EMV data, response, signature and e-receipt link: what follows the amount.
fn tail_blocks(data: &ReceiptData, o: &RenderOptions, labels: &Labels, b: &mut Vec<Block>) {
    let lang = o.lang;
    if let Some(e) = &data.emv {
        b.push(field("aid", labels, lang, e.aid.clone()));
        if let Some(v) = &e.app_label {
            b.push(field("app_label", labels, lang, v.clone()));
        }
        if let Some(v) = &e.tc {
            b.push(field("tc", labels, lang, v.clone()));
        }
        if let Some(v) = &e.tvr {
            b.push(field("tvr", labels, lang, v.clone()));
        }
        if let Some(v) = &e.tsi {
            b.push(field("tsi", labels, lang, v.clone()));
        }
    }
    if let Some(v) = &data.response_text {
        b.push(field("response", labels, lang, v.clone()));
    }
    if data.emv.is_some() || data.response_text.is_some() {
        b.push(Block::Rule('-'));
    }
    if o.copy != ReceiptCopy::Cardholder {
        match data.signature_required(o.no_signature_limit) {
            Some(true) => {
                b.push(Block::Signature { label: labels.label("signature", lang) });
                b.push(Block::Para(labels.text("acknowledge", lang).to_owned()));
                if lang == Lang::Zh {
                    b.push(Block::Para(labels.text("acknowledge", Lang::En).to_owned()));
                }
            }
            Some(false) => b.push(Block::Center { text: labels.heading("no_signature", lang), bold: true, big: false }),
            None => {}
        }
    }
    if let Some(url) = &data.e_receipt_url {
        b.push(Block::Qr { caption: labels.heading("e_receipt", lang), url: url.clone() });
    }
}

/// One printed line and its style.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Line {
    /// Text, already padded/aligned, at most the width.
    Text { text: String, bold: bool, big: bool },
    /// A QR code of this link (text output prints the link instead, as text lines before it).
    Qr(String),
}

#[allow(clippy::needless_pass_by_value)] // callers build the String inline
fn text(text: String, bold: bool, big: bool) -> Line {
    Line::Text { text: text.trim_end().to_owned(), bold, big }
}

fn right(s: &str, width: usize) -> String {
    let w = display_width(s);
    format!("{}{s}", " ".repeat(width.saturating_sub(w)))
}

fn center(s: &str, width: usize) -> String {
    let w = display_width(s);
    format!("{}{s}", " ".repeat(width.saturating_sub(w) / 2))
}

/// Label left and value right on one line when both fit with a space between; otherwise the
/// label (wrapped) then the value right-aligned (wrapped) below it, as UnionPay slips do.
fn pair(label: &str, value: &str, width: usize, bold: bool, big: bool, out: &mut Vec<Line>) {
    let label = format!("{}:", clean(label));
    let value = clean(value);
    let (lw, vw) = (display_width(&label), display_width(&value));
    if lw + 1 + vw <= width {
        out.push(text(format!("{label}{}{value}", " ".repeat(width - lw - vw)), bold, big));
        return;
    }
    for l in wrap(&label, width) {
        out.push(text(l, bold, false));
    }
    for v in balanced(&value, width) {
        out.push(text(right(&v, width), bold, big));
    }
}

/// Wrap into as few lines as [`wrap`] needs, but with lines of similar width, so a long
/// merchant name does not end in one lonely character on a line of its own.
fn balanced(value: &str, width: usize) -> Vec<String> {
    let greedy = wrap(value, width);
    let n = greedy.len();
    if n < 2 {
        return greedy;
    }
    let total = display_width(value);
    (total.div_ceil(n)..width).map(|w| wrap(value, w)).find(|l| l.len() == n).unwrap_or(greedy)
}

/// Fit blocks to `width` columns.
pub(crate) fn lines(blocks: &[Block], width: usize) -> Vec<Line> {
    let mut out = Vec::new();
    for b in blocks {
        match b {
            Block::Center { text: t, bold, big } => {
                for l in wrap(t, width) {
                    out.push(text(center(&l, width), *bold, *big));
                }
            }
            Block::Rule(c) => out.push(text(c.to_string().repeat(width), false, false)),
            Block::Field { label, value, bold, .. } => pair(label, value, width, *bold, false, &mut out),
            Block::Amount { label, value } => pair(label, value, width, true, true, &mut out),
            Block::Para(p) => {
                for l in wrap(p, width) {
                    out.push(text(l, false, false));
                }
            }
            Block::Signature { label } => {
                // No colon: the line below is where to sign, and 持卡人签名(CARDHOLDER SIGNATURE)
                // then fills exactly one 32-column line.
                for l in wrap(&clean(label), width) {
                    out.push(text(l, false, false));
                }
                out.push(text(String::new(), false, false));
                out.push(text(String::new(), false, false));
                out.push(text("_".repeat(width), false, false));
            }
            Block::Qr { caption, url } => {
                for l in wrap(caption, width) {
                    out.push(text(center(&l, width), false, false));
                }
                out.push(Line::Qr(url.clone()));
                for l in wrap(url, width) {
                    out.push(text(l, false, false));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_labels_load() {
        let l = Labels::bundled();
        assert_eq!(l.label("merchant_name", Lang::Zh), "商户名称(MERCHANT NAME)");
        assert_eq!(l.label("merchant_name", Lang::En), "MERCHANT NAME");
        assert_eq!(l.heading("copy_merchant", Lang::Zh), "商户存根 MERCHANT COPY");
        assert_eq!(l.label("brand_jcb", Lang::Zh), "JCB");
    }

    #[test]
    fn missing_label_is_an_error() {
        let e = Labels::from_json(r#"{"labels": {}, "currencies": []}"#).unwrap_err();
        assert_eq!(e.code(), "receipt.bad_labels");
    }

    #[test]
    fn wrap_never_splits_and_fits() {
        assert_eq!(wrap("商户名称(MERCHANT NAME):", 12), vec!["商户名称", "(MERCHANT", "NAME):"]);
        assert_eq!(wrap("abcdefghij", 4), vec!["abcd", "efgh", "ij"]);
        assert_eq!(wrap("中文中文中", 5), vec!["中文", "中文", "中"]);
        assert_eq!(wrap("a\u{301}b\u{301}c", 2), vec!["a\u{301}b\u{301}", "c"]);
        for l in wrap("持卡人签名(CARDHOLDER SIGNATURE):", 32) {
            assert!(display_width(&l) <= 32);
        }
    }

    #[test]
    fn ambiguous_counts_two() {
        assert_eq!(display_width("·"), 2);
        assert_eq!(display_width("中a"), 3);
    }
}

#[cfg(test)]
mod key_tests {
    use super::*;
    use crate::card::{Brand, PaymentCodeKind};
    use crate::receipt::{EntryMode, TxnType};

    #[test]
    fn every_enum_value_has_a_label() {
        let l = Labels::bundled();
        for b in [
            Brand::UnionPay,
            Brand::Visa,
            Brand::Mastercard,
            Brand::Amex,
            Brand::Jcb,
            Brand::Discover,
            Brand::DinersClub,
            Brand::Unknown,
        ] {
            l.label(&format!("brand_{}", b.as_str()), Lang::Zh);
        }
        for w in [PaymentCodeKind::WechatPay, PaymentCodeKind::Alipay, PaymentCodeKind::UnionPayQr] {
            l.label(&format!("wallet_{}", w.as_str()), Lang::Zh);
        }
        for e in [EntryMode::Chip, EntryMode::Swipe, EntryMode::Contactless, EntryMode::Qr, EntryMode::Manual] {
            l.label(&format!("entry_{}", e.as_str()), Lang::En);
        }
        for t in [
            TxnType::Sale,
            TxnType::Void,
            TxnType::Refund,
            TxnType::PreAuth,
            TxnType::PreAuthCompletion,
            TxnType::PreAuthVoid,
            TxnType::PreAuthCompletionVoid,
            TxnType::BalanceInquiry,
        ] {
            l.label(&format!("txn_{}", t.as_str()), Lang::En);
        }
        let json: serde_json::Value = serde_json::from_str(BUNDLED).unwrap();
        assert_eq!(json["labels"].as_object().unwrap().len(), KEYS.len(), "KEYS lists every bundled label");
    }
}
