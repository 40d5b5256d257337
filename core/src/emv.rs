//! EMV issuer-side cryptograms: ICC master keys, session keys, ARQC and ARPC.
//!
//! A chip card proves itself online with its Authorisation Request Cryptogram (ARQC, tag 9F26):
//! a MAC over transaction data under a key that only the card and its issuer can compute. The
//! issuer derives that key from its issuer master key (IMK) and the card's PAN and PAN sequence
//! number, recomputes the ARQC, and answers with an Authorisation Response Cryptogram (ARPC,
//! inside tag 91) that the card checks in its second GENERATE AC. This module is that issuer side,
//! as the acquirer simulator and a support desk (`poscore emv`) need it:
//!
//! * [`derive_icc_master_key`]: EMV Book 2 Annex A1.4.1 (Option A) and A1.4.2 (Option B).
//! * [`common_session_key`] (Book 2 Annex A1.3.1, the EMV common session key) and
//!   [`session_key`], the AC key a [`Cvn`] uses (none for CVN 10: the ICC master key itself).
//! * [`application_cryptogram`], [`arqc`] and [`verify_arqc`] (constant time): Book 2 section
//!   8.1.2, with the MAC of Annex A1.2.1 (ISO/IEC 9797-1 algorithm 3, 2TDEA).
//! * [`arpc_method1`] and [`arpc_method2`]: Book 2 sections 8.2.1 and 8.2.2.
//! * [`Cvn`] says which of these a Visa Cryptogram Version Number uses, and [`Issuer`] puts them
//!   together for one issuer master key.
//!
//! Each function follows one of pyemv 1.5 (`pyemv.kd`, `pyemv.ac`, `pyemv.cvn`), argument for
//! argument; `tests/diff/emv.py` compares them over thousands of random inputs and
//! `tests/vectors/emv.json` holds the published examples (pyemv's docstrings and its tests checked
//! against a hardware security module).
//!
//! Keys carry their purpose: the IMK has usage [`KeyUsage::IssuerMasterKey`] and can only derive;
//! ICC master keys come out as 2TDEA [`KeyUsage::MacBoth`] keys, and session keys keep the usage of
//! the key they come from (a verify-only master key gives verify-only session keys). Cryptograms
//! are not secret, but PANs are: no error carries a PAN or key bytes.
//!
//! ```
//! use poscore::emv::{ArpcData, Cvn, Issuer};
//! use poscore::keys::{hex_decode, hex_encode, Algorithm, Key, KeyUsage};
//! // pyemv tests/test_cvn_hsm.py, Visa CVN 10 (values checked against an HSM there).
//! let imk = Key::dangerous_from_hex(Algorithm::Tdes2, KeyUsage::IssuerMasterKey, "0123456789ABCDEFFEDCBA9876543210")?;
//! let issuer = Issuer::new(imk)?;
//! // 9F02, 9F03, 9F1A, 95, 5F2A, 9A, 9C, 9F37, 82, 9F36 and the CVR from 9F10.
//! let data = hex_decode(concat!(
//!     "000000004000", "000000000000", "0124", "8000048000", "0124", "191105", "01", "52BF4585", "1800", "001C",
//!     "03A06010"
//! ))?;
//! let (pan, psn, atc) = ("1234567890123456", "00", [0x00, 0x1C]);
//! let arqc = hex_decode("29CCA15AE665FA2E")?;
//! issuer.check_arqc(pan, psn, &atc, &data, &arqc, Cvn::Visa10)?;
//! // Approved: ARC "00" (8A = 3030), ARPC method 1.
//! let answer = ArpcData::method1(b"00")?;
//! let arpc = issuer.arpc(pan, psn, &atc, &arqc, Cvn::Visa10, &answer)?;
//! assert_eq!(hex_encode(&arpc), "28993816AFAE4AEB");
//! // Tag 91, issuer authentication data: ARPC ‖ ARC.
//! assert_eq!(hex_encode(&answer.issuer_authentication_data(&arpc)), "28993816AFAE4AEB3030");
//! // A changed amount does not verify.
//! let mut forged = data.clone();
//! forged[5] = 0x01;
//! let e = issuer.check_arqc(pan, psn, &atc, &forged, &arqc, Cvn::Visa10).unwrap_err();
//! assert_eq!(e.code(), "emv.arqc_mismatch");
//! # Ok::<(), poscore::Error>(())
//! ```

use std::fmt;

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::keys::{xor_in_place, Algorithm, Key, KeyError, KeyUsage, Operation};
use crate::mac::{self, MacAlgorithm, Padding};

