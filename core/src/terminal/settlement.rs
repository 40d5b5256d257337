//! Settlement (结算) and batch upload (批上送), journaled like a reversal.
//!
//! The `term/settle` record ([`SettleRecord`]) is durable before the first 0500 leaves. Until the
//! host has said where the batch stands, nothing is booked: the host may already have closed the
//! batch, and a sale sent into a closed batch is money the terminal's totals will never show.
//! After a lost answer or a restart the owed message is sent again before any request that moves
//! money (a repeat 0500 carries the same batch and totals; the host answers a settled batch
//! idempotently), with the reversal backoff and limit; exhausted, it blocks financial requests
//! until the operator settles again.
//!
//! The protocol is the one UnionPay terminals in the field run (dsand20142014/openpos, commit
//! 6280780, `serv.c`: `SERV_SettleOnline` 720-762, `SERV_MAGTransBatchSend` 1215-1383,
//! `Serv_OnlineTransSend` 1385-1555, `SERV_SettleBatchEnd2` 1631-1705, `SERV_SettleBatchEnd`
//! 2154-2190; andrewsdg412/Aviapay `SettleTrans.java` 253-383 agrees on the balanced path):
//! 1. 0500 with the domestic and foreign totals in field 48 ([`Totals::field48`]); the 0510's
//!    field 48 carries a result digit per half at offsets 30 and 61: `1` balanced (对账平), `2`
//!    unbalanced (不平), `3` error. Balanced only when both halves are.
//! 2. Batch upload, one 0320 per message, each acknowledged one recorded so a restart resumes
//!    there: balanced, each chip transaction (60.3 = 203, with its field 55); unbalanced, every
//!    transaction: magnetic stripe and payment code records eight to a 0320 in field 48 (60.3 =
//!    201), chip ones one each (205).
//! 3. The end of the upload: 0320 with 60.3 = 207 (balanced) or 202 (unbalanced) and the number
//!    of transactions uploaded in field 48 (n4). Its acknowledgement closes the batch: the next
//!    one opens, old batches are pruned and the record goes, in one atomic write. An unbalanced
//!    batch is closed too: the host settles on the uploaded details and the operator sees that
//!    the totals differed.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use crate::iso8583::{Message, Mti};
use crate::response::{self, NextAction};
use crate::store::Op;

use super::error::Result;
use super::journal::{SettlePhase, SettleRecord, State, TxnStatus, UploadMsg, KEY_SETTLE, KEY_STATE};
use super::kinds::facts;
use super::types::{Event, Totals, TxnKind};
use super::{Flight, InFlight, Terminal};

/// Field 48 of the 0510: the host's result digit for domestic cards (offset 30) and for foreign
/// cards (offset 61).
const RESULT_AT: [usize; 2] = [30, 61];
/// Magnetic stripe records per 0320 of an unbalanced upload (field 48: count n2 and up to eight
/// records of 40 digits, openpos `ISO8583_BIT48NUM`).
const RECORDS_PER_UPLOAD: usize = 8;
/// 60.3 of the batch upload messages.
const UPLOAD_MAG: &str = "201";
const UPLOAD_CHIP_BALANCED: &str = "203";
const UPLOAD_CHIP_UNBALANCED: &str = "205";
const END_BALANCED: &str = "207";
const END_UNBALANCED: &str = "202";

impl Terminal {
    /// Totals of the approved log of `batch` (what the 0500 carries).
    pub fn totals(&self, batch: &str) -> Totals {
        let mut t = Totals::default();
        for r in self.approved(batch) {
            t.add(r.kind.sign(), r.amount, r.is_foreign());
        }
        t
    }

    /// Writes the settlement record (or deletes it, with `None`), in the same atomic write as
    /// `extra`.
    fn write_settle(&mut self, rec: Option<SettleRecord>, extra: &[Op]) -> Result<()> {
        let mut ops = vec![match &rec {
            Some(r) => Op::put(KEY_SETTLE, super::to_json(r)),
            None => Op::delete(KEY_SETTLE),
        }];
        ops.extend_from_slice(extra);
        self.commit(&ops)?;
        self.settlement = rec;
        Ok(())
    }

