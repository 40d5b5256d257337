//! Randomness, injected by the host.
//!
//! PIN blocks formats 1, 3 and 4 and TR-31 key padding need random bytes. poscore never reaches for
//! a global generator: every function that needs randomness takes a `&mut dyn Rng`, so a terminal
//! passes [`SystemRng`] (the operating system's CSPRNG through ring), an HSM or secure element can
//! plug in its own generator, and tests and shared vectors pass a [`SeededRng`] so that every
//! surface (Rust, Node, Kotlin) reproduces the same PIN block byte for byte.
//!
//! ```
//! use poscore::rng::{Rng, SeededRng};
//! let mut a = SeededRng::new(7);
//! let mut b = SeededRng::new(7);
//! let (mut x, mut y) = ([0u8; 20], [0u8; 20]);
//! a.fill(&mut x).unwrap();
//! b.fill(&mut y).unwrap();
//! assert_eq!(x, y);
//! ```

use std::fmt;

use ring::rand::SecureRandom;
use zeroize::Zeroize;

/// Errors from a random number generator.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RngError {
    /// The generator could not produce bytes (the OS source failed, an HSM was unreachable).
    #[error("random generator unavailable: {source_name} failed to fill {len} bytes")]
    Unavailable {
        /// Which generator failed.
        source_name: &'static str,
        /// How many bytes were requested.
        len: usize,
    },
}

impl RngError {
    /// A stable machine-readable code (`rng.unavailable`).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unavailable { .. } => "rng.unavailable",
        }
    }
}

/// A source of random bytes. Implement it to plug in a secure element or HSM generator.
pub trait Rng {
    /// Fills `dest` entirely with random bytes.
    fn fill(&mut self, dest: &mut [u8]) -> Result<(), RngError>;
}

/// The operating system's CSPRNG, through `ring::rand::SystemRandom`. The default for production.
#[derive(Debug)]
pub struct SystemRng(ring::rand::SystemRandom);

impl SystemRng {
    /// A handle on the system generator.
    pub fn new() -> Self {
        Self(ring::rand::SystemRandom::new())
    }
}

impl Default for SystemRng {
    fn default() -> Self {
        Self::new()
    }
}

impl Rng for SystemRng {
    fn fill(&mut self, dest: &mut [u8]) -> Result<(), RngError> {
        self.0.fill(dest).map_err(|_| RngError::Unavailable { source_name: "SystemRandom", len: dest.len() })
    }
}

/// A deterministic generator **for tests and shared vectors only**: SHA-256 in counter mode over a
/// `u64` seed (`SHA-256(seed_be || counter_be)`, 32 bytes per counter value, counter from 0).
///
/// Anyone who knows the seed knows every byte it will produce, so a PIN block filled from it has no
/// secret fill at all. It exists so that a vector such as "format 1, PIN 1234, seed 42" gives the
/// same block on every surface. Never use it in a terminal.
pub struct SeededRng {
    seed: u64,
    counter: u64,
    buf: [u8; 32],
    used: usize,
}

impl SeededRng {
    /// A generator whose whole output is determined by `seed`.
    pub fn new(seed: u64) -> Self {
        Self { seed, counter: 0, buf: [0; 32], used: 32 }
    }
}

impl fmt::Debug for SeededRng {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SeededRng").field("test_only", &true).field("counter", &self.counter).finish_non_exhaustive()
    }
}

impl Drop for SeededRng {
    fn drop(&mut self) {
        self.buf.zeroize();
    }
}

impl Rng for SeededRng {
    fn fill(&mut self, dest: &mut [u8]) -> Result<(), RngError> {
        for byte in dest.iter_mut() {
            if self.used == self.buf.len() {
                let mut input = [0u8; 16];
                input[..8].copy_from_slice(&self.seed.to_be_bytes());
                input[8..].copy_from_slice(&self.counter.to_be_bytes());
                self.buf.copy_from_slice(ring::digest::digest(&ring::digest::SHA256, &input).as_ref());
                self.counter += 1;
                self.used = 0;
            }
            *byte = self.buf[self.used];
            self.used += 1;
        }
        Ok(())
    }
}

/// A generator that returns exactly the bytes it was given, **for tests and vectors only**: it
/// pins the random fill of a published example (the X9.24-3 format 4 PIN block lists its random
/// bytes). Asking for more bytes than remain is an error, never a silent repeat.
pub struct FixedRng {
    bytes: zeroize::Zeroizing<Vec<u8>>,
    used: usize,
}

impl FixedRng {
    /// A generator that will hand out `bytes`, in order, once.
    pub fn new(bytes: &[u8]) -> Self {
        Self { bytes: zeroize::Zeroizing::new(bytes.to_vec()), used: 0 }
    }
}

impl fmt::Debug for FixedRng {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FixedRng")
            .field("test_only", &true)
            .field("remaining", &(self.bytes.len() - self.used))
            .finish()
    }
}

impl Rng for FixedRng {
    fn fill(&mut self, dest: &mut [u8]) -> Result<(), RngError> {
        if self.bytes.len() - self.used < dest.len() {
            return Err(RngError::Unavailable { source_name: "FixedRng", len: dest.len() });
        }
        dest.copy_from_slice(&self.bytes[self.used..self.used + dest.len()]);
        self.used += dest.len();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_is_sha256_counter_mode() {
        let mut r = SeededRng::new(0);
        let mut out = [0u8; 40];
        r.fill(&mut out).unwrap();
        let first = ring::digest::digest(&ring::digest::SHA256, &[0u8; 16]);
        assert_eq!(&out[..32], first.as_ref());
        let mut input = [0u8; 16];
        input[15] = 1;
        assert_eq!(&out[32..], &ring::digest::digest(&ring::digest::SHA256, &input).as_ref()[..8]);
    }

    #[test]
    fn seeded_split_fills_match_one_fill() {
        let (mut a, mut b) = (SeededRng::new(9), SeededRng::new(9));
        let mut x = [0u8; 70];
        a.fill(&mut x).unwrap();
        let mut y = [0u8; 70];
        b.fill(&mut y[..3]).unwrap();
        b.fill(&mut y[3..50]).unwrap();
        b.fill(&mut y[50..]).unwrap();
        assert_eq!(x, y);
    }

    #[test]
    fn system_fills() {
        let mut out = [0u8; 32];
        SystemRng::new().fill(&mut out).unwrap();
        assert_ne!(out, [0u8; 32]);
    }
}
