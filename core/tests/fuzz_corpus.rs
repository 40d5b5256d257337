//! Replays the fuzz seed corpus (core/fuzz/corpus/<target>/*) through the fuzz target bodies,
//! so every `cargo test` exercises what `cargo fuzz run` starts from.
// Reads the seed directories: not on wasm32 (no file system), where the property tests
// (iso8583_props, card_props, ...) feed the same parsers arbitrary bytes.
#![cfg(not(target_arch = "wasm32"))]

#[path = "../fuzz/src/lib.rs"]
mod bodies;

fn replay(target: &str, body: impl Fn(&[u8])) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus").join(target);
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        body(&data);
        // Every prefix too: truncation is the commonest malformation on a socket.
        for cut in 0..data.len().min(64) {
            body(&data[..cut]);
        }
        n += 1;
    }
    assert!(n > 0, "no seeds for {target}");
}

#[test]
fn unpack_iso87ascii() {
    replay("unpack_iso87ascii", |d| bodies::unpack("iso87ascii", d));
}

#[test]
fn unpack_iso87binary() {
    replay("unpack_iso87binary", |d| bodies::unpack("iso87binary", d));
}

#[test]
fn unpack_cup_pos() {
    replay("unpack_cup_pos", |d| bodies::unpack("cup-pos", d));
}

#[test]
fn frame_decoder() {
    replay("frame_decoder", bodies::frame_decoder);
}

#[test]
fn tlv() {
    replay("tlv", bodies::tlv);
}

#[test]
fn ascii_tlv() {
    replay("ascii_tlv", bodies::ascii_tlv);
}

#[test]
fn tms() {
    replay("tms", bodies::tms);
}