/// Errors from EMV key derivation and cryptograms. Inputs are named as the CLI flags name them
/// (`pan`, `atc`, `prop-auth-data`, ...); no error carries a PAN or key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EmvError {
    /// An input of the wrong length (ATC 2 bytes, ARQC 8, ARC 2, CSU 4, PSN 2 digits, ...).
    #[error("{field}{} must be {expected}, got {len}", tag_of(field))]
    BadLength {
        /// The input (`atc`, `arqc`, `pan`, ...).
        field: &'static str,
        /// Bytes (or, for `pan` and `psn`, digits) given.
        len: usize,
        /// What is accepted, e.g. "2 bytes" or "1 to 19 digits".
        expected: &'static str,
    },
    /// A PAN or PAN sequence number with something other than a decimal digit.
    #[error("{field}{} has a character that is not a decimal digit at offset {offset}", tag_of(field))]
    NotDigits {
        /// `pan` or `psn`.
        field: &'static str,
        /// Character offset of the first non-digit.
        offset: usize,
    },
    /// An input that should be hex is not (surfaces that take hex name the input).
    #[error("{field}: bad hex at offset {offset}: {reason}")]
    BadHex {
        /// The input.
        field: &'static str,
        /// Character offset of the problem.
        offset: usize,
        /// What is wrong (odd length, a non-hex character).
        reason: &'static str,
    },
    /// A Cryptogram Version Number poscore does not compute.
    #[error("CVN {found} is not supported: poscore computes Visa CVN 10 and 18")]
    UnsupportedCvn {
        /// The number given.
        found: u32,
    },
    /// The ARQC does not verify: wrong keys, PAN, PSN, ATC or data, or a forged cryptogram.
    #[error("ARQC does not verify under CVN {cvn}: the IMK, PAN, PSN, ATC or data differ from the card's")]
    ArqcMismatch {
        /// The CVN it was checked under.
        cvn: u8,
    },
    /// An input the CVN's ARPC method needs is missing (CVN 10 needs `arc`, CVN 18 `csu`).
    #[error("{field}{} is required for CVN {cvn} (ARPC method {method})", tag_of(field))]
    MissingInput {
        /// The missing input.
        field: &'static str,
        /// The CVN.
        cvn: u8,
        /// Its ARPC method.
        method: u8,
    },
    /// An input the CVN's ARPC method does not use (CVN 10 takes no `csu`, CVN 18 no `arc`).
    #[error("{field}{} is not used by CVN {cvn} (ARPC method {method})", tag_of(field))]
    UnexpectedInput {
        /// The input given.
        field: &'static str,
        /// The CVN.
        cvn: u8,
        /// Its ARPC method.
        method: u8,
    },
    /// ARPC data for one method given to a CVN that uses the other.
    #[error("CVN {cvn} uses ARPC method {expected}, got data for method {found}")]
    ArpcMethodMismatch {
        /// The CVN.
        cvn: u8,
        /// The method it uses.
        expected: u8,
        /// The method the data was built for.
        found: u8,
    },
    /// A name that is not a known padding or master key option.
    #[error("unknown {what} {found:?}")]
    UnknownName {
        /// What was being named ("AC padding", ...).
        what: &'static str,
        /// The name given.
        found: String,
    },
}

impl EmvError {
    /// A stable machine-readable code (`emv.arqc_mismatch`, ...).
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadLength { .. } => "emv.bad_length",
            Self::NotDigits { .. } => "emv.not_digits",
            Self::BadHex { .. } => "emv.bad_hex",
            Self::UnsupportedCvn { .. } => "emv.unsupported_cvn",
            Self::ArqcMismatch { .. } => "emv.arqc_mismatch",
            Self::MissingInput { .. } => "emv.missing_input",
            Self::UnexpectedInput { .. } => "emv.unexpected_input",
            Self::ArpcMethodMismatch { .. } => "emv.arpc_method_mismatch",
            Self::UnknownName { .. } => "emv.unknown_name",
        }
    }

    /// The input the error is about (`pan`, `atc`, ...), when it is about one.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Self::BadLength { field, .. }
            | Self::NotDigits { field, .. }
            | Self::BadHex { field, .. }
            | Self::MissingInput { field, .. }
            | Self::UnexpectedInput { field, .. } => Some(field),
            _ => None,
        }
    }

    /// [`crate::keys::KeyError::BadHex`] from decoding `field`, as an error naming the input.
    pub fn from_hex_error(field: &'static str, e: KeyError) -> crate::Error {
        match e {
            KeyError::BadHex { offset, reason } => Self::BadHex { field, offset, reason }.into(),
            other => other.into(),
        }
    }
}

/// The EMV tag an input travels in, for messages.
fn tag_of(field: &str) -> &'static str {
    match field {
        "pan" => " (5A)",
        "psn" => " (5F34)",
        "atc" => " (9F36)",
        "arqc" => " (9F26)",
        "arc" => " (8A)",
        "csu" | "prop-auth-data" => " (in 91)",
        _ => "",
    }
}

fn require_len(field: &'static str, bytes: &[u8], len: usize, expected: &'static str) -> Result<(), EmvError> {
    if bytes.len() == len {
        Ok(())
    } else {
        Err(EmvError::BadLength { field, len: bytes.len(), expected })
    }
}

fn require_tdes2(key: &Key, operation: &'static str) -> Result<(), KeyError> {
    if key.algorithm() == Algorithm::Tdes2 {
        Ok(())
    } else {
        Err(KeyError::WrongAlgorithm { algorithm: key.algorithm(), operation, expected: "2TDEA" })
    }
}

/// A key an ICC master key or session key may be: one that generates or verifies MACs.
fn require_mac_key(key: &Key, operation: &'static str) -> Result<(), KeyError> {
    if key.require(Operation::MacGenerate).is_ok() || key.require(Operation::MacVerify).is_ok() {
        require_tdes2(key, operation)
    } else {
        Err(KeyError::WrongUsage { usage: key.usage(), operation })
    }
}

/// Sets odd parity in every byte, as pyemv's `tools.adjust_key_parity` (the parity bits are not
/// key bits: DES ignores them, but the printed key and a strict HSM see them).
fn adjust_parity(key: &mut [u8]) {
    for b in key {
        if b.count_ones() % 2 == 0 {
            *b ^= 1;
        }
    }
}

