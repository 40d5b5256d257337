//! A sans-IO print job: the host moves the bytes, the job decides what to print next.
//!
//! ```text
//! host                                   Printer
//!  │ print(receipt) ───────────────────▶ job: [merchant, cardholder]
//!  │ poll_chunk() ◀──────────────────── merchant copy bytes
//!  │ (send to printer, read its status)
//!  │ handle_status(PaperOut) ──────────▶ paused; fault() = printer.paper_out, copy merchant
//!  │ … operator loads paper …
//!  │ handle_status(Ok) ────────────────▶ resumes
//!  │ poll_chunk() ◀──────────────────── merchant copy again (it was cut short), then cardholder
//! ```
//!
//! A print failure never reverses an approved transaction: the approval is the engine's and is
//! already journaled; the printer only decides what paper comes out. That is why the fault is
//! data ([`PrintFault`], with `printer.*` codes) for the diagnosis to show ("load paper and
//! reprint"), never an error of the transaction.

use serde::{Deserialize, Serialize};

use super::layout::Labels;
use super::model::{Lang, ReceiptCopy, ReceiptData, RenderOptions, DEFAULT_NO_SIGNATURE_LIMIT};
use super::{render_escpos_with, render_text_with, ReceiptError};

/// ESC/POS real-time status requests a host sends to learn the [`PrinterStatus`]:
/// `DLE EOT 2` (offline cause), `DLE EOT 3` (error cause), `DLE EOT 4` (roll paper sensor).
/// The printer answers one byte each; decode them with [`PrinterStatus::from_escpos`].
pub const ESCPOS_STATUS_QUERY: [u8; 9] = [0x10, 0x04, 0x02, 0x10, 0x04, 0x03, 0x10, 0x04, 0x04];

/// Receipts kept for reprint by default.
pub const DEFAULT_HISTORY: usize = 10;

/// What the printer says (from the host's printer SDK or the ESC/POS `DLE EOT` status bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PrinterStatus {
    /// Ready; after a chunk: the chunk printed completely.
    Ok,
    /// 缺纸: out of paper.
    PaperOut,
    /// 纸仓盖未关: cover open.
    CoverOpen,
    /// 打印头过热: print head too hot; wait and retry.
    Overheat,
    /// 打印机无响应: not connected or not answering.
    Offline,
}

impl PrinterStatus {
    /// Stable code, shared with the response module's terminal-side codes (`printer.paper_out`).
    pub fn code(self) -> &'static str {
        match self {
            Self::Ok => "printer.ok",
            Self::PaperOut => "printer.paper_out",
            Self::CoverOpen => "printer.cover_open",
            Self::Overheat => "printer.overheat",
            Self::Offline => "printer.offline",
        }
    }

    /// Decode the replies to [`ESCPOS_STATUS_QUERY`] (`DLE EOT 2`, `3`, `4`: offline cause,
    /// error cause, roll-paper sensor; Epson ESC/POS real-time status). `None` when a byte does
    /// not have the fixed bits every status byte carries (bit 1 and 4 set, 0 and 7 clear), i.e.
    /// the reply is not a status byte. A head-temperature stop is reported by printers as an
    /// auto-recoverable error, hence `Overheat`.
    pub fn from_escpos(offline: u8, error: u8, paper: u8) -> Option<Self> {
        if [offline, error, paper].iter().any(|b| b & 0x93 != 0x12) {
            return None;
        }
        Some(if paper & 0x60 != 0 || offline & 0x20 != 0 {
            Self::PaperOut
        } else if offline & 0x04 != 0 {
            Self::CoverOpen
        } else if error & 0x40 != 0 {
            Self::Overheat
        } else if error & 0x28 != 0 || offline & 0x40 != 0 {
            Self::Offline
        } else {
            Self::Ok
        })
    }

    /// What the operator should do, in Chinese.
    pub fn advice_zh(self) -> &'static str {
        match self {
            Self::Ok => "打印正常",
            Self::PaperOut => "打印机缺纸，请装纸后重打印",
            Self::CoverOpen => "打印机纸仓盖未关，请关好后重打印",
            Self::Overheat => "打印头过热，请稍候重打印",
            Self::Offline => "打印机无响应，请检查后重打印",
        }
    }

    /// What the operator should do, in English.
    pub fn advice_en(self) -> &'static str {
        match self {
            Self::Ok => "printer ready",
            Self::PaperOut => "printer out of paper: load paper and reprint",
            Self::CoverOpen => "printer cover open: close it and reprint",
            Self::Overheat => "print head overheated: wait, then reprint",
            Self::Offline => "printer not responding: check it and reprint",
        }
    }
}

