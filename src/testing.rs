//! Helpers the unit tests share (one copy instead of one per test module).

use crate::compile::{Compile, Context, Mode};
use crate::http::Header;
use serde::de::DeserializeOwned;

/// Header lines from text values.
pub fn lines(pairs: &[(&str, &str)]) -> Vec<Header> {
    pairs
        .iter()
        .map(|(n, v)| (n.to_string(), v.as_bytes().to_vec()))
        .collect()
}

/// Header lines from byte values (non-UTF-8, control bytes).
pub fn byte_lines(pairs: &[(&str, &[u8])]) -> Vec<Header> {
    pairs.iter().map(|(n, v)| (n.to_string(), v.to_vec())).collect()
}

/// A feature's policy compiled from its JSON options (which must be valid), in `mode`.
pub fn policy_in<P: Compile>(json: &str, mode: Mode) -> P
where
    P::Raw: DeserializeOwned,
{
    let raw: P::Raw = serde_json::from_str(json).unwrap();
    let mut warnings = Vec::new();
    P::compile(&raw, &mut Context::new(mode, "", &mut warnings)).unwrap()
}

/// A feature's policy compiled from its JSON options in production mode.
pub fn policy<P: Compile>(json: &str) -> P
where
    P::Raw: DeserializeOwned,
{
    policy_in(json, Mode::Production)
}