/// The digits of `s` (1 to `max` of them).
fn digits<'a>(
    field: &'static str,
    s: &'a str,
    min: usize,
    max: usize,
    expected: &'static str,
) -> Result<&'a [u8], EmvError> {
    let b = s.as_bytes();
    if let Some(offset) = b.iter().position(|c| !c.is_ascii_digit()) {
        return Err(EmvError::NotDigits { field, offset });
    }
    if !(min..=max).contains(&b.len()) {
        return Err(EmvError::BadLength { field, len: b.len(), expected });
    }
    Ok(b)
}

/// 16 ASCII digits packed as 8 BCD bytes.
fn pack16(d: &[u8; 16]) -> [u8; 8] {
    let mut out = [0u8; 8];
    for (i, o) in out.iter_mut().enumerate() {
        *o = ((d[2 * i] - b'0') << 4) | (d[2 * i + 1] - b'0');
    }
    out
}

// ---------------------------------------------------------------------------------------------
// ICC master key derivation (EMV Book 2 Annex A1.4)
// ---------------------------------------------------------------------------------------------

/// How an ICC master key is derived from the issuer master key (EMV Book 2 Annex A1.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MasterKeyOption {
    /// Option A (A1.4.1): Y = the rightmost 16 digits of PAN ‖ PSN, left-padded with zeros.
    /// pyemv `kd.derive_icc_mk_a`.
    OptionA,
    /// Option B (A1.4.2), for PANs longer than 16 digits: Y = 16 decimal digits taken from the
    /// SHA-1 of PAN ‖ PSN (hex letters A-F decimalised to 0-5 when there are too few digits).
    /// For 16 digits or fewer it is Option A. pyemv `kd.derive_icc_mk_b`.
    OptionB,
}

impl MasterKeyOption {
    /// `a` / `option_a` or `b` / `option_b`.
    pub fn from_name(name: &str) -> Result<Self, EmvError> {
        match name {
            "a" | "A" | "option_a" => Ok(Self::OptionA),
            "b" | "B" | "option_b" => Ok(Self::OptionB),
            _ => Err(EmvError::UnknownName { what: "master key option (a or b)", found: name.to_owned() }),
        }
    }
}

fn option_a_y(pan: &[u8], psn: &[u8]) -> [u8; 8] {
    let all: Vec<u8> = pan.iter().chain(psn).copied().collect();
    let tail = &all[all.len().saturating_sub(16)..];
    let mut d = [b'0'; 16];
    d[16 - tail.len()..].copy_from_slice(tail);
    pack16(&d)
}

fn option_b_y(pan: &[u8], psn: &[u8]) -> [u8; 8] {
    if pan.len() <= 16 {
        return option_a_y(pan, psn);
    }
    // PAN ‖ PSN as BCD, with a leading zero digit when the count is odd.
    let mut all: Vec<u8> = Vec::with_capacity(22);
    if (pan.len() + psn.len()) % 2 == 1 {
        all.push(b'0');
    }
    all.extend(pan.iter().chain(psn));
    let bcd: Vec<u8> = all.chunks_exact(2).map(|p| ((p[0] - b'0') << 4) | (p[1] - b'0')).collect();
    let digest = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, &bcd);
    let nibbles: Vec<u8> = digest.as_ref().iter().flat_map(|b| [b >> 4, b & 15]).collect();
    let mut d: Vec<u8> = nibbles.iter().filter(|n| **n < 10).map(|n| b'0' + n).take(16).collect();
    let short = 16 - d.len();
    d.extend(nibbles.iter().filter(|n| **n >= 10).map(|n| b'0' + (n - 10)).take(short));
    let mut y = [0u8; 16];
    y.copy_from_slice(&d); // 40 nibbles always hold 16 of one kind or the other
    pack16(&y)
}

/// The ICC master key of a card: EMV Book 2 Annex A1.4, `Z_L = 3DES(IMK)[Y]`,
/// `Z_R = 3DES(IMK)[Y ⊕ FF..FF]`, key = `Z_L ‖ Z_R` with odd parity, where Y comes from the PAN
/// (1 to 19 digits, as in tag 5A without its `F` padding) and the PAN sequence number (2 digits,
/// tag 5F34; `00` when the card has none) by `option`. pyemv `kd.derive_icc_mk_a` /
/// `kd.derive_icc_mk_b`.
///
/// The IMK must be a 2TDEA [`KeyUsage::IssuerMasterKey`]; the result is a 2TDEA
/// [`KeyUsage::MacBoth`] key (the AC key of CVN 10, the session key root of CVN 18).
pub fn derive_icc_master_key(imk: &Key, pan: &str, psn: &str, option: MasterKeyOption) -> crate::Result<Key> {
    imk.require(Operation::DeriveIccMasterKey)?;
    require_tdes2(imk, "EMV ICC master key derivation")?;
    let pan = digits("pan", pan, 1, 19, "1 to 19 digits")?;
    let psn = digits("psn", psn, 2, 2, "2 digits")?;
    let y = match option {
        MasterKeyOption::OptionA => option_a_y(pan, psn),
        MasterKeyOption::OptionB => option_b_y(pan, psn),
    };
    let mut z = Zeroizing::new([0u8; 16]);
    z[..8].copy_from_slice(&y);
    z[8..].copy_from_slice(&y);
    xor_in_place(&mut z[8..], &[0xFF; 8]);
    imk.cipher().ecb_encrypt(&mut z[..]);
    adjust_parity(&mut z[..]);
    Ok(Key::dangerous_from_bytes(Algorithm::Tdes2, KeyUsage::MacBoth, &z[..])?)
}

