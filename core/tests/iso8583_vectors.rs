//! Runs tests/vectors/iso8583.json, the vectors every surface runs.

#[cfg(target_arch = "wasm32")]
#[macro_use]
extern crate poscore_test_macro; // `#[test]` under wasm-pack test (core/test-macro)

#[path = "support/vectors.rs"]
mod support;
use support::{list, s};

use poscore::iso8583::{
    self, ascii_tlv, FrameConfig, FrameDecoder, Iso8583Error, LenDigits, LengthHeader, Message, MessageJson,
    MessageRef, Mti, Spec, Tpdu,
};
use std::borrow::Cow;

use serde_json::Value;

fn vectors() -> Value {
    support::load!("iso8583.json")
}

/// A bundled spec, or one from the file's "specs" map (test-only specs).
fn spec(v: &Value) -> Cow<'static, Spec> {
    let name = s(v, "spec");
    match vectors()["specs"].get(name) {
        Some(j) => Cow::Owned(Spec::from_json(&j.to_string()).unwrap()),
        None => Cow::Borrowed(Spec::bundled(name).unwrap()),
    }
}

fn message(v: &Value) -> MessageJson {
    serde_json::from_value(v["message"].clone()).unwrap()
}

fn hex(v: &Value, key: &str) -> Vec<u8> {
    iso8583::parse_hex(s(v, key)).unwrap()
}

fn check_error(v: &Value, e: &Iso8583Error) {
    assert_eq!(e.code(), s(v, "error"), "{v}: {e}");
    if let Some(f) = v["field"].as_u64() {
        assert_eq!(e.field(), Some(f as u8), "{v}: {e}");
    }
    if let Some(o) = v["offset"].as_u64() {
        assert_eq!(e.offset(), Some(o as usize), "{v}: {e}");
    }
}

#[test]
fn every_vector_cites_a_source() {
    support::assert_sources_in_map(&vectors());
}

#[test]
fn pack_and_unpack() {
    for v in list(&vectors(), "pack") {
        let spec = &*spec(v);
        let m = Message::from_json(spec, &message(v)).unwrap();
        assert_eq!(iso8583::to_hex(&m.pack(spec).unwrap()), s(v, "hex"), "pack {}", s(v, "name"));
        let bytes = hex(v, "hex");
        let back = Message::unpack(spec, &bytes).unwrap_or_else(|e| panic!("unpack {}: {e}", s(v, "name")));
        assert_eq!(back.to_json(spec), message(v), "unpack {}", s(v, "name"));
        let r = MessageRef::unpack(spec, &bytes).unwrap();
        assert_eq!(r.to_message(), back);
        for (key, want) in v["subfields"].as_object().into_iter().flatten() {
            let (field, path) = key.split_once('.').unwrap();
            let got = back.subfield_path(spec, field.parse().unwrap(), path);
            assert_eq!(got, want.as_str(), "{} subfield {key}", s(v, "name"));
        }
    }
}

fn len_digits(v: &Value) -> LenDigits {
    serde_json::from_value(v["len_digits"].clone()).unwrap()
}

