//! Property tests: crypto parsers never panic on arbitrary input, and encodings round-trip.

#[cfg(target_arch = "wasm32")]
#[macro_use]
extern crate poscore_test_macro; // `#[test]` under wasm-pack test (core/test-macro)

use poscore::dukpt::{AesTerminal, TdesTerminal};
use poscore::keys::{self, hex_decode, Algorithm, Key, KeyUsage, WorkingKeys};
use poscore::mac::{self, MacAlgorithm, Padding};
use poscore::pin::{self, Pin, PinBlock, PinFormat};
use poscore::rng::SeededRng;
use poscore::tr31::{self, Header, OptionalBlock};
use proptest::prelude::*;

/// A masked length no allocation survives: 10^11, or on a 32-bit usize (wasm32) half its range.
const ABSURD_LEN: usize = if usize::BITS >= 64 { 100_000_000_000_u64 as usize } else { usize::MAX / 2 };

fn key(alg: Algorithm, usage: KeyUsage, hex: &str) -> Key {
    Key::dangerous_from_hex(alg, usage, hex).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn pin_decode_never_panics(f in 0u8..5, bytes in proptest::collection::vec(any::<u8>(), 0..20), pan in "[0-9]{0,20}") {
        if let Ok(format) = PinFormat::from_number(f) {
            if let Ok(b) = PinBlock::dangerous_from_bytes(format, &bytes) {
                let _ = pin::decode(&b, Some(&pan));
                let _ = pin::decode(&b, None);
            }
            let k = key(Algorithm::Tdes2, KeyUsage::PinEncryption, "0123456789ABCDEFFEDCBA9876543210");
            let _ = pin::decrypt_pin(&k, format, &bytes, Some(&pan));
        }
    }

    #[test]
    fn pin_round_trips(f in 0u8..5, p in "[0-9]{4,12}", pan in "[0-9]{13,19}", seed in any::<u64>()) {
        let format = PinFormat::from_number(f).unwrap();
        let k = if format == PinFormat::Iso4 {
            key(Algorithm::Aes128, KeyUsage::PinEncryption, "000102030405060708090A0B0C0D0E0F")
        } else {
            key(Algorithm::Tdes2, KeyUsage::PinEncryption, "0123456789ABCDEFFEDCBA9876543210")
        };
        let enc = pin::encrypt_pin(&k, format, &Pin::new(&p).unwrap(), Some(&pan), &mut SeededRng::new(seed)).unwrap();
        let back = pin::decrypt_pin(&k, format, &enc, Some(&pan)).unwrap();
        prop_assert_eq!(back.dangerous_reveal(), p.as_str());
    }

    #[test]
    fn field62_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..80)) {
        let tmk = key(Algorithm::Tdes2, KeyUsage::KeyEncryption, "0123456789ABCDEFFEDCBA9876543210");
        let _ = keys::parse_field62(&tmk, &bytes);
    }

    #[test]
    fn field62_round_trips(pik in proptest::array::uniform16(any::<u8>()), mak in proptest::collection::vec(any::<u8>(), 8..=8), tdk in proptest::option::of(proptest::array::uniform16(any::<u8>()))) {
        let tmk = key(Algorithm::Tdes2, KeyUsage::KeyEncryption, "0123456789ABCDEFFEDCBA9876543210");
        let wk = WorkingKeys {
            pik: Key::dangerous_from_bytes(Algorithm::Tdes2, KeyUsage::PinEncryption, &pik).unwrap(),
            mak: Key::dangerous_from_bytes(Algorithm::Des, KeyUsage::MacBoth, &mak).unwrap(),
            tdk: tdk.map(|t| Key::dangerous_from_bytes(Algorithm::Tdes2, KeyUsage::DataEncryption, &t).unwrap()),
        };
        let back = keys::parse_field62(&tmk, &keys::build_field62(&tmk, &wk).unwrap()).unwrap();
        prop_assert_eq!(back.pik.dangerous_reveal(), &pik[..]);
        prop_assert_eq!(back.mak.dangerous_reveal(), &mak[..]);
    }

    #[test]
    fn hex_never_panics(s in "\\PC{0,40}") {
        let _ = hex_decode(&s);
    }

    #[test]
    fn mac_verify_never_panics(data in proptest::collection::vec(any::<u8>(), 0..100), m in proptest::collection::vec(any::<u8>(), 0..20),
                               expected_len in prop_oneof![0usize..20, Just(usize::MAX)]) {
        let k = key(Algorithm::Tdes2, KeyUsage::MacBoth, "0123456789ABCDEFFEDCBA9876543210");
        for alg in [MacAlgorithm::Iso9797Alg1, MacAlgorithm::Iso9797Alg3, MacAlgorithm::CupEcb] {
            let r = mac::verify(&k, alg, &data, Padding::Method2, &m, expected_len);
            // Only a tag of exactly the expected length is ever compared.
            if m.len() != expected_len {
                prop_assert_eq!(r.unwrap_err().code(), "mac.bad_length");
            }
        }
    }

    #[test]
    fn mac_truncation_never_verifies_at_another_length(data in proptest::collection::vec(any::<u8>(), 0..100), cut in 4usize..8) {
        let k = key(Algorithm::Tdes2, KeyUsage::MacBoth, "0123456789ABCDEFFEDCBA9876543210");
        for alg in [MacAlgorithm::Iso9797Alg1, MacAlgorithm::Iso9797Alg3, MacAlgorithm::CupEcb] {
            let m = mac::generate(&k, alg, &data, Padding::Method2).unwrap();
            prop_assert!(mac::verify(&k, alg, &data, Padding::Method2, &m, 8).is_ok());
            prop_assert!(mac::verify(&k, alg, &data, Padding::Method2, &m[..cut], cut).is_ok());
            prop_assert_eq!(mac::verify(&k, alg, &data, Padding::Method2, &m[..cut], 8).unwrap_err().code(), "mac.bad_length");
        }
    }

    #[test]
    fn tr31_unwrap_never_panics(s in "\\PC{0,120}", ascii in "[A-Z0-9]{0,16}[ -~]{0,100}") {
        let kbpk = key(Algorithm::Tdes2, KeyUsage::KeyEncryption, "DD7515F2BFC17F85CE48F3CA25CB21F6");
        let _ = tr31::unwrap(&kbpk, &s);
        let _ = tr31::unwrap(&kbpk, &ascii);
        let _ = Header::parse(&s);
        let b = format!("B0080P0TE00E0{ascii}");
        let _ = tr31::unwrap(&kbpk, &b);
    }

    #[test]
    fn tr31_round_trips(version in prop_oneof![Just("B"), Just("D")], usage in "[A-Z][0-9]", mode in "[A-Z]", kv in "[0-9]{2}",
                        ks in proptest::option::of("[ -~]{0,40}"), seed in any::<u64>(), key_bytes in proptest::array::uniform16(any::<u8>())) {
        let (kbpk, alg) = if version == "B" {
            (key(Algorithm::Tdes3, KeyUsage::KeyEncryption, "0123456789ABCDEFFEDCBA987654321089ABCDEF01234567"), "T")
        } else {
            (key(Algorithm::Aes256, KeyUsage::KeyEncryption, "603DEB1015CA71BE2B73AEF0857D77811F352C073B6108D72D9810A30914DFF4"), "A")
        };
        let mut h = Header::new(version, &usage, alg, &mode, &kv, "N");
        if let Some(d) = ks {
            h.optional_blocks.push(OptionalBlock { id: "KS".into(), data: d });
        }
        let k = Key::dangerous_from_bytes(if alg == "T" { Algorithm::Tdes2 } else { Algorithm::Aes128 }, KeyUsage::DataEncryption, &key_bytes).unwrap();
        let s = tr31::wrap(&kbpk, &h, &k, None, &mut SeededRng::new(seed)).unwrap();
        let kb = tr31::unwrap(&kbpk, &s).unwrap();
        prop_assert_eq!(kb.dangerous_key_bytes(), &key_bytes[..]);
        prop_assert_eq!(kb.header, h);
    }

    #[test]
    fn tr31_masked_key_len_never_panics(version in prop_oneof![Just("B"), Just("D")],
                                        masked in prop_oneof![0usize..64, 4_900usize..5_000, Just(ABSURD_LEN), Just(usize::MAX), any::<usize>()]) {
        let (kbpk, alg, k) = if version == "B" {
            (key(Algorithm::Tdes2, KeyUsage::KeyEncryption, "0123456789ABCDEFFEDCBA9876543210"), "T",
             key(Algorithm::Tdes2, KeyUsage::DataEncryption, "0123456789ABCDEFFEDCBA9876543210"))
        } else {
            (key(Algorithm::Aes256, KeyUsage::KeyEncryption, "603DEB1015CA71BE2B73AEF0857D77811F352C073B6108D72D9810A30914DFF4"), "A",
             key(Algorithm::Aes128, KeyUsage::DataEncryption, "000102030405060708090A0B0C0D0E0F"))
        };
        let h = Header::new(version, "D0", alg, "B", "00", "N");
        // A block never exceeds its 4-digit length field: a masked length that would is
        // `tr31.too_large` before anything is allocated; one that fits round-trips.
        match tr31::wrap(&kbpk, &h, &k, Some(masked), &mut SeededRng::new(1)) {
            Ok(s) => {
                prop_assert!(s.len() <= 9999);
                let kb = tr31::unwrap(&kbpk, &s).unwrap();
                prop_assert_eq!(kb.dangerous_key_bytes(), k.dangerous_reveal());
            }
            Err(e) => {
                prop_assert_eq!(e.code(), "tr31.too_large");
                prop_assert!(masked > 4_900, "{masked}: {e}");
            }
        }
    }

    #[test]
    fn stored_key_readers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..120)) {
        let _ = Key::dangerous_import(&bytes);
        let _ = WorkingKeys::dangerous_import(&bytes);
        let sk = key(Algorithm::Aes128, KeyUsage::KeyEncryption, "000102030405060708090A0B0C0D0E0F");
        let _ = keys::unseal(&sk, b"label", &bytes);
    }

    #[test]
    fn seal_round_trips(data in proptest::collection::vec(any::<u8>(), 0..100), seed in any::<u64>()) {
        let sk = key(Algorithm::Aes256, KeyUsage::KeyEncryption, "603DEB1015CA71BE2B73AEF0857D77811F352C073B6108D72D9810A30914DFF4");
        let sealed = keys::seal(&sk, b"label", &data, &mut SeededRng::new(seed)).unwrap();
        prop_assert_eq!(&keys::unseal(&sk, b"label", &sealed).unwrap()[..], &data[..]);
    }

    #[test]
    fn dukpt_state_import_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400), tag in 0u8..4) {
        let mut b = bytes;
        if !b.is_empty() { b[0] = tag; }
        let _ = TdesTerminal::dangerous_import_state(&b);
        let _ = AesTerminal::dangerous_import_state(&b);
    }
}
