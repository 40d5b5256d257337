//! EMV online completion: what the issuer sent back for the card, and what the card answered.
//!
//! A chip transaction is not finished when the host approves. The answer's field 55 carries the
//! issuer authentication data (91, with the ARPC), the authorisation response code (8A) and
//! issuer scripts (71 before, 72 after the second GENERATE AC) that the card must see: the engine
//! hands them to the app ([`IssuerResponse`] on the approved or declined event). The EMV kernel
//! lives in the device's certified reader, never here; the app gives the card's second GENERATE
//! AC result back with [`Terminal::complete_chip`] ([`ChipCompletion`]):
//! - a TC after an approval completes it: the record's field 55 now carries the TC, which the
//!   settlement's chip upload (0320, 60.3 = 203/205) sends (the TC upload);
//! - an AAC after an approval (the card declined what the host approved) is a reversal, whose
//!   field 55 carries the card's own data;
//! - script results (DF31) become a script result advice (0620), journaled before it is sent and
//!   delivered before the next online transaction and before settlement, retried until the host
//!   answers and never dropped (dsand20142014/openpos `trans.c` `Trans_IssuerScriptInformSend`
//!   clears its flag even when every attempt failed: poscore keeps it until it is delivered).
//!
//! The 0620 as UnionPay terminals send it (openpos `trans.c` `Trans_EMVProcessScript`, commit
//! 6280780; `shared/UNIONPAY.md`): 2, 3, 4, 11, 22, 23, 37, 38, 41, 42, 49, 55 (9F33 95 9F37 9F1E
//! 9F10 9F26 9F36 82 DF31 9F1A 9A), 60 = the original's 60.1 + batch + 951 + 5 + fallback flag,
//! 61 = the original's batch + STAN + MMDD, 64. andrewsdg412/Aviapay `ScriptTrans.java` swaps
//! 61.1 and 61.2 against its own comment; poscore follows openpos and the comment.

use serde::{Deserialize, Serialize};

use crate::iso8583::Message;
use crate::response::{self, CardReadError, Diagnosis};
use crate::tlv::Tag;

use crate::store::Op;

use super::error::{Result, TerminalError};
use super::journal::{self, TxnRecord, TxnStatus};
use super::kinds::{facts, Obligation};
use super::types::{Event, TxnKind};
use super::Terminal;

/// What the issuer sent back for the card in the answer's field 55 (uppercase hex), to give to
/// the card in its second GENERATE AC.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuerResponse {
    /// 91, issuer authentication data (ARPC and card status update or proprietary data).
    pub auth_data: Option<String>,
    /// 8A, the authorisation response code for the card.
    pub arc: Option<String>,
    /// 71 and 72 issuer script templates, each as received (tag and length included), in order.
    pub scripts: Vec<String>,
}

impl IssuerResponse {
    /// Reads field 55 of an answer. Repeated script templates are the norm, so the objects are
    /// read one by one (with the checks of [`crate::tlv`]); anything unreadable gives `None`.
    pub(super) fn from_field55(f55: &[u8]) -> Option<Self> {
        let mut out = Self::default();
        let mut pos = 0;
        while pos < f55.len() {
            let (tag, at, len) = crate::tlv::read_header(f55, pos, 0).ok()?;
            let value = &f55[at..at + len];
            match tag.0 {
                0x91 => out.auth_data = Some(crate::keys::hex_encode(value)),
                0x8A => out.arc = Some(crate::keys::hex_encode(value)),
                0x71 | 0x72 => out.scripts.push(crate::keys::hex_encode(&f55[pos..at + len])),
                _ => {}
            }
            pos = at + len;
        }
        (out.auth_data.is_some() || out.arc.is_some() || !out.scripts.is_empty()).then_some(out)
    }
}

