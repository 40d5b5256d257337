#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| poscore_fuzz::tms(data));
