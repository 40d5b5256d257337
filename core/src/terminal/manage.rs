//! Network management beyond sign-on: the echo test (301), the TMS downloads (parameters 360,
//! CA public keys 372/370/371, AIDs 382/380/381) and the status upload (362), and what the host
//! asks for in the message header of its replies.
//!
//! A download is one request that the engine carries through several messages (the field 62
//! codecs and the protocol are in [`crate::tms`]). What it brings is written to the journal in
//! one atomic put when the conversation's end is acknowledged, so a crash, a lost answer or an
//! entry that fails its check (a CA public key whose SHA-1 does not match) leaves the previous
//! complete set in place. None of these messages moves money: they pass a pending reversal and
//! an unanswered one is simply failed.
//!
//! The header's processing requirement nibble (openpos `comms.c` lines 1927-1939: the low nibble
//! of header byte 3) schedules a [`HostTask`] that runs before the next transaction; a newer
//! application version in the header is reported once ([`Event::SoftwareUpdateAvailable`]).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::iso8583::Message;
use crate::response::{self, Diagnosis, NextAction};
use crate::store::Op;
use crate::tms::{self, AidParams, Capk, KeyRef, Step, TerminalParams, TmsError};

use super::error::Result;
use super::journal::{KEY_TMS_AID, KEY_TMS_CAPK, KEY_TMS_PARAMS};
use super::types::{Event, HostTask, Request, TxnKind};
use super::{Flight, InFlight, Terminal};

/// What the host's TMS downloads brought, as the journal keeps it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct HostData {
    pub params: Option<TerminalParams>,
    pub capks: Vec<Capk>,
    pub aids: Vec<AidParams>,
}

/// `term/tms/capk` and `term/tms/aid`: the complete set of the last download.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct StoredSet<T> {
    pub entries: Vec<T>,
}

/// What a key or AID download has listed and fetched so far (in memory only: a restart starts
/// the download again, the journal keeps the previous set).
#[derive(Debug, Clone)]
pub(super) struct Download {
    step: Step,
    keys: Vec<KeyRef>,
    aids: Vec<String>,
    got_keys: Vec<Capk>,
    got_aids: Vec<AidParams>,
    /// Entries of the list fetched so far.
    next: usize,
}

impl Download {
    fn new(step: Step) -> Self {
        Self { step, keys: Vec::new(), aids: Vec::new(), got_keys: Vec::new(), got_aids: Vec::new(), next: 0 }
    }

    fn listed(&self) -> usize {
        self.keys.len() + self.aids.len()
    }
}

/// A field 62 the terminal could not build.
#[allow(clippy::needless_pass_by_value)] // used as `map_err(built)`
fn built(e: TmsError) -> super::TerminalError {
    super::TerminalError::Build { code: e.code(), message: e.to_string() }
}

/// The first step of each network management kind (`None`: the echo test, which has no step).
fn first_step(kind: TxnKind) -> Option<Step> {
    match kind {
        TxnKind::ParameterDownload => Some(Step::ParamDownload),
        TxnKind::StatusUpload => Some(Step::StatusUpload),
        TxnKind::CapkDownload => Some(Step::CapkQuery),
        TxnKind::AidDownload => Some(Step::AidQuery),
        _ => None,
    }
}

/// Whether `kind` is one of this module's.
pub(super) fn is_management(kind: TxnKind) -> bool {
    matches!(
        kind,
        TxnKind::EchoTest
            | TxnKind::ParameterDownload
            | TxnKind::StatusUpload
            | TxnKind::CapkDownload
            | TxnKind::AidDownload
    )
}

impl Terminal {
    /// The terminal parameters of the last parameter download (360), if any.
    pub fn host_params(&self) -> Option<&TerminalParams> {
        self.host.params.as_ref()
    }

    /// The CA public keys of the last complete download, each verified against its checksum.
    pub fn ca_public_keys(&self) -> &[Capk] {
        &self.host.capks
    }

    /// The AID parameters of the last complete download.
    pub fn aid_params(&self) -> &[AidParams] {
        &self.host.aids
    }