/// What the chunks carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrintFormat {
    /// ESC/POS bytes for a raw thermal printer.
    #[default]
    Escpos,
    /// UTF-8 text lines, for printer SDKs that take strings.
    Text,
}

/// How a terminal prints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PrintSettings {
    /// Paper columns (32 for 58 mm, 48 for 80 mm).
    pub width: u16,
    /// Language.
    pub lang: Lang,
    /// Copies printed per receipt, in order.
    pub copies: Vec<ReceiptCopy>,
    /// 免签 limit in minor units.
    pub no_signature_limit: u64,
    /// Chunk format.
    pub format: PrintFormat,
    /// Receipts kept for reprint.
    pub history_size: usize,
}

impl Default for PrintSettings {
    fn default() -> Self {
        Self {
            width: 32,
            lang: Lang::Zh,
            copies: vec![ReceiptCopy::Merchant, ReceiptCopy::Cardholder],
            no_signature_limit: DEFAULT_NO_SIGNATURE_LIMIT,
            format: PrintFormat::Escpos,
            history_size: DEFAULT_HISTORY,
        }
    }
}

/// One copy to send to the printer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrintChunk {
    /// Which copy.
    pub copy: ReceiptCopy,
    /// Position of this copy in the job (0-based).
    pub index: u32,
    /// Number of copies in the job.
    pub count: u32,
    /// Voucher number of the receipt.
    pub voucher_no: String,
    /// Whether this is a reprint (the slip says 重打印 REPRINT).
    pub reprint: bool,
    /// The bytes (ESC/POS or UTF-8 text).
    pub bytes: Vec<u8>,
}

/// Where the printer is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum JobState {
    /// Nothing to print.
    Idle,
    /// A copy is ready to be taken with [`Printer::poll_chunk`].
    Ready {
        /// The copy.
        copy: ReceiptCopy,
    },
    /// A copy was handed out; waiting for the host to report the printer status.
    Printing {
        /// The copy.
        copy: ReceiptCopy,
    },
    /// Stopped by a printer fault; resumes with this copy when the status is `ok` again.
    Paused {
        /// The copy to print again.
        copy: ReceiptCopy,
        /// Why.
        status: PrinterStatus,
    },
}

/// A printer fault for the operator and for the engine's diagnosis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrintFault {
    /// `printer.paper_out`, ...
    pub code: String,
    /// The status that stopped the job.
    pub status: PrinterStatus,
    /// The copy that still has to print.
    pub pending_copy: ReceiptCopy,
    /// Voucher number of the receipt.
    pub voucher_no: String,
    /// Advice in Chinese.
    pub message_zh: String,
    /// Advice in English.
    pub message_en: String,
}

/// The last receipts printed, newest last, for 重打印. Serializable so the engine can journal it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptHistory {
    /// Most receipts kept.
    pub capacity: usize,
    /// The receipts (PANs masked, as every [`ReceiptData`]).
    pub entries: Vec<ReceiptData>,
}

impl ReceiptHistory {
    /// Empty history keeping at most `capacity` receipts (at least 1).
    pub fn new(capacity: usize) -> Self {
        Self { capacity: capacity.max(1), entries: Vec::new() }
    }

