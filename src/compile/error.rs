//! A configuration error that tells the operator where, what and how to fix it.

use std::fmt;

/// Why a plugin configuration was refused. Displayed as
/// `edge-shield: <json path>: <value>: <message>`, the line Envoy's log shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// JSON path of the offending value, e.g. `cors.allowed_origins[1]` (empty = the document).
    pub path: String,
    /// The offending value as JSON (empty when there is none to show).
    pub value: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

// The helpers here are load-time only and called from hundreds of places: `inline(never)`
// keeps one copy of each in the .wasm (17 KB less than inlined everywhere).
impl ConfigError {
    #[inline(never)]
    pub fn new(path: impl Into<String>, value: impl Into<String>, message: impl Into<String>) -> Self {
        ConfigError {
            path: path.into(),
            value: value.into(),
            message: message.into(),
        }
    }

    /// An error about a string value; the value is shown JSON-quoted.
    #[inline(never)]
    pub fn at_str(path: impl Into<String>, value: &str, message: impl Into<String>) -> Self {
        Self::new(path, quote(value), message)
    }
}

/// JSON-quotes a string for error messages (escapes control characters, so a
/// hostile value cannot forge log lines).
#[inline(never)]
pub fn quote(value: &str) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| String::from("\"?\""))
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("edge-shield: ")?;
        let path = if self.path.is_empty() {
            "(configuration)"
        } else {
            &self.path
        };
        f.write_str(path)?;
        if !self.value.is_empty() {
            write!(f, ": {}", self.value)?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ConfigError {}

/// Joins a JSON path and a field name: `join("cors", "max_age")` = `cors.max_age`.
#[inline(never)]
pub fn join(path: &str, field: &str) -> String {
    if path.is_empty() {
        field.to_string()
    } else {
        format!("{path}.{field}")
    }
}

/// Appends an array index: `index("rules", 2)` = `rules[2]`.
#[inline(never)]
pub fn index(path: &str, i: usize) -> String {
    format!("{path}[{i}]")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_path_value_and_fix() {
        let e = ConfigError::at_str(
            "cors.allowed_origins[1]",
            "https://*example.com",
            "a wildcard must be a whole leading label, as in \"https://*.example.com\"",
        );
        assert_eq!(
            e.to_string(),
            "edge-shield: cors.allowed_origins[1]: \"https://*example.com\": a wildcard must be a whole leading label, as in \"https://*.example.com\""
        );
    }

    #[test]
    fn control_characters_are_escaped_in_values() {
        let e = ConfigError::at_str("headers.custom.x", "a\r\nb", "no CR/LF");
        assert!(e.to_string().contains("\"a\\r\\nb\""));
    }

    #[test]
    fn paths_join() {
        assert_eq!(join("", "cors"), "cors");
        assert_eq!(join("rules[0]", "cors"), "rules[0].cors");
        assert_eq!(index("rules", 3), "rules[3]");
    }
}
