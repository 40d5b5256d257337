//! Runs tests/vectors/tms.json, the vectors every surface runs.

#[cfg(target_arch = "wasm32")]
#[macro_use]
extern crate poscore_test_macro; // `#[test]` under wasm-pack test (core/test-macro)

#[path = "support/vectors.rs"]
mod support;

// Test names start with `tms::` so that `cargo test -p poscore tms` runs them.
mod tms {
    use super::support::{self, list, s};
    use poscore::iso8583::{parse_hex, to_hex};
    use poscore::tms::{
        self, AidParams, Capk, Continuation, DialStats, KeyRef, StatusReport, Step, TerminalParams, TmsError,
    };
    use serde_json::{json, Value};

    fn vectors() -> Value {
        support::load!("tms.json")
    }

    fn bytes(v: &Value, key: &str) -> Vec<u8> {
        parse_hex(s(v, key)).unwrap()
    }

    fn from<T: serde::de::DeserializeOwned>(v: &Value) -> T {
        serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("{v}: {e}"))
    }

    /// The vector's expected error: code, and offset / tag when it gives them.
    fn check_error(v: &Value, e: &TmsError) {
        assert_eq!(e.code(), s(v, "error"), "{v}: {e}");
        if let Some(o) = v.get("offset") {
            assert_eq!(e.offset().map(|o| o as u64), o.as_u64(), "{v}: {e}");
        }
        if let Some(t) = v.get("tag") {
            assert_eq!(e.tag().as_deref(), t.as_str(), "{v}: {e}");
        }
        // Every surface sees the error through the crate error, under module `tms`.
        let crate_error = poscore::Error::from(e.clone());
        assert_eq!((crate_error.module(), crate_error.code()), ("tms", e.code()));
    }

    fn cont(v: &Value) -> Continuation {
        from(&v["continuation"])
    }

    #[test]
    fn every_vector_cites_a_source() {
        support::assert_sources_in_map(&vectors());
    }

    #[test]
    fn capk() {
        for v in list(&vectors(), "capk") {
            let k = Capk::parse(&bytes(v, "hex")).unwrap_or_else(|e| panic!("{v}: {e}"));
            assert_eq!(serde_json::to_value(&k).unwrap(), v["capk"], "{v}");
            let encoded = v.get("encoded").unwrap_or(&v["hex"]).as_str().unwrap();
            assert_eq!(to_hex(&k.to_tlv().unwrap()), encoded, "{v}");
            assert_eq!(to_hex(&tms::encode_capk_download(Some(&k)).unwrap()), format!("31{encoded}"));
            // The simulator's constructor computes the published checksum.
            let built = Capk::new(&k.rid, k.index, &k.expiry, &k.modulus, &k.exponent).unwrap();
            assert_eq!(built.checksum, k.checksum, "{v}");
        }
    }

    #[test]
    fn capk_errors() {
        for v in list(&vectors(), "capk_errors") {
            let e = Capk::parse(&bytes(v, "hex")).expect_err(&v.to_string());
            check_error(v, &e);
        }
    }

    #[test]
    fn query_request() {
        for v in list(&vectors(), "query_request") {
            let start = v["start_index"].as_u64().unwrap() as u32;
            match tms::query_request(start) {
                Ok(b) => assert_eq!(to_hex(&b), s(v, "hex"), "{v}"),
                Err(e) => check_error(v, &e),
            }
        }
    }

    #[test]
    fn split_reply() {
        for v in list(&vectors(), "split_reply") {
            match tms::split_reply(&bytes(v, "hex")) {
                Ok((c, body)) => {
                    assert!(v.get("error").is_none(), "{v}");
                    assert_eq!((c, to_hex(body).as_str()), (cont(v), s(v, "body")), "{v}");
                }
                Err(e) => check_error(v, &e),
            }
        }
    }

    #[test]
    fn steps() {
        for v in list(&vectors(), "steps") {
            let step: Step = from(&v["step"]);
            assert_eq!((step.nmi(), step.mti().as_str()), (s(v, "nmi"), s(v, "mti")), "{v}");
            assert_eq!(Step::from_nmi(s(v, "nmi")), Some(step));
        }
    }

    #[test]
    fn capk_query() {
        for v in list(&vectors(), "capk_query") {
            let f = bytes(v, "hex");
            let (c, body) = tms::split_reply(&f).unwrap();
            let keys = tms::parse_capk_query(body).unwrap_or_else(|e| panic!("{v}: {e}"));
            assert_eq!((c, serde_json::to_value(&keys).unwrap()), (cont(v), v["keys"].clone()), "{v}");
            let keys: Vec<KeyRef> = from(&v["keys"]);
            assert_eq!(tms::encode_capk_query(cont(v), &keys).unwrap(), f, "{v}");
        }
        for v in list(&vectors(), "capk_query_errors") {
            let f = bytes(v, "hex");
            let (_, body) = tms::split_reply(&f).unwrap();
            check_error(v, &tms::parse_capk_query(body).expect_err(&v.to_string()));
        }
    }

    #[test]
    fn capk_download_request() {
        for v in list(&vectors(), "capk_download_request") {
            match tms::capk_download_request(&from(&v["key"])) {
                Ok(b) => assert_eq!(to_hex(&b), s(v, "hex"), "{v}"),
                Err(e) => check_error(v, &e),
            }
        }
    }

    #[test]
    fn aid_query() {
        for v in list(&vectors(), "aid_query") {
            let f = bytes(v, "hex");
            let (c, body) = tms::split_reply(&f).unwrap();
            let aids = tms::parse_aid_query(body).unwrap_or_else(|e| panic!("{v}: {e}"));
            assert_eq!((c, json!(aids)), (cont(v), v["aids"].clone()), "{v}");
            assert_eq!(tms::encode_aid_query(c, &aids).unwrap(), f, "{v}");
        }
        for v in list(&vectors(), "aid_query_errors") {
            let f = bytes(v, "hex");
            let (_, body) = tms::split_reply(&f).unwrap();
            check_error(v, &tms::parse_aid_query(body).expect_err(&v.to_string()));
        }
        for v in list(&vectors(), "aid_download_request") {
            match tms::aid_download_request(s(v, "aid")) {
                Ok(b) => assert_eq!(to_hex(&b), s(v, "hex"), "{v}"),
                Err(e) => check_error(v, &e),
            }
        }
    }

    #[test]
    fn aid() {
        for v in list(&vectors(), "aid") {
            let p = AidParams::parse(&bytes(v, "hex")).unwrap_or_else(|e| panic!("{v}: {e}"));
            assert_eq!(serde_json::to_value(&p).unwrap(), v["params"], "{v}");
            let encoded = v.get("encoded").unwrap_or(&v["hex"]).as_str().unwrap();
            assert_eq!(to_hex(&p.to_tlv().unwrap()), encoded, "{v}");
            assert_eq!(to_hex(&tms::encode_aid_download(Some(&p)).unwrap()), format!("31{encoded}"));
        }
        for v in list(&vectors(), "aid_errors") {
            check_error(v, &AidParams::parse(&bytes(v, "hex")).expect_err(&v.to_string()));
        }
    }

    #[test]
    fn params() {
        for v in list(&vectors(), "params") {
            let p = TerminalParams::parse(&bytes(v, "hex")).unwrap_or_else(|e| panic!("{v}: {e}"));
            assert_eq!(serde_json::to_value(&p).unwrap(), v["params"], "{v}");
            let encoded = v.get("encoded").unwrap_or(&v["hex"]).as_str().unwrap();
            let from_json: TerminalParams = from(&v["params"]);
            assert_eq!(to_hex(&from_json.encode().unwrap()), encoded, "{v}");
        }
        for v in list(&vectors(), "params_raw_items") {
            let items = TerminalParams::raw_items(&bytes(v, "hex")).unwrap();
            assert_eq!(serde_json::to_value(items).unwrap(), v["items"], "{v}");
        }
        for v in list(&vectors(), "params_errors") {
            check_error(v, &TerminalParams::parse(&bytes(v, "hex")).expect_err(&v.to_string()));
        }
    }

    #[test]
    fn status_upload() {
        for v in list(&vectors(), "status_upload") {
            let params: TerminalParams = from(&v["params"]);
            let stats: Option<DialStats> = from(&v["dial_stats"]);
            match tms::status_upload_request(&params, stats.as_ref()) {
                Ok(b) => {
                    assert_eq!(to_hex(&b), s(v, "hex"), "{v}");
                    // The simulator reads it back.
                    let r = StatusReport::parse(&b).unwrap();
                    assert_eq!(r.dial_stats, stats, "{v}");
                    assert_eq!(r.encode().unwrap(), b, "{v}");
                }
                Err(e) => check_error(v, &e),
            }
        }
    }
}
