//! A DUKPT terminal's registers survive a restart through the store, sealed: the restored
//! terminal continues with the next KSN, and the store never holds key material in clear.

#[cfg(target_arch = "wasm32")]
#[macro_use]
extern crate poscore_test_macro; // `#[test]` under wasm-pack test (core/test-macro)

use poscore::dukpt::{self, TdesTerminal};
use poscore::keys::{hex_decode, Algorithm, Key, KeyUsage};
use poscore::rng::SeededRng;
use poscore::store::{MemoryStore, Store};

fn sealing_key() -> Key {
    Key::dangerous_from_hex(Algorithm::Aes256, KeyUsage::KeyEncryption, &"A5".repeat(32)).unwrap()
}

#[test]
fn tdes_terminal_restores_and_never_reuses_a_ksn() {
    // ANSI X9.24-1 example: BDK 0123456789ABCDEFFEDCBA9876543210, KSN FFFF9876543210E00000.
    let bdk = Key::dangerous_from_hex(Algorithm::Tdes2, KeyUsage::Bdk, "0123456789ABCDEFFEDCBA9876543210").unwrap();
    let ksn = hex_decode("FFFF9876543210E00000").unwrap();
    let ipek = dukpt::tdes_ipek(&bdk, &ksn).unwrap();
    let mut store = MemoryStore::new();
    let mut rng = SeededRng::new(7);
    let key = sealing_key();

    let mut t = TdesTerminal::load(&ipek, &ksn).unwrap();
    let first = t.next_transaction().unwrap();
    t.save(&mut store, "dukpt/pin", &key, &mut rng).unwrap();
    assert_eq!(first.ksn, hex_decode("FFFF9876543210E00001").unwrap());

    // Power loss: only the store is left.
    drop(t);
    let mut restored = TdesTerminal::restore(&store, "dukpt/pin", &key).unwrap().expect("saved state");
    let second = restored.next_transaction().unwrap();
    assert_eq!(second.ksn, hex_decode("FFFF9876543210E00002").unwrap());

    // The record is sealed: no register appears in it, and another key or record name fails.
    let sealed = store.get("dukpt/pin").unwrap().unwrap();
    let mut clear = TdesTerminal::load(&ipek, &ksn).unwrap();
    clear.next_transaction().unwrap();
    let state = clear.dangerous_export_state();
    assert!(!sealed.windows(16).any(|w| state.windows(16).skip(11).any(|s| s == w)));
    let other = Key::dangerous_from_hex(Algorithm::Aes256, KeyUsage::KeyEncryption, &"5A".repeat(32)).unwrap();
    assert!(TdesTerminal::restore(&store, "dukpt/pin", &other).is_err());
    store.put("dukpt/mac", &sealed).unwrap();
    assert!(TdesTerminal::restore(&store, "dukpt/mac", &key).is_err());
    assert!(TdesTerminal::restore(&store, "dukpt/none", &key).unwrap().is_none());
}