// ---------------------------------------------------------------------------------------------
// Session keys (EMV Book 2 Annex A1.3)
// ---------------------------------------------------------------------------------------------

/// The EMV common session key (Book 2 Annex A1.3.1) for the 8-byte diversification value `r`:
/// `SK_L = 3DES(MK)[R with byte 2 = F0]`, `SK_R = 3DES(MK)[R with byte 2 = 0F]`, odd parity.
/// For an AC key, R = ATC ‖ 00 00 00 00 00 00 (Visa CVN 18; see [`session_key`]); other schemes
/// put the unpredictable number in it. pyemv `kd.derive_common_sk`.
///
/// `mk` is a 2TDEA MAC key (an ICC master key); the session key keeps its usage.
pub fn common_session_key(mk: &Key, r: &[u8]) -> crate::Result<Key> {
    require_mac_key(mk, "EMV session key derivation")?;
    require_len("r", r, 8, "8 bytes")?;
    let mut sk = Zeroizing::new([0u8; 16]);
    sk[..8].copy_from_slice(r);
    sk[2] = 0xF0;
    sk[8..].copy_from_slice(r);
    sk[10] = 0x0F;
    mk.cipher().ecb_encrypt(&mut sk[..]);
    adjust_parity(&mut sk[..]);
    Ok(Key::dangerous_from_bytes(Algorithm::Tdes2, mk.usage(), &sk[..])?)
}

