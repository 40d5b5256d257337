//! Card numbers, track 2 data and scanned payment codes.
//!
//! A terminal sees a card number in three shapes: typed in (a PAN), read from the magnetic
//! stripe or the chip's track 2 equivalent data (tag 57 / ISO 8583 field 35), or scanned from a
//! customer's phone as a payment code (付款码). This module recognises each shape, checks what can
//! be checked offline (length, Luhn check digit, expiry format) and masks the PAN so that no
//! output of poscore ever shows more than the first six and the last four digits.
//!
//! ```
//! use poscore::card::{self, Brand};
//! assert!(card::luhn_valid("4761739001010010"));
//! assert_eq!(card::brand("6212345678901232"), Brand::UnionPay);
//! assert_eq!(card::mask_pan("4761739001010010", &card::MaskPolicy::default()).unwrap(), "476173******0010");
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};

/// Errors from parsing card data. Every variant says where the input went wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CardError {
    /// The input was empty where a number was needed.
    #[error("{what} is empty")]
    Empty {
        /// What was being parsed ("PAN", "track 2", ...).
        what: &'static str,
    },
    /// A character that is not allowed at that position.
    #[error("{what}: unexpected {found:?} at offset {offset}, expected {expected}")]
    UnexpectedChar {
        /// What was being parsed.
        what: &'static str,
        /// Zero-based character offset in the input.
        offset: usize,
        /// The character found (masked to `#` when it is a PAN digit would not be useful: it is never a digit here).
        found: char,
        /// What the parser expected at that offset.
        expected: &'static str,
    },
    /// The number has the wrong number of digits.
    #[error("{what}: {len} digits, expected {min} to {max}")]
    BadLength {
        /// What was being parsed.
        what: &'static str,
        /// Number of digits found.
        len: usize,
        /// Fewest digits allowed.
        min: usize,
        /// Most digits allowed.
        max: usize,
    },
    /// The input ended before a required part.
    #[error("{what}: input ends at offset {offset}, expected {expected}")]
    Truncated {
        /// What was being parsed.
        what: &'static str,
        /// Offset where more input was needed.
        offset: usize,
        /// What was missing.
        expected: &'static str,
    },
    /// The expiry month is not 01–12.
    #[error("track 2: expiry month {month:02} at offset {offset} is not 01-12")]
    BadExpiryMonth {
        /// Offset of the month digits.
        offset: usize,
        /// The month found.
        month: u8,
    },
}

impl CardError {
    /// A stable machine-readable code, the same on every surface (`card.unexpected_char`, ...).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty { .. } => "card.empty",
            Self::UnexpectedChar { .. } => "card.unexpected_char",
            Self::BadLength { .. } => "card.bad_length",
            Self::Truncated { .. } => "card.truncated",
            Self::BadExpiryMonth { .. } => "card.bad_expiry_month",
        }
    }

    /// The character offset the error points at, when there is one.
    pub fn offset(&self) -> Option<usize> {
        match self {
            Self::UnexpectedChar { offset, .. }
            | Self::Truncated { offset, .. }
            | Self::BadExpiryMonth { offset, .. } => Some(*offset),
            Self::Empty { .. } | Self::BadLength { .. } => None,
        }
    }
}

/// Shortest PAN accepted (ISO/IEC 7812-1 allows 8 digits since 2017).
pub const PAN_MIN_LEN: usize = 8;
/// Longest PAN (ISO/IEC 7812-1).
pub const PAN_MAX_LEN: usize = 19;

/// True when `number` is all ASCII digits and its last digit is a correct Luhn (mod 10) check
/// digit. Anything else (empty, spaces, letters) is simply not valid.
pub fn luhn_valid(number: &str) -> bool {
    let bytes = number.as_bytes();
    !bytes.is_empty() && bytes.iter().all(u8::is_ascii_digit) && luhn_sum(bytes, false).is_multiple_of(10)
}

