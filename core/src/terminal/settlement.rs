//! Settlement (结算) and batch upload (批上送), journaled like a reversal.
//!
//! The `term/settle` record ([`SettleRecord`]) is durable before the first 0500 leaves. Until the
//! host has said where the batch stands, nothing is booked: the host may already have closed the
//! batch, and a sale sent into a closed batch is money the terminal's totals will never show.
//! After a lost answer or a restart the owed message is sent again before any request that moves
//! money (a repeat 0500 carries the same batch and totals; the host answers a settled batch
//! idempotently), with the reversal backoff and limit; exhausted, it blocks financial requests
//! until the operator settles again. An out-of-balance answer starts the batch upload; each
//! acknowledged 0320 is recorded, so after a crash the upload resumes where it stopped and the
//! second 0500 follows. A balanced answer opens the next batch, deletes the record and prunes old
//! batches in one atomic write.

use std::collections::BTreeSet;

use crate::iso8583::{Message, Mti};
use crate::response::{self, NextAction};
use crate::store::Op;

use super::error::Result;
use super::journal::{SettlePhase, SettleRecord, State, TxnStatus, KEY_SETTLE, KEY_STATE};
use super::kinds::facts;
use super::types::{Event, Totals, TxnKind};
use super::{Flight, InFlight, Terminal};

/// Field 48 of the 0500, character 31: the host's result for domestic cards (1 balanced).
const BALANCED_AT: usize = 30;

impl Terminal {
    /// Totals of the approved log of `batch` (what the 0500 carries).
    pub fn totals(&self, batch: &str) -> Totals {
        let mut t = Totals::default();
        for r in self.approved(batch) {
            match r.kind.sign() {
                1 => {
                    t.debit_amount += r.amount;
                    t.debit_count += 1;
                }
                -1 => {
                    t.credit_amount += r.amount;
                    t.credit_count += 1;
                }
                _ => {}
            }
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
            uploads: Vec::new(),
            uploaded: 0,
            attempts: 0,
            exhausted: false,
            request: id,
        };
        self.write_settle(Some(rec), &[])?;
        self.settle_clean = true;
        self.send_settlement(now);
        Ok(())
    }

