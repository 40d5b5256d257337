//! Every file and stdin read of the CLI goes through here, with a size cap.
//!
//! The inputs are small (a receipt record, an ISO 8583 spec, a message, a profile, a key file),
//! but a path is whatever the operator or a script passes: `--from-json /dev/zero` or a spec
//! path pointing at a multi-gigabyte log would otherwise read until memory runs out. Reading
//! through `Read::take` stops one byte past the cap, so the answer is a clear error at once,
//! never a hang or an out-of-memory abort.

use std::fmt;
use std::io::{self, BufRead, Read};
use std::path::Path;

/// The most any one input may hold: 1 MiB, far above any real receipt, spec or message.
pub const MAX_INPUT: u64 = 1 << 20;

/// Why an input could not be read.
#[derive(Debug)]
pub enum InputError {
    /// The operating system refused (missing file, permission, a directory...).
    Io(io::Error),
    /// More than the cap; reading stopped there.
    TooLarge {
        /// The cap, in bytes.
        max: u64,
    },
    /// The bytes are not UTF-8 text.
    NotUtf8 {
        /// Offset of the first invalid byte.
        offset: usize,
    },
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io(e) => write!(f, "{e}"),
            Self::TooLarge { max } => write!(f, "larger than {} MiB ({max} bytes), the most poscore reads", max >> 20),
            Self::NotUtf8 { offset } => write!(f, "not UTF-8 text (invalid byte at offset {offset})"),
        }
    }
}

/// Reads all of `reader`, at most `max` bytes.
pub fn read_capped(reader: impl Read, max: u64) -> Result<Vec<u8>, InputError> {
    let mut buf = Vec::new();
    reader.take(max.saturating_add(1)).read_to_end(&mut buf).map_err(InputError::Io)?;
    if buf.len() as u64 > max {
        return Err(InputError::TooLarge { max });
    }
    Ok(buf)
}

fn text(bytes: Vec<u8>) -> Result<String, InputError> {
    String::from_utf8(bytes).map_err(|e| InputError::NotUtf8 { offset: e.utf8_error().valid_up_to() })
}

/// A file as text, at most [`MAX_INPUT`] bytes.
pub fn read_file(path: &Path) -> Result<String, InputError> {
    text(read_capped(std::fs::File::open(path).map_err(InputError::Io)?, MAX_INPUT)?)
}

/// A file's bytes, at most `max` of them (key files).
pub fn read_file_bytes(path: &Path, max: u64) -> Result<Vec<u8>, InputError> {
    read_capped(std::fs::File::open(path).map_err(InputError::Io)?, max)
}

/// All of stdin as text, at most [`MAX_INPUT`] bytes.
pub fn read_stdin() -> Result<String, InputError> {
    text(read_capped(io::stdin().lock(), MAX_INPUT)?)
}

/// The next line of `reader` without its line ending, at most [`MAX_INPUT`] bytes; `None` at the
/// end of input. For the line-per-request modes (`batch`), where a line that never ends would
/// otherwise be buffered forever.
pub fn read_line(reader: &mut impl BufRead) -> Result<Option<String>, InputError> {
    let mut buf = Vec::new();
    let n = reader.take(MAX_INPUT + 1).read_until(b'\n', &mut buf).map_err(InputError::Io)?;
    if n == 0 {
        return Ok(None);
    }
    if buf.last() == Some(&b'\n') {
        buf.pop();
        if buf.last() == Some(&b'\r') {
            buf.pop();
        }
    } else if buf.len() as u64 > MAX_INPUT {
        return Err(InputError::TooLarge { max: MAX_INPUT });
    }
    text(buf).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_and_lines() {
        assert_eq!(read_capped(&b"abc"[..], 3).unwrap(), b"abc");
        assert!(matches!(read_capped(&b"abcd"[..], 3), Err(InputError::TooLarge { max: 3 })));
        assert!(matches!(read_capped(io::repeat(0), MAX_INPUT), Err(InputError::TooLarge { .. })));
        let mut r = io::Cursor::new(b"one\r\ntwo\nthree".to_vec());
        assert_eq!(read_line(&mut r).unwrap().as_deref(), Some("one"));
        assert_eq!(read_line(&mut r).unwrap().as_deref(), Some("two"));
        assert_eq!(read_line(&mut r).unwrap().as_deref(), Some("three"));
        assert!(read_line(&mut r).unwrap().is_none());
        let mut endless = io::BufReader::new(io::repeat(b'x'));
        assert!(matches!(read_line(&mut endless), Err(InputError::TooLarge { .. })));
        assert!(matches!(text(vec![b'a', 0xff]), Err(InputError::NotUtf8 { offset: 1 })));
    }
}