    /// Add a receipt; one with the same batch and voucher number is replaced.
    pub fn push(&mut self, r: ReceiptData) {
        self.entries.retain(|e| !(e.batch_no == r.batch_no && e.voucher_no == r.voucher_no));
        self.entries.push(r);
        let excess = self.entries.len().saturating_sub(self.capacity.max(1));
        self.entries.drain(..excess);
    }

    /// The newest receipt.
    pub fn last(&self) -> Option<&ReceiptData> {
        self.entries.last()
    }

    /// The newest receipt with this voucher number.
    pub fn by_voucher(&self, voucher_no: &str) -> Option<&ReceiptData> {
        self.entries.iter().rev().find(|e| e.voucher_no == voucher_no)
    }
}

#[derive(Debug, Clone)]
struct Job {
    data: ReceiptData,
    reprint: bool,
    next: usize,
    in_flight: bool,
    fault: Option<PrinterStatus>,
}

/// The print job driver. See the module docs for the flow.
#[derive(Debug, Clone)]
pub struct Printer {
    settings: PrintSettings,
    labels: Labels,
    history: ReceiptHistory,
    job: Option<Job>,
}

impl Printer {
    /// A printer with an empty history. Fails on an unsupported width.
    pub fn new(settings: PrintSettings) -> Result<Self, ReceiptError> {
        let history = ReceiptHistory::new(settings.history_size);
        Self::with_history(settings, history)
    }

    /// A printer resuming with a persisted history.
    pub fn with_history(settings: PrintSettings, mut history: ReceiptHistory) -> Result<Self, ReceiptError> {
        RenderOptions { width: settings.width, ..RenderOptions::default() }.check()?;
        history.capacity = settings.history_size.max(1);
        let excess = history.entries.len().saturating_sub(history.capacity);
        history.entries.drain(..excess);
        Ok(Self { settings, labels: Labels::bundled().clone(), history, job: None })
    }

    /// Use labels loaded at run time.
    pub fn set_labels(&mut self, labels: Labels) {
        self.labels = labels;
    }

    fn start(&mut self, data: ReceiptData, reprint: bool) -> Result<(), ReceiptError> {
        if let Some(j) = &self.job {
            return Err(ReceiptError::PrinterBusy {
                pending: self.settings.copies[j.next],
                voucher_no: j.data.voucher_no.clone(),
            });
        }
        if !self.settings.copies.is_empty() {
            self.job = Some(Job { data, reprint, next: 0, in_flight: false, fault: None });
        }
        Ok(())
    }

    /// Print a new receipt (all configured copies) and remember it for reprint.
    pub fn print(&mut self, data: ReceiptData) -> Result<(), ReceiptError> {
        self.start(data.clone(), false)?;
        self.history.push(data);
        Ok(())
    }

    /// Reprint the last receipt, marked 重打印 REPRINT.
    pub fn reprint_last(&mut self) -> Result<(), ReceiptError> {
        let d = self.history.last().cloned().ok_or(ReceiptError::NoHistory)?;
        self.start(d, true)
    }

    /// Reprint a receipt by voucher number (凭证号), marked 重打印 REPRINT.
    pub fn reprint_voucher(&mut self, voucher_no: &str) -> Result<(), ReceiptError> {
        let d = self.history.by_voucher(voucher_no).cloned().ok_or_else(|| ReceiptError::VoucherNotFound {
            voucher_no: voucher_no.chars().take(40).collect(),
            kept: self.history.entries.len(),
        })?;
        self.start(d, true)
    }

    /// The next copy to send, if the printer is ready for one. Returns `None` while a chunk is
    /// out (until [`Printer::handle_status`]), while paused by a fault, and when done.
    pub fn poll_chunk(&mut self) -> Option<PrintChunk> {
        let settings = &self.settings;
        let job = self.job.as_mut()?;
        if job.in_flight || job.fault.is_some() {
            return None;
        }
        let copy = settings.copies[job.next];
        let options = RenderOptions {
            width: settings.width,
            lang: settings.lang,
            copy,
            reprint: job.reprint,
            no_signature_limit: settings.no_signature_limit,
        };
        // The width was checked when the printer was made, so rendering cannot fail.
        let bytes = match settings.format {
            PrintFormat::Escpos => render_escpos_with(&job.data, &options, &self.labels).ok()?,
            PrintFormat::Text => render_text_with(&job.data, &options, &self.labels).ok()?.into_bytes(),
        };
        job.in_flight = true;
        Some(PrintChunk {
            copy,
            index: job.next as u32,
            count: settings.copies.len() as u32,
            voucher_no: job.data.voucher_no.clone(),
            reprint: job.reprint,
            bytes,
        })
    }

