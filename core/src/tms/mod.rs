//! UnionPay TMS downloads, sans-IO: what the terminal sends in field 62 of the network
//! management requests and what it reads back from field 62 of the 0810/0830 replies.
//!
//! After sign-on (or when the 6-byte message header of a reply asks for it, see
//! `shared/UNIONPAY.md`) a UnionPay terminal refreshes what the host keeps for it. Each refresh is
//! a short conversation of network management messages told apart by 60.3 ([`Step`]):
//!
//! | 60.3 | request | field 62 sent | field 62 received |
//! |------|---------|---------------|-------------------|
//! | 360 parameter download | 0800 | none | [`TerminalParams`] items |
//! | 362 status upload | 0820 | [`status_upload_request`] | none |
//! | 372 CA public key query | 0820 | [`query_request`] | continuation + [`KeyRef`] list |
//! | 370 CA public key download | 0800 | [`capk_download_request`] | continuation + one [`Capk`] |
//! | 371 CA public key download end | 0800 | none | none |
//! | 382 AID query | 0820 | [`query_request`] | continuation + AID list |
//! | 380 AID download | 0800 | [`aid_download_request`] | continuation + one [`AidParams`] |
//! | 381 AID download end | 0800 | none | none |
//!
//! A key (or AID) download is **query → download each → end**:
//!
//! 1. *Query.* Field 62 is ASCII `1` and the 2-digit count of entries received so far (`100` the
//!    first time). The reply's field 62 opens with a continuation byte ([`split_reply`]): `2`
//!    ([`Continuation::MoreQuery`]) means more entries follow, so query again from the new count;
//!    `1` ([`Continuation::MorePackets`]) means the list is complete and the downloads follow; `0`
//!    ([`Continuation::Last`]) means the host has nothing (more). Each entry names one key (RID,
//!    index, expiry) or one AID.
//! 2. *Download*, one request per entry, field 62 naming it as TLV. The reply is `1` and the full
//!    entry ([`Capk::parse`], [`AidParams::parse`]), or `0` when the host has no such entry. A CA
//!    public key is only accepted when its SHA-1 checksum (DF03) matches.
//! 3. *End*: one more request with no field 62. The terminal replaces its set only after the end
//!    is acknowledged, so an interrupted download leaves the old set in place.
//!
//! ```
//! use poscore::tms::{self, Capk, Continuation, Step};
//!
//! // The host's key (what the acquirer simulator encodes); a toy modulus keeps the example short.
//! let host_key = Capk::new("A000000333", 0x08, "20301231", "B61645EDFD5498FB2464", "03")?;
//!
//! // 1. Query (0820, 60.3 = 372) from index 0.
//! assert_eq!((Step::CapkQuery.nmi(), Step::CapkQuery.mti().as_str()), ("372", "0820"));
//! assert_eq!(tms::query_request(0)?, b"100");
//! let reply = tms::encode_capk_query(Continuation::MorePackets, &[host_key.key_ref()])?;
//! let (cont, body) = tms::split_reply(&reply)?;
//! let keys = tms::parse_capk_query(body)?;
//! assert_eq!(cont, Continuation::MorePackets); // the list is complete: download
//!
//! // 2. One download (0800, 60.3 = 370) per key.
//! let mut loaded = Vec::new();
//! for key in &keys {
//!     let request = tms::capk_download_request(key)?;
//!     assert_eq!(request, [0x9F, 0x06, 5, 0xA0, 0, 0, 0x03, 0x33, 0x9F, 0x22, 1, 0x08]);
//!     let reply = tms::encode_capk_download(Some(&host_key))?;
//!     match tms::split_reply(&reply)? {
//!         (Continuation::MorePackets, entry) => loaded.push(Capk::parse(entry)?), // SHA-1 verified
//!         _ => continue, // the host has no such key any more
//!     }
//! }
//! assert_eq!(loaded, [host_key]);
//! // 3. End (0800, 60.3 = 371), no field 62; then replace the terminal's key set.
//! assert_eq!(Step::CapkEnd.nmi(), "371");
//! # Ok::<(), poscore::tms::TmsError>(())
//! ```
//!
//! Sources. The layouts follow three open UnionPay terminal implementations, which agree unless a
//! doc comment says otherwise: dsand20142014/openpos (C, commit `6280780`,
//! `lib258/trunk/demoApp/qt/unionpay/emv/appsrc/logon.c` `LOGON_Online`, `LOGON_Unpack62Field`,
//! `LOGON_Pack62Field`; `emvinterface.c` `EMVONLINE_CAPKProcess`, `EMVONLINE_AddRID`,
//! `EMVONLINE_AddAID`, `EMVONLINE_AIDParamProcess`, `VerifyCAPK`), andrewsdg412/Aviapay (Java,
//! commit `110c636`, `src/com/android/aviapay/transmanager/trans/manager/DparaTrans.java`
//! `queryEMVCapk`, `downEMVCapk`, `queryEMVParam`, `downEMVParam`) and `CaoEnXin/LiaoYang_POS` (C,
//! commit `e6218f3`, `Src/tranproc.c` `QueryEmvCapk`, `DownLoadCAPK`, `SaveCapkInfoItem`,
//! `SaveEmvCapkItem`, `SaveAppParamItem`, `UpdateParameters`, `MakeTermStatusData`). Where they
//! disagree the choice and the reason are in the item's documentation; where all are silent the
//! bytes are kept raw.
//!
//! Not covered: PBOC SM2 CA public keys (DF06 = 07, an SM3 digest: refused as
//! [`TmsError::UnsupportedHash`], since this core computes no SM3); the EMV items 80–85 that
//! openpos accepts inside a 360 reply (kept raw); acquirer variants of the codes seen in other
//! terminal code (364 for the parameter download, 361 for its end), which [`Step`] does not name.