/// The Luhn check digit to append to `partial` (a PAN without its last digit).
pub fn luhn_check_digit(partial: &str) -> Result<u8, CardError> {
    let bytes = digits("number", partial)?;
    Ok(((10 - luhn_sum(bytes, true) % 10) % 10) as u8)
}

/// Sum of the Luhn weights. `double_last` is true when the rightmost digit is the one that will
/// be doubled (computing a check digit), false when it is the check digit itself.
fn luhn_sum(digits: &[u8], double_last: bool) -> u32 {
    digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| {
            let d = u32::from(d - b'0');
            if (i % 2 == 0) == double_last {
                let x = d * 2;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                d
            }
        })
        .sum()
}

fn digits<'a>(what: &'static str, s: &'a str) -> Result<&'a [u8], CardError> {
    if s.is_empty() {
        return Err(CardError::Empty { what });
    }
    if let Some((offset, found)) = s.chars().enumerate().find(|(_, c)| !c.is_ascii_digit()) {
        return Err(CardError::UnexpectedChar { what, offset, found, expected: "a digit 0-9" });
    }
    Ok(s.as_bytes())
}

/// How much of a PAN stays visible when it is masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MaskPolicy {
    /// Leading digits shown (at most 6 under PCI DSS).
    pub keep_first: usize,
    /// Trailing digits shown (at most 4 under PCI DSS).
    pub keep_last: usize,
    /// Character printed for each hidden digit.
    pub mask_char: char,
}

impl Default for MaskPolicy {
    fn default() -> Self {
        Self { keep_first: 6, keep_last: 4, mask_char: '*' }
    }
}

/// Mask a PAN for display. Never shows more than `keep_first + keep_last` digits and always hides
/// at least half of a short number: a PAN too short for the policy shows only its last digits.
pub fn mask_pan(pan: &str, policy: &MaskPolicy) -> Result<String, CardError> {
    let d = digits("PAN", pan)?;
    Ok(mask_digits(d, policy))
}

fn mask_digits(d: &[u8], policy: &MaskPolicy) -> String {
    let len = d.len();
    let (first, last) = if policy.keep_first + policy.keep_last < len {
        (policy.keep_first, policy.keep_last)
    } else {
        (0, policy.keep_last.min(len / 2))
    };
    let mut out = String::with_capacity(len);
    for (i, &c) in d.iter().enumerate() {
        out.push(if i < first || i >= len - last { char::from(c) } else { policy.mask_char });
    }
    out
}

/// A primary account number: 8–19 digits. Its `Debug` and `Display` are masked so that a PAN
/// logged by accident shows only first 6 / last 4.
#[derive(Clone, PartialEq, Eq, Hash, zeroize::Zeroize, zeroize::ZeroizeOnDrop)]
pub struct Pan(String);

impl Pan {
    /// Parse a PAN: digits only, 8–19 of them. The Luhn digit is not required (some private-label
    /// and test cards lack it); see [`Pan::luhn_valid`].
    pub fn parse(s: &str) -> Result<Self, CardError> {
        let d = digits("PAN", s)?;
        if !(PAN_MIN_LEN..=PAN_MAX_LEN).contains(&d.len()) {
            return Err(CardError::BadLength { what: "PAN", len: d.len(), min: PAN_MIN_LEN, max: PAN_MAX_LEN });
        }
        Ok(Self(s.to_owned()))
    }

    /// The full number, for the message field that needs it. Named so that every use stands out
    /// in review.
    pub fn dangerous_reveal(&self) -> &str {
        &self.0
    }

    /// First 6 / last 4 masked form.
    pub fn masked(&self) -> String {
        mask_digits(self.0.as_bytes(), &MaskPolicy::default())
    }

    /// Whether the last digit is a valid Luhn check digit.
    pub fn luhn_valid(&self) -> bool {
        luhn_valid(&self.0)
    }

    /// Card brand by issuer identification number.
    pub fn brand(&self) -> Brand {
        brand(&self.0)
    }
}

impl fmt::Debug for Pan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pan({})", self.masked())
    }
}

