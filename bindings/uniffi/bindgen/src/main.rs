//! `cargo run -p poscore-uniffi-bindgen -- generate --library target/release/libposcore_ffi.so --language kotlin ...`
fn main() {
    uniffi::uniffi_bindgen_main();
}