    /// The operator asked to settle: record the settlement, then send its first 0500. When one
    /// is already owed (a lost answer, exhausted retries), it is sent again now instead.
    pub(super) fn start_settlement(&mut self, id: u64, now: u64) -> Result<()> {
        if let Some(mut s) = self.settlement.clone() {
            s.request = id;
            s.attempts = 0;
            s.exhausted = false;
            self.write_settle(Some(s), &[])?;
            self.due.insert(KEY_SETTLE.into(), now);
            return Ok(());
        }
        let batch = self.state.batch.clone();
        let rec = SettleRecord {
            totals: self.totals(&batch),
            batch,
            phase: SettlePhase::First,
            balanced: false,
            uploads: Vec::new(),
            uploaded: 0,
            attempts: 0,
            exhausted: false,
            request: id,
            results: (None, None),
        };
        self.write_settle(Some(rec), &[])?;
        self.settle_clean = true;
        self.send_settlement(now);
        Ok(())
    }

    /// Sends the message the settlement owes now: the 0500, the next 0320 of the upload, or the
    /// end of the upload.
    pub(super) fn send_settlement(&mut self, now: u64) -> bool {
        self.due.remove(KEY_SETTLE);
        let Some(s) = self.settlement.clone() else { return false };
        let built = match s.phase {
            SettlePhase::First => self.build_settle(&s),
            SettlePhase::Upload => match s.uploads.get(s.uploaded) {
                Some(u) => self.build_upload(&s, u),
                None => self.build_upload_end(&s),
            },
            SettlePhase::End => self.build_upload_end(&s),
        };
        let (m, bytes, flight) = match built {
            Ok(b) => b,
            Err(e) => {
                // Cannot be rebuilt: keep it owed and tell the operator.
                self.events.push_back(Event::Garbage { reason: format!("settlement of batch {}: {e}", s.batch) });
                let mut s = s;
                s.exhausted = true;
                return self.write_settle(Some(s), &[]).is_ok();
            }
        };
        let inflight = InFlight {
            request: (s.request != 0).then_some(s.request),
            flight,
            mti: m.mti(),
            stan: m.get_str(11).unwrap_or_default().to_owned(),
            amount: if flight == Flight::Upload { m.get_str(4).map(str::to_owned) } else { None },
            key: Some(KEY_SETTLE.into()),
            deadline: now + self.cfg.response_timeout_ms,
            card: None,
            fingerprint: None,
        };
        let kind = (flight == Flight::Settlement).then_some(TxnKind::Settle);
        self.transmit(inflight, kind, &m, bytes, s.attempts + 1);
        true
    }

    fn build_settle(&mut self, s: &SettleRecord) -> Result<(Message, Vec<u8>, Flight)> {
        let f = facts(TxnKind::Settle);
        let stan = self.next_stan()?;
        let mut m = self.base(f.mti, &stan)?;
        m.set_str(48, &s.totals.field48())?;
        m.set_str(49, &self.cfg.currency)?;
        m.set_str(60, &super::build::field60(f.type_code, &s.batch, f.nmi.unwrap_or("201")))?;
        m.set_str(63, &self.operator63())?;
        let bytes = self.seal_and_frame(&mut m, f.mac)?;
        Ok((m, bytes, Flight::Settlement))
    }

