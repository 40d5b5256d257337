//! The completed-transaction record a receipt renders from (PAN masked on the way in).

use crate::iso8583::Message;
use crate::receipt::{EmvData, ReceiptInput};

use super::kinds::facts;
use super::types::TxnKind;
use super::{clock, journal, InFlight, Terminal};

impl Terminal {
    pub(super) fn receipt(&self, kind: TxnKind, inf: &InFlight, msg: &Message, amount: u64, now: u64) -> ReceiptInput {
        let (date, time, _, _) = clock::local(now, self.cfg.utc_offset_minutes);
        let card = inf.card.clone();
        let original = self.records.get(inf.key.as_deref().unwrap_or("")).and_then(|r| r.original_stan.clone());
        let original_ref = original
            .as_ref()
            .and_then(|s| self.records.get(&journal::txn_key(&self.state.batch, s)))
            .and_then(|r| r.rrn.clone());
        ReceiptInput {
            merchant_name: self.cfg.merchant_name.clone(),
            merchant_id: self.cfg.merchant_id.clone(),
            terminal_id: self.cfg.terminal_id.clone(),
            operator_id: Some(self.cfg.operator_id.clone()),
            pan: card.as_ref().map(|c| c.masked.clone()),
            card_brand: None,
            wallet: card.as_ref().and_then(|c| c.wallet),
            entry_mode: card.as_ref().map(|c| c.entry),
            txn_type: facts(kind).receipt,
            amount: Some(amount),
            currency: Some(self.cfg.currency.clone()),
            date,
            time,
            batch_no: self.state.batch.clone(),
            voucher_no: inf.stan.clone(),
            reference_no: msg.get_str(37).map(str::to_owned),
            auth_code: msg.get_str(38).map(str::to_owned).filter(|s| !s.trim().is_empty()),
            issuer_id: None,
            acquirer_id: None,
            response_text: Some("交易成功 APPROVED".into()),
            original_voucher_no: original,
            original_reference_no: original_ref.or_else(|| {
                if kind == TxnKind::Refund {
                    self.records.get(inf.key.as_deref().unwrap_or("")).and_then(|r| {
                        Message::from_json(&self.spec, &r.template).ok().and_then(|m| m.get_str(37).map(str::to_owned))
                    })
                } else {
                    None
                }
            }),
            emv: card.and_then(|c| c.emv),
            e_receipt_url: None,
        }
    }
}

/// Minor units as `12.34` (two decimals: the currencies UnionPay terminals settle in).
pub(super) fn minor(v: u64) -> String {
    format!("{}.{:02}", v / 100, v % 100)
}

/// Field 54 as UnionPay hosts send it: account type n2, amount type n2, currency n3, sign C/D,
/// amount n12.
pub(super) fn parse_balance(s: &str) -> Option<u64> {
    let digits = if s.len() >= 20 { &s[8..20] } else { s };
    digits.parse().ok()
}

/// What the receipt shows of the chip: AID, label, cryptogram, TVR, TSI.
pub(super) fn emv_summary(icc: &[u8]) -> Option<EmvData> {
    use crate::tlv::{decode, Tag};
    let items = decode(icc).ok()?;
    let find = |hex: &str| {
        let tag = Tag::parse(hex)?;
        crate::tlv::find(&items, tag).and_then(|t| t.bytes().map(crate::keys::hex_encode))
    };
    let aid = find("4F").or_else(|| find("84"))?;
    Some(EmvData {
        aid,
        app_label: find("50").and_then(|h| crate::keys::hex_decode(&h).ok()).and_then(|b| String::from_utf8(b).ok()),
        tc: find("9F26"),
        tvr: find("95"),
        tsi: find("9B"),
    })
}