/// The application cryptogram key of `cvn` for the transaction with counter `atc` (tag 9F36,
/// 2 bytes): the ICC master key itself for CVN 10 (pyemv `VisaCVN10._derive_sk_ac_none`), the
/// common session key with R = ATC ‖ 00 00 00 00 00 00 for CVN 18
/// (`VisaCVN18._derive_sk_ac_common`).
pub fn session_key(mk: &Key, cvn: Cvn, atc: &[u8]) -> crate::Result<Key> {
    require_mac_key(mk, "EMV session key derivation")?;
    require_len("atc", atc, 2, "2 bytes")?;
    match cvn {
        Cvn::Visa10 => Ok(mk.clone()),
        Cvn::Visa18 => {
            let mut r = [0u8; 8];
            r[..2].copy_from_slice(atc);
            common_session_key(mk, &r)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Application cryptograms (EMV Book 2 section 8.1.2, MAC of Annex A1.2.1)
// ---------------------------------------------------------------------------------------------

/// How the data is padded before the AC's MAC (pyemv `ac.PaddingType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AcPadding {
    /// Zero bytes to a multiple of 8, none when already whole (ISO/IEC 9797-1 method 1): Visa
    /// CVN 10.
    Visa,
    /// `80` then zero bytes (ISO/IEC 9797-1 method 2, Book 2 A1.2.1): EMV, Visa CVN 18.
    Emv,
}

impl AcPadding {
    /// `visa` or `emv`.
    pub fn from_name(name: &str) -> Result<Self, EmvError> {
        match name {
            "visa" => Ok(Self::Visa),
            "emv" => Ok(Self::Emv),
            _ => Err(EmvError::UnknownName { what: "AC padding (visa or emv)", found: name.to_owned() }),
        }
    }

    fn mac_padding(self) -> Padding {
        match self {
            Self::Visa => Padding::Method1,
            Self::Emv => Padding::Method2,
        }
    }
}

fn ac_mac(key: &Key, data: &[u8], padding: AcPadding) -> crate::Result<[u8; 8]> {
    require_tdes2(key, "EMV application cryptograms")?;
    let m = mac::compute(key, MacAlgorithm::Iso9797Alg3, data, padding.mac_padding())?;
    let mut out = [0u8; 8];
    out.copy_from_slice(&m[..8]);
    Ok(out)
}

/// An application cryptogram (ARQC, TC or AAC: the same computation) over `data` (the card's
/// CDOL data as the terminal sends it in field 55: 9F02, 9F03, 9F1A, 95, 5F2A, 9A, 9C, 9F37, 82,
/// 9F36 and the scheme's part of 9F10, concatenated): ISO/IEC 9797-1 MAC algorithm 3 under the
/// 2TDEA AC key with `padding`, 8 bytes. pyemv `ac.generate_ac`.
pub fn application_cryptogram(ac_key: &Key, data: &[u8], padding: AcPadding) -> crate::Result<[u8; 8]> {
    ac_key.require(Operation::MacGenerate)?;
    ac_mac(ac_key, data, padding)
}

/// The ARQC that `cvn` computes over `data` under its AC key ([`session_key`]): Visa padding for
/// CVN 10, EMV padding for CVN 18. pyemv `VisaCVN10.generate_ac` / `VisaCVN18.generate_ac`.
pub fn arqc(ac_key: &Key, cvn: Cvn, data: &[u8]) -> crate::Result<[u8; 8]> {
    application_cryptogram(ac_key, data, cvn.padding())
}

/// Checks a received ARQC (8 bytes) in constant time: `emv.arqc_mismatch` when it does not match,
/// without saying more. The AC key must allow MAC verification.
pub fn verify_arqc(ac_key: &Key, cvn: Cvn, data: &[u8], arqc: &[u8]) -> crate::Result<()> {
    ac_key.require(Operation::MacVerify)?;
    require_len("arqc", arqc, 8, "8 bytes")?;
    let expected = ac_mac(ac_key, data, cvn.padding())?;
    if bool::from(expected.ct_eq(arqc)) {
        Ok(())
    } else {
        Err(EmvError::ArqcMismatch { cvn: cvn.number() }.into())
    }
}

// ---------------------------------------------------------------------------------------------
// Authorisation response cryptograms (EMV Book 2 section 8.2)
// ---------------------------------------------------------------------------------------------

/// ARPC method 1 (EMV Book 2 section 8.2.1): 3DES(key)[ARQC ⊕ (ARC ‖ 00 00 00 00 00 00)], 8
/// bytes, where the ARC is the 2-byte Authorisation Response Code (tag 8A, e.g. `3030` for
/// "00"). Visa CVN 10 uses the ICC master key. pyemv `ac.generate_arpc_1(sk_ac, arqc, arpc_rc)`.
#[allow(clippy::similar_names)] // ARQC and ARC are the EMV names
pub fn arpc_method1(key: &Key, arqc: &[u8], arc: &[u8]) -> crate::Result<[u8; 8]> {
    key.require(Operation::MacGenerate)?;
    require_tdes2(key, "EMV ARPC method 1")?;
    require_len("arqc", arqc, 8, "8 bytes")?;
    require_len("arc", arc, 2, "2 bytes")?;
    let mut block = [0u8; 8];
    block.copy_from_slice(arqc);
    xor_in_place(&mut block[..2], arc);
    key.cipher().encrypt_block(&mut block);
    Ok(block)
}

/// ARPC method 2 (EMV Book 2 section 8.2.2): the first 4 bytes of the MAC of Annex A1.2.1
/// (ISO/IEC 9797-1 algorithm 3, padding method 2) over ARQC ‖ CSU ‖ proprietary authentication
/// data, where the Card Status Update is 4 bytes and the proprietary data 0 to 8. Visa CVN 18 uses
/// the session key. pyemv `ac.generate_arpc_2(sk_ac, arqc, csu, prop_auth_data)`.
pub fn arpc_method2(key: &Key, arqc: &[u8], csu: &[u8], prop_auth_data: &[u8]) -> crate::Result<[u8; 4]> {
    key.require(Operation::MacGenerate)?;
    require_tdes2(key, "EMV ARPC method 2")?;
    require_len("arqc", arqc, 8, "8 bytes")?;
    require_len("csu", csu, 4, "4 bytes")?;
    if prop_auth_data.len() > 8 {
        return Err(EmvError::BadLength {
            field: "prop-auth-data",
            len: prop_auth_data.len(),
            expected: "0 to 8 bytes",
        }
        .into());
    }
    let data: Vec<u8> = [arqc, csu, prop_auth_data].concat();
    let m = mac::compute(key, MacAlgorithm::Iso9797Alg3, &data, Padding::Method2)?;
    let mut out = [0u8; 4];
    out.copy_from_slice(&m[..4]);
    Ok(out)
}

/// What the issuer answers the card with, by ARPC method: the inputs of the ARPC besides the ARQC,
/// which also follow it in tag 91.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArpcData {
    /// Method 1: the Authorisation Response Code (tag 8A, 2 bytes).
    Method1 {
        /// The ARC.
        arc: [u8; 2],
    },
    /// Method 2: the Card Status Update and optional proprietary authentication data.
    Method2 {
        /// The CSU (4 bytes).
        csu: [u8; 4],
        /// 0 to 8 bytes.
        prop_auth_data: Vec<u8>,
    },
}

impl ArpcData {
    /// Method 1 data: `arc` must be 2 bytes (`b"00"` for an approval).
    pub fn method1(arc: &[u8]) -> Result<Self, EmvError> {
        require_len("arc", arc, 2, "2 bytes")?;
        Ok(Self::Method1 { arc: [arc[0], arc[1]] })
    }

    /// Method 2 data: a 4-byte CSU and 0 to 8 bytes of proprietary authentication data.
    pub fn method2(csu: &[u8], prop_auth_data: &[u8]) -> Result<Self, EmvError> {
        require_len("csu", csu, 4, "4 bytes")?;
        if prop_auth_data.len() > 8 {
            return Err(EmvError::BadLength {
                field: "prop-auth-data",
                len: prop_auth_data.len(),
                expected: "0 to 8 bytes",
            });
        }
        Ok(Self::Method2 { csu: [csu[0], csu[1], csu[2], csu[3]], prop_auth_data: prop_auth_data.to_vec() })
    }

    /// The data `cvn`'s ARPC method takes, from whichever inputs a surface was given: `arc` for
    /// method 1, `csu` (and optionally `prop_auth_data`) for method 2. A missing input, or one the
    /// method does not use, is an error naming it.
    pub fn for_cvn(
        cvn: Cvn,
        arc: Option<&[u8]>,
        csu: Option<&[u8]>,
        prop_auth_data: Option<&[u8]>,
    ) -> Result<Self, EmvError> {
        let (n, method) = (cvn.number(), cvn.arpc_method());
        let unexpected = |field| EmvError::UnexpectedInput { field, cvn: n, method };
        if method == 1 {
            if csu.is_some() {
                return Err(unexpected("csu"));
            }
            if prop_auth_data.is_some() {
                return Err(unexpected("prop-auth-data"));
            }
            Self::method1(arc.ok_or(EmvError::MissingInput { field: "arc", cvn: n, method })?)
        } else {
            if arc.is_some() {
                return Err(unexpected("arc"));
            }
            let csu = csu.ok_or(EmvError::MissingInput { field: "csu", cvn: n, method })?;
            Self::method2(csu, prop_auth_data.unwrap_or_default())
        }
    }

    /// 1 or 2.
    pub fn method(&self) -> u8 {
        match self {
            Self::Method1 { .. } => 1,
            Self::Method2 { .. } => 2,
        }
    }

    /// The ARPC of this method under `key` (the AC key of the CVN).
    pub fn arpc(&self, key: &Key, arqc: &[u8]) -> crate::Result<Vec<u8>> {
        Ok(match self {
            Self::Method1 { arc } => arpc_method1(key, arqc, arc)?.to_vec(),
            Self::Method2 { csu, prop_auth_data } => arpc_method2(key, arqc, csu, prop_auth_data)?.to_vec(),
        })
    }

    /// The value of tag 91 (issuer authentication data) that carries `arpc` to the card: ARPC ‖ ARC
    /// for method 1, ARPC ‖ CSU ‖ proprietary authentication data for method 2 (Book 2 8.2).
    pub fn issuer_authentication_data(&self, arpc: &[u8]) -> Vec<u8> {
        let mut out = arpc.to_vec();
        match self {
            Self::Method1 { arc } => out.extend_from_slice(arc),
            Self::Method2 { csu, prop_auth_data } => {
                out.extend_from_slice(csu);
                out.extend_from_slice(prop_auth_data);
            }
        }
        out
    }
}

// ---------------------------------------------------------------------------------------------
// Cryptogram version numbers and the issuer
// ---------------------------------------------------------------------------------------------

/// A Cryptogram Version Number (the CVN byte of tag 9F10): which master key option, session key,
/// padding and ARPC method a card uses. poscore computes the two Visa CVNs pyemv's `pyemv.cvn`
/// module defines as `VisaCVN10` and `VisaCVN18` (the Visa specifications themselves are not
/// public).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Cvn {
    /// Visa CVN 10 (VIS 1.4/1.5): ICC master key by Option A, no session key (the AC key is the
    /// ICC master key), Visa padding (zeros), ARPC method 1 under the ICC master key.
    Visa10,
    /// Visa CVN 18 (VIS 1.5 / CCD): ICC master key by Option B (the same as A for PANs of up to
    /// 16 digits), EMV common session key with R = ATC ‖ 00..00, EMV padding (`80`), ARPC method 2
    /// under the session key.
    Visa18,
}

