//! `card` module for Kotlin (wrapped by `org.poscore.Card`).

use poscore::card;

use crate::PoscoreError;

mirror_enum! {
    /// Card scheme.
    Brand from card::Brand { UnionPay, Visa, Mastercard, Amex, Jcb, Discover, DinersClub, Unknown } else Unknown
}

mirror_enum! {
    /// Wallet of a scanned payment code.
    PaymentCodeKind from card::PaymentCodeKind { WechatPay, Alipay, UnionPayQr } else UnionPayQr
}

mirror_enum! {
    /// Shape of the inspected input.
    InputKind from card::InputKind { Pan, Track2, PaymentCode } else Pan
}

/// Masking policy (defaults: first 6, last 4, `*`).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct MaskPolicy {
    #[uniffi(default = 6)]
    pub keep_first: u32,
    #[uniffi(default = 4)]
    pub keep_last: u32,
    #[uniffi(default = "*")]
    pub mask_char: String,
}

/// Card expiry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct Expiry {
    pub year: u8,
    pub month: u8,
}

/// Displayable part of track 2 data.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Track2Summary {
    pub masked_pan: String,
    pub brand: Brand,
    pub luhn_valid: bool,
    pub expiry: Expiry,
    pub service_code: String,
    pub chip_card: bool,
    pub discretionary_len: u32,
}

/// What [`card_inspect`] found.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Inspection {
    pub kind: InputKind,
    pub brand: Brand,
    pub luhn_valid: bool,
    pub masked: String,
    pub length: u32,
    pub expiry: Option<String>,
    pub service_code: Option<String>,
    pub chip_card: Option<bool>,
    pub payment_code: Option<PaymentCodeKind>,
}

#[uniffi::export]
pub fn card_luhn_valid(number: String) -> bool {
    card::luhn_valid(&number)
}

#[uniffi::export]
pub fn card_luhn_check_digit(partial: String) -> Result<u8, PoscoreError> {
    Ok(card::luhn_check_digit(&partial)?)
}

#[uniffi::export(default(policy = None))]
pub fn card_mask_pan(pan: String, policy: Option<MaskPolicy>) -> Result<String, PoscoreError> {
    let policy = policy.map_or_else(card::MaskPolicy::default, |p| card::MaskPolicy {
        keep_first: p.keep_first as usize,
        keep_last: p.keep_last as usize,
        mask_char: p.mask_char.chars().next().unwrap_or('*'),
    });
    Ok(card::mask_pan(&pan, &policy)?)
}

#[uniffi::export]
pub fn card_brand(pan: String) -> Brand {
    card::brand(&pan).into()
}

#[uniffi::export]
pub fn card_parse_track2(input: String) -> Result<Track2Summary, PoscoreError> {
    let s = card::Track2::parse(&input)?.summary();
    Ok(Track2Summary {
        masked_pan: s.masked_pan,
        brand: s.brand.into(),
        luhn_valid: s.luhn_valid,
        expiry: Expiry { year: s.expiry.year, month: s.expiry.month },
        service_code: s.service_code,
        chip_card: s.chip_card,
        discretionary_len: s.discretionary_len as u32,
    })
}

#[uniffi::export]
pub fn card_classify_payment_code(code: String) -> Option<PaymentCodeKind> {
    card::classify_payment_code(&code).map(Into::into)
}

#[uniffi::export]
pub fn card_inspect(input: String) -> Result<Inspection, PoscoreError> {
    let i = card::inspect(&input)?;
    Ok(Inspection {
        kind: i.kind.into(),
        brand: i.brand.into(),
        luhn_valid: i.luhn_valid,
        masked: i.masked,
        length: i.length as u32,
        expiry: i.expiry,
        service_code: i.service_code,
        chip_card: i.chip_card,
        payment_code: i.payment_code.map(Into::into),
    })
}