    /// One 0320 of the upload: a chip record with its field 55 (203/205), or up to eight
    /// magnetic stripe / payment code records in field 48 (201): card class `00` domestic or
    /// `01` foreign, STAN n6, account right-aligned zero-filled to 20 digits, amount n12.
    fn build_upload(&mut self, s: &SettleRecord, upload: &UploadMsg) -> Result<(Message, Vec<u8>, Flight)> {
        let mut records = Vec::with_capacity(upload.keys.len());
        for key in &upload.keys {
            let r = self.records.get(key).cloned().ok_or_else(|| super::TerminalError::BadRecord {
                key: key.clone(),
                reason: "a record to upload is missing".into(),
            })?;
            records.push(r);
        }
        let stan = self.next_stan()?;
        let mut m = self.base(Mti::BATCH_UPLOAD, &stan)?;
        if upload.code == UPLOAD_MAG {
            let mut f48 = format!("{:02}", records.len());
            for r in &records {
                let t = Message::from_json(&self.spec, &r.template)?;
                let account: String =
                    t.get_str(2).or_else(|| t.get_str(48)).unwrap_or_default().chars().take(20).collect();
                let class = if r.is_foreign() { "01" } else { "00" };
                let _ = write!(f48, "{class}{}{account:0>20}{:012}", r.stan, r.amount);
            }
            m.set_str(48, &f48)?;
        } else {
            let r = &records[0];
            let t = Message::from_json(&self.spec, &r.template)?;
            for f in [2, 3, 22, 23, 49, 55] {
                if let Some(v) = t.get_bytes(f) {
                    m.set_bytes(f, v.to_vec())?;
                }
            }
            // The booked amount: a partial approval books less than the request asked.
            m.set_str(4, &format!("{:012}", r.amount))?;
            if let Some(v) = &r.rrn {
                m.set_str(37, v)?;
            }
            if let Some(v) = r.auth_code.as_deref().filter(|a| !a.trim().is_empty()) {
                m.set_str(38, v)?;
            }
            m.set_str(61, &format!("{}{}", r.batch, r.stan))?;
        }
        m.set_str(60, &super::build::field60("00", &s.batch, &upload.code))?;
        let bytes = self.seal_and_frame(&mut m, false)?;
        Ok((m, bytes, Flight::Upload))
    }

    /// The end of the upload (批上送结束): 0320, 60.3 = 207 balanced / 202 unbalanced, field 48
    /// the number of transactions uploaded (n4).
    fn build_upload_end(&mut self, s: &SettleRecord) -> Result<(Message, Vec<u8>, Flight)> {
        let stan = self.next_stan()?;
        let mut m = self.base(Mti::BATCH_UPLOAD, &stan)?;
        m.set_str(48, &format!("{:04}", s.upload_count() % 10_000))?;
        let code = if s.balanced { END_BALANCED } else { END_UNBALANCED };
        m.set_str(60, &super::build::field60("00", &s.batch, code))?;
        let bytes = self.seal_and_frame(&mut m, false)?;
        Ok((m, bytes, Flight::UploadEnd))
    }

    /// What to upload after the 0510: chip records after a balanced answer; everything after an
    /// unbalanced one.
    fn upload_plan(&self, batch: &str, balanced: bool) -> Vec<UploadMsg> {
        let approved: Vec<(&String, &super::TxnRecord)> = self
            .records
            .iter()
            .filter(|(_, r)| r.batch == batch && r.status == TxnStatus::Approved && r.kind.sign() != 0)
            .collect();
        let chip = if balanced { UPLOAD_CHIP_BALANCED } else { UPLOAD_CHIP_UNBALANCED };
        let mut plan: Vec<UploadMsg> = approved
            .iter()
            .filter(|(_, r)| r.is_chip())
            .map(|(k, _)| UploadMsg { code: chip.into(), keys: vec![(*k).clone()] })
            .collect();
        if !balanced {
            let mag: Vec<String> = approved.iter().filter(|(_, r)| !r.is_chip()).map(|(k, _)| (*k).clone()).collect();
            for group in mag.chunks(RECORDS_PER_UPLOAD) {
                plan.push(UploadMsg { code: UPLOAD_MAG.into(), keys: group.to_vec() });
            }
        }
        plan
    }

