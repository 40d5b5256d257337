//! No key or PIN material in any Debug or Display output.
//!
//! Formats every secret-holding type with `{:?}`, `{:#?}` and (where it exists) `{}` and looks for
//! the secret as uppercase hex, lowercase hex, the `[1, 35, ...]` byte-list form and its first
//! 4 bytes of hex, and for the PIN digits.

#[cfg(target_arch = "wasm32")]
#[macro_use]
extern crate poscore_test_macro; // `#[test]` under wasm-pack test (core/test-macro)

use poscore::dukpt::{self, AesKeyUsage, AesTerminal, TdesTerminal};
use poscore::keys::{self, hex_decode, hex_encode, Algorithm, Key, KeyUsage, WorkingKeys};
use poscore::pin::{self, Pin, PinFormat};
use poscore::rng::{FixedRng, SeededRng};
use poscore::tr31;

fn forms(secret: &[u8]) -> Vec<String> {
    let h = hex_encode(secret);
    vec![h.clone(), h.to_lowercase(), format!("{secret:?}"), h[..8].to_owned(), h[..8].to_lowercase()]
}

fn assert_clean(label: &str, text: &str, secrets: &[Vec<u8>], pins: &[&str]) {
    for s in secrets {
        for f in forms(s) {
            assert!(!text.contains(&f), "{label} leaks {f}: {text}");
        }
    }
    for p in pins {
        assert!(!text.contains(p), "{label} leaks PIN {p}: {text}");
    }
}

macro_rules! check_debug {
    ($label:expr, $v:expr, $secrets:expr, $pins:expr) => {{
        assert_clean($label, &format!("{:?}", $v), $secrets, $pins);
        assert_clean($label, &format!("{:#?}", $v), $secrets, $pins);
    }};
}

macro_rules! check_all {
    ($label:expr, $v:expr, $secrets:expr, $pins:expr) => {{
        check_debug!($label, $v, $secrets, $pins);
        assert_clean($label, &format!("{}", $v), $secrets, $pins);
    }};
}

const TMK: &str = "0123456789ABCDEFFEDCBA9876543210";
const PIK: &str = "11223344556677889900AABBCCDDEEFF";
const MAK: &str = "A1B2C3D4E5F60718";
const TDK: &str = "FFEEDDCCBBAA99887766554433221100";

fn h(s: &str) -> Vec<u8> {
    hex_decode(s).unwrap()
}

#[test]
fn keys_and_working_keys() {
    let tmk = Key::dangerous_from_hex(Algorithm::Tdes2, KeyUsage::KeyEncryption, TMK).unwrap();
    let wk = WorkingKeys {
        pik: Key::dangerous_from_hex(Algorithm::Tdes2, KeyUsage::PinEncryption, PIK).unwrap(),
        mak: Key::dangerous_from_hex(Algorithm::Des, KeyUsage::MacBoth, MAK).unwrap(),
        tdk: Some(Key::dangerous_from_hex(Algorithm::Tdes2, KeyUsage::DataEncryption, TDK).unwrap()),
    };
    let secrets = [h(TMK), h(PIK), h(MAK), h(TDK)];
    check_all!("Key", &tmk, &secrets, &[]);
    check_all!("WorkingKeys", &wk, &secrets, &[]);
    let f62 = keys::build_field62(&tmk, &wk).unwrap();
    let parsed = keys::parse_field62(&tmk, &f62).unwrap();
    check_all!("WorkingKeys (parsed)", &parsed, &secrets, &[]);
    for (alg, hex) in [
        (Algorithm::Aes256, "603DEB1015CA71BE2B73AEF0857D77811F352C073B6108D72D9810A30914DFF4"),
        (Algorithm::Sm4, "0123456789ABCDEFFEDCBA9876543210"),
        (Algorithm::Tdes3, "0123456789ABCDEFFEDCBA987654321089ABCDEF01234567"),
    ] {
        let k = Key::dangerous_from_hex(alg, KeyUsage::MacBoth, hex).unwrap();
        check_all!("Key", &k, &[h(hex)], &[]);
    }
}

