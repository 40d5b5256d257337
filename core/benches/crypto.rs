//! Payment cryptography benchmarks, next to the raw block cipher they are built on, so the
//! overhead poscore adds (parsing, key checks, zeroizing, allocation) is visible.
//!
//! `cargo bench -p poscore --bench crypto`; `tests/diff/crypto_bench.py` times pyemv/psec for the
//! same operations.

use std::hint::black_box;

use cipher::{BlockEncrypt, KeyInit};
use criterion::{criterion_group, criterion_main, Criterion};
use poscore::dukpt::{self, AesKeyUsage};
use poscore::keys::{hex_decode, Algorithm, Key, KeyUsage};
use poscore::mac::{self, MacAlgorithm, Padding};
use poscore::pin::{self, Pin, PinFormat};
use poscore::rng::SeededRng;

fn key(alg: Algorithm, usage: KeyUsage, hex: &str) -> Key {
    Key::dangerous_from_hex(alg, usage, hex).unwrap()
}

fn raw(c: &mut Criterion) {
    let mut g = c.benchmark_group("raw");
    let des = des::Des::new_from_slice(&hex_decode("0123456789ABCDEF").unwrap()).unwrap();
    let tdes = des::TdesEde2::new_from_slice(&hex_decode("0123456789ABCDEFFEDCBA9876543210").unwrap()).unwrap();
    let aes = aes::Aes128::new_from_slice(&[7u8; 16]).unwrap();
    g.bench_function("des_block", |b| {
        let mut blk = [0u8; 8];
        b.iter(|| des.encrypt_block(black_box((&mut blk).into())));
    });
    g.bench_function("tdes_block", |b| {
        let mut blk = [0u8; 8];
        b.iter(|| tdes.encrypt_block(black_box((&mut blk).into())));
    });
    g.bench_function("aes128_block", |b| {
        let mut blk = [0u8; 16];
        b.iter(|| aes.encrypt_block(black_box((&mut blk).into())));
    });
    g.finish();
}

fn pin_blocks(c: &mut Criterion) {
    let mut g = c.benchmark_group("pin");
    let tdes = key(Algorithm::Tdes2, KeyUsage::PinEncryption, "0123456789ABCDEFFEDCBA9876543210");
    let aes = key(Algorithm::Aes128, KeyUsage::PinEncryption, "000102030405060708090A0B0C0D0E0F");
    let p = Pin::new("1234").unwrap();
    let mut rng = SeededRng::new(1);
    g.bench_function("format0_encrypt_tdes", |b| {
        b.iter(|| pin::encrypt_pin(&tdes, PinFormat::Iso0, black_box(&p), Some("4761739001010010"), &mut rng).unwrap());
    });
    g.bench_function("format4_encrypt_aes", |b| {
        b.iter(|| pin::encrypt_pin(&aes, PinFormat::Iso4, black_box(&p), Some("4761739001010010"), &mut rng).unwrap());
    });
    g.finish();
}

fn macs(c: &mut Criterion) {
    let mut g = c.benchmark_group("mac");
    let k = key(Algorithm::Tdes2, KeyUsage::MacBoth, "0123456789ABCDEFFEDCBA9876543210");
    let data = vec![0x5Au8; 200];
    g.bench_function("x9.19_200_bytes", |b| {
        b.iter(|| mac::generate(&k, MacAlgorithm::Iso9797Alg3, black_box(&data), Padding::Method1).unwrap());
    });
    g.bench_function("cup_ecb_200_bytes", |b| {
        b.iter(|| mac::generate(&k, MacAlgorithm::CupEcb, black_box(&data), Padding::Method1).unwrap());
    });
    let a = key(Algorithm::Aes128, KeyUsage::MacBoth, "2B7E151628AED2A6ABF7158809CF4F3C");
    g.bench_function("aes_cmac_200_bytes", |b| {
        b.iter(|| mac::generate(&a, MacAlgorithm::AesCmac, black_box(&data), Padding::Method1).unwrap());
    });
    g.finish();
}

fn dukpts(c: &mut Criterion) {
    let mut g = c.benchmark_group("dukpt");
    let bdk = key(Algorithm::Tdes2, KeyUsage::Bdk, "0123456789ABCDEFFEDCBA9876543210");
    // Counter 0x1FF800: ten one-bits, the most work a TDES DUKPT host ever does.
    let worst = hex_decode("FFFF9876543210FFF800").unwrap();
    g.bench_function("tdes_worst_counter_from_bdk", |b| {
        b.iter(|| dukpt::tdes_derive(&bdk, black_box(&worst)).unwrap());
    });
    let abdk = key(Algorithm::Aes128, KeyUsage::Bdk, "FEDCBA9876543210F1F1F1F1F1F1F1F1");
    // Counter FFFF0000: sixteen one-bits, the AES worst case.
    let aworst = hex_decode("1234567890123456FFFF0000").unwrap();
    g.bench_function("aes128_worst_counter_from_bdk", |b| {
        b.iter(|| dukpt::aes_derive(&abdk, black_box(&aworst), AesKeyUsage::Pin, Algorithm::Aes128).unwrap());
    });
    g.finish();
}

criterion_group!(benches, raw, pin_blocks, macs, dukpts);
criterion_main!(benches);