impl Cvn {
    /// 10 or 18; anything else is `emv.unsupported_cvn`.
    pub fn from_number(n: u32) -> Result<Self, EmvError> {
        match n {
            10 => Ok(Self::Visa10),
            18 => Ok(Self::Visa18),
            found => Err(EmvError::UnsupportedCvn { found }),
        }
    }

    /// The number, as in tag 9F10.
    pub fn number(self) -> u8 {
        match self {
            Self::Visa10 => 10,
            Self::Visa18 => 18,
        }
    }

    /// How the ICC master key is derived (pyemv `VisaCVN10.__init__` uses `derive_icc_mk_a`,
    /// `VisaCVN18.__init__` `derive_icc_mk_b`).
    pub fn master_key_option(self) -> MasterKeyOption {
        match self {
            Self::Visa10 => MasterKeyOption::OptionA,
            Self::Visa18 => MasterKeyOption::OptionB,
        }
    }

    /// The padding of the ARQC data.
    pub fn padding(self) -> AcPadding {
        match self {
            Self::Visa10 => AcPadding::Visa,
            Self::Visa18 => AcPadding::Emv,
        }
    }

    /// The ARPC method: 1 for CVN 10, 2 for CVN 18.
    pub fn arpc_method(self) -> u8 {
        match self {
            Self::Visa10 => 1,
            Self::Visa18 => 2,
        }
    }
}

impl fmt::Display for Cvn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CVN {}", self.number())
    }
}

/// An issuer (or the acquirer simulator acting as one): its issuer master key, and the checks
/// and answers it computes for any of its cards. Debug shows the key's check value only.
#[derive(Clone, Debug)]
pub struct Issuer {
    imk: Key,
}

impl Issuer {
    /// An issuer with `imk`, a 2TDEA [`KeyUsage::IssuerMasterKey`].
    pub fn new(imk: Key) -> crate::Result<Self> {
        imk.require(Operation::DeriveIccMasterKey)?;
        require_tdes2(&imk, "EMV ICC master key derivation")?;
        Ok(Self { imk })
    }

    /// The card's ICC master key, by `cvn`'s option.
    pub fn icc_master_key(&self, pan: &str, psn: &str, cvn: Cvn) -> crate::Result<Key> {
        derive_icc_master_key(&self.imk, pan, psn, cvn.master_key_option())
    }

    /// The card's AC key for the transaction with counter `atc`.
    pub fn ac_key(&self, pan: &str, psn: &str, atc: &[u8], cvn: Cvn) -> crate::Result<Key> {
        session_key(&self.icc_master_key(pan, psn, cvn)?, cvn, atc)
    }

