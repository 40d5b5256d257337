//! Untrusted input never panics: arbitrary strings into every card parser.

#[cfg(target_arch = "wasm32")]
#[macro_use]
extern crate poscore_test_macro; // `#[test]` under wasm-pack test (core/test-macro)

use poscore::card;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    #[test]
    fn track2_never_panics(s in "\\PC{0,64}") {
        let _ = card::Track2::parse(&s);
        let _ = card::inspect(&s);
    }

    #[test]
    fn track2_shaped_input_never_panics(s in "[;]?[0-9]{0,21}[=DdX]?[0-9F?]{0,30}.?.?") {
        let _ = card::Track2::parse(&s);
        let _ = card::inspect(&s);
    }

    #[test]
    fn masked_pan_shows_at_most_ten_digits(pan in "[0-9]{8,19}") {
        let m = card::mask_pan(&pan, &card::MaskPolicy::default()).unwrap();
        prop_assert_eq!(m.len(), pan.len());
        prop_assert!(m.chars().filter(char::is_ascii_digit).count() <= 10);
        prop_assert!(m.chars().filter(char::is_ascii_digit).count() <= pan.len() / 2 || pan.len() > 10);
    }

    #[test]
    fn check_digit_makes_luhn_valid(partial in "[0-9]{1,18}") {
        let d = card::luhn_check_digit(&partial).unwrap();
        let full = partial.clone() + &d.to_string();
        prop_assert!(card::luhn_valid(&full));
    }
}