impl fmt::Display for Pan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

/// Card scheme, decided from the leading digits (IIN ranges as published by each scheme).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Brand {
    /// China UnionPay (银联): IIN 62.
    UnionPay,
    /// Visa: IIN 4.
    Visa,
    /// Mastercard: 51–55 and 2221–2720.
    Mastercard,
    /// American Express: 34, 37.
    Amex,
    /// JCB: 3528–3589.
    Jcb,
    /// Discover: 6011, 644–649, 65.
    Discover,
    /// Diners Club International: 300–305, 36, 38–39.
    DinersClub,
    /// Not recognised.
    Unknown,
}

impl Brand {
    /// Lower-case identifier used in JSON and on every surface (`union_pay`, `visa`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::UnionPay => "union_pay",
            Self::Visa => "visa",
            Self::Mastercard => "mastercard",
            Self::Amex => "amex",
            Self::Jcb => "jcb",
            Self::Discover => "discover",
            Self::DinersClub => "diners_club",
            Self::Unknown => "unknown",
        }
    }

    /// Name printed on receipts.
    pub fn display_name(self) -> &'static str {
        match self {
            Self::UnionPay => "UnionPay 银联",
            Self::Visa => "VISA",
            Self::Mastercard => "MASTERCARD",
            Self::Amex => "AMEX",
            Self::Jcb => "JCB",
            Self::Discover => "DISCOVER",
            Self::DinersClub => "DINERS CLUB",
            Self::Unknown => "CARD",
        }
    }
}

/// The value of the first `n` digits, or `None` when the number is shorter or not numeric.
fn prefix(number: &str, n: usize) -> Option<u32> {
    number.get(..n).filter(|p| p.bytes().all(|b| b.is_ascii_digit())).and_then(|p| p.parse().ok())
}

/// Detect the card brand from the IIN. Ranges are checked most specific first; UnionPay's 62
/// wins over Discover's co-branded 622126–622925 because a terminal in China routes those to
/// UnionPay.
pub fn brand(pan: &str) -> Brand {
    let p = |n| prefix(pan, n);
    let in_range = |n, lo, hi| p(n).is_some_and(|v| (lo..=hi).contains(&v));
    if in_range(2, 62, 62) {
        Brand::UnionPay
    } else if in_range(1, 4, 4) {
        Brand::Visa
    } else if in_range(2, 51, 55) || in_range(4, 2221, 2720) {
        Brand::Mastercard
    } else if in_range(2, 34, 34) || in_range(2, 37, 37) {
        Brand::Amex
    } else if in_range(4, 3528, 3589) {
        Brand::Jcb
    } else if in_range(4, 6011, 6011) || in_range(3, 644, 649) || in_range(2, 65, 65) {
        Brand::Discover
    } else if in_range(3, 300, 305) || in_range(2, 36, 36) || in_range(2, 38, 39) {
        Brand::DinersClub
    } else {
        Brand::Unknown
    }
}

/// Card expiry as printed on the card: year (two digits) and month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Expiry {
    /// Two-digit year, 00–99.
    pub year: u8,
    /// Month, 1–12.
    pub month: u8,
}

impl Expiry {
    /// `YYMM`, the form used in track 2 and field 14.
    pub fn yymm(self) -> String {
        format!("{:02}{:02}", self.year, self.month)
    }
}

/// Track 2 (or track 2 equivalent) data: `PAN = YYMM SSS discretionary`.
///
/// Accepts the magnetic-stripe form (`;PAN=YYMMSSS...?`, with optional sentinels and a trailing
/// LRC character after `?`) and the chip/ISO 8583 form where the separator is `D` and the data
/// may be padded with a trailing `F`. The discretionary data (PVV, CVV) is secret: `Debug` hides it.
#[derive(Clone, PartialEq, Eq, zeroize::ZeroizeOnDrop)]
pub struct Track2 {
    pan: Pan,
    #[zeroize(skip)]
    expiry: Expiry,
    service_code: String,
    discretionary: String,
}

