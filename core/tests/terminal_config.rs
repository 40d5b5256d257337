//! The engine's `Config` as JSON, the form every binding and the CLI read: the identity is
//! required, unknown keys are refused (naming the key), everything else has a default.

#[cfg(target_arch = "wasm32")]
#[macro_use]
extern crate poscore_test_macro; // `#[test]` under wasm-pack test (core/test-macro)

use poscore::terminal::Config;

const IDENTITY: &str = r#""terminal_id":"12345678","merchant_id":"898310048160001","merchant_name":"poscore 测试商户""#;

fn parse(json: &str) -> Result<Config, String> {
    serde_json::from_str::<Config>(json).map_err(|e| e.to_string())
}

#[test]
fn the_identity_alone_gives_the_demo_config() {
    assert_eq!(parse(&format!("{{{IDENTITY}}}")).unwrap(), Config::demo());
}

#[test]
fn settings_override_their_defaults() {
    let c = parse(&format!(r#"{{{IDENTITY},"response_timeout_ms":800,"stan_block":10}}"#)).unwrap();
    assert_eq!((c.response_timeout_ms, c.stan_block), (800, 10));
    assert_eq!(c.reversal_max_attempts, Config::demo().reversal_max_attempts);
}

#[test]
fn a_config_round_trips_through_json() {
    let c = Config { terminal_id: "87654321".into(), keep_batches: 0, ..Config::demo() };
    assert_eq!(parse(&serde_json::to_string(&c).unwrap()).unwrap(), c);
}

#[test]
fn each_identity_field_is_required_and_named() {
    for field in ["terminal_id", "merchant_id", "merchant_name"] {
        let mut v: serde_json::Value = serde_json::from_str(&format!("{{{IDENTITY}}}")).unwrap();
        v.as_object_mut().unwrap().remove(field);
        let e = parse(&v.to_string()).unwrap_err();
        assert!(e.contains(&format!("missing field `{field}`")), "{field}: {e}");
    }
    let e = parse("{}").unwrap_err();
    assert!(e.contains("missing field `terminal_id`"), "{e}");
}

#[test]
fn unknown_and_misspelled_keys_are_refused_by_name() {
    for key in ["terminalID", "terminalId", "merchantName", "response_timeout", "stan_blocks"] {
        let e = parse(&format!(r#"{{{IDENTITY},"{key}":"x"}}"#)).unwrap_err();
        assert!(e.contains(&format!("unknown field `{key}`")), "{key}: {e}");
        assert!(e.contains("expected one of"), "{key}: {e}");
    }
    // camelCase identity instead of snake_case: refused for the unknown key, not defaulted.
    let e = parse(r#"{"terminalId":"12345678","merchantId":"898310048160001","merchantName":"x"}"#).unwrap_err();
    assert!(e.contains("unknown field `terminalId`"), "{e}");
}