    /// The printer's status. After a chunk: `Ok` means it printed and the job moves on; a fault
    /// means that copy was cut short and will print again from its start once `Ok` is reported.
    /// While paused: `Ok` resumes.
    pub fn handle_status(&mut self, status: PrinterStatus) {
        let copies = self.settings.copies.len();
        let Some(job) = self.job.as_mut() else { return };
        if status == PrinterStatus::Ok {
            job.fault = None;
            if job.in_flight {
                job.in_flight = false;
                job.next += 1;
                if job.next >= copies {
                    self.job = None;
                }
            }
        } else {
            job.in_flight = false;
            job.fault = Some(status);
        }
    }

    /// Abandon the current job (the receipt stays in the history for a later reprint).
    pub fn cancel(&mut self) {
        self.job = None;
    }

    /// The copy still to print (interrupted or not yet started), if a job is unfinished.
    pub fn pending_copy(&self) -> Option<ReceiptCopy> {
        self.job.as_ref().map(|j| self.settings.copies[j.next])
    }

    /// Where the job is.
    pub fn state(&self) -> JobState {
        match &self.job {
            None => JobState::Idle,
            Some(j) => {
                let copy = self.settings.copies[j.next];
                match (j.fault, j.in_flight) {
                    (Some(status), _) => JobState::Paused { copy, status },
                    (None, true) => JobState::Printing { copy },
                    (None, false) => JobState::Ready { copy },
                }
            }
        }
    }

    /// The fault that stopped printing, for the operator and the diagnosis.
    pub fn fault(&self) -> Option<PrintFault> {
        let j = self.job.as_ref()?;
        let status = j.fault?;
        Some(PrintFault {
            code: status.code().to_owned(),
            status,
            pending_copy: self.settings.copies[j.next],
            voucher_no: j.data.voucher_no.clone(),
            message_zh: status.advice_zh().to_owned(),
            message_en: status.advice_en().to_owned(),
        })
    }

    /// The reprint history (persist it with serde; restore with [`Printer::with_history`]).
    pub fn history(&self) -> &ReceiptHistory {
        &self.history
    }