    /// Tasks the host asked for in a reply header that have not run yet (they run before the
    /// next transaction).
    pub fn host_tasks(&self) -> Vec<HostTask> {
        self.host_tasks.iter().copied().collect()
    }

    /// Sends the first message of a network management request.
    pub(super) fn start_management(&mut self, id: u64, kind: TxnKind, now: u64) -> Result<()> {
        // The task is being done now: the host asks again in a later header if it still needs it.
        self.host_tasks.retain(|t| t.request().kind() != kind);
        match first_step(kind) {
            None => {
                let f = super::kinds::facts(kind);
                self.send_step(id, kind, f.nmi.unwrap_or("301"), f.mti, None, now)
            }
            Some(step) => {
                self.download = matches!(step, Step::CapkQuery | Step::AidQuery).then(|| Download::new(step));
                let f62 = match step {
                    Step::CapkQuery | Step::AidQuery => Some(tms::query_request(0).map_err(built)?),
                    Step::StatusUpload => {
                        let params = self.host.params.clone().unwrap_or_default();
                        Some(tms::status_upload_request(&params, None).map_err(built)?)
                    }
                    _ => None,
                };
                self.send_step(id, kind, step.nmi(), step.mti(), f62, now)
            }
        }
    }

    fn send_step(
        &mut self,
        id: u64,
        kind: TxnKind,
        nmi: &str,
        mti: crate::iso8583::Mti,
        f62: Option<Vec<u8>>,
        now: u64,
    ) -> Result<()> {
        let stan = self.next_stan()?;
        let mut m = self.base(mti, &stan)?;
        m.set_str(60, &super::build::field60("00", &self.state.batch, nmi))?;
        if let Some(v) = f62 {
            m.set_bytes(62, v)?;
        }
        let bytes = self.seal_and_frame(&mut m, false)?;
        let inflight = InFlight {
            request: Some(id),
            flight: Flight::Request(kind),
            mti: m.mti(),
            stan,
            amount: None,
            key: None,
            deadline: now + self.cfg.response_timeout_ms,
            card: None,
            fingerprint: None,
        };
        self.transmit(inflight, Some(kind), &m, bytes, 1);
        Ok(())
    }

    /// The host answered a network management message.
    pub(super) fn on_management_response(
        &mut self,
        inf: &InFlight,
        kind: TxnKind,
        msg: &Message,
        diag: Diagnosis,
        now: u64,
    ) {
        let id = inf.request.unwrap_or(0);
        if diag.action != NextAction::Complete {
            self.download = None;
            if self.after_decline(&diag).is_ok() {
                self.events.push_back(Event::Declined {
                    request: id,
                    kind,
                    stan: inf.stan.clone(),
                    diagnosis: Box::new(diag),
                    issuer_response: None,
                });
            }
            return;
        }
        let f62 = msg.get_bytes(62).unwrap_or_default().to_vec();
        if let Err(reason) = self.continue_management(id, kind, &inf.stan, &f62, now) {
            // The host's data failed its checks (a key whose checksum does not match, a list
            // that does not parse) or the next message could not be built: nothing is replaced.
            self.download = None;
            let d = self.diagnose(response::Request::Management, response::Event::DownloadRejected);
            self.events
                .push_back(Event::Garbage { reason: format!("{} (STAN {}): {reason}", kind.as_str(), inf.stan) });
            self.events.push_back(Event::Failed {
                request: id,
                kind,
                stan: Some(inf.stan.clone()),
                diagnosis: Box::new(d),
                reversal_pending: false,
            });
        }
    }