impl fmt::Debug for Track2 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Track2")
            .field("pan", &self.pan)
            .field("expiry", &"****")
            .field("service_code", &self.service_code)
            .field("discretionary", &format_args!("<{} chars redacted>", self.discretionary.len()))
            .finish()
    }
}

impl Track2 {
    /// Parse track 2 data. Errors say the character offset and what was expected there.
    pub fn parse(input: &str) -> Result<Self, CardError> {
        const WHAT: &str = "track 2";
        if input.is_empty() {
            return Err(CardError::Empty { what: WHAT });
        }
        let chars: Vec<char> = input.chars().collect();
        let mut i = 0;
        if chars[0] == ';' {
            i = 1;
        }
        let pan_start = i;
        while i < chars.len() && chars[i].is_ascii_digit() {
            i += 1;
        }
        let pan_len = i - pan_start;
        if i == chars.len() {
            if pan_len == 0 {
                return Err(CardError::Truncated { what: WHAT, offset: i, expected: "PAN digits" });
            }
            return Err(CardError::Truncated { what: WHAT, offset: i, expected: "separator '=' or 'D'" });
        }
        if pan_len == 0 {
            return Err(CardError::UnexpectedChar { what: WHAT, offset: i, found: chars[i], expected: "PAN digits" });
        }
        if pan_len > PAN_MAX_LEN {
            return Err(CardError::BadLength { what: "PAN", len: pan_len, min: PAN_MIN_LEN, max: PAN_MAX_LEN });
        }
        if !matches!(chars[i], '=' | 'D' | 'd') {
            return Err(CardError::UnexpectedChar {
                what: WHAT,
                offset: i,
                found: chars[i],
                expected: "separator '=' or 'D'",
            });
        }
        let pan: String = chars[pan_start..pan_start + pan_len].iter().collect();
        let pan = Pan::parse(&pan)?;
        i += 1;
        // Expiry YYMM then service code SSS: seven digits.
        let fixed_start = i;
        for k in 0..7 {
            let at = fixed_start + k;
            let expected = if k < 4 { "expiry digits YYMM" } else { "service code digits" };
            match chars.get(at) {
                None => return Err(CardError::Truncated { what: WHAT, offset: at, expected }),
                Some(c) if !c.is_ascii_digit() => {
                    return Err(CardError::UnexpectedChar { what: WHAT, offset: at, found: *c, expected })
                }
                Some(_) => {}
            }
        }
        let num =
            |a: usize, b: usize| chars[a..b].iter().fold(0u16, |acc, c| acc * 10 + c.to_digit(10).unwrap_or(0) as u16);
        let year = num(fixed_start, fixed_start + 2) as u8;
        let month = num(fixed_start + 2, fixed_start + 4) as u8;
        if !(1..=12).contains(&month) {
            return Err(CardError::BadExpiryMonth { offset: fixed_start + 2, month });
        }
        let service_code: String = chars[fixed_start + 4..fixed_start + 7].iter().collect();
        i = fixed_start + 7;
        // Discretionary data runs to the end sentinel '?' (then at most one LRC char) or to the
        // end, dropping the single trailing 'F' pad nibble of the BCD form.
        let disc_start = i;
        while i < chars.len() && chars[i] != '?' {
            let c = chars[i];
            let pad = (c == 'F' || c == 'f') && i == chars.len() - 1;
            if !c.is_ascii_digit() && !pad {
                return Err(CardError::UnexpectedChar {
                    what: WHAT,
                    offset: i,
                    found: c,
                    expected: "discretionary digits or end sentinel '?'",
                });
            }
            i += 1;
        }
        let mut disc_end = i;
        if disc_end > disc_start && matches!(chars[disc_end - 1], 'F' | 'f') {
            disc_end -= 1;
        }
        if i < chars.len() {
            // At '?': allow one LRC character after it, nothing more.
            if chars.len() - i > 2 {
                return Err(CardError::UnexpectedChar {
                    what: WHAT,
                    offset: i + 2,
                    found: chars[i + 2],
                    expected: "end of data after end sentinel and LRC",
                });
            }
        } else if chars[0] == ';' {
            return Err(CardError::Truncated { what: WHAT, offset: i, expected: "end sentinel '?'" });
        }
        Ok(Self {
            pan,
            expiry: Expiry { year, month },
            service_code,
            discretionary: chars[disc_start..disc_end].iter().collect(),
        })
    }

