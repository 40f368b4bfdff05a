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