    /// One answered step: store, or send the next step. `Err` names what was wrong with the
    /// host's data.
    fn continue_management(&mut self, id: u64, kind: TxnKind, stan: &str, f62: &[u8], now: u64) -> Result<(), String> {
        let text = |e: &dyn std::fmt::Display| e.to_string();
        match kind {
            TxnKind::EchoTest => {
                self.events.push_back(Event::EchoAnswered { request: id, stan: stan.to_owned() });
                Ok(())
            }
            TxnKind::StatusUpload => {
                self.events.push_back(Event::Downloaded { request: id, kind, count: 0 });
                Ok(())
            }
            TxnKind::ParameterDownload => {
                let params = TerminalParams::parse(f62).map_err(|e| text(&e))?;
                let count = TerminalParams::raw_items(f62).map_err(|e| text(&e))?.len();
                self.commit(&[Op::put(KEY_TMS_PARAMS, super::to_json(&params))]).map_err(|e| text(&e))?;
                self.host.params = Some(params);
                self.events.push_back(Event::Downloaded { request: id, kind, count });
                Ok(())
            }
            TxnKind::CapkDownload | TxnKind::AidDownload => self.download_step(id, kind, f62, now),
            _ => Err(format!("{} is not a network management request", kind.as_str())),
        }
    }

    fn download_step(&mut self, id: u64, kind: TxnKind, f62: &[u8], now: u64) -> Result<(), String> {
        let text = |e: &dyn std::fmt::Display| e.to_string();
        let mut d = self.download.take().ok_or("no download under way")?;
        let next: (Step, Option<Vec<u8>>) = match d.step {
            Step::CapkQuery | Step::AidQuery => {
                let (cont, body) = tms::split_reply(f62).map_err(|e| text(&e))?;
                if cont.has_entries() {
                    if d.step == Step::CapkQuery {
                        d.keys.extend(tms::parse_capk_query(body).map_err(|e| text(&e))?);
                    } else {
                        d.aids.extend(tms::parse_aid_query(body).map_err(|e| text(&e))?);
                    }
                }
                if cont.more_query() {
                    let listed = u32::try_from(d.listed()).unwrap_or(u32::MAX);
                    (d.step, Some(tms::query_request(listed).map_err(|e| text(&e))?))
                } else {
                    Self::next_fetch(&d)?
                }
            }
            Step::CapkDownload | Step::AidDownload => {
                let (cont, entry) = tms::split_reply(f62).map_err(|e| text(&e))?;
                // `0`: the host no longer has that entry; skip it.
                if cont.has_entries() {
                    if d.step == Step::CapkDownload {
                        let key = Capk::parse(entry).map_err(|e| text(&e))?;
                        d.got_keys.retain(|k| k.key_ref().rid != key.key_ref().rid || k.index != key.index);
                        d.got_keys.push(key);
                    } else {
                        let aid = AidParams::parse(entry).map_err(|e| text(&e))?;
                        d.got_aids.retain(|a| a.aid != aid.aid);
                        d.got_aids.push(aid);
                    }
                }
                d.next += 1;
                Self::next_fetch(&d)?
            }
            Step::CapkEnd | Step::AidEnd => {
                // Acknowledged: the new set replaces the old one in one atomic put.
                let (key, json, count) = if d.step == Step::CapkEnd {
                    (KEY_TMS_CAPK, super::to_json(&StoredSet { entries: d.got_keys.clone() }), d.got_keys.len())
                } else {
                    (KEY_TMS_AID, super::to_json(&StoredSet { entries: d.got_aids.clone() }), d.got_aids.len())
                };
                self.commit(&[Op::put(key, json)]).map_err(|e| text(&e))?;
                if d.step == Step::CapkEnd {
                    self.host.capks = d.got_keys;
                } else {
                    self.host.aids = d.got_aids;
                }
                self.events.push_back(Event::Downloaded { request: id, kind, count });
                return Ok(());
            }
            other => return Err(format!("step {} does not belong to a download", other.nmi())),
        };
        d.step = next.0;
        self.download = Some(d);
        self.send_step(id, kind, next.0.nmi(), next.0.mti(), next.1, now).map_err(|e| text(&e))
    }

