//! Every fault × every transaction type → expected outcome, reversal count and ledger equality,
//! through the in-process simulator on a virtual clock. The matrix is data shared with the other
//! surfaces: `tests/vectors/terminal_faults.json`.

use poscore::store::MemoryStore;
use poscore::terminal::{Request, TxnKind};
use poscore_sim::cards::{chip, chip_tc, magstripe, pin, qr};
use poscore_sim::pair::{test_config, Pair};
use poscore_sim::Fault;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
enum Expect {
    Approved,
    Declined,
    /// Outcome unknown → reversal sent and acknowledged.
    Reversed,
    /// Nothing left the terminal: failed, nothing pending.
    NotSent,
    /// Advice repeated (0221) until answered: approved.
    Repeated,
    /// Inquiry with no usable answer: failed, nothing to reverse.
    Failed,
    /// Network management done: echo answered, or downloaded (the set replaced).
    Done,
    /// Offline sale: stored, forwarded once as a 0220 and accepted.
    Forwarded,
    /// Offline sale: stored, forwarded, repeated (0221) after a lost or unusable answer, accepted.
    ForwardedRepeated,
    /// Offline sale: the host refused its advice (a merchant loss), never resent.
    OfflineDeclined,
}

fn mti_of(kind: TxnKind) -> &'static str {
    match kind {
        TxnKind::PreAuth | TxnKind::PreAuthVoid => "0100",
        TxnKind::Refund | TxnKind::OfflineSale => "0220",
        TxnKind::Settle => "0500",
        _ => "0200",
    }
}

/// The request of `kind` to put through a cell, after the set-up transactions it needs.
fn request_for(kind: TxnKind, p: &mut Pair) -> Result<Request, String> {
    // Set-up transactions (no faults).
    p.run(Request::Sale { amount: 10_000, card: chip(), pin: pin() }).map_err(|e| e.to_string())?;
    let sale = p.events_of("approved")[0].clone();
    Ok(match kind {
        TxnKind::Sale => Request::Sale { amount: 2_345, card: magstripe(), pin: pin() },
        TxnKind::Void => {
            Request::Void { original_stan: sale["stan"].as_str().unwrap().into(), card: chip(), pin: pin() }
        }
        TxnKind::Refund => Request::Refund {
            amount: 1_000,
            original_rrn: sale["rrn"].as_str().unwrap().into(),
            original_date: "1123".into(),
            card: chip(),
        },
        TxnKind::PreAuth => Request::PreAuth { amount: 5_000, card: qr(), pin: None },
        TxnKind::Completion => {
            p.run(Request::PreAuth { amount: 5_000, card: chip(), pin: pin() }).map_err(|e| e.to_string())?;
            let auth = p.events_of("approved").last().unwrap()["auth_code"].as_str().unwrap().to_owned();
            Request::Completion {
                amount: 4_000,
                original_auth_code: auth,
                original_date: "1123".into(),
                card: chip(),
                pin: pin(),
            }
        }
        TxnKind::PreAuthVoid => {
            p.run(Request::PreAuth { amount: 5_000, card: chip(), pin: pin() }).map_err(|e| e.to_string())?;
            let stan = p.events_of("approved").last().unwrap()["stan"].as_str().unwrap().to_owned();
            Request::PreAuthVoid { original_stan: stan, card: chip(), pin: pin() }
        }
        TxnKind::CompletionVoid => {
            p.run(Request::PreAuth { amount: 5_000, card: chip(), pin: pin() }).map_err(|e| e.to_string())?;
            let auth = p.events_of("approved").last().unwrap()["auth_code"].as_str().unwrap().to_owned();
            p.run(Request::Completion {
                amount: 4_000,
                original_auth_code: auth,
                original_date: "1123".into(),
                card: chip(),
                pin: pin(),
            })
            .map_err(|e| e.to_string())?;
            let stan = p.events_of("approved").last().unwrap()["stan"].as_str().unwrap().to_owned();
            Request::CompletionVoid { original_stan: stan, card: chip(), pin: pin() }
        }
        TxnKind::BalanceInquiry => Request::BalanceInquiry { card: chip(), pin: pin() },
        TxnKind::Settle => Request::Settle,
        TxnKind::EchoTest => Request::EchoTest,
        TxnKind::ParameterDownload => Request::DownloadParameters,
        TxnKind::StatusUpload => Request::UploadStatus,
        TxnKind::CapkDownload => Request::DownloadCaPublicKeys,
        TxnKind::AidDownload => Request::DownloadAidParams,
        TxnKind::ScriptAdvice => {
            // The card ran the issuer's script: its results are owed (0620), then the next sale.
            let stan = sale["stan"].as_str().unwrap().to_owned();
            let done = poscore::terminal::ChipCompletion {
                cryptogram: "1122334455667788".into(),
                cid: "40".into(),
                tvr: None,
                tsi: None,
                atc: None,
                script_results: Some("2000000001".into()),
            };
            p.terminal.complete_chip(&stan, &done, p.now).map_err(|e| e.to_string())?;
            Request::Sale { amount: 2_345, card: magstripe(), pin: pin() }
        }
        TxnKind::OfflineSale => Request::OfflineSale {
            amount: 2_345,
            card: chip_tc(),
            reason: poscore::terminal::OfflineReason::CardApproved,
            offline_pin: false,
            auth_code: None,
        },
        TxnKind::SignOn | TxnKind::SignOff => unreachable!(),
    })
}