    /// The card number.
    pub fn pan(&self) -> &Pan {
        &self.pan
    }
    /// Expiry date. Never printed on receipts.
    pub fn expiry(&self) -> Expiry {
        self.expiry
    }
    /// Three-digit service code (first digit 2 or 6 means "chip card: use the chip").
    pub fn service_code(&self) -> &str {
        &self.service_code
    }
    /// Whether the service code says the card has a chip that must be used (fallback rules).
    pub fn chip_card(&self) -> bool {
        matches!(self.service_code.as_bytes().first(), Some(b'2' | b'6'))
    }
    /// Discretionary data (PVV/CVV...). Secret.
    pub fn dangerous_discretionary(&self) -> &str {
        &self.discretionary
    }
    /// Number of discretionary characters, safe to show.
    pub fn discretionary_len(&self) -> usize {
        self.discretionary.len()
    }

    /// What may be shown or returned across a binding: everything but the full PAN and the
    /// discretionary data.
    pub fn summary(&self) -> Track2Summary {
        Track2Summary {
            masked_pan: self.pan.masked(),
            brand: self.pan.brand(),
            luhn_valid: self.pan.luhn_valid(),
            expiry: self.expiry,
            service_code: self.service_code.clone(),
            chip_card: self.chip_card(),
            discretionary_len: self.discretionary.len(),
        }
    }
}

/// The displayable part of [`Track2`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Track2Summary {
    /// First 6 / last 4 masked PAN.
    pub masked_pan: String,
    /// Card brand.
    pub brand: Brand,
    /// Whether the PAN's check digit is right.
    pub luhn_valid: bool,
    /// Expiry date.
    pub expiry: Expiry,
    /// Service code.
    pub service_code: String,
    /// Whether the chip must be used.
    pub chip_card: bool,
    /// Number of discretionary characters.
    pub discretionary_len: usize,
}

/// A wallet or scheme whose payment code (付款码) a terminal scans from the customer's phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PaymentCodeKind {
    /// WeChat Pay (微信支付): 18 digits starting 10–15.
    WechatPay,
    /// Alipay (支付宝): 16–24 digits starting 25–30.
    Alipay,
    /// UnionPay QR (云闪付 / 银联二维码): 19 digits starting 62.
    UnionPayQr,
}

impl PaymentCodeKind {
    /// Identifier used in JSON and on every surface.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::WechatPay => "wechat_pay",
            Self::Alipay => "alipay",
            Self::UnionPayQr => "union_pay_qr",
        }
    }
}

/// Classify a scanned payment code by its published prefix and length rules. Returns `None` for
/// anything that is not a known payment code (including non-digits).
pub fn classify_payment_code(code: &str) -> Option<PaymentCodeKind> {
    if code.is_empty() || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let len = code.len();
    let p2 = prefix(code, 2)?;
    match p2 {
        10..=15 if len == 18 => Some(PaymentCodeKind::WechatPay),
        25..=30 if (16..=24).contains(&len) => Some(PaymentCodeKind::Alipay),
        62 if len == 19 => Some(PaymentCodeKind::UnionPayQr),
        _ => None,
    }
}

/// What kind of input [`inspect`] recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InputKind {
    /// A bare card number.
    Pan,
    /// Track 2 data.
    Track2,
    /// A scanned payment code.
    PaymentCode,
}