    /// The host answered a 0500 or a 0320.
    pub(super) fn on_settlement_response(&mut self, inf: &InFlight, msg: &Message, code: &str, now: u64) {
        let Some(mut s) = self.settlement.clone() else { return };
        let id = s.request;
        let diag =
            self.diagnose(response::Request::Settlement, response::Event::HostResponse { code: code.to_owned() });
        if inf.flight == Flight::Upload {
            if diag.action != NextAction::Complete {
                self.settlement_attempt_failed(inf, diag, now);
                return;
            }
            s.uploaded += 1;
            s.attempts = 0;
            self.settle_clean = true;
            if s.uploaded >= s.uploads.len() {
                s.phase = SettlePhase::End;
            }
            if self.write_settle(Some(s), &[]).is_ok() {
                self.due.insert(KEY_SETTLE.into(), now);
            }
            return;
        }
        if inf.flight == Flight::UploadEnd {
            if diag.action != NextAction::Complete {
                self.settlement_attempt_failed(inf, diag, now);
                return;
            }
            self.close_batch(&s, now);
            return;
        }
        if diag.action != NextAction::Complete && !self.settle_clean {
            // A refusal of a repeat says nothing about the first attempt, which the host may have
            // settled: still owed.
            self.settlement_attempt_failed(inf, diag, now);
            return;
        }
        if diag.action != NextAction::Complete {
            // The host refused to settle: the batch stays open, nothing is owed.
            if self.after_decline(&diag).is_ok() && self.write_settle(None, &[]).is_ok() {
                self.events.push_back(Event::Declined {
                    request: id,
                    kind: TxnKind::Settle,
                    stan: inf.stan.clone(),
                    diagnosis: Box::new(diag),
                    issuer_response: None,
                });
            }
            return;
        }
        // A half the host leaves out (a short field 48) has nothing to disagree about.
        let f48 = msg.get_str(48).unwrap_or_default();
        let balanced = RESULT_AT.iter().all(|&at| f48.chars().nth(at).is_none_or(|c| c == '1'))
            && f48.chars().nth(RESULT_AT[0]).is_some();
        s.balanced = balanced;
        let digit = |at: usize| f48.as_bytes().get(at).copied().filter(u8::is_ascii_digit);
        s.results = (digit(RESULT_AT[0]), digit(RESULT_AT[1]));
        s.uploads = self.upload_plan(&s.batch, balanced);
        s.uploaded = 0;
        s.attempts = 0;
        s.phase = if s.uploads.is_empty() { SettlePhase::End } else { SettlePhase::Upload };
        self.settle_clean = true;
        let (batch, totals, uploading) = (s.batch.clone(), s.totals, s.upload_count());
        if self.write_settle(Some(s), &[]).is_ok() {
            if !balanced {
                self.events.push_back(Event::SettlementUnbalanced {
                    request: id,
                    batch: batch.clone(),
                    totals,
                    uploading,
                });
                let d = self.diagnose(response::Request::Settlement, response::Event::SettlementUnbalanced);
                self.alert(super::types::AlertKind::SettlementUnbalanced, None, Some(batch), None, d);
            }
            self.due.insert(KEY_SETTLE.into(), now);
        }
    }

    /// The end of the upload was acknowledged: the next batch opens (unless a sign-on already
    /// moved to the host's next batch), old batches are pruned, closed PANs masked and the
    /// record deleted, in one atomic write.
    fn close_batch(&mut self, s: &SettleRecord, now: u64) {
        let (id, batch, totals) = (s.request, s.batch.clone(), s.totals);
        let next_batch = if self.state.batch == batch {
            let next: u32 = batch.parse::<u32>().unwrap_or(0) % 999_999 + 1;
            format!("{next:06}")
        } else {
            self.state.batch.clone()
        };
        let state = State { batch: next_batch.clone(), signed_on: self.state.signed_on };
        let net = totals.net().unsigned_abs();
        let what = if s.balanced { "settled" } else { "settled_unbalanced" };
        self.note(what.into(), Some(batch.clone()), None, Some(net));
        let pruned = self.prunable(&batch);
        // The pruned records' messages stay in the audit trail (as notes written with this close).
        let archived: Vec<_> =
            pruned.iter().filter_map(|k| self.records.get(k)).flat_map(super::log::trail_entries).collect();
        self.notes.extend(archived);
        let mut ops = vec![Op::put(KEY_STATE, super::to_json(&state))];
        ops.extend(pruned.iter().map(|k| Op::delete(k.clone())));
        // Nothing can need the closed batch's PANs any more (no reversal, upload or void of a
        // settled transaction): they are masked in the same write (PCI DSS 3.3, 3.4).
        let masked = self.mask_closed(&batch, &pruned);
        ops.extend(masked.iter().map(|(k, r)| Op::put(k.clone(), super::to_json(r))));
        // The batch's statistics summary and settlement report, before its records may be pruned.
        let result = |d: Option<u8>| d.and_then(crate::report::SettleResult::from_field48_digit);
        let report = self.build_settlement_report(
            &batch,
            crate::report::ReportKind::Settlement,
            (result(s.results.0), result(s.results.1)),
            now,
        );
        match self.closing_ops(&batch, &report) {
            Ok(more) => ops.extend(more),
            Err(e) => {
                // The store could not be read: nothing may be written on a guess.
                self.halt(&e);
                return;
            }
        }
        if self.write_settle(None, &ops).is_err() {
            return;
        }
        for k in &pruned {
            self.records.remove(k);
        }
        self.records.extend(masked);
        self.state = state;
        self.events.push_back(Event::BatchUploaded { request: id, count: s.upload_count() });
        self.events.push_back(if s.balanced {
            Event::SettlementBalanced { request: id, batch, totals, next_batch }
        } else {
            Event::SettlementClosedUnbalanced { request: id, batch, totals, next_batch }
        });
    }

