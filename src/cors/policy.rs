//! The compiled CORS policy of a route.

use super::config::RawCors;
use crate::config::{ConfigError, Mode};

#[derive(Debug)]
pub struct CorsPolicy {
    pub enforce: bool,
}

impl CorsPolicy {
    pub fn compile(raw: &RawCors, mode: Mode, path: &str, warnings: &mut Vec<String>) -> Result<Self, ConfigError> {
        let _ = (mode, path, warnings);
        Ok(CorsPolicy { enforce: raw.enforce })
    }
}

impl CorsPolicy {
    /// Whether this policy allows a request `Origin` value (as sent, byte for byte).
    /// The CSRF and WebSocket checks use it too.
    pub fn allows_origin(&self, origin: &[u8]) -> bool {
        let _ = origin;
        false
    }
}
