//! Fuzz target bodies, shared by the cargo-fuzz binaries and by `core/tests/fuzz_corpus.rs`
//! (which replays the seed corpus through them in every `cargo test`).
//!
//! Each body takes arbitrary bytes, must not panic, and asserts a round trip on whatever the
//! decoder accepts.

use poscore::iso8583::{
    ascii_tlv, Frame, FrameConfig, FrameDecoder, LenDigits, LengthHeader, Message, MessageRef, Mti, Spec,
};
use poscore::tlv;

/// Unpack under a bundled spec; whatever is accepted must re-pack to bytes that unpack to the
/// same message, agree with the borrowing decoder, survive JSON, and describe without panic.
pub fn unpack(spec_name: &str, data: &[u8]) {
    let spec = Spec::bundled(spec_name).expect("bundled spec");
    let owned = Message::unpack(spec, data);
    let borrowed = MessageRef::unpack(spec, data);
    match (&owned, &borrowed) {
        (Ok(m), Ok(r)) => assert_eq!(&r.to_message(), m),
        (Err(a), Err(b)) => assert_eq!(a, b),
        _ => panic!("owned and borrowing unpack disagree"),
    }
    let Ok(m) = owned else { return };
    let packed = m.pack(spec).expect("an accepted message packs");
    assert_eq!(Message::unpack(spec, &packed).expect("re-packed bytes unpack"), m);
    assert_eq!(Message::from_json(spec, &m.to_json(spec)).expect("JSON form reads back"), m);
    let _ = m.describe(spec);
}

/// Feed the frame decoder with a config and chunking chosen by the first bytes; every frame
/// produced must re-encode to exactly the bytes it came from.
pub fn frame_decoder(data: &[u8]) {
    let Some((&sel, rest)) = data.split_first() else { return };
    let length = match sel % 3 {
        0 => LengthHeader::Binary2,
        1 => LengthHeader::Bcd2,
        _ => LengthHeader::Ascii4,
    };
    let cfg = FrameConfig {
        length,
        tpdu: sel & 0x04 != 0,
        header_len: if sel & 0x08 != 0 { 6 } else { 0 },
        max_frame: if sel & 0x10 != 0 { 64 } else { 4096 },
    };
    let chunk = usize::from(sel >> 5) + 1;
    let mut d = FrameDecoder::new(cfg.clone());
    let mut frames: Vec<Frame> = Vec::new();
    let mut failed = false;
    for c in rest.chunks(chunk) {
        d.push(c);
        loop {
            match d.next_frame() {
                Ok(Some(f)) => frames.push(f),
                Ok(None) => break,
                Err(_) => {
                    failed = true;
                    break;
                }
            }
        }
    }
    let mut wire = Vec::new();
    for f in &frames {
        assert!(f.message.len() <= cfg.max_frame);
        wire.extend(cfg.encode(f).expect("a decoded frame re-encodes"));
    }
    assert_eq!(&rest[..wire.len()], &wire[..], "frames re-encode to their input");
    if !failed {
        assert_eq!(wire.len() + d.buffered(), rest.len());
    }
    // The same bytes under a layout no frame can have (a header length from a command-line flag
    // or a JS number): a config error from every entry point, never an overflow.
    for header_len in [usize::MAX, usize::MAX - 4, 1 << 40, 65_536, cfg.max_frame + 1] {
        let hostile = FrameConfig { header_len, ..cfg.clone() };
        assert_eq!(hostile.decode(rest).expect_err("no frame fits").code(), "iso8583.bad_frame_config");
        let mut d = FrameDecoder::new(hostile.clone());
        d.push(rest);
        let _ = d.needed();
        assert_eq!(d.next_frame().expect_err("no frame fits").code(), "iso8583.bad_frame_config");
        let f = Frame { tpdu: None, header: Vec::new(), message: rest.to_vec() };
        assert!(hostile.encode(&f).is_err());
    }
}

/// Decode BER-TLV; whatever is accepted re-encodes (minimal lengths) to bytes that decode to
/// the same objects.
pub fn tlv(data: &[u8]) {
    if let Ok(items) = tlv::decode(data) {
        let enc = tlv::encode(&items);
        assert_eq!(tlv::decode(&enc).expect("re-encoded TLV decodes"), items);
        assert!(enc.len() <= data.len());
        let _ = tlv::describe(&items);
    }
}