fn nested(v: &Value) -> Vec<&str> {
    v["nested"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect()
}

/// The vectors' JSON form of decoded entries: children only on nested tags.
fn entries_json(entries: &[ascii_tlv::Entry<'_>], nested: &[&str]) -> Value {
    Value::Array(
        entries
            .iter()
            .map(|e| {
                let mut o = serde_json::json!({"tag": e.tag, "value": e.value, "offset": e.offset});
                if nested.contains(&e.tag) {
                    o["children"] = entries_json(&e.children, &[]);
                }
                o
            })
            .collect(),
    )
}

#[test]
fn ascii_tlv_decode_and_encode() {
    for v in list(&vectors(), "ascii_tlv") {
        let (text, d, nested) = (s(v, "text"), len_digits(v), nested(v));
        let entries = ascii_tlv::decode(text, d, &nested).unwrap_or_else(|e| panic!("{}: {e}", s(v, "name")));
        assert_eq!(entries_json(&entries, &nested), v["entries"], "{}", s(v, "name"));
        // Encoding is canonical: children re-encode to their parent's value, the entries to the text.
        for e in entries.iter().filter(|e| nested.contains(&e.tag)) {
            let kids: Vec<_> = e.children.iter().map(|c| (c.tag, c.value)).collect();
            assert_eq!(ascii_tlv::encode(&kids, d).unwrap(), e.value);
        }
        let top: Vec<_> = entries.iter().map(|e| (e.tag, e.value)).collect();
        assert_eq!(ascii_tlv::encode(&top, d).unwrap(), text, "{}", s(v, "name"));
    }
}

#[test]
fn ascii_tlv_errors() {
    for v in list(&vectors(), "ascii_tlv_errors") {
        let e = ascii_tlv::decode(s(v, "text"), len_digits(v), &nested(v)).expect_err(s(v, "name"));
        check_error(v, &e);
        assert_eq!(e.field(), None);
    }
}

#[test]
fn unpack_errors() {
    for v in list(&vectors(), "unpack_errors") {
        let spec = &*spec(v);
        let e = Message::unpack(spec, &hex(v, "hex")).expect_err(s(v, "name"));
        check_error(v, &e);
        // The borrowing form agrees.
        assert_eq!(MessageRef::unpack(spec, &hex(v, "hex")).unwrap_err(), e);
    }
}

#[test]
fn pack_errors() {
    for v in list(&vectors(), "pack_errors") {
        let spec = &*spec(v);
        let r = serde_json::from_value::<MessageJson>(v["message"].clone())
            .map_err(|e| Iso8583Error::BadJson { reason: e.to_string() })
            .and_then(|j| Message::from_json(spec, &j))
            .and_then(|m| m.pack(spec));
        check_error(v, &r.expect_err(s(v, "name")));
    }
}

#[test]
fn mti() {
    for v in list(&vectors(), "mti") {
        let m = Mti::new(s(v, "mti")).unwrap();
        assert_eq!(m.response_mti().map(|r| r.to_string()).as_deref(), v["response"].as_str(), "{v}");
        assert_eq!(m.is_request(), v["is_request"].as_bool().unwrap(), "{v}");
        assert_eq!(m.is_reversal(), v["is_reversal"].as_bool().unwrap(), "{v}");
        assert_eq!(m.is_repeat(), v["is_repeat"].as_bool().unwrap(), "{v}");
    }
}

#[test]
fn mac_block() {
    for v in list(&vectors(), "mac_block") {
        let spec = &*spec(v);
        let m = Message::from_json(spec, &message(v)).unwrap();
        assert_eq!(iso8583::to_hex(&m.mac_block(spec).unwrap()), s(v, "mac_block"), "{v}");
        if m.has(64) {
            let packed = m.pack(spec).unwrap();
            let r = MessageRef::unpack(spec, &packed).unwrap();
            assert_eq!(iso8583::to_hex(r.mac_block(spec).unwrap()), s(v, "mac_block"));
        }
    }
}

fn length(v: &Value) -> LengthHeader {
    serde_json::from_value(v["length"].clone()).unwrap()
}

#[test]
fn frames() {
    for v in list(&vectors(), "frame") {
        let header = hex(v, "header");
        let cfg =
            FrameConfig { length: length(v), tpdu: v["tpdu"].is_string(), header_len: header.len(), max_frame: 8192 };
        let tpdu = v["tpdu"].as_str().map(|t| Tpdu::parse(&iso8583::parse_hex(t).unwrap()).unwrap());
        let frame = iso8583::Frame { tpdu, header, message: hex(v, "message") };
        let wire = cfg.encode(&frame).unwrap();
        assert_eq!(iso8583::to_hex(&wire), s(v, "hex"), "{v}");
        assert_eq!(cfg.decode(&wire).unwrap(), frame);
        if let Some(r) = v["response_tpdu"].as_str() {
            assert_eq!(iso8583::to_hex(&tpdu.unwrap().response().to_bytes()), r);
        }
        // Byte by byte through the streaming decoder.
        let mut d = FrameDecoder::new(cfg.clone());
        let mut got = Vec::new();
        for b in wire.iter().chain(wire.iter()) {
            d.push(std::slice::from_ref(b));
            while let Some(f) = d.next_frame().unwrap() {
                got.push(f);
            }
        }
        assert_eq!(got, vec![frame.clone(), frame]);
    }
}

#[test]
fn frame_errors() {
    for v in list(&vectors(), "frame_errors") {
        let cfg = FrameConfig {
            length: length(v),
            tpdu: v["tpdu"].is_string(),
            header_len: v["header_len"].as_u64().unwrap() as usize,
            max_frame: v["max_frame"].as_u64().unwrap() as usize,
        };
        let mut d = FrameDecoder::new(cfg);
        d.push(&hex(v, "hex"));
        check_error(v, &d.next_frame().expect_err("frame error"));
    }
}
