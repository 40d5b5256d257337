//! Blocking TCP driver (placeholder, filled in below).