mod aid;
mod capk;
mod params;
mod wire;

use serde::{Deserialize, Serialize};

use crate::iso8583::Mti;
use crate::tlv::{Tag, TlvError};

pub use aid::{aid_download_request, encode_aid_download, encode_aid_query, parse_aid_query, AidParams};
pub use capk::{capk_download_request, encode_capk_download, encode_capk_query, parse_capk_query, Capk, KeyRef};
pub use params::{status_upload_request, DialStats, ParamItem, StatusReport, TerminalParams};

/// Errors from the TMS field 62 codecs. Offsets are byte offsets in the bytes given to the
/// function that failed (for the `parse_*` functions that take a reply's body, the body starts at
/// offset 1 of field 62).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TmsError {
    /// A reply's field 62 is empty: it has no continuation byte.
    #[error("TMS: field 62 is empty, expected a continuation byte '0', '1' or '2'")]
    Empty,
    /// The first byte of a reply's field 62 is not a continuation byte.
    #[error("TMS: continuation byte 0x{found:02X} at offset 0 is not '0', '1', '2' or '3'")]
    BadContinuation {
        /// The byte found.
        found: u8,
    },
    /// The TLV list is malformed (truncated, a length past the end, a duplicate tag in one entry,
    /// padding).
    #[error("TMS: {0}")]
    Tlv(TlvError),
    /// A tag the entry cannot do without is absent.
    #[error("TMS: tag {tag} is missing at offset {offset}, expected {expected}")]
    MissingTag {
        /// Where it was expected (the end of the entry when it is simply absent).
        offset: usize,
        /// The tag.
        tag: Tag,
        /// What was expected there.
        expected: &'static str,
    },
    /// Another tag where a list expects a given one (the entries of a query reply come in order).
    #[error("TMS: tag {tag} at offset {offset}, expected {expected}")]
    UnexpectedTag {
        /// Offset of the object.
        offset: usize,
        /// Its tag.
        tag: Tag,
        /// What was expected there.
        expected: &'static str,
    },
    /// A value of the wrong length.
    #[error("TMS: tag {tag} at offset {offset} has {found} bytes, expected {expected}")]
    BadLength {
        /// Offset of the object.
        offset: usize,
        /// Its tag.
        tag: Tag,
        /// The length found.
        found: usize,
        /// The lengths allowed.
        expected: &'static str,
    },
    /// A value of the right length but a wrong content (a non-digit in BCD or in a date).
    #[error("TMS: tag {tag} at offset {offset} is {found}, expected {expected}")]
    BadValue {
        /// Offset of the object.
        offset: usize,
        /// Its tag.
        tag: Tag,
        /// The value, hex.
        found: String,
        /// What was expected.
        expected: &'static str,
    },
    /// A CA public key whose DF03 checksum is not the SHA-1 of RID, index, modulus and exponent:
    /// corrupted in transit or tampered with. The key must not be loaded.
    #[error("TMS: CA public key {rid}/{index:02X}: checksum DF03 {found} does not match SHA-1(RID|index|modulus|exponent) = {computed}")]
    ChecksumMismatch {
        /// The key's RID, hex.
        rid: String,
        /// Its index.
        index: u8,
        /// DF03 as received, hex.
        found: String,
        /// The SHA-1 computed, hex.
        computed: String,
    },
    /// A CA public key whose hash algorithm indicator (DF06) is not SHA-1 (01): PBOC SM2 keys
    /// carry an SM3 digest, which this core does not compute, so the key cannot be verified.
    #[error("TMS: CA public key {rid}/{index:02X}: hash algorithm indicator DF06 = {hash_alg:02X}, only 01 (SHA-1) can be verified")]
    UnsupportedHash {
        /// The key's RID, hex.
        rid: String,
        /// Its index.
        index: u8,
        /// DF06.
        hash_alg: u8,
    },
    /// A parameter item (60.3 360 / 362 field 62) runs past the end of the field.
    #[error("TMS: parameter item {tag} at offset {offset} needs {needed} bytes, {available} follow")]
    TruncatedParam {
        /// Offset of the item's tag.
        offset: usize,
        /// The 2-character item tag.
        tag: String,
        /// Bytes its value needs.
        needed: usize,
        /// Bytes left.
        available: usize,
    },
    /// A builder argument that cannot be encoded (bad hex, a field too long, an index over 99).
    #[error("TMS: {what}: {found:?}, expected {expected}")]
    BadArgument {
        /// The argument.
        what: &'static str,
        /// What it must be.
        expected: &'static str,
        /// What was given (at most 80 characters of it).
        found: String,
    },
}