#[test]
fn pins_and_pin_blocks() {
    let digits = "98765432";
    let p = Pin::new(digits).unwrap();
    check_all!("Pin", &p, &[], &[digits]);
    for f in 0..=4 {
        let format = PinFormat::from_number(f).unwrap();
        let block = pin::encode(format, &p, Some("6212345678901232"), &mut SeededRng::new(9)).unwrap();
        let clear = block.dangerous_reveal().to_vec();
        check_all!("PinBlock", &block, std::slice::from_ref(&clear), &[digits]);
    }
    check_debug!("SeededRng", SeededRng::new(77), &[], &[]);
    check_debug!("FixedRng", FixedRng::new(&h(PIK)), &[h(PIK)], &[]);
}

#[test]
fn dukpt_state() {
    let bdk_hex = "0123456789ABCDEFFEDCBA9876543210";
    let bdk = Key::dangerous_from_hex(Algorithm::Tdes2, KeyUsage::Bdk, bdk_hex).unwrap();
    let ksn = h("FFFF9876543210E00001");
    let k = dukpt::tdes_derive(&bdk, &ksn).unwrap();
    let ipek = k.ipek.clone().unwrap();
    let secrets: Vec<Vec<u8>> = [&bdk, &ipek, &k.transaction_key, &k.pin, &k.mac_request, &k.data_request]
        .iter()
        .map(|k| k.dangerous_reveal().to_vec())
        .collect();
    check_debug!("TdesKeys", &k, &secrets, &[]);
    let mut t = TdesTerminal::load(&ipek, &ksn).unwrap();
    let tx = t.next_transaction().unwrap();
    check_debug!("TdesTerminal", &t, &secrets, &[]);
    check_debug!("TdesTransaction", &tx, &secrets, &[]);

    let abdk = Key::dangerous_from_hex(Algorithm::Aes128, KeyUsage::Bdk, "FEDCBA9876543210F1F1F1F1F1F1F1F1").unwrap();
    let ak = dukpt::aes_derive(&abdk, &h("123456789012345600000001"), AesKeyUsage::Pin, Algorithm::Aes128).unwrap();
    let asecrets: Vec<Vec<u8>> = [&abdk, &ak.initial_key, &ak.derivation_key, &ak.working_key]
        .iter()
        .map(|k| k.dangerous_reveal().to_vec())
        .collect();
    check_debug!("AesKeys", &ak, &asecrets, &[]);
    let mut at = AesTerminal::load(&ak.initial_key, &h("1234567890123456")).unwrap();
    let atx = at.next_transaction().unwrap();
    check_debug!("AesTerminal", &at, &asecrets, &[]);
    check_debug!("AesTransaction", &atx, &asecrets, &[]);
}

#[test]
fn key_blocks() {
    let kbpk =
        Key::dangerous_from_hex(Algorithm::Tdes2, KeyUsage::KeyEncryption, "DD7515F2BFC17F85CE48F3CA25CB21F6").unwrap();
    let kb = tr31::unwrap(&kbpk, "B0080P0TE00E000094B420079CC80BA3461F86FE26EFC4A3B8E4FA4C5F5341176EED7B727B8A248E")
        .unwrap();
    check_debug!("KeyBlock", &kb, &[h("3F419E1CB7079442AA37474C2EFBF8B8"), h("DD7515F2BFC17F85CE48F3CA25CB21F6")], &[]);
}

#[test]
fn errors_carry_no_secrets() {
    // A KCV mismatch names the key and the check values, never the key.
    let tmk = Key::dangerous_from_hex(Algorithm::Tdes2, KeyUsage::KeyEncryption, TMK).unwrap();
    let wk = WorkingKeys {
        pik: Key::dangerous_from_hex(Algorithm::Tdes2, KeyUsage::PinEncryption, PIK).unwrap(),
        mak: Key::dangerous_from_hex(Algorithm::Tdes2, KeyUsage::MacBoth, TDK).unwrap(),
        tdk: None,
    };
    let mut f62 = keys::build_field62(&tmk, &wk).unwrap();
    f62[19] ^= 0xFF;
    let e = keys::parse_field62(&tmk, &f62).unwrap_err();
    assert_clean("KeyError", &format!("{e} {e:?}"), &[h(TMK), h(PIK), h(TDK)], &[]);
    // A PIN decode error says which check failed, not the PIN.
    let p = Pin::new("24681357").unwrap();
    let block = pin::encode(PinFormat::Iso0, &p, Some("4761739001010010"), &mut SeededRng::new(0)).unwrap();
    let e = pin::decode(&block, Some("6212345678901232")).unwrap_err();
    assert_clean("PinError", &format!("{e} {e:?}"), &[], &["24681357"]);
}
