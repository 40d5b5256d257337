//! The simulated issuer's chip checks: the ARQC of field 55 verified under the card's keys
//! (derived from the issuer master key by `poscore::emv`), and the ARPC that answers it (tag 91).
//!
//! The ARQC input is what the terminal sends in field 55, in the order of the Visa CDOL data
//! pyemv's `VisaCVN10` / `VisaCVN18` take it: 9F02, 9F03, 9F1A, 95, 5F2A, 9A, 9C, 9F37, 82,
//! 9F36, then the card verification results (9F10 bytes 4-7) for CVN 10 or the whole issuer
//! application data for CVN 18. The CVN is byte 3 of 9F10 (Visa layout: length, key index, CVN,
//! CVR). A card of any other CVN (UnionPay's PBOC CVN 01, for example) is not checked: the
//! simulator cannot compute it, and says so by approving as before.

use poscore::emv::{ArpcData, Cvn, Issuer};
use poscore::keys::{Algorithm, Key, KeyUsage};
use poscore::tlv::{self, Tag};

/// The published test issuer master key (the well-known 2TDEA test value) the test cards' keys
/// derive from.
pub const TEST_IMK: &str = "0123456789ABCDEFFEDCBA9876543210";

/// Field 39 of a chip request whose ARQC does not verify: 05, do not honour (no UnionPay source
/// names a code for it).
pub const ARQC_FAILED: &str = "05";

/// The simulator's issuer.
pub fn test_issuer() -> Issuer {
    let imk = Key::dangerous_from_hex(Algorithm::Tdes2, KeyUsage::IssuerMasterKey, TEST_IMK).expect("test IMK");
    Issuer::new(imk).expect("an issuer master key")
}

/// A verified card cryptogram, what the ARPC needs.
#[derive(Debug, Clone)]
pub struct Verified {
    pan: String,
    psn: String,
    atc: Vec<u8>,
    arqc: Vec<u8>,
    cvn: Cvn,
}

/// The outcome of the ARQC check.
#[derive(Debug, Clone)]
pub enum Check {
    /// The ARQC matches.
    Verified(Verified),
    /// A CVN the simulator does not compute, or no cryptogram at all.
    Unverifiable,
    /// The ARQC does not match (or its data is unreadable).
    Failed,
}

/// The CVN byte of 9F10 and the ARQC input of field 55 (see the module docs).
pub fn arqc_input(items: &[tlv::Tlv]) -> Option<(Cvn, Vec<u8>)> {
    let get = |t: u32| tlv::find(items, Tag(t)).and_then(tlv::Tlv::bytes);
    let iad = get(0x9F10)?;
    let cvn = Cvn::from_number(u32::from(*iad.get(2)?)).ok()?;
    let mut data = Vec::new();
    data.extend(get(0x9F02)?);
    data.extend(get(0x9F03).unwrap_or(&[0; 6]));
    for t in [0x9F1A, 0x95, 0x5F2A, 0x9A, 0x9C, 0x9F37, 0x82, 0x9F36] {
        data.extend(get(t)?);
    }
    match cvn {
        Cvn::Visa10 => data.extend(iad.get(3..7)?),
        _ => data.extend(iad),
    }
    Some((cvn, data))
}

/// Two-digit PAN sequence number from field 23 (`001` → `01`).
fn psn(f23: Option<&str>) -> String {
    let s = f23.unwrap_or("00");
    s[s.len().saturating_sub(2)..].to_owned()
}

/// Checks the ARQC of a chip request (`pan`, field 23, field 55).
pub fn check(issuer: &Issuer, pan: &str, f23: Option<&str>, f55: &[u8]) -> Check {
    let Ok(items) = tlv::decode(f55) else { return Check::Failed };
    let Some(arqc) = tlv::find(&items, Tag(0x9F26)).and_then(tlv::Tlv::bytes) else { return Check::Unverifiable };
    let Some((cvn, data)) = arqc_input(&items) else { return Check::Unverifiable };
    let Some(atc) = tlv::find(&items, Tag(0x9F36)).and_then(tlv::Tlv::bytes) else { return Check::Failed };
    let psn = psn(f23);
    match issuer.check_arqc(pan, &psn, atc, &data, arqc, cvn) {
        Ok(()) => Check::Verified(Verified { pan: pan.to_owned(), psn, atc: atc.to_vec(), arqc: arqc.to_vec(), cvn }),
        Err(_) => Check::Failed,
    }
}

/// Tag 91 (as a TLV object) answering a verified ARQC: method 1 with ARC `00` for CVN 10,
/// method 2 with CSU `00000000` for CVN 18.
pub fn arpc_91(issuer: &Issuer, v: &Verified) -> Option<Vec<u8>> {
    let data = match v.cvn {
        Cvn::Visa10 => ArpcData::method1(b"00").ok()?,
        _ => ArpcData::method2(&[0; 4], &[]).ok()?,
    };
    let arpc = issuer.arpc(&v.pan, &v.psn, &v.atc, &v.arqc, v.cvn, &data).ok()?;
    Some(tlv::encode(&[tlv::Tlv::primitive(Tag(0x91), data.issuer_authentication_data(&arpc))]))
}

/// Field 55 of a test card with a real ARQC: `template` (hex, whose 9F26 is replaced) signed
/// under the card's keys. How the constant in [`crate::cards::ICC_DATA`] was made.
pub fn sign(issuer: &Issuer, pan: &str, psn2: &str, template: &str) -> Option<String> {
    let mut items = tlv::decode(&poscore::keys::hex_decode(template).ok()?).ok()?;
    let (cvn, data) = arqc_input(&items)?;
    let atc = tlv::find(&items, Tag(0x9F36)).and_then(tlv::Tlv::bytes)?.to_vec();
    let key = issuer.ac_key(pan, psn2, &atc, cvn).ok()?;
    let ac = poscore::emv::arqc(&key, cvn, &data).ok()?;
    for i in &mut items {
        if i.tag == Tag(0x9F26) {
            i.value = tlv::Value::Primitive(ac.to_vec());
        }
    }
    Some(poscore::keys::hex_encode(&tlv::encode(&items)))
}