    /// Checks the card's ARQC over `data` in constant time (`emv.arqc_mismatch` when it does not
    /// match).
    pub fn check_arqc(
        &self,
        pan: &str,
        psn: &str,
        atc: &[u8],
        data: &[u8],
        arqc: &[u8],
        cvn: Cvn,
    ) -> crate::Result<()> {
        require_len("arqc", arqc, 8, "8 bytes")?;
        verify_arqc(&self.ac_key(pan, psn, atc, cvn)?, cvn, data, arqc)
    }

    /// The ARPC answering `arqc` (8 bytes for method 1, 4 for method 2); `response` must be data
    /// for `cvn`'s method. Tag 91 is [`ArpcData::issuer_authentication_data`] of the result.
    pub fn arpc(
        &self,
        pan: &str,
        psn: &str,
        atc: &[u8],
        arqc: &[u8],
        cvn: Cvn,
        response: &ArpcData,
    ) -> crate::Result<Vec<u8>> {
        if response.method() != cvn.arpc_method() {
            return Err(EmvError::ArpcMethodMismatch {
                cvn: cvn.number(),
                expected: cvn.arpc_method(),
                found: response.method(),
            }
            .into());
        }
        response.arpc(&self.ac_key(pan, psn, atc, cvn)?, arqc)
    }
}

#[cfg(test)]
#[allow(clippy::similar_names)] // ARQC and ARPC are the EMV names
mod tests {
    use super::*;
    use crate::keys::{hex_decode, hex_encode, KcvMethod};

    const IMK: &str = "0123456789ABCDEFFEDCBA9876543210";

    fn imk() -> Key {
        Key::dangerous_from_hex(Algorithm::Tdes2, KeyUsage::IssuerMasterKey, IMK).unwrap()
    }

    fn kcv2(k: &Key) -> String {
        hex_encode(&k.kcv(KcvMethod::EncryptZeros, 2))
    }

    #[test]
    fn option_a_and_b_published_examples() {
        // pyemv kd module docstring and derive_icc_mk_a / derive_icc_mk_b docstrings.
        let a = derive_icc_master_key(&imk(), "99012345678901234", "45", MasterKeyOption::OptionA).unwrap();
        assert_eq!(hex_encode(a.dangerous_reveal()), "67F8292358083E5EA7AB7FDA58D53B6B");
        let a = derive_icc_master_key(&imk(), "12345678901234567", "01", MasterKeyOption::OptionA).unwrap();
        assert_eq!(hex_encode(a.dangerous_reveal()), "73AD54688CEF2934B0979857E3C719F1");
        let b = derive_icc_master_key(&imk(), "12345678901234567", "01", MasterKeyOption::OptionB).unwrap();
        assert_eq!(hex_encode(b.dangerous_reveal()), "AD406D7F6D7570916D75E5DCAB8CF737");
        assert_eq!(b.usage(), KeyUsage::MacBoth);
        // pyemv tests/test_kd_hsm.py test_derive_icc_mk_b_sha_pad: the digest lacks 16 digits.
        let b = derive_icc_master_key(&imk(), "000000000000000005", "23", MasterKeyOption::OptionB).unwrap();
        assert_eq!(kcv2(&b), "DD73");
    }

    #[test]
    fn common_session_key_published_example() {
        let mk = Key::dangerous_from_hex(Algorithm::Tdes2, KeyUsage::MacBoth, IMK).unwrap();
        let sk = common_session_key(&mk, &hex_decode("001C000000000000").unwrap()).unwrap();
        assert_eq!(hex_encode(sk.dangerous_reveal()), "E9FB384AF807B940FEDCEA613461B0C4");
        let sk18 = session_key(&mk, Cvn::Visa18, &[0x00, 0x1C]).unwrap();
        assert_eq!(sk18.dangerous_reveal(), sk.dangerous_reveal());
        assert_eq!(session_key(&mk, Cvn::Visa10, &[0x00, 0x1C]).unwrap().dangerous_reveal(), mk.dangerous_reveal());
    }

    #[test]
    fn usages_are_enforced() {
        // The IMK only derives: it cannot MAC, be a session key root or an AC key.
        let imk = imk();
        assert_eq!(arqc(&imk, Cvn::Visa10, b"").unwrap_err().code(), "keys.wrong_usage");
        assert_eq!(session_key(&imk, Cvn::Visa18, &[0, 1]).unwrap_err().code(), "keys.wrong_usage");
        assert_eq!(arpc_method1(&imk, &[0; 8], b"00").unwrap_err().code(), "keys.wrong_usage");
        // A MAC key cannot derive ICC master keys; nor can a PIN key be an issuer.
        let mak = Key::dangerous_from_hex(Algorithm::Tdes2, KeyUsage::MacBoth, IMK).unwrap();
        let e = derive_icc_master_key(&mak, "4761739001010010", "00", MasterKeyOption::OptionA).unwrap_err();
        assert_eq!(e.code(), "keys.wrong_usage");
        let pik = Key::dangerous_from_hex(Algorithm::Tdes2, KeyUsage::PinEncryption, IMK).unwrap();
        assert_eq!(Issuer::new(pik).unwrap_err().code(), "keys.wrong_usage");
        // A verify-only key verifies but cannot answer; its session keys stay verify-only.
        let v = Key::dangerous_from_hex(Algorithm::Tdes2, KeyUsage::MacVerify, IMK).unwrap();
        let sk = session_key(&v, Cvn::Visa18, &[0, 1]).unwrap();
        assert_eq!(sk.usage(), KeyUsage::MacVerify);
        assert_eq!(arpc_method2(&sk, &[0; 8], &[0; 4], &[]).unwrap_err().code(), "keys.wrong_usage");
        // Single DES and 3TDEA are refused.
        let k3 = Key::dangerous_from_hex(Algorithm::Tdes3, KeyUsage::IssuerMasterKey, &IMK.repeat(2)[..48]).unwrap();
        assert_eq!(Issuer::new(k3).unwrap_err().code(), "keys.wrong_algorithm");
    }