/// The card's answer to the second GENERATE AC, from the kernel (uppercase hex values).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChipCompletion {
    /// 9F26, the application cryptogram (TC or AAC).
    pub cryptogram: String,
    /// 9F27, the cryptogram information data: `40` TC, `00` AAC.
    pub cid: String,
    /// 95, terminal verification results after completion.
    #[serde(default)]
    pub tvr: Option<String>,
    /// 9B, transaction status information.
    #[serde(default)]
    pub tsi: Option<String>,
    /// 9F36, application transaction counter.
    #[serde(default)]
    pub atc: Option<String>,
    /// DF31, issuer script results (5 bytes per script), when scripts ran.
    #[serde(default)]
    pub script_results: Option<String>,
}

/// What [`Terminal::complete_chip`] did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChipOutcome {
    /// The card accepted the approval (TC): the transaction stands.
    pub completed: bool,
    /// A reversal now stands for it (the card declined after the host approved).
    pub reversal_pending: bool,
    /// A script result advice (0620) was journaled and is being delivered.
    pub script_advice: bool,
    /// The diagnosis of a card decline after approval.
    pub diagnosis: Option<Diagnosis>,
}

/// The 55 tags of a script result advice, in openpos order.
const ADVICE_55: [u32; 11] = [0x9F33, 0x95, 0x9F37, 0x9F1E, 0x9F10, 0x9F26, 0x9F36, 0x82, 0xDF31, 0x9F1A, 0x9A];

fn bad(field: &'static str, reason: impl Into<String>) -> TerminalError {
    TerminalError::BadRequest { field, reason: reason.into() }
}

impl ChipCompletion {
    /// The completion as BER-TLV objects (validated hex, sensible lengths).
    fn objects(&self) -> Result<Vec<(u32, Vec<u8>)>> {
        let hex = |field: &'static str, v: &str, lens: &[usize]| -> Result<Vec<u8>> {
            let b = crate::keys::hex_decode(v).map_err(|e| bad(field, e.to_string()))?;
            if lens.is_empty() && !b.is_empty() && b.len() % 5 == 0 && b.len() <= 100 || lens.contains(&b.len()) {
                Ok(b)
            } else {
                Err(bad(field, format!("{} bytes is not a valid length", b.len())))
            }
        };
        let mut out = vec![
            (0x9F26, hex("chip.cryptogram", &self.cryptogram, &[8])?),
            (0x9F27, hex("chip.cid", &self.cid, &[1])?),
        ];
        if let Some(v) = &self.tvr {
            out.push((0x95, hex("chip.tvr", v, &[5])?));
        }
        if let Some(v) = &self.tsi {
            out.push((0x9B, hex("chip.tsi", v, &[2])?));
        }
        if let Some(v) = &self.atc {
            out.push((0x9F36, hex("chip.atc", v, &[2])?));
        }
        if let Some(v) = &self.script_results {
            out.push((0xDF31, hex("chip.script_results", v, &[])?));
        }
        Ok(out)
    }

    /// True when the card answered a TC (9F27 bits 8-7 = 01).
    fn is_tc(&self) -> bool {
        crate::keys::hex_decode(&self.cid).ok().and_then(|b| b.first().copied()).is_some_and(|c| c & 0xC0 == 0x40)
    }
}

/// Field 55 with `updates` replacing (or adding) top-level primitive objects.
fn merge_55(f55: &[u8], updates: &[(u32, Vec<u8>)]) -> Option<Vec<u8>> {
    let mut items = crate::tlv::decode(f55).ok()?;
    for (tag, value) in updates {
        let t = Tag(*tag);
        match items.iter_mut().find(|i| i.tag == t) {
            Some(i) => i.value = crate::tlv::Value::Primitive(value.clone()),
            None => items.push(crate::tlv::Tlv::primitive(t, value.clone())),
        }
    }
    Some(crate::tlv::encode(&items))
}

/// The 55 of a script result advice: the advice tags of `f55` that are present, in order.
fn advice_55(f55: &[u8]) -> Option<Vec<u8>> {
    let items = crate::tlv::decode(f55).ok()?;
    let kept: Vec<_> = ADVICE_55.iter().filter_map(|t| items.iter().find(|i| i.tag == Tag(*t)).cloned()).collect();
    Some(crate::tlv::encode(&kept))
}