/// Decode ASCII TLV (UnionPay field 59) with the length width and nesting chosen by the first
/// byte; whatever is accepted re-encodes to exactly its input (the format is canonical), nested
/// values to their children. The same bytes go through `Message::ascii_tlv`, `subfield_path` and
/// `describe` as field 59 of a cup-pos message.
pub fn ascii_tlv(data: &[u8]) {
    let Some((&sel, rest)) = data.split_first() else { return };
    let digits = if sel & 1 == 0 { LenDigits::Two } else { LenDigits::Three };
    let nested: &[&str] = if sel & 2 == 0 { &[] } else { &["A2", "01"] };
    let spec = Spec::bundled("cup-pos").expect("bundled spec");
    let mut m = Message::new(Mti::FINANCIAL_REQUEST);
    m.set_bytes(59, rest).expect("field 59");
    let _ = m.subfield_path(spec, 59, "A2.01");
    let _ = m.describe(spec);
    if let Err(e) = m.ascii_tlv(spec, 59) {
        assert_eq!(e.field(), Some(59));
        assert!(e.offset().is_some_and(|o| o <= rest.len()));
    }
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let entries = match ascii_tlv::decode(text, digits, nested) {
        Ok(e) => e,
        Err(e) => {
            assert!(e.offset().is_some_and(|o| o <= text.len()), "{e}");
            return;
        }
    };
    for e in &entries {
        assert!(e.children.is_empty() || nested.contains(&e.tag));
        if nested.contains(&e.tag) {
            let kids: Vec<_> = e.children.iter().map(|c| (c.tag, c.value)).collect();
            assert_eq!(ascii_tlv::encode(&kids, digits).expect("decoded children re-encode"), e.value);
        }
    }
    let top: Vec<_> = entries.iter().map(|e| (e.tag, e.value)).collect();
    assert_eq!(ascii_tlv::encode(&top, digits).expect("decoded entries re-encode"), text);
}

/// UnionPay TMS field 62: every decoder on the same bytes (a reply's split, the query lists, a
/// CA public key, an AID entry, 360 parameters, a 362 status report). Whatever is accepted
/// re-encodes to bytes that decode to the same value.
pub fn tms(data: &[u8]) {
    use poscore::tms::{self, AidParams, Capk, Continuation, StatusReport, TerminalParams};
    if let Ok((c, body)) = tms::split_reply(data) {
        let mut again = vec![c.byte()];
        again.extend_from_slice(body);
        assert_eq!(tms::split_reply(&again).expect("re-split"), (c, body));
    }
    if let Ok(keys) = tms::parse_capk_query(data) {
        let enc = tms::encode_capk_query(Continuation::MoreQuery, &keys).expect("parsed keys encode");
        assert_eq!(tms::parse_capk_query(&enc[1..]).expect("re-encoded keys parse"), keys);
    }
    if let Ok(aids) = tms::parse_aid_query(data) {
        let enc = tms::encode_aid_query(Continuation::MorePackets, &aids).expect("parsed AIDs encode");
        assert_eq!(tms::parse_aid_query(&enc[1..]).expect("re-encoded AIDs parse"), aids);
    }
    match Capk::parse(data) {
        Ok(k) => {
            let t = k.to_tlv().expect("a parsed key encodes");
            assert_eq!(Capk::parse(&t).expect("a re-encoded key parses and verifies"), k);
        }
        Err(e) => {
            let _ = (e.to_string(), e.offset(), e.tag());
        }
    }
    if let Ok(p) = AidParams::parse(data) {
        let t = p.to_tlv().expect("a parsed AID entry encodes");
        assert_eq!(AidParams::parse(&t).expect("a re-encoded AID entry parses"), p);
    }
    if let Ok(p) = TerminalParams::parse(data) {
        let enc = p.encode().expect("parsed parameters encode");
        assert_eq!(TerminalParams::parse(&enc).expect("re-encoded parameters parse"), p);
        assert!(TerminalParams::raw_items(data).is_ok());
    }
    if let Ok(r) = StatusReport::parse(data) {
        let _ = r.encode();
    }
}