    /// Sends the message the settlement owes now: a 0500, or the next 0320 of the upload.
    pub(super) fn send_settlement(&mut self, now: u64) -> bool {
        self.due.remove(KEY_SETTLE);
        let Some(s) = self.settlement.clone() else { return false };
        let built = match s.phase {
            SettlePhase::First | SettlePhase::Final => self.build_settle(&s),
            SettlePhase::Upload => match s.uploads.get(s.uploaded) {
                Some(key) => self.build_upload(&s, key),
                None => self.build_settle(&s),
            },
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
        let t = s.totals;
        let stan = self.next_stan()?;
        let mut m = self.base(f.mti, &stan)?;
        // 48: domestic debit amount n12, count n3, credit amount n12, count n3, result n1; the
        // same for foreign cards (none here).
        let f48 = format!(
            "{:012}{:03}{:012}{:03}0{:012}{:03}{:012}{:03}0",
            t.debit_amount, t.debit_count, t.credit_amount, t.credit_count, 0, 0, 0, 0
        );
        m.set_str(48, &f48)?;
        m.set_str(49, &self.cfg.currency)?;
        m.set_str(60, &super::build::field60(f.type_code, &s.batch, f.nmi.unwrap_or("201")))?;
        m.set_str(63, &self.operator63())?;
        let bytes = self.seal_and_frame(&mut m, f.mac)?;
        Ok((m, bytes, Flight::Settlement))
    }

    fn build_upload(&mut self, s: &SettleRecord, key: &str) -> Result<(Message, Vec<u8>, Flight)> {
        let r = self.records.get(key).cloned().ok_or_else(|| super::TerminalError::BadRecord {
            key: key.to_owned(),
            reason: "a record to upload is missing".into(),
        })?;
        let t = Message::from_json(&self.spec, &r.template)?;
        let stan = self.next_stan()?;
        let mut m = self.base(Mti::BATCH_UPLOAD, &stan)?;
        for f in [2, 3, 4, 22, 25, 48, 49] {
            if let Some(v) = t.get_bytes(f) {
                m.set_bytes(f, v.to_vec())?;
            }
        }
        if let Some(v) = &r.rrn {
            m.set_str(37, v)?;
        }
        if let Some(v) = &r.auth_code {
            m.set_str(38, v)?;
        }
        let type_code: String = t.get_str(60).unwrap_or("00").chars().take(2).collect();
        m.set_str(60, &super::build::field60(&type_code, &s.batch, "201"))?;
        m.set_str(61, &format!("{}{}", r.batch, r.stan))?;
        let bytes = self.seal_and_frame(&mut m, false)?;
        Ok((m, bytes, Flight::Upload))
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
            let done = s.uploaded >= s.uploads.len();
            if done {
                s.phase = SettlePhase::Final;
            }
            let count = s.uploaded;
            if self.write_settle(Some(s), &[]).is_ok() {
                if done {
                    self.events.push_back(Event::BatchUploaded { request: id, count });
                }
                self.due.insert(KEY_SETTLE.into(), now);
            }
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
                });
            }
            return;
        }
        let balanced = msg.get_str(48).and_then(|f| f.chars().nth(BALANCED_AT)) == Some('1');
        let (batch, totals) = (s.batch.clone(), s.totals);
        if !balanced && s.phase == SettlePhase::First {
            let uploads: Vec<String> = self
                .records
                .iter()
                .filter(|(_, r)| r.batch == batch && r.status == TxnStatus::Approved && r.kind.sign() != 0)
                .map(|(k, _)| k.clone())
                .collect();
            let uploading = uploads.len();
            s.phase = if uploads.is_empty() { SettlePhase::Final } else { SettlePhase::Upload };
            s.uploads = uploads;
            s.uploaded = 0;
            s.attempts = 0;
            self.settle_clean = true;
            if self.write_settle(Some(s), &[]).is_ok() {
                self.events.push_back(Event::SettlementUnbalanced { request: id, batch, totals, uploading });
                if uploading == 0 {
                    self.events.push_back(Event::BatchUploaded { request: id, count: 0 });
                }
                self.due.insert(KEY_SETTLE.into(), now);
            }
            return;
        }
        if !balanced {
            // Still out of balance after the upload: the batch stays open; the operator calls the
            // acquirer.
            if self.write_settle(None, &[]).is_ok() {
                self.fail_unsent(id, TxnKind::Settle, response::Event::General);
            }
            return;
        }
        // Balanced: the next batch opens (unless a sign-on already moved to the host's next
        // batch), old batches are pruned, the record goes, in one atomic write.
        let next_batch = if self.state.batch == batch {
            let next: u32 = batch.parse::<u32>().unwrap_or(0) % 999_999 + 1;
            format!("{next:06}")
        } else {
            self.state.batch.clone()
        };
        let state = State { batch: next_batch.clone(), signed_on: self.state.signed_on };
        let pruned = self.prunable(&batch);
        let mut ops = vec![Op::put(KEY_STATE, super::to_json(&state))];
        ops.extend(pruned.iter().map(|k| Op::delete(k.clone())));
        // Nothing can need the closed batch's PANs any more (no reversal, upload or void of a
        // settled transaction): they are masked in the same write (PCI DSS 3.3, 3.4).
        let masked = self.mask_closed(&batch, &pruned);
        ops.extend(masked.iter().map(|(k, r)| Op::put(k.clone(), super::to_json(r))));
        if self.write_settle(None, &ops).is_err() {
            return;
        }
        for k in &pruned {
            self.records.remove(k);
        }
        self.records.extend(masked);
        self.state = state;
        self.events.push_back(Event::SettlementBalanced { request: id, batch, totals, next_batch });
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
            .filter(|(_, r)| !matches!(r.status, TxnStatus::InFlight | TxnStatus::Pending | TxnStatus::Exhausted))
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
            .filter(|(_, r)| !matches!(r.status, TxnStatus::InFlight | TxnStatus::Pending | TxnStatus::Exhausted))
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
