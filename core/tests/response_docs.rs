//! docs/response-codes.md is generated from the registry; this test fails when the committed
//! page and the tables drift apart. Regenerate with
//! `poscore explain --all --format markdown > docs/response-codes.md`.

#[cfg(target_arch = "wasm32")]
#[macro_use]
extern crate poscore_test_macro; // `#[test]` under wasm-pack test (core/test-macro)

#[test]
fn docs_page_matches_the_registry() {
    // Compiled in, so the check runs on wasm32 too (no file system there).
    let committed = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/response-codes.md"));
    let generated = poscore::response::markdown();
    if committed != generated {
        let line = committed
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b)
            .map_or_else(|| committed.lines().count().min(generated.lines().count()) + 1, |i| i + 1);
        panic!(
            "docs/response-codes.md differs from the registry at line {line}; regenerate it with \
             `poscore explain --all --format markdown > docs/response-codes.md`"
        );
    }
}
