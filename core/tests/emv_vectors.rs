//! Runs tests/vectors/emv.json, the vectors every surface runs.
#![allow(clippy::similar_names)] // ARQC and ARPC are the EMV names

#[cfg(target_arch = "wasm32")]
#[macro_use]
extern crate poscore_test_macro; // `#[test]` under wasm-pack test (core/test-macro)

#[path = "support/vectors.rs"]
mod support;
use support::{list, s};

use poscore::emv::{self, AcPadding, ArpcData, Cvn, Issuer, MasterKeyOption};
use poscore::keys::{hex_decode, hex_encode, Algorithm, KcvMethod, Key, KeyUsage};
use serde_json::Value;

fn vectors() -> Value {
    support::load!("emv.json")
}

fn h(v: &Value, field: &str) -> Vec<u8> {
    hex_decode(s(v, field)).unwrap()
}

fn opt(v: &Value, field: &str) -> Option<Vec<u8>> {
    v[field].as_str().map(|x| hex_decode(x).unwrap())
}

fn usage(name: &str) -> KeyUsage {
    serde_json::from_value(Value::String(name.to_owned())).expect("key usage")
}

fn key(v: &Value, field: &str, usage: KeyUsage) -> Key {
    Key::dangerous_from_hex(Algorithm::Tdes2, usage, s(v, field)).unwrap()
}

/// Compares `k` with the vector's full key `field` and/or its 2-byte check value `field_kcv`.
fn check_key(v: &Value, field: &str, k: &Key) {
    if let Some(want) = v[field].as_str() {
        assert_eq!(hex_encode(k.dangerous_reveal()), want, "{field} {v}");
    }
    if let Some(want) = v[format!("{field}_kcv")].as_str() {
        assert_eq!(hex_encode(&k.kcv(KcvMethod::EncryptZeros, 2)), want, "{field}_kcv {v}");
    }
}

fn cvn(v: &Value) -> poscore::Result<Cvn> {
    Ok(Cvn::from_number(u32::try_from(v["cvn"].as_u64().expect("cvn")).expect("cvn"))?)
}

#[test]
fn emv_every_vector_cites_a_source() {
    support::assert_sources_in_map(&vectors());
}

#[test]
fn emv_icc_master_keys() {
    for v in list(&vectors(), "icc_master_keys") {
        let option = MasterKeyOption::from_name(s(v, "option")).unwrap();
        let k = emv::derive_icc_master_key(&key(v, "imk", KeyUsage::IssuerMasterKey), s(v, "pan"), s(v, "psn"), option)
            .unwrap();
        assert_eq!(k.usage(), KeyUsage::MacBoth);
        check_key(v, "icc_master_key", &k);
    }
}

#[test]
fn emv_session_keys() {
    for v in list(&vectors(), "session_keys") {
        let mk = key(v, "master_key", KeyUsage::MacBoth);
        let sk = match opt(v, "r") {
            Some(r) => emv::common_session_key(&mk, &r).unwrap(),
            None => emv::session_key(&mk, cvn(v).unwrap(), &h(v, "atc")).unwrap(),
        };
        check_key(v, "session_key", &sk);
    }
}

/// The ARPC a vector asks for under `k`: method 1 with `arc`, method 2 with `csu`.
fn arpc(v: &Value, k: &Key, arqc: &[u8]) -> Option<Vec<u8>> {
    if let Some(arc) = opt(v, "arc") {
        return Some(emv::arpc_method1(k, arqc, &arc).unwrap().to_vec());
    }
    let csu = opt(v, "csu")?;
    Some(emv::arpc_method2(k, arqc, &csu, &opt(v, "prop_auth_data").unwrap_or_default()).unwrap().to_vec())
}

#[test]
fn emv_cryptograms() {
    for v in list(&vectors(), "cryptograms") {
        let k = key(v, "key", KeyUsage::MacBoth);
        let arqc = h(v, "arqc");
        if let Some(data) = opt(v, "data") {
            let padding = AcPadding::from_name(s(v, "padding")).unwrap();
            assert_eq!(emv::application_cryptogram(&k, &data, padding).unwrap().to_vec(), arqc, "{v}");
        }
        if let Some(got) = arpc(v, &k, &arqc) {
            assert_eq!(hex_encode(&got), s(v, "arpc"), "{v}");
        }
    }
}

#[test]
fn emv_chains() {
    for v in list(&vectors(), "chains") {
        let option = MasterKeyOption::from_name(s(v, "option")).unwrap();
        let imk = key(v, "imk", KeyUsage::IssuerMasterKey);
        let mk = emv::derive_icc_master_key(&imk, s(v, "pan"), s(v, "psn"), option).unwrap();
        check_key(v, "icc_master_key", &mk);
        let sk = emv::common_session_key(&mk, &h(v, "r")).unwrap();
        check_key(v, "session_key", &sk);
        let padding = AcPadding::from_name(s(v, "padding")).unwrap();
        let arqc = emv::application_cryptogram(&sk, &h(v, "data"), padding).unwrap();
        assert_eq!(hex_encode(&arqc), s(v, "arqc"), "{v}");
        let k = if s(v, "arpc_key") == "icc_master_key" { &mk } else { &sk };
        assert_eq!(hex_encode(&arpc(v, k, &arqc).unwrap()), s(v, "arpc"), "{v}");
    }
}

