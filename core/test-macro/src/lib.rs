//! `#[test]` for poscore's own tests compiled to wasm32.
//!
//! On wasm32-unknown-unknown libtest cannot run: `wasm-bindgen-test-runner` (what `wasm-pack
//! test` calls) runs only functions marked `#[wasm_bindgen_test]`. Rather than mark every test
//! twice, a test crate brings this attribute into its macro prelude on wasm32 only. The core's
//! lib.rs does (for its unit tests), and so does every file in core/tests:
//!
//! ```ignore
//! #[cfg(target_arch = "wasm32")]
//! #[macro_use]
//! extern crate poscore_test_macro;
//! ```
//!
//! A `#[macro_use]` prelude name shadows the standard prelude's `test` in every module of the
//! crate (including `proptest!` blocks), so the same `#[test]` functions run natively under
//! libtest and on wasm32 under wasm-bindgen-test. Attributes after it (`#[ignore]`,
//! `#[should_panic]`) are read by `wasm_bindgen_test`; put a `#[cfg(...)]` before it.
//!
//! A test file that needs a file system, a process or the clock is gated off wasm32 instead,
//! whole (`#![cfg(not(target_arch = "wasm32"))]`) or test by test; vector files are compiled in
//! with `include_str!`. scripts/test names any file in core/tests that does neither.

use proc_macro::TokenStream;

/// `#[test]` on wasm32: `#[wasm_bindgen_test::wasm_bindgen_test]`.
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    assert!(args.is_empty(), "#[test] takes no arguments");
    let mut out: TokenStream = "#[::wasm_bindgen_test::wasm_bindgen_test]".parse().expect("a valid attribute");
    out.extend(item);
    out
}