impl Terminal {
    /// The card's second GENERATE AC result for the chip transaction `stan` of the open batch
    /// (see the [module docs](self)). A TC completes it; an AAC after an approval makes it a
    /// reversal carrying the card's data; script results become a 0620, journaled and sent
    /// before the next online transaction.
    pub fn complete_chip(&mut self, stan: &str, result: &ChipCompletion, now: u64) -> Result<ChipOutcome> {
        self.check_alive()?;
        let objects = result.objects()?;
        let key = journal::txn_key(&self.state.batch, stan);
        let r = match self.records.get(&key) {
            Some(r) if r.is_chip() && matches!(r.status, TxnStatus::Approved | TxnStatus::Declined) => r.clone(),
            _ => return Err(TerminalError::UnknownOriginal { stan: stan.to_owned(), batch: self.state.batch.clone() }),
        };
        let template = Message::from_json(&self.spec, &r.template)?;
        let f55 = template.get_bytes(55).unwrap_or_default().to_vec();
        // The card's final data in the record (what the TC upload or the reversal carries); the
        // script results (DF31) go only to the advice.
        let card_data: Vec<(u32, Vec<u8>)> = objects.iter().filter(|(t, _)| *t != 0xDF31).cloned().collect();
        let merged = merge_55(&f55, &card_data).unwrap_or(f55);
        let mut updated = r.clone();
        let mut t = template;
        t.set_bytes(55, merged.clone())?;
        updated.template = t.to_json(&self.spec);
        let approved = r.status == TxnStatus::Approved;
        let tc = result.is_tc();
        let scripts_ran = result.script_results.as_deref().is_some_and(|s| !s.is_empty());
        let advice = if scripts_ran {
            let with_results = merge_55(&merged, &objects).unwrap_or_else(|| merged.clone());
            Some(self.script_advice_record(&r, &with_results, now)?)
        } else {
            None
        };
        // The card's data and the advice it owes the host in one atomic write: a crash cannot
        // keep one without the other.
        let mut ops = vec![Op::put(key.clone(), super::to_json(&updated))];
        if let Some((k, rec)) = &advice {
            ops.push(Op::put(k.clone(), super::to_json(rec)));
        }
        self.commit(&ops)?;
        self.records.insert(key, updated);
        if let Some((k, rec)) = advice {
            self.records.insert(k.clone(), rec);
            self.due.insert(k, now);
        }
        let mut outcome = ChipOutcome {
            completed: approved && tc,
            reversal_pending: false,
            script_advice: scripts_ran,
            diagnosis: None,
        };
        self.events.push_back(Event::ChipCompleted { stan: stan.to_owned(), tc, script_advice: scripts_ran });
        if approved && !tc && facts(r.kind).obligation == Obligation::Reversal {
            // The card declined what the host approved: the approval cannot stand.
            let d = self.card_failed_after_approval(stan, CardReadError::ChipDeclined, now)?;
            outcome.reversal_pending = d.action == response::NextAction::Reverse;
            outcome.diagnosis = Some(d);
        }
        self.pump(now);
        Ok(outcome)
    }