/// A whole transaction through [`Issuer`]: keys, ARQC check, ARPC and tag 91. Error vectors run
/// the same steps and expect the first failing one's error.
fn transaction(v: &Value) -> poscore::Result<()> {
    let imk_usage = v["imk_usage"].as_str().map_or(KeyUsage::IssuerMasterKey, usage);
    let issuer = Issuer::new(key(v, "imk", imk_usage))?;
    let cvn = cvn(v)?;
    let (pan, psn, atc) = (s(v, "pan"), s(v, "psn"), h(v, "atc"));
    let mk = issuer.icc_master_key(pan, psn, cvn)?;
    check_key(v, "icc_master_key", &mk);
    let sk = issuer.ac_key(pan, psn, &atc, cvn)?;
    check_key(v, "session_key", &sk);
    let (data, arqc) = (h(v, "data"), h(v, "arqc"));
    issuer.check_arqc(pan, psn, &atc, &data, &arqc, cvn)?;
    assert_eq!(emv::arqc(&sk, cvn, &data)?.to_vec(), arqc, "{v}");
    emv::verify_arqc(&sk, cvn, &data, &arqc)?;
    let (resp_code, csu, prop) = (opt(v, "arc"), opt(v, "csu"), opt(v, "prop_auth_data"));
    let response = ArpcData::for_cvn(cvn, resp_code.as_deref(), csu.as_deref(), prop.as_deref())?;
    let answer = issuer.arpc(pan, psn, &atc, &arqc, cvn, &response)?;
    assert_eq!(hex_encode(&answer), s(v, "arpc"), "{v}");
    if let Some(want) = v["issuer_authentication_data"].as_str() {
        assert_eq!(hex_encode(&response.issuer_authentication_data(&answer)), want, "{v}");
    }
    Ok(())
}

#[test]
fn emv_issuer() {
    for v in list(&vectors(), "issuer") {
        transaction(v).unwrap_or_else(|e| panic!("{e} {v}"));
    }
}

#[test]
fn emv_errors() {
    for v in list(&vectors(), "errors") {
        let e = transaction(v).expect_err(&v.to_string());
        assert_eq!(e.code(), s(v, "error"), "{e} {v}");
        // No error names the PAN or a key.
        let text = format!("{e} {e:?}");
        assert!(!text.contains(s(v, "pan")) || s(v, "pan").len() < 6, "{text}");
        assert!(!text.contains(s(v, "imk")), "{text}");
    }
}

/// Every flipped bit of the ARQC, or of the data, fails; the right one passes.
#[test]
fn emv_arqc_verification_is_exact() {
    let file = vectors();
    let v = &list(&file, "issuer")[1];
    let issuer = Issuer::new(key(v, "imk", KeyUsage::IssuerMasterKey)).unwrap();
    let cvn = cvn(v).unwrap();
    let (pan, psn, atc, data, arqc) = (s(v, "pan"), s(v, "psn"), h(v, "atc"), h(v, "data"), h(v, "arqc"));
    issuer.check_arqc(pan, psn, &atc, &data, &arqc, cvn).unwrap();
    for i in 0..64 {
        let mut bad = arqc.clone();
        bad[i / 8] ^= 1 << (i % 8);
        let e = issuer.check_arqc(pan, psn, &atc, &data, &bad, cvn).unwrap_err();
        assert_eq!(e.code(), "emv.arqc_mismatch");
    }
    for i in 0..data.len() {
        let mut bad = data.clone();
        bad[i] ^= 0x80;
        assert!(issuer.check_arqc(pan, psn, &atc, &bad, &arqc, cvn).is_err(), "byte {i}");
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

    /// Whatever a host passes (any PAN or PSN text, any byte lengths), the issuer answers with a
    /// result, never a panic; and what it computes itself always verifies.
    #[test]
    fn emv_issuer_never_panics(
        pan in "[0-9]{0,21}|\\PC{0,6}",
        psn in "[0-9]{2}|[0-9A]{0,3}",
        atc in proptest::collection::vec(proptest::num::u8::ANY, 0..4),
        data in proptest::collection::vec(proptest::num::u8::ANY, 0..64),
        arqc in proptest::collection::vec(proptest::num::u8::ANY, 0..10),
        csu in proptest::collection::vec(proptest::num::u8::ANY, 0..6),
        prop in proptest::collection::vec(proptest::num::u8::ANY, 0..10),
        cvn18 in proptest::bool::ANY,
    ) {
        let issuer = Issuer::new(Key::dangerous_from_hex(Algorithm::Tdes2, KeyUsage::IssuerMasterKey, "0123456789ABCDEFFEDCBA9876543210").unwrap()).unwrap();
        let cvn = if cvn18 { Cvn::Visa18 } else { Cvn::Visa10 };
        let _ = issuer.check_arqc(&pan, &psn, &atc, &data, &arqc, cvn);
        let _ = ArpcData::for_cvn(cvn, Some(&csu[..csu.len().min(2)]), Some(&csu), Some(&prop));
        if let Ok(response) = ArpcData::for_cvn(cvn, (!cvn18).then_some(&csu[..csu.len().min(2)]), cvn18.then_some(&csu[..]), cvn18.then_some(&prop[..])) {
            let _ = issuer.arpc(&pan, &psn, &atc, &arqc, cvn, &response);
        }
        if let Ok(key) = issuer.ac_key(&pan, &psn, &atc, cvn) {
            let ac = emv::arqc(&key, cvn, &data).unwrap();
            issuer.check_arqc(&pan, &psn, &atc, &data, &ac, cvn).unwrap();
        }
    }
}
