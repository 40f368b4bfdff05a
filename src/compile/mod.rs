//! What compiling a configuration needs, below every feature: the error type with its
//! JSON path, the serde shapes settings are written in, the mode, and the
//! [`Context`] every feature's [`Compile::compile`] receives. A leaf: it knows no feature.

pub mod error;
pub mod mode;
pub mod setting;

pub use error::{index, join, quote, ConfigError};
pub use mode::Mode;
pub use setting::{nullable, NoOptions, OneOrMany, OrderedMap, Override, Setting};

/// Where a part of the configuration is compiled: the mode, the JSON path of the part
/// (for error messages and warnings), and the load-time warnings collected so far.
#[derive(Debug)]
pub struct Context<'w> {
    pub mode: Mode,
    /// JSON path of the part being compiled, e.g. `rules[0].cors`.
    pub path: String,
    /// Risky but legal choices, logged once at load.
    pub warnings: &'w mut Vec<String>,
}

impl<'w> Context<'w> {
    pub fn new(mode: Mode, path: impl Into<String>, warnings: &'w mut Vec<String>) -> Self {
        Context {
            mode,
            path: path.into(),
            warnings,
        }
    }

    /// The JSON path of a field of the part: `cx.field("max_age")` = `cors.max_age`.
    pub fn field(&self, name: &str) -> String {
        join(&self.path, name)
    }

    pub fn warn(&mut self, warning: String) {
        self.warnings.push(warning);
    }
}

/// A feature's policy, compiled once at load from its raw (serde) options. Every
/// feature implements it, so loading treats them all alike.
pub trait Compile: Sized {
    /// The options as written in the configuration (`Default` = the feature's `true`).
    type Raw: Default;
    fn compile(raw: &Self::Raw, cx: &mut Context<'_>) -> Result<Self, ConfigError>;
}