    /// A 0500 or 0320 got no usable answer. Unless the very first 0500 never left the terminal,
    /// the host may have settled: the record stays owed, with backoff and a limit.
    pub(super) fn settlement_failed(&mut self, inf: &InFlight, event: response::Event, before_send: bool, now: u64) {
        let diag = self.diagnose(response::Request::Settlement, event);
        let first = self.settlement.as_ref().is_some_and(|s| s.phase == SettlePhase::First);
        if before_send && self.settle_clean && first {
            let id = self.settlement.as_ref().map_or(0, |s| s.request);
            if self.write_settle(None, &[]).is_ok() {
                self.events.push_back(failed(id, inf, diag));
            }
            return;
        }
        self.settlement_attempt_failed(inf, diag, now);
    }

    fn settlement_attempt_failed(&mut self, inf: &InFlight, diag: response::Diagnosis, now: u64) {
        self.settle_clean = false;
        let Some(mut s) = self.settlement.clone() else { return };
        s.attempts += 1;
        s.exhausted = s.attempts >= self.cfg.reversal_max_attempts.max(1);
        let (id, exhausted, attempts) = (s.request, s.exhausted, s.attempts);
        if self.write_settle(Some(s), &[]).is_err() {
            return;
        }
        if !exhausted {
            self.due.insert(KEY_SETTLE.into(), now + self.backoff(attempts));
        }
        self.events.push_back(failed(id, inf, diag));
    }

    /// The records of the settled batch `closed` whose template still holds a full PAN, masked
    /// (first 6, last 4). Records still owed to the host keep theirs.
    fn mask_closed(&self, closed: &str, pruned: &[String]) -> Vec<(String, super::TxnRecord)> {
        self.records
            .iter()
            .filter(|(k, r)| r.batch == closed && !pruned.contains(k))
            .filter(|(_, r)| !r.is_owed())
            .filter_map(|(k, r)| {
                let pan = r.template.fields.get(&2)?;
                let masked = crate::card::mask_pan(pan, &crate::card::MaskPolicy::default()).ok()?;
                (masked != *pan).then(|| {
                    let mut r = r.clone();
                    r.template.fields.insert(2, masked);
                    (k.clone(), r)
                })
            })
            .collect()
    }

    /// Journal records to delete when `closed` is settled: those of batches older than the
    /// `keep_batches` most recent closed ones (batch numbers wrap after 999999), and only once
    /// nothing is owed to the host for them.
    fn prunable(&self, closed: &str) -> Vec<String> {
        let keep = self.cfg.keep_batches;
        if keep == 0 {
            return Vec::new();
        }
        let closed: u32 = closed.parse().unwrap_or(0);
        let kept: BTreeSet<String> =
            (0..keep.min(999_999)).map(|i| format!("{:06}", (closed + 999_999 - 1 - i) % 999_999 + 1)).collect();
        self.records
            .iter()
            .filter(|(_, r)| !kept.contains(&r.batch))
            .filter(|(_, r)| !r.is_owed())
            .map(|(k, _)| k.clone())
            .collect()
    }
}

/// A settlement message that got no usable answer: nothing about it is a reversal.
fn failed(request: u64, inf: &InFlight, diag: response::Diagnosis) -> Event {
    Event::Failed {
        request,
        kind: TxnKind::Settle,
        stan: Some(inf.stan.clone()),
        diagnosis: Box::new(diag),
        reversal_pending: false,
    }
}