impl TmsError {
    /// Stable machine-readable code, `tms.reason`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "tms.empty",
            Self::BadContinuation { .. } => "tms.bad_continuation",
            Self::Tlv(_) => "tms.bad_tlv",
            Self::MissingTag { .. } => "tms.missing_tag",
            Self::UnexpectedTag { .. } => "tms.unexpected_tag",
            Self::BadLength { .. } => "tms.bad_length",
            Self::BadValue { .. } => "tms.bad_value",
            Self::ChecksumMismatch { .. } => "tms.checksum_mismatch",
            Self::UnsupportedHash { .. } => "tms.unsupported_hash",
            Self::TruncatedParam { .. } => "tms.truncated_param",
            Self::BadArgument { .. } => "tms.bad_argument",
        }
    }

    /// The byte offset the error points at, when it points at one.
    pub fn offset(&self) -> Option<usize> {
        match self {
            Self::BadContinuation { .. } => Some(0),
            Self::Tlv(e) => Some(e.offset()),
            Self::MissingTag { offset, .. }
            | Self::UnexpectedTag { offset, .. }
            | Self::BadLength { offset, .. }
            | Self::BadValue { offset, .. }
            | Self::TruncatedParam { offset, .. } => Some(*offset),
            Self::Empty | Self::ChecksumMismatch { .. } | Self::UnsupportedHash { .. } | Self::BadArgument { .. } => {
                None
            }
        }
    }

    /// The EMV tag at fault (hex), or the 2-character parameter item tag.
    pub fn tag(&self) -> Option<String> {
        match self {
            Self::MissingTag { tag, .. }
            | Self::UnexpectedTag { tag, .. }
            | Self::BadLength { tag, .. }
            | Self::BadValue { tag, .. } => Some(tag.to_string()),
            Self::Tlv(TlvError::LengthOverrun { tag, .. } | TlvError::DuplicateTag { tag, .. }) => {
                Some(tag.to_string())
            }
            Self::TruncatedParam { tag, .. } => Some(tag.clone()),
            Self::ChecksumMismatch { .. } => Some("DF03".into()),
            Self::UnsupportedHash { .. } => Some("DF06".into()),
            _ => None,
        }
    }
}

