//! Test cards and payment codes (published test numbers only) for the demo and the tests.

use poscore::terminal::{CardInput, PinInput};

/// UnionPay test PAN used for chip and contactless.
pub const CHIP_PAN: &str = "6212345678901232";
/// Visa test PAN used on the magnetic stripe.
pub const MAG_PAN: &str = "4761739001010010";

/// Field 55 of a UnionPay chip sale: AC, CID, IAD, unpredictable number, ATC, TVR, date, type,
/// amount, currency, AIP, country, AID, label. The IAD (9F10) is Visa CVN 10 and the ARQC is real:
/// computed under the card's ICC master key (option A from the published test IMK
/// [`crate::issuer::TEST_IMK`], PAN [`CHIP_PAN`], PSN 01), and pyemv 1.5 (`kd.derive_icc_mk_a`,
/// `ac.generate_ac` with Visa padding) computes the same `7D06967842784042`
/// (`tests/sim/tests/issuer.rs` checks the constant).
pub const ICC_DATA: &str = "9F26087D069678427840429F2701809F100706010A03A000009F37045A3B2C1D9F36020001950500000000009A032611239C01009F02060000000000005F2A02015682027C009F1A0201564F08A0000003330101015008556E696F6E506179";

/// A chip card (contact).
pub fn chip() -> CardInput {
    CardInput::Chip {
        pan: CHIP_PAN.into(),
        track2: Some(format!("{CHIP_PAN}D28122200000000000")),
        expiry: Some("2812".into()),
        card_seq: Some("001".into()),
        icc_data: ICC_DATA.into(),
    }
}

/// The chip card after it approved offline: the same field 55 with cryptogram information data
/// 9F27 = 40 (a TC). The cryptogram's input does not include 9F27, so the simulated issuer
/// verifies it as it verifies the ARQC.
pub fn chip_tc() -> CardInput {
    match chip() {
        CardInput::Chip { pan, track2, expiry, card_seq, icc_data } => {
            let icc_data = icc_data.replacen("9F270180", "9F270140", 1);
            CardInput::Chip { pan, track2, expiry, card_seq, icc_data }
        }
        _ => unreachable!(),
    }
}

/// The chip card after its offline approval number `atc` (its application transaction counter,
/// 9F36): a TC (9F27 = 40) computed for that counter under the card's keys, as a real card gives
/// a new one for every transaction. What tests that store several offline sales use.
pub fn chip_tc_atc(atc: u16) -> CardInput {
    let template = ICC_DATA.replacen("9F270180", "9F270140", 1).replacen("9F36020001", &format!("9F3602{atc:04X}"), 1);
    let icc_data = crate::issuer::sign(&crate::issuer::test_issuer(), CHIP_PAN, "01", &template).expect("a signed TC");
    match chip() {
        CardInput::Chip { pan, track2, expiry, card_seq, .. } => {
            CardInput::Chip { pan, track2, expiry, card_seq, icc_data }
        }
        _ => unreachable!(),
    }
}

/// The same card tapped.
pub fn contactless() -> CardInput {
    match chip() {
        CardInput::Chip { pan, track2, expiry, card_seq, icc_data } => {
            CardInput::Contactless { pan, track2, expiry, card_seq, icc_data }
        }
        _ => unreachable!(),
    }
}

/// A swiped magnetic stripe.
pub fn magstripe() -> CardInput {
    CardInput::Magstripe { track2: format!(";{MAG_PAN}=25121011143878089?") }
}

/// A scanned UnionPay QR payment code.
pub fn qr() -> CardInput {
    CardInput::QrCode { code: "6225123456789012345".into() }
}

/// A scanned WeChat Pay payment code.
pub fn wechat() -> CardInput {
    CardInput::QrCode { code: "134567890123456789".into() }
}

/// The right PIN ([`crate::TEST_PIN`]).
pub fn pin() -> Option<PinInput> {
    Some(PinInput::Clear { digits: crate::TEST_PIN.into() })
}

/// A wrong PIN.
pub fn wrong_pin() -> Option<PinInput> {
    Some(PinInput::Clear { digits: "000000".into() })
}

/// A card (every entry mode and both wallets, equally likely) and its PIN entry (none for a
/// payment code, a wrong PIN 1 time in 20), drawn from `dice`: the random presentment the crash
/// tests, in process and as a real process, both use.
pub fn random(dice: &mut crate::SplitMix) -> (CardInput, Option<PinInput>) {
    let card = match dice.below(5) {
        0 => chip(),
        1 => magstripe(),
        2 => contactless(),
        3 => qr(),
        _ => wechat(),
    };
    let pin = if matches!(card, CardInput::QrCode { .. }) {
        None
    } else if dice.percent(5) {
        wrong_pin()
    } else {
        pin()
    };
    (card, pin)
}