    /// After the list: the next entry's download, or the end.
    fn next_fetch(d: &Download) -> Result<(Step, Option<Vec<u8>>), String> {
        let keys = matches!(d.step, Step::CapkQuery | Step::CapkDownload);
        let text = |e: &dyn std::fmt::Display| e.to_string();
        if keys {
            match d.keys.get(d.next) {
                Some(k) => Ok((Step::CapkDownload, Some(tms::capk_download_request(k).map_err(|e| text(&e))?))),
                None => Ok((Step::CapkEnd, None)),
            }
        } else {
            match d.aids.get(d.next) {
                Some(a) => Ok((Step::AidDownload, Some(tms::aid_download_request(a).map_err(|e| text(&e))?))),
                None => Ok((Step::AidEnd, None)),
            }
        }
    }

    /// Reads the message header of a reply: the processing requirement nibble (a task for before
    /// the next transaction) and the application version.
    pub(super) fn on_reply_header(&mut self, header: &[u8]) {
        if header.len() < 6 || self.header.len() < 6 {
            return;
        }
        if let Some(task) = HostTask::from_nibble(header[2] & 0x0F) {
            if self.host_tasks.insert(task) {
                self.events.push_back(Event::HostRequested { task });
            }
        }
        // Version: byte 2 (software version) and bytes 4-6 (sub-version), BCD.
        let version = |h: &[u8]| crate::keys::hex_encode(&[h[1], h[3], h[4], h[5]]);
        let (current, offered) = (version(&self.header), version(header));
        if offered > current && self.update_offered.as_deref() != Some(offered.as_str()) {
            self.update_offered = Some(offered.clone());
            self.events.push_back(Event::SoftwareUpdateAvailable { current, offered });
        }
    }

    /// Takes the next task the host asked for that can run now, as a request (sign-on first; the
    /// downloads once signed on). Taken means done: if it fails, the host asks again in a later
    /// header when it still needs it, and a broken download never holds sales back.
    pub(super) fn take_host_task(&mut self) -> Option<Request> {
        let signed_on = self.is_signed_on();
        let task = self.host_tasks.iter().copied().find(|t| *t == HostTask::SignOn || signed_on)?;
        self.host_tasks.remove(&task);
        Some(task.request())
    }
}

/// What the host's downloads brought and what reply headers asked for, in one serializable
/// view (what the bindings hand out as JSON).
#[derive(Debug, Clone, Serialize)]
pub struct HostDataView<'a> {
    /// The last parameter download.
    pub params: Option<&'a TerminalParams>,
    /// The CA public keys of the last complete download.
    pub ca_public_keys: &'a [Capk],
    /// The AIDs of the last complete download.
    pub aid_params: &'a [AidParams],
    /// Tasks not run yet.
    pub host_tasks: Vec<HostTask>,
}

impl<'a> HostDataView<'a> {
    /// The view of `t`.
    pub fn of(t: &'a Terminal) -> Self {
        Self {
            params: t.host_params(),
            ca_public_keys: t.ca_public_keys(),
            aid_params: t.aid_params(),
            host_tasks: t.host_tasks(),
        }
    }
}

/// Loads the TMS records of the journal.
pub(super) fn load(bodies: &std::collections::BTreeMap<String, Vec<u8>>) -> Result<HostData> {
    let params = bodies.get(KEY_TMS_PARAMS).map(|b| super::parse_json(KEY_TMS_PARAMS, b)).transpose()?;
    let capks: Vec<Capk> = match bodies.get(KEY_TMS_CAPK) {
        Some(b) => super::parse_json::<StoredSet<Capk>>(KEY_TMS_CAPK, b)?.entries,
        None => Vec::new(),
    };
    // A stored key is checked again: the journal is not where a key may change.
    for k in &capks {
        k.verify().map_err(|e| super::TerminalError::BadRecord { key: KEY_TMS_CAPK.into(), reason: e.to_string() })?;
    }
    let aids = match bodies.get(KEY_TMS_AID) {
        Some(b) => super::parse_json::<StoredSet<AidParams>>(KEY_TMS_AID, b)?.entries,
        None => Vec::new(),
    };
    Ok(HostData { params, capks, aids })
}

/// The set of tasks, for the engine's struct.
pub(super) type HostTasks = BTreeSet<HostTask>;