/// Runs one cell; returns a description of what went wrong, if anything.
fn cell(
    kind: TxnKind,
    fault_name: &str,
    fault: Option<(String, Fault)>,
    want: Expect,
    want_reversals: u32,
) -> Result<(), String> {
    let mut p = Pair::new(Box::new(MemoryStore::new()), 11, test_config()).map_err(|e| e.to_string())?;
    p.run(Request::SignOn).map_err(|e| e.to_string())?;
    // The script result advice leaves during the set-up: its fault must be armed first.
    let advice = kind == TxnKind::ScriptAdvice;
    let mut fault = fault;
    if advice {
        if let Some((mti, f)) = fault.take() {
            p.acquirer.push_fault(Some(&mti), f);
        }
    }
    let request = request_for(kind, &mut p)?;
    // A download that fails must leave the previous complete set: have one first.
    if matches!(kind, TxnKind::CapkDownload | TxnKind::AidDownload) {
        p.run(request.clone()).map_err(|e| e.to_string())?;
    }
    let sets = |p: &Pair| (p.terminal.ca_public_keys().to_vec(), p.terminal.aid_params().to_vec());
    let sets_before = sets(&p);
    let before_events = p.events.len();
    let before_reversals: u32 = p.acquirer.ledger.reversal_requests.values().sum();
    if let Some((mti, f)) = fault {
        p.acquirer.push_fault(Some(&mti), f);
    }
    p.run(request).map_err(|e| e.to_string())?;
    p.quiesce();
    let new: Vec<_> = p.events[before_events..].iter().map(|e| serde_json::to_value(e).unwrap()).collect();
    let count = |t: &str| new.iter().filter(|e| e["type"] == t).count();
    let reversals: u32 = p.acquirer.ledger.reversal_requests.values().sum::<u32>() - before_reversals;
    let ok = reversals == want_reversals
        && match want {
            Expect::Approved => {
                let done =
                    if kind == TxnKind::Settle { count("settlement_balanced") == 1 } else { count("approved") == 1 };
                let delivered = !advice
                    || p.events
                        .iter()
                        .filter(|e| matches!(e, poscore::terminal::Event::ScriptAdviceDelivered { .. }))
                        .count()
                        == 1;
                done && delivered && reversals == 0
            }
            Expect::Declined => count("declined") == 1 && reversals == 0 && count("approved") == 0,
            Expect::Reversed => {
                count("reversal_pending") == 1
                    && count("reversal_cleared") == 1
                    && reversals == 1
                    && count("approved") == 0
            }
            Expect::NotSent => count("failed") == 1 && reversals == 0 && count("reversal_pending") == 0,
            Expect::Repeated => count("approved") == 1 && reversals == 0 && p.sent.iter().any(|m| m == "0221"),
            Expect::Failed => count("failed") == 1 && reversals == 0 && count("approved") == 0,
            Expect::Done => (count("downloaded") == 1 || count("echo_answered") == 1) && count("failed") == 0,
            Expect::Forwarded | Expect::ForwardedRepeated => {
                let repeated = p.sent.iter().any(|m| m == "0221");
                count("stored_offline") == 1
                    && count("offline_forwarded") == 1
                    && repeated == (want == Expect::ForwardedRepeated)
            }
            Expect::OfflineDeclined => {
                count("offline_declined") == 1
                    && count("offline_forwarded") == 0
                    && p.sent.iter().filter(|m| m.starts_with("022")).count() == 1
            }
        };
    // Whatever happened, a key or AID set is the previous one or a complete new one.
    let sets_ok = !matches!(kind, TxnKind::CapkDownload | TxnKind::AidDownload) || sets(&p) == sets_before;
    let ledger_ok = p.host_net() == p.terminal_net();
    let pending_ok = p.terminal.pending().is_empty();
    let stan_ok = p.acquirer.ledger.stan_reuse.is_empty();
    if ok && ledger_ok && pending_ok && stan_ok && sets_ok {
        Ok(())
    } else {
        Err(format!(
            "{kind:?} × {fault_name}: expected {want:?}; outcome ok {ok}, ledger {} vs {} ({ledger_ok}), pending empty {pending_ok}, stan ok {stan_ok}, sets kept {sets_ok}, reversals {reversals}\n  events: {}",
            p.host_net(),
            p.terminal_net(),
            new.iter().map(|e| e["type"].as_str().unwrap_or("?").to_owned()).collect::<Vec<_>>().join(", ")
        ))
    }
}

#[test]
fn every_fault_times_every_transaction_type() {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../vectors/terminal_faults.json")).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let sources = doc["sources"].as_object().unwrap();
    let mut failures = Vec::new();
    let vectors = doc["vectors"].as_array().unwrap();
    for v in vectors {
        let source = v["source"].as_str().expect("every vector cites a source");
        assert!(sources.contains_key(source), "unknown source {source}");
        let kind: TxnKind = serde_json::from_value(v["kind"].clone()).unwrap();
        let name = v["fault"].as_str().unwrap();
        let mti = v["mti"].as_str().unwrap_or_else(|| mti_of(kind)).to_owned();
        let fault = if name == "none" { None } else { Some((mti, Fault::parse(name).expect("a fault spelling"))) };
        let want: Expect = serde_json::from_value(v["expect"].clone()).unwrap();
        let reversals = u32::try_from(v["reversals"].as_u64().unwrap()).unwrap();
        if let Err(e) = cell(kind, name, fault, want, reversals) {
            failures.push(e);
        }
    }
    println!(
        "fault matrix: {} vectors from tests/vectors/terminal_faults.json, {} failed",
        vectors.len(),
        failures.len()
    );
    assert!(vectors.len() >= 100);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
