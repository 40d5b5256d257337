//! Properties: every bundled spec round-trips random valid messages; unpack, the frame decoder
//! and TLV decoding never panic on arbitrary or mutated bytes.

#[cfg(target_arch = "wasm32")]
#[macro_use]
extern crate poscore_test_macro; // `#[test]` under wasm-pack test (core/test-macro)

use poscore::iso8583::{
    Content, DataEncoding, FieldSpec, Frame, FrameConfig, FrameDecoder, LengthClass, LengthHeader, LengthUnit, Message,
    MessageRef, Mti, Spec, Tpdu,
};
use poscore::tlv;
use proptest::prelude::*;

/// Small deterministic generator so one proptest seed expands into a whole message.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick(&mut self, set: &[u8]) -> u8 {
        set[self.below(set.len())]
    }
}

fn max_units(f: &FieldSpec) -> usize {
    match (f.length_unit, f.encoding) {
        (LengthUnit::Encoded, DataEncoding::HexAscii) => f.max_len / 2,
        (LengthUnit::Encoded, DataEncoding::Bcd) => f.max_len * 2,
        _ => f.max_len,
    }
}

/// A valid value for `f`.
fn value(f: &FieldSpec, r: &mut Rng) -> Vec<u8> {
    let max = max_units(f);
    let len = if f.class == LengthClass::Fixed || r.below(4) == 0 { max } else { r.below(max.min(40) + 1) };
    if f.encoding == DataEncoding::Gbk {
        // Mixed ASCII and Chinese; `len` counts GBK bytes (two per Chinese character).
        let cjk = ['银', '联', '商', '户', '测', '试', '中', '国', '行'];
        let mut text = String::new();
        let mut bytes = 0;
        while bytes < len {
            if len - bytes >= 2 && r.below(3) == 0 {
                text.push(cjk[r.below(cjk.len())]);
                bytes += 2;
            } else {
                text.push(char::from(b' ' + r.below(95) as u8));
                bytes += 1;
            }
        }
        return text.into_bytes();
    }
    let digits = b"0123456789";
    let letters = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz ";
    let alnum = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 ";
    let printable: Vec<u8> = (0x20..0x7f).collect();
    let ns: Vec<u8> = (0x20..0x7f).filter(|c: &u8| !c.is_ascii_alphabetic()).collect();
    let mut v = Vec::with_capacity(len);
    for i in 0..len {
        v.push(match f.content {
            Content::N => r.pick(digits),
            Content::A => r.pick(letters),
            Content::An => r.pick(alnum),
            Content::Ans => r.pick(&printable),
            Content::Ns => r.pick(&ns),
            Content::B => r.next() as u8,
            Content::Z => {
                if r.below(8) == 0 {
                    if f.encoding == DataEncoding::Bcd {
                        b'D'
                    } else {
                        r.pick(b"D=")
                    }
                } else {
                    r.pick(digits)
                }
            }
            Content::Xn => {
                if i == 0 {
                    r.pick(b"CD")
                } else {
                    r.pick(digits)
                }
            }
        });
    }
    if f.content == Content::Xn && v.is_empty() {
        v.push(b'C');
    }
    v
}

fn random_message(spec: &Spec, seed: u64) -> Message {
    let mut r = Rng(seed | 1);
    let mtis = ["0100", "0110", "0200", "0210", "0400", "0410", "0800", "0810", "0320"];
    let mut m = Message::new(Mti::new(mtis[r.below(mtis.len())]).unwrap());
    let numbers: Vec<u8> = spec.fields.keys().copied().collect();
    let count = r.below(numbers.len().min(24)) + 1;
    for _ in 0..count {
        let n = numbers[r.below(numbers.len())];
        let v = value(spec.field(n).unwrap(), &mut r);
        m.set_bytes(n, v).unwrap();
    }
    m
}

