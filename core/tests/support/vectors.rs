//! Loading tests/vectors/*.json, shared by every `*_vectors.rs` runner.
#![allow(dead_code)]

use serde_json::Value;

/// `load!("card.json")`: the parsed vector file `tests/vectors/card.json`, compiled into the test
/// (`include_str!`), so the same runner works on wasm32, where a test has no file system.
macro_rules! load {
    ($name:literal) => {
        $crate::support::parse($name, include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/", $name)))
    };
}
pub(crate) use load;

/// The vector file `name` parsed from its text.
pub fn parse(name: &str, text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("parse tests/vectors/{name}: {e}"))
}

/// The non-empty array `key` of a vector file.
pub fn list<'a>(v: &'a Value, key: &str) -> &'a Vec<Value> {
    let l = v[key].as_array().unwrap_or_else(|| panic!("{key} missing"));
    assert!(!l.is_empty(), "{key} is empty");
    l
}

/// The string `key` of a vector.
pub fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_else(|| panic!("{key} missing in {v}"))
}

/// Every object in every array of the file has a `source` string that `known` accepts, given the
/// file's top-level `sources` map (empty when the file has none).
pub fn assert_sources(v: &Value, known: impl Fn(&str, &serde_json::Map<String, Value>) -> bool) {
    let empty = serde_json::Map::new();
    let sources = v["sources"].as_object().unwrap_or(&empty);
    for (key, group) in v.as_object().expect("a vector file is an object") {
        for item in group.as_array().into_iter().flatten() {
            let src = item["source"].as_str().unwrap_or_else(|| panic!("{key}: {item} has no source"));
            assert!(known(src, sources), "{key}: source {src:?} is not one the file cites");
        }
    }
}

/// [`assert_sources`] where every source must be a key of the `sources` map.
pub fn assert_sources_in_map(v: &Value) {
    assert_sources(v, |src, sources| sources.contains_key(src));
}
