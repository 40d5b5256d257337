//! Fuzz target bodies, shared by the cargo-fuzz binaries and by `core/tests/fuzz_corpus.rs`
//! (which replays the seed corpus through them in every `cargo test`).
//!
//! Each body takes arbitrary bytes, must not panic, and asserts a round trip on whatever the
//! decoder accepts.

use poscore::iso8583::{Frame, FrameConfig, FrameDecoder, LengthHeader, Message, MessageRef, Spec};
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