impl From<TlvError> for TmsError {
    fn from(e: TlvError) -> Self {
        Self::Tlv(e)
    }
}

/// The first byte of a reply's field 62: what the terminal does next.
///
/// openpos (`logon.c` `LOGON_Online`), Aviapay (`queryEMVCapk`: `if (field62[0] == 0x30) //
/// 已经没有了或者最后` … `if (field62[0] != 0x32) // 没有后续包`) and `LiaoYang_POS` (`QueryEmvCapk`:
/// `if( glRecvPack.sField62[2]!='2' ) break;`) agree on `0`, `1` and `2`. openpos also accepts `3`
/// in a query reply and treats it as `1`; so does [`Continuation::from_byte`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Continuation {
    /// `0`: nothing (more): a query reply with no entries, or a download reply without the entry.
    Last,
    /// `1`: entries follow and nothing more to query: in a query reply the list is complete and
    /// the downloads come next; in a download reply the entry follows.
    MorePackets,
    /// `2`: entries follow and more query results remain: query again from the new count.
    MoreQuery,
}

impl Continuation {
    /// The ASCII byte on the wire.
    pub fn byte(self) -> u8 {
        match self {
            Self::Last => b'0',
            Self::MorePackets => b'1',
            Self::MoreQuery => b'2',
        }
    }

    /// Read the byte (`3` reads as `1`, per openpos).
    pub fn from_byte(b: u8) -> Option<Self> {
        match b {
            b'0' => Some(Self::Last),
            b'1' | b'3' => Some(Self::MorePackets),
            b'2' => Some(Self::MoreQuery),
            _ => None,
        }
    }

    /// A query reply with this byte asks for another query.
    pub fn more_query(self) -> bool {
        self == Self::MoreQuery
    }

    /// Entries follow the byte.
    pub fn has_entries(self) -> bool {
        self != Self::Last
    }
}

/// Split a reply's field 62 into its continuation byte and the entries after it.
pub fn split_reply(field62: &[u8]) -> Result<(Continuation, &[u8]), TmsError> {
    let (&first, body) = field62.split_first().ok_or(TmsError::Empty)?;
    let cont = Continuation::from_byte(first).ok_or(TmsError::BadContinuation { found: first })?;
    Ok((cont, body))
}

/// Field 62 of a query (372 / 382): ASCII `1` and the 2-digit count of entries received so far.
///
/// openpos: `aucBuf[0]=0x31; char_asc(&aucBuf[1],2,&ucCAPKNum);`; Aviapay: `"1" +
/// ISOUtil.padleft(reciveCount + "", 2, '0')` (comment `// 313130`); `LiaoYang_POS`:
/// `sprintf(..., "1%02d", iCapkNum)`. The count is 2 digits in all three, so more than 99 entries
/// cannot be asked for: an error here, where openpos would send the last two digits.
pub fn query_request(start_index: u32) -> Result<Vec<u8>, TmsError> {
    if start_index > 99 {
        return Err(TmsError::BadArgument {
            what: "query start index",
            expected: "0 to 99 (two digits)",
            found: start_index.to_string(),
        });
    }
    Ok(format!("1{start_index:02}").into_bytes())
}

