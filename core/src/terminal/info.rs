//! Field 59, terminal information (终端信息): the `A2` entries acquirers have required in every
//! financial request since about 2019, built from [`super::TerminalInfo`], the account of the
//! request and, for the serial number ciphertext, a [`SnCipher`] the host supplies.

use std::collections::BTreeMap;

use crate::iso8583::ascii_tlv::{self, LenDigits};
use crate::iso8583::Subfields;
use crate::keys::Key;

use super::error::{Result, TerminalError};
use super::Terminal;

/// Computes field 59's `A2.04`, the ciphertext of the hardware serial number and the random
/// factor, under the terminal's serial number key (硬件序列号密钥). That key normally lives in
/// the PIN pad: implement this over the device's secure module. [`SoftSnCipher`] does it in
/// software with [`crate::mac::terminal_sn_ciphertext`] (the construction the acquiring apps in
/// the field use). Without a cipher, `A2.03`/`A2.04` are left out and `A2.02` carries the plain
/// serial number.
pub trait SnCipher {
    /// The 8-character ciphertext of `serial` ‖ `factor`.
    fn ciphertext(&self, serial: &str, factor: &str) -> std::result::Result<String, String>;
}

/// A serial number key held in software (SM4, `MacGenerate` usage): for terminals whose PIN pad
/// cannot compute `A2.04`, and for tests.
pub struct SoftSnCipher(pub Key);

impl std::fmt::Debug for SoftSnCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SoftSnCipher(<redacted>)")
    }
}

impl SnCipher for SoftSnCipher {
    fn ciphertext(&self, serial: &str, factor: &str) -> std::result::Result<String, String> {
        crate::mac::terminal_sn_ciphertext(&self.0, serial, factor).map_err(|e| e.to_string())
    }
}

/// The random factor of `A2.03`: the last 6 digits of the card number or payment code (the
/// acquirer API's rule for a 19-digit payment code, and what the 2019 capture shows for a card).
fn random_factor(account: &str) -> Option<&str> {
    let digits = account.len();
    (digits >= 6 && account.bytes().all(|b| b.is_ascii_digit())).then(|| &account[digits - 6..])
}

impl Terminal {
    /// Sets (or removes, with `None`) the cipher for field 59's serial number ciphertext.
    pub fn set_sn_cipher(&mut self, cipher: Option<Box<dyn SnCipher>>) {
        self.sn_cipher = cipher;
    }

    /// Sets (or removes, with `None`) one entry of field 59 after `A2`: what the acquirer asks
    /// the device to report (location, SIM ICCID...). `tag` is two letters or digits.
    pub fn set_terminal_info_entry(&mut self, tag: &str, value: Option<&str>) -> Result<()> {
        if tag.len() != 2 || !tag.bytes().all(|b| b.is_ascii_alphanumeric()) || tag == "A2" {
            return Err(TerminalError::BadRequest {
                field: "terminal_info.tag",
                reason: format!("{tag:?} is not a 2-character tag other than A2"),
            });
        }
        match value {
            Some(v) => {
                self.info_extra.insert(tag.to_owned(), v.to_owned());
            }
            None => {
                self.info_extra.remove(tag);
            }
        }
        Ok(())
    }

    /// Field 59 for a request on `account`, when the configuration has terminal information.
    pub(super) fn field59(&self, account: Option<&str>) -> Result<Option<String>> {
        let Some(info) = &self.cfg.terminal_info else { return Ok(None) };
        let digits = match self.spec.field(59).and_then(|f| f.subfields.as_ref()) {
            Some(Subfields::AsciiTlv { len_digits, .. }) => *len_digits,
            _ => LenDigits::Three,
        };
        let version = format!("{:<8}", info.app_version);
        let mut a2: Vec<(&str, String)> = vec![("01", info.device_type.clone())];
        let cipher = match (&self.sn_cipher, account.and_then(random_factor)) {
            (Some(c), Some(factor)) => Some((factor, c.ciphertext(&info.serial_number, factor))),
            _ => None,
        };
        a2.push(("02", info.serial_number.clone()));
        if let Some((factor, text)) = cipher {
            let text = text.map_err(|reason| TerminalError::BadConfig { field: "sn_cipher", reason })?;
            a2.push(("03", factor.to_owned()));
            a2.push(("04", text));
        }
        a2.push(("05", version));
        let refs: Vec<(&str, &str)> = a2.iter().map(|(t, v)| (*t, v.as_str())).collect();
        let bad = |e: crate::iso8583::Iso8583Error| TerminalError::BadConfig {
            field: "terminal_info",
            reason: e.to_string(),
        };
        let inner = ascii_tlv::encode(&refs, digits).map_err(bad)?;
        let mut top: BTreeMap<&str, &str> = self.info_extra.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        top.remove("A2");
        let mut entries = vec![("A2", inner.as_str())];
        entries.extend(top);
        Ok(Some(ascii_tlv::encode(&entries, digits).map_err(bad)?))
    }
}

#[cfg(test)]
mod tests {
    use super::random_factor;

    #[test]
    fn the_random_factor_is_the_last_six_digits() {
        assert_eq!(random_factor("6212340000000118"), Some("000118"));
        assert_eq!(random_factor("134567890123456789"), Some("456789"));
        assert_eq!(random_factor("12345"), None);
        assert_eq!(random_factor("62123400000001X8"), None);
    }
}