/// The bundled specs plus the test-only spec of tests/vectors/iso8583.json (EBCDIC, binary and
/// EBCDIC prefixes, LLLL), so every encoding is exercised.
fn specs() -> Vec<&'static Spec> {
    static ALL: std::sync::OnceLock<Vec<&'static Spec>> = std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        let text = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/iso8583.json"));
        let v: serde_json::Value = serde_json::from_str(text).unwrap();
        let mut all: Vec<&'static Spec> =
            poscore::iso8583::spec::BUNDLED.iter().map(|n| Spec::bundled(n).unwrap()).collect();
        for (_, j) in v["specs"].as_object().unwrap() {
            all.push(Box::leak(Box::new(Spec::from_json(&j.to_string()).unwrap())));
        }
        all
    })
    .clone()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn valid_messages_round_trip(seed in any::<u64>()) {
        for spec in specs() {
            let m = random_message(spec, seed);
            let bytes = m.pack(spec).unwrap_or_else(|e| panic!("{}: {e}", spec.name));
            let back = Message::unpack(spec, &bytes).unwrap_or_else(|e| panic!("{}: {e}", spec.name));
            prop_assert_eq!(&back, &m);
            prop_assert_eq!(back.pack(spec).unwrap(), bytes.clone());
            prop_assert_eq!(MessageRef::unpack(spec, &bytes).unwrap().to_message(), m.clone());
            prop_assert_eq!(Message::from_json(spec, &m.to_json(spec)).unwrap(), m.clone());
            prop_assert_eq!(Message::from_values(m.mti(), &m.values(spec)).unwrap(), m.clone());
            let name_or_json = if Spec::bundled(&spec.name).is_ok() { spec.name.clone() } else { spec.to_json() };
            prop_assert_eq!(poscore::iso8583::unpack_json(&name_or_json, &bytes).unwrap(), m.to_json(spec));
            prop_assert_eq!(poscore::iso8583::pack_json(&name_or_json, &m.to_json(spec)).unwrap(), bytes.clone());
            let _ = m.describe(spec);
        }
    }

    #[test]
    fn unpack_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        for spec in specs() {
            if let Ok(m) = Message::unpack(spec, &bytes) {
                // Whatever was accepted packs and reads back the same.
                let again = m.pack(spec).unwrap();
                prop_assert_eq!(Message::unpack(spec, &again).unwrap(), m);
            }
        }
    }

    #[test]
    fn mutated_messages_never_panic(seed in any::<u64>(), edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..4), cut in any::<usize>()) {
        for spec in specs() {
            let mut bytes = random_message(spec, seed).pack(spec).unwrap();
            for &(i, b) in &edits {
                let i = i % bytes.len();
                bytes[i] = b;
            }
            if cut % 3 == 0 {
                bytes.truncate(cut % (bytes.len() + 1));
            }
            if let Ok(m) = Message::unpack(spec, &bytes) {
                let _ = m.describe(spec);
                let again = m.pack(spec).unwrap();
                prop_assert_eq!(Message::unpack(spec, &again).unwrap(), m);
            }
        }
    }

    #[test]
    fn tlv_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        if let Ok(items) = tlv::decode(&bytes) {
            let enc = tlv::encode(&items);
            prop_assert_eq!(tlv::decode(&enc).unwrap(), items.clone());
            let _ = tlv::describe(&items);
        }
    }

    #[test]
    fn frame_decoder_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400), split in 1usize..50) {
        for length in [LengthHeader::Binary2, LengthHeader::Bcd2, LengthHeader::Ascii4] {
            let mut d = FrameDecoder::new(FrameConfig { length, tpdu: true, header_len: 6, max_frame: 256 });
            for chunk in bytes.chunks(split) {
                d.push(chunk);
                while let Ok(Some(f)) = d.next_frame() {
                    prop_assert!(f.message.len() <= 256);
                }
            }
        }
    }

    #[test]
    fn frame_config_never_overflows(bytes in proptest::collection::vec(any::<u8>(), 0..80), tpdu in any::<bool>(),
                                    header_len in prop_oneof![0usize..16, 65_530usize..65_540, Just(usize::MAX), Just(usize::MAX - 4), any::<usize>()],
                                    max_frame in prop_oneof![0usize..100, Just(usize::MAX), any::<usize>()]) {
        for length in [LengthHeader::Binary2, LengthHeader::Bcd2, LengthHeader::Ascii4] {
            let cfg = FrameConfig { length, tpdu, header_len, max_frame };
            let fits = cfg.validate().is_ok();
            // Only a layout whose TPDU and header fit under both the length header and the limit
            // is accepted; anything else is a config error on every path, never an overflow.
            let capacity = if length == LengthHeader::Binary2 { 65_535 } else { 9_999 };
            prop_assert_eq!(fits, header_len.checked_add(usize::from(tpdu) * 5).is_some_and(|n| n <= max_frame.min(capacity)));
            let decoded = cfg.decode(&bytes);
            let mut d = FrameDecoder::new(cfg.clone());
            d.push(&bytes);
            let _ = d.needed();
            let next = d.next_frame();
            let f = Frame { tpdu: tpdu.then_some(Tpdu { id: 0x60, destination: 0, source: 0 }), header: vec![0; header_len.min(16)], message: bytes.clone() };
            let encoded = cfg.encode(&f);
            if !fits {
                prop_assert_eq!(decoded.unwrap_err().code(), "iso8583.bad_frame_config");
                prop_assert_eq!(next.unwrap_err().code(), "iso8583.bad_frame_config");
                prop_assert_eq!(encoded.unwrap_err().code(), "iso8583.bad_frame_config");
            }
        }
    }

    #[test]
    fn frames_round_trip_in_any_chunking(msgs in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 1..5), split in 1usize..64, dest in any::<u16>()) {
        let cfg = FrameConfig::cup();
        let frames: Vec<Frame> = msgs.into_iter().map(|message| Frame {
            tpdu: Some(Tpdu { id: 0x60, destination: dest, source: 0 }),
            header: vec![0x61, 0x31, 0, 0, 0, 0],
            message,
        }).collect();
        let mut wire = Vec::new();
        for f in &frames {
            wire.extend(cfg.encode(f).unwrap());
        }
        let mut d = FrameDecoder::new(cfg);
        let mut got = Vec::new();
        for chunk in wire.chunks(split) {
            d.push(chunk);
            while let Some(f) = d.next_frame().unwrap() {
                got.push(f);
            }
        }
        prop_assert_eq!(got, frames);
        prop_assert_eq!(d.buffered(), 0);
    }
}