    /// The 0620 for the original `r` (card data and script results `f55`) as a pending record
    /// and its key: once written, the scheduler sends it before the next request that must wait
    /// for what is owed.
    fn script_advice_record(&mut self, r: &TxnRecord, f55: &[u8], now: u64) -> Result<(String, TxnRecord)> {
        let original = Message::from_json(&self.spec, &r.template)?;
        let stan = self.next_stan()?;
        let f = facts(TxnKind::ScriptAdvice);
        let mut m = self.base(f.mti, &stan)?;
        for field in [2, 3, 4, 22, 23, 49] {
            if let Some(v) = original.get_bytes(field) {
                m.set_bytes(field, v.to_vec())?;
            }
        }
        if let Some(v) = &r.rrn {
            m.set_str(37, v)?;
        }
        if let Some(v) = r.auth_code.as_deref().filter(|a| !a.trim().is_empty()) {
            m.set_str(38, v)?;
        }
        if let Some(v) = advice_55(f55).filter(|v| !v.is_empty()) {
            m.set_bytes(55, v)?;
        }
        let type_code: String = original.get_str(60).unwrap_or("22").chars().take(2).collect();
        let fallback = '0';
        m.set_str(60, &format!("{type_code}{}9515{fallback}", r.batch))?;
        let mmdd: String = r.date.chars().filter(char::is_ascii_digit).skip(4).take(4).collect();
        m.set_str(61, &format!("{}{}{mmdd}", r.batch, r.stan))?;
        let (date, time, _, _) = super::clock::local(now, self.cfg.utc_offset_minutes);
        let key = journal::txn_key(&self.state.batch, &stan);
        let rec = TxnRecord {
            kind: TxnKind::ScriptAdvice,
            batch: self.state.batch.clone(),
            stan,
            status: TxnStatus::Pending,
            amount: 0,
            date,
            time,
            template: m.to_json(&self.spec),
            reason: None,
            attempts: 0,
            response_code: None,
            rrn: None,
            auth_code: None,
            original_stan: Some(r.stan.clone()),
            receipt: None,
            request: 0,
            card_org: None,
            stored_at: None,
            trail: Vec::new(),
        };
        Ok((key, rec))
    }

    /// The host answered a script result advice: delivered, whatever it said (a refusal is the
    /// host's final word on an advice).
    pub(super) fn script_advice_answered(&mut self, key: &str, code: &str, diag: &Diagnosis) {
        let Some(mut r) = self.records.get(key).cloned() else { return };
        r.status =
            if diag.action == response::NextAction::Complete { TxnStatus::Approved } else { TxnStatus::Declined };
        r.response_code = Some(code.to_owned());
        let original = r.original_stan.clone().unwrap_or_default();
        if self.write_record(key, r).is_ok() {
            self.events.push_back(Event::ScriptAdviceDelivered { stan: original, code: code.to_owned() });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_issuer_response_is_read_with_repeated_script_templates() {
        // 91 (ARPC + CSU), 8A, two 72 scripts.
        let f55 =
            crate::keys::hex_decode("910A1122334455667788303072079F1804000000017207860500000000008A023030").unwrap();
        let r = IssuerResponse::from_field55(&f55).unwrap();
        assert_eq!(r.auth_data.as_deref(), Some("11223344556677883030"));
        assert_eq!(r.arc.as_deref(), Some("3030"));
        assert_eq!(r.scripts, ["72079F180400000001", "720786050000000000"]);
        assert!(IssuerResponse::from_field55(&crate::keys::hex_decode("9F3602000A").unwrap()).is_none());
        assert!(IssuerResponse::from_field55(&[0x91, 0x20, 0x01]).is_none(), "overrun");
    }

    #[test]
    fn completion_values_are_checked() {
        let ok = ChipCompletion {
            cryptogram: "0102030405060708".into(),
            cid: "40".into(),
            tvr: Some("0000000000".into()),
            tsi: Some("E800".into()),
            atc: Some("0001".into()),
            script_results: Some("2000000000".into()),
        };
        assert_eq!(ok.objects().unwrap().len(), 6);
        assert!(ok.is_tc());
        let aac = ChipCompletion { cid: "00".into(), ..ok.clone() };
        assert!(!aac.is_tc());
        for bad in [
            ChipCompletion { cryptogram: "0102".into(), ..ok.clone() },
            ChipCompletion { cid: "4".into(), ..ok.clone() },
            ChipCompletion { script_results: Some("200000".into()), ..ok.clone() },
        ] {
            assert!(bad.objects().is_err(), "{bad:?}");
        }
    }
}