    #[test]
    fn inputs_are_checked_and_named() {
        let e = derive_icc_master_key(&imk(), "4761 7390", "00", MasterKeyOption::OptionA).unwrap_err();
        assert_eq!(e.to_string(), "pan (5A) has a character that is not a decimal digit at offset 4");
        let e = derive_icc_master_key(&imk(), "47617390010100101234", "00", MasterKeyOption::OptionA).unwrap_err();
        assert_eq!(e.to_string(), "pan (5A) must be 1 to 19 digits, got 20");
        let e = derive_icc_master_key(&imk(), "", "00", MasterKeyOption::OptionA).unwrap_err();
        assert_eq!(e.code(), "emv.bad_length");
        let e = derive_icc_master_key(&imk(), "4761739001010010", "1", MasterKeyOption::OptionA).unwrap_err();
        assert_eq!(e.to_string(), "psn (5F34) must be 2 digits, got 1");
        let mk = Key::dangerous_from_hex(Algorithm::Tdes2, KeyUsage::MacBoth, IMK).unwrap();
        assert_eq!(session_key(&mk, Cvn::Visa18, &[1]).unwrap_err().to_string(), "atc (9F36) must be 2 bytes, got 1");
        assert_eq!(verify_arqc(&mk, Cvn::Visa10, b"", &[0; 4]).unwrap_err().code(), "emv.bad_length");
        assert_eq!(arpc_method1(&mk, &[0; 8], b"0").unwrap_err().to_string(), "arc (8A) must be 2 bytes, got 1");
        assert_eq!(arpc_method2(&mk, &[0; 8], &[0; 4], &[0; 9]).unwrap_err().code(), "emv.bad_length");
        assert_eq!(Cvn::from_number(22).unwrap_err().code(), "emv.unsupported_cvn");
    }

    #[test]
    fn arpc_data_follows_the_cvn() {
        let e = ArpcData::for_cvn(Cvn::Visa10, None, None, None).unwrap_err();
        assert_eq!(e.to_string(), "arc (8A) is required for CVN 10 (ARPC method 1)");
        let e = ArpcData::for_cvn(Cvn::Visa10, Some(b"00"), Some(&[0; 4]), None).unwrap_err();
        assert_eq!(e.code(), "emv.unexpected_input");
        assert_eq!(e.field(), Some("csu"));
        let e = ArpcData::for_cvn(Cvn::Visa18, Some(b"00"), Some(&[0; 4]), None).unwrap_err();
        assert_eq!(e.field(), Some("arc"));
        let e = ArpcData::for_cvn(Cvn::Visa18, None, None, Some(&[1])).unwrap_err();
        assert_eq!(e.code(), "emv.missing_input");
        let d = ArpcData::for_cvn(Cvn::Visa18, None, Some(&[0, 0, 0, 1]), Some(&[9, 9])).unwrap();
        assert_eq!(d.issuer_authentication_data(&[0xAA; 4]), [0xAA, 0xAA, 0xAA, 0xAA, 0, 0, 0, 1, 9, 9]);
        let issuer = Issuer::new(imk()).unwrap();
        let e = issuer.arpc("4761739001010010", "00", &[0, 1], &[0; 8], Cvn::Visa10, &d).unwrap_err();
        assert_eq!(e.code(), "emv.arpc_method_mismatch");
    }

    #[test]
    fn cvn18_end_to_end_published_example() {
        // pyemv tests/test_cvn_hsm.py test_visa_cvn18 (checked against an HSM there).
        let issuer = Issuer::new(imk()).unwrap();
        let (pan, psn, atc) = ("1234567890123456", "00", [0x00, 0x1C]);
        assert_eq!(kcv2(&issuer.icc_master_key(pan, psn, Cvn::Visa18).unwrap()), "BAB0");
        assert_eq!(kcv2(&issuer.ac_key(pan, psn, &atc, Cvn::Visa18).unwrap()), "22C8");
        let data =
            hex_decode("0000000040000000000000000124800004800001241911050152BF45851800001C06011203A0B800").unwrap();
        let arqc = hex_decode("7A788EA6B8A3E733").unwrap();
        issuer.check_arqc(pan, psn, &atc, &data, &arqc, Cvn::Visa18).unwrap();
        assert_eq!(
            issuer.check_arqc(pan, psn, &[0x00, 0x1D], &data, &arqc, Cvn::Visa18).unwrap_err().code(),
            "emv.arqc_mismatch"
        );
        let arpc = issuer.arpc(pan, psn, &atc, &arqc, Cvn::Visa18, &ArpcData::method2(&[0; 4], &[]).unwrap()).unwrap();
        assert_eq!(hex_encode(&arpc), "9AF514C1");
    }

    #[test]
    fn debug_shows_no_key() {
        let s = format!("{:?}", Issuer::new(imk()).unwrap());
        assert!(!s.contains(IMK) && !s.contains("0123456789"), "{s}");
        assert!(s.contains("IssuerMasterKey"), "{s}");
    }
}
