//! Opening the engine over its journal: configuration checks, the journal loaded through the
//! integrity checks, owed messages made due at once, and the recovery write.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use crate::iso8583::{FrameConfig, FrameDecoder, Spec, Tpdu};
use crate::keys::Key;
use crate::mac::MacAlgorithm;
use crate::response::Registry;
use crate::rng::Rng;
use crate::store::{Op, Store};

use super::error::{Result, TerminalError};
use super::integrity::{self, Damage, RollbackGuard};
use super::journal::{
    SettleRecord, StanLease, State, StoredKeys, KEY_KEYS, KEY_SETTLE, KEY_STAN, KEY_STATE, TXN_PREFIX,
};
use super::{
    load_keys, parse_json, to_json, Config, Terminal, TxnRecord, TxnStatus, AUDIT_PREFIX, REASON_NO_ANSWER,
    RECOVERY_STAN_GAP,
};

impl Terminal {
    #[allow(clippy::too_many_lines)]
    pub(super) fn open(
        config: Config,
        tmk: Key,
        mut store: Box<dyn Store>,
        rng: Box<dyn Rng>,
        now: u64,
        mut guard: Option<Box<dyn RollbackGuard>>,
        recover: bool,
    ) -> Result<(Self, Vec<Damage>)> {
        let spec = Spec::resolve(&config.spec)?;
        let mac_alg = spec
            .mac
            .as_ref()
            .map(|m| MacAlgorithm::from_name(&m.algorithm))
            .transpose()
            .map_err(|e| TerminalError::BadConfig { field: "spec", reason: e.to_string() })?
            .ok_or_else(|| TerminalError::BadConfig { field: "spec", reason: "the spec defines no MAC".into() })?;
        let header = crate::keys::hex_decode(&config.header_hex)
            .map_err(|e| TerminalError::BadConfig { field: "header_hex", reason: e.to_string() })?;
        let frame = FrameConfig { header_len: header.len(), ..FrameConfig::cup() };
        if config.terminal_id.len() != 8 || config.merchant_id.len() != 15 {
            return Err(TerminalError::BadConfig {
                field: "terminal_id",
                reason: "terminal id must be 8 characters and merchant id 15".into(),
            });
        }
        tmk.require(crate::keys::Operation::WrapKey).map_err(crate::Error::from)?;
        let mut loaded = integrity::load(&*store, &config.terminal_id, guard.as_deref())?;
        let damage = std::mem::take(&mut loaded.damage);
        if !damage.is_empty() && !recover {
            return Err(TerminalError::JournalDamaged { damage });
        }
        let get = |key: &str| loaded.bodies.get(key);
        let mut state: State = match get(KEY_STATE) {
            Some(b) => parse_json(KEY_STATE, b)?,
            None => State { batch: "000001".into(), signed_on: false },
        };
        let keys = match get(KEY_KEYS) {
            Some(b) if state.signed_on && !recover => {
                let k: StoredKeys = parse_json(KEY_KEYS, b)?;
                Some(load_keys(&tmk, &k)?)
            }
            _ => None,
        };
        let settlement: Option<SettleRecord> = get(KEY_SETTLE).map(|b| parse_json(KEY_SETTLE, b)).transpose()?;
        let lease: Option<StanLease> = get(KEY_STAN).map(|b| parse_json(KEY_STAN, b)).transpose()?;
        let mut start = lease.map_or(1, |l| l.limit);
        let mut records = BTreeMap::new();
        let mut due = BTreeMap::new();
        for (key, b) in loaded.bodies.range(TXN_PREFIX.to_owned()..) {
            if !key.starts_with(TXN_PREFIX) {
                break;
            }
            let mut r: TxnRecord = parse_json(key, b)?;
            r.request = 0;
            if r.needs_delivery() {
                if r.status == TxnStatus::InFlight && r.reason.is_none() {
                    r.reason = Some(REASON_NO_ANSWER.into());
                }
                due.insert(key.clone(), now);
            }
            records.insert(key.clone(), r);
        }
        if settlement.as_ref().is_some_and(|s| !s.exhausted) {
            // The answer may have been lost with the power: ask the host again, first.
            due.insert(KEY_SETTLE.to_owned(), now);
        }
        let mut manifest = loaded.manifest;
        if recover {
            // One atomic write: set aside what cannot be trusted, jump the STANs, drop the keys,
            // and write a manifest over what is left.
            let mut raw = Vec::new();
            for d in &damage {
                if let Damage::Unreadable { key, .. } | Damage::ForeignRecord { key, .. } = d {
                    if let Some(v) = store.get(key)? {
                        raw.push(Op::put(format!("{AUDIT_PREFIX}{}/{key}", manifest.seq() + 1), v));
                    }
                    raw.push(Op::delete(key.clone()));
                }
            }
            start = (start + RECOVERY_STAN_GAP - 1) % 999_999 + 1;
            state.signed_on = false;
            if let Some(g) = guard.as_deref() {
                manifest.skip_to(g.current()?);
            }
            let engine_ops = vec![
                Op::put(KEY_STATE, to_json(&state)),
                Op::put(KEY_STAN, to_json(&StanLease { limit: start })),
                Op::delete(KEY_KEYS),
            ];
            manifest = manifest.write(&mut *store, guard.as_deref_mut(), &config.terminal_id, engine_ops, raw)?;
        }
        let host = super::manage::load(&loaded.bodies)?;
        let decoder = FrameDecoder::new(frame.clone());
        let mut t = Self {
            tpdu: Tpdu { id: 0x60, destination: config.tpdu_destination, source: config.tpdu_source },
            cfg: config,
            spec,
            mac_alg,
            registry: Registry::unionpay(),
            frame,
            header,
            store,
            rng,
            tmk,
            keys,
            state,
            stan_next: start,
            stan_limit: start,
            records,
            due,
            sent_stans: BTreeSet::new(),
            next_id: 1,
            queue: VecDeque::new(),
            inflight: None,
            settlement,
            settle_clean: false,
            outbox: VecDeque::new(),
            events: VecDeque::new(),
            decoder,
            halted: None,
            manifest,
            guard,
            host,
            download: None,
            host_tasks: BTreeSet::new(),
            update_offered: None,
            sn_cipher: None,
            info_extra: BTreeMap::new(),
            last_sent: now,
            host_unreachable: None,
            offline_alerted: BTreeSet::new(),
            first_forward: None,
            owed_since: BTreeMap::new(),
            concluding: None,
            notes: Vec::new(),
            note_keys: loaded.bodies.keys().filter(|k| k.starts_with(super::journal::LOG_PREFIX)).cloned().collect(),
            now,
        };
        t.info_extra = t.cfg.terminal_info.as_ref().map(|i| i.extra.clone()).unwrap_or_default();
        t.pump(now);
        Ok((t, damage))
    }
}