    /// The settings.
    pub fn settings(&self) -> &PrintSettings {
        &self.settings
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn receipt(voucher: &str) -> ReceiptData {
        ReceiptData::from_json(&format!(
            r#"{{"merchant_name":"测试商户","merchant_id":"898310048160001","terminal_id":"12345678",
            "pan":"6212345678901232","entry_mode":"chip","txn_type":"sale","amount":8800,"currency":"CNY",
            "date":"2026-11-23","time":"16:21:05","batch_no":"000001","voucher_no":"{voucher}"}}"#
        ))
        .unwrap()
    }

    fn text_printer() -> Printer {
        Printer::new(PrintSettings { format: PrintFormat::Text, history_size: 2, ..PrintSettings::default() }).unwrap()
    }

    #[test]
    fn paper_out_resumes_with_the_interrupted_copy() {
        let mut p = text_printer();
        p.print(receipt("000123")).unwrap();
        let c = p.poll_chunk().unwrap();
        assert_eq!((c.copy, c.index, c.count, c.reprint), (ReceiptCopy::Merchant, 0, 2, false));
        assert!(p.poll_chunk().is_none(), "one chunk at a time");
        p.handle_status(PrinterStatus::Ok);
        let c = p.poll_chunk().unwrap();
        assert_eq!(c.copy, ReceiptCopy::Cardholder);
        p.handle_status(PrinterStatus::PaperOut);
        assert_eq!(p.state(), JobState::Paused { copy: ReceiptCopy::Cardholder, status: PrinterStatus::PaperOut });
        let f = p.fault().unwrap();
        assert_eq!((f.code.as_str(), f.pending_copy), ("printer.paper_out", ReceiptCopy::Cardholder));
        assert!(f.message_en.contains("load paper and reprint"));
        assert!(p.poll_chunk().is_none());
        assert_eq!(p.print(receipt("000124")).unwrap_err().code(), "receipt.printer_busy");
        p.handle_status(PrinterStatus::Ok);
        let again = p.poll_chunk().unwrap();
        assert_eq!((again.copy, again.reprint), (ReceiptCopy::Cardholder, false));
        assert!(String::from_utf8(again.bytes).unwrap().contains("持卡人存根"));
        p.handle_status(PrinterStatus::Ok);
        assert_eq!(p.state(), JobState::Idle);
        assert!(p.poll_chunk().is_none());
    }

    #[test]
    fn reprints_last_and_by_voucher() {
        let mut p = text_printer();
        assert_eq!(p.reprint_last().unwrap_err().code(), "receipt.no_history");
        for v in ["000001", "000002", "000003"] {
            p.print(receipt(v)).unwrap();
            while p.poll_chunk().is_some() {
                p.handle_status(PrinterStatus::Ok);
            }
        }
        assert_eq!(p.history().entries.len(), 2, "capacity 2");
        assert_eq!(p.reprint_voucher("000001").unwrap_err().code(), "receipt.voucher_not_found");
        p.reprint_voucher("000002").unwrap();
        let c = p.poll_chunk().unwrap();
        assert!(c.reprint && c.voucher_no == "000002");
        assert!(String::from_utf8(c.bytes).unwrap().contains("重打印 REPRINT"));
        p.cancel();
        p.reprint_last().unwrap();
        assert_eq!(p.poll_chunk().unwrap().voucher_no, "000003");
    }

    #[test]
    fn history_round_trips_through_json_masked() {
        let mut p = text_printer();
        p.print(receipt("000009")).unwrap();
        let json = serde_json::to_string(p.history()).unwrap();
        assert!(json.contains("621234******1232") && !json.contains("6212345678901232"));
        let h: ReceiptHistory = serde_json::from_str(&json).unwrap();
        assert_eq!(&h, p.history());
        let p2 = Printer::with_history(PrintSettings::default(), h).unwrap();
        assert_eq!(p2.history().last().unwrap().voucher_no, "000009");
    }

    #[test]
    fn escpos_status_bytes() {
        assert_eq!(PrinterStatus::from_escpos(0x12, 0x12, 0x12), Some(PrinterStatus::Ok));
        assert_eq!(PrinterStatus::from_escpos(0x12, 0x12, 0x72), Some(PrinterStatus::PaperOut));
        assert_eq!(PrinterStatus::from_escpos(0x32, 0x12, 0x12), Some(PrinterStatus::PaperOut));
        assert_eq!(PrinterStatus::from_escpos(0x16, 0x12, 0x12), Some(PrinterStatus::CoverOpen));
        assert_eq!(PrinterStatus::from_escpos(0x52, 0x52, 0x12), Some(PrinterStatus::Overheat));
        assert_eq!(PrinterStatus::from_escpos(0x52, 0x32, 0x12), Some(PrinterStatus::Offline));
        assert_eq!(PrinterStatus::from_escpos(0x00, 0x12, 0x12), None);
    }

    #[test]
    fn escpos_chunks_by_default() {
        let mut p = Printer::new(PrintSettings::default()).unwrap();
        p.print(receipt("000010")).unwrap();
        let c = p.poll_chunk().unwrap();
        assert_eq!(&c.bytes[..4], &[0x1B, b'@', 0x1C, b'&']);
        assert_eq!(
            Printer::new(PrintSettings { width: 8, ..PrintSettings::default() }).unwrap_err().code(),
            "receipt.bad_width"
        );
    }
}