/// Read one of this module's types from its JSON form (what the JS and Kotlin surfaces hand
/// over: [`Capk`], [`AidParams`], [`TerminalParams`], [`KeyRef`], [`Continuation`] ...); a document
/// that does not fit is a [`TmsError::BadArgument`] naming `what`.
pub fn from_json<T: serde::de::DeserializeOwned>(what: &'static str, json: &str) -> Result<T, TmsError> {
    serde_json::from_str(json).map_err(|e| TmsError::BadArgument {
        what,
        expected: "its JSON form",
        found: e.to_string().chars().take(80).collect(),
    })
}

/// One step of the TMS conversations: its network management code (60.3) and request MTI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Step {
    /// 360: parameter download.
    ParamDownload,
    /// 362: status upload.
    StatusUpload,
    /// 372: CA public key query.
    CapkQuery,
    /// 370: CA public key download, one key per request.
    CapkDownload,
    /// 371: CA public key download end.
    CapkEnd,
    /// 382: AID (EMV parameter) query.
    AidQuery,
    /// 380: AID download, one AID per request.
    AidDownload,
    /// 381: AID download end.
    AidEnd,
}

impl Step {
    /// Every step.
    pub const ALL: [Step; 8] = [
        Step::ParamDownload,
        Step::StatusUpload,
        Step::CapkQuery,
        Step::CapkDownload,
        Step::CapkEnd,
        Step::AidQuery,
        Step::AidDownload,
        Step::AidEnd,
    ];

    /// 60.3, the network management information code. openpos, Aviapay (its Javadoc; its
    /// properties file says 352 for the key query, a typo its own comment contradicts) and
    /// `LiaoYang_POS` (`globalvar.c`) agree.
    pub fn nmi(self) -> &'static str {
        match self {
            Self::ParamDownload => "360",
            Self::StatusUpload => "362",
            Self::CapkQuery => "372",
            Self::CapkDownload => "370",
            Self::CapkEnd => "371",
            Self::AidQuery => "382",
            Self::AidDownload => "380",
            Self::AidEnd => "381",
        }
    }

    /// The step a 60.3 value names.
    pub fn from_nmi(nmi: &str) -> Option<Step> {
        Self::ALL.into_iter().find(|s| s.nmi() == nmi)
    }

    /// Request MTI: 0820 for the status upload and the queries, 0800 for the rest (openpos
    /// `LOGON_Online`; Aviapay `trans.properties`; `LiaoYang_POS` `SetCommReqField`).
    pub fn mti(self) -> Mti {
        match self {
            Self::StatusUpload | Self::CapkQuery | Self::AidQuery => Mti::NETWORK_MANAGEMENT_ADVICE,
            Self::ParamDownload | Self::CapkDownload | Self::CapkEnd | Self::AidDownload | Self::AidEnd => {
                Mti::NETWORK_MANAGEMENT_REQUEST
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continuation_bytes() {
        for c in [Continuation::Last, Continuation::MorePackets, Continuation::MoreQuery] {
            assert_eq!(Continuation::from_byte(c.byte()), Some(c));
        }
        assert_eq!(split_reply(b"3").unwrap().0, Continuation::MorePackets);
        assert_eq!(split_reply(b"").unwrap_err().code(), "tms.empty");
        assert_eq!(split_reply(b"9").unwrap_err().code(), "tms.bad_continuation");
    }

    #[test]
    fn query_request_is_two_digits() {
        assert_eq!(query_request(0).unwrap(), b"100");
        assert_eq!(query_request(21).unwrap(), b"121");
        assert_eq!(query_request(100).unwrap_err().code(), "tms.bad_argument");
    }

    #[test]
    fn steps() {
        for s in Step::ALL {
            assert_eq!(Step::from_nmi(s.nmi()), Some(s));
        }
        assert_eq!(Step::from_nmi("301"), None);
        assert_eq!(Step::AidQuery.mti().as_str(), "0820");
        assert_eq!(Step::AidDownload.mti().as_str(), "0800");
    }
}
