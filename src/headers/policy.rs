//! The compiled security-header policy of a route.

use super::config::RawHeaders;
use crate::config::{ConfigError, Mode};

#[derive(Debug)]
pub struct HeaderPolicy {}

impl HeaderPolicy {
    pub fn compile(raw: &RawHeaders, mode: Mode, path: &str, warnings: &mut Vec<String>) -> Result<Self, ConfigError> {
        let _ = (raw, mode, path, warnings);
        Ok(HeaderPolicy {})
    }
}