/// Everything a terminal can tell about a card number, track 2 or payment code without going
/// online. Contains no unmasked PAN.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inspection {
    /// Which shape the input had.
    pub kind: InputKind,
    /// Card brand (`unknown` for payment codes).
    pub brand: Brand,
    /// Whether the PAN's Luhn check digit is right.
    pub luhn_valid: bool,
    /// The masked PAN or payment code (first 6 / last 4).
    pub masked: String,
    /// Number of digits in the PAN or code.
    pub length: usize,
    /// Expiry `YYMM` (track 2 only). Shown by inspect for operators; never printed on receipts.
    pub expiry: Option<String>,
    /// Service code (track 2 only).
    pub service_code: Option<String>,
    /// Whether the service code demands the chip (track 2 only).
    pub chip_card: Option<bool>,
    /// The wallet, for payment codes.
    pub payment_code: Option<PaymentCodeKind>,
}

/// Recognise a typed PAN, track 2 data or a scanned payment code.
///
/// Digits-only input is a payment code when it matches a wallet's prefix/length rule and is not
/// a plausible card (WeChat's 10–15 prefixes are never card IINs at a POS; Alipay's 25–30 and
/// UnionPay QR's 62 overlap card ranges, so there a valid Luhn digit with a known brand means
/// "card"). A host that knows the input came from the scanner should call
/// [`classify_payment_code`] directly.
pub fn inspect(input: &str) -> Result<Inspection, CardError> {
    let trimmed = input.trim();
    if trimmed.contains(['=', 'D', 'd', ';', '?']) {
        let t = Track2::parse(trimmed)?;
        let pan = t.pan();
        return Ok(Inspection {
            kind: InputKind::Track2,
            brand: pan.brand(),
            luhn_valid: pan.luhn_valid(),
            masked: pan.masked(),
            length: pan.dangerous_reveal().len(),
            expiry: Some(t.expiry().yymm()),
            service_code: Some(t.service_code().to_owned()),
            chip_card: Some(t.chip_card()),
            payment_code: None,
        });
    }
    let d = digits("PAN", trimmed)?;
    let luhn = luhn_valid(trimmed);
    let brand = brand(trimmed);
    if let Some(kind) = classify_payment_code(trimmed) {
        let card_like = luhn && brand != Brand::Unknown && kind != PaymentCodeKind::WechatPay;
        if !card_like {
            return Ok(Inspection {
                kind: InputKind::PaymentCode,
                brand: Brand::Unknown,
                luhn_valid: luhn,
                masked: mask_digits(d, &MaskPolicy::default()),
                length: d.len(),
                expiry: None,
                service_code: None,
                chip_card: None,
                payment_code: Some(kind),
            });
        }
    }
    let pan = Pan::parse(trimmed)?;
    Ok(Inspection {
        kind: InputKind::Pan,
        brand,
        luhn_valid: luhn,
        masked: pan.masked(),
        length: d.len(),
        expiry: None,
        service_code: None,
        chip_card: None,
        payment_code: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_basics() {
        assert!(luhn_valid("4761739001010010"));
        assert!(!luhn_valid("4761739001010011"));
        assert!(!luhn_valid(""));
        assert!(!luhn_valid("4761 7390"));
        assert_eq!(luhn_check_digit("476173900101001").unwrap(), 0);
        assert_eq!(luhn_check_digit("7992739871").unwrap(), 3);
    }

    #[test]
    fn pan_debug_is_masked() {
        let p = Pan::parse("4761739001010010").unwrap();
        assert_eq!(format!("{p:?}"), "Pan(476173******0010)");
        assert_eq!(format!("{p}"), "476173******0010");
    }

    #[test]
    fn track2_debug_hides_secrets() {
        let t = Track2::parse("4761739001010010=25122011143878089").unwrap();
        let dbg = format!("{t:?}");
        assert!(!dbg.contains("4761739001010010"));
        assert!(!dbg.contains("1143878089"));
        assert!(!dbg.contains("2512"));
    }

    #[test]
    fn short_pan_hides_at_least_half() {
        assert_eq!(mask_pan("12345678", &MaskPolicy::default()).unwrap(), "****5678");
    }
}
