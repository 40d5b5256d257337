//! Pack and unpack of a typical chip sale (0200 with field 55) and its approval (0210), on
//! cup-pos, iso87binary and iso87ascii. Also prints the number of heap allocations per
//! operation, counted by a global allocator.
//!
//! Run: `cargo bench -p poscore --bench iso8583`

use std::alloc::System;
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use poscore::iso8583::{Message, MessageRef, Mti, Spec};
use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// EMV data of a contact chip sale: ARQC, CID, IAD, UN, ATC, TVR, date, type, amount, currency,
/// AIP, country, other amount, terminal capabilities (about 100 bytes, typical of field 55).
const ICC: &str = "9F2608A1B2C3D4E5F607189F2701809F101307010103A0A802010A010000000000B0C1D2E39F3704DEADBEEF9F360200FF950500000000009A032611239C01009F02060000000010005F2A02015682027C009F1A0201569F03060000000000009F3303E0E1C8";

fn icc() -> Vec<u8> {
    poscore::iso8583::parse_hex(ICC).unwrap()
}

fn sale(spec: &Spec) -> Message {
    let mut m = Message::new(Mti::FINANCIAL_REQUEST);
    let set = |m: &mut Message, f: u8, v: &str| {
        if spec.field(f).is_some() {
            m.set_str(f, v).unwrap();
        }
    };
    for (f, v) in [
        (2, "6212345678901232"),
        (3, "000000"),
        (4, "000000001000"),
        (11, "000321"),
        (14, "3012"),
        (22, "051"),
        (23, "001"),
        (25, "00"),
        (26, "12"),
        (35, "6212345678901232D3012201123456789"),
        (41, "10000001"),
        (42, "898310048990001"),
        (49, "156"),
        (53, "2600000000000000"),
        (60, "22000001000500"),
    ] {
        set(&mut m, f, v);
    }
    if spec.name == "iso87ascii" {
        m.set_str(35, "6212345678901232=3012201123456789").unwrap();
    }
    m.set_bytes(52, vec![0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]).unwrap();
    m.set_bytes(55, icc()).unwrap();
    m.set_bytes(64, vec![0xA1, 0xB2, 0xC3, 0xD4, 0xE5, 0xF6, 0x07, 0x18]).unwrap();
    m
}

fn approval(spec: &Spec) -> Message {
    let mut m = Message::new(Mti::new("0210").unwrap());
    for (f, v) in [
        (2, "6212345678901232"),
        (3, "000000"),
        (4, "000000001000"),
        (11, "000321"),
        (12, "153045"),
        (13, "1123"),
        (14, "3012"),
        (15, "1124"),
        (25, "00"),
        (32, "48020000"),
        (37, "153045123456"),
        (38, "654321"),
        (39, "00"),
        (41, "10000001"),
        (42, "898310048990001"),
        (44, "0303000003030000000000"),
        (49, "156"),
        (60, "22000001"),
    ] {
        if spec.field(f).is_some() {
            m.set_str(f, v).unwrap();
        }
    }
    m.set_bytes(55, poscore::iso8583::parse_hex("910A1122334455667788990072").unwrap()).unwrap();
    m.set_bytes(64, vec![1, 2, 3, 4, 5, 6, 7, 8]).unwrap();
    m
}

fn allocations(label: &str, f: impl Fn()) {
    let reg = Region::new(GLOBAL);
    for _ in 0..100 {
        f();
    }
    let s = reg.change();
    eprintln!(
        "allocations {label}: {}.{:02} per op ({} bytes)",
        s.allocations / 100,
        s.allocations % 100,
        s.bytes_allocated / 100
    );
}

fn benches(c: &mut Criterion) {
    for name in ["cup-pos", "iso87binary", "iso87ascii"] {
        let spec = Spec::bundled(name).unwrap();
        for (kind, m) in [("0200 sale", sale(spec)), ("0210 approval", approval(spec))] {
            let bytes = m.pack(spec).unwrap();
            let mut buf = Vec::with_capacity(512);
            allocations(&format!("{name} {kind} pack"), || drop(black_box(m.pack(spec).unwrap())));
            let reused = std::cell::RefCell::new(Vec::with_capacity(512));
            allocations(&format!("{name} {kind} pack_into reused buffer"), || {
                let mut b = reused.borrow_mut();
                b.clear();
                m.pack_into(spec, &mut b).unwrap();
            });
            allocations(&format!("{name} {kind} unpack"), || drop(black_box(Message::unpack(spec, &bytes).unwrap())));
            allocations(&format!("{name} {kind} unpack borrowed"), || {
                drop(black_box(MessageRef::unpack(spec, &bytes).unwrap()));
            });
            let mut g = c.benchmark_group(format!("{name} {kind} ({} bytes)", bytes.len()));
            g.bench_function("pack", |b| b.iter(|| black_box(&m).pack(spec).unwrap()));
            g.bench_function("pack_into", |b| {
                b.iter(|| {
                    buf.clear();
                    black_box(&m).pack_into(spec, &mut buf).unwrap();
                });
            });
            g.bench_function("unpack", |b| b.iter(|| Message::unpack(spec, black_box(&bytes)).unwrap()));
            g.bench_function("unpack borrowed", |b| b.iter(|| MessageRef::unpack(spec, black_box(&bytes)).unwrap()));
            g.bench_function("pack+unpack", |b| {
                b.iter(|| Message::unpack(spec, &black_box(&m).pack(spec).unwrap()).unwrap());
            });
            g.finish();
        }
    }
}

criterion_group!(iso8583, benches);
criterion_main!(iso8583);
