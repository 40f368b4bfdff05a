//! Headers whose value is one of a few tokens (COOP, CORP, X-Permitted-Cross-Domain-Policies, ...).

use super::{suggest, value};
use crate::compile::ConfigError;

/// The allowed tokens of a header and the one `true` selects.
#[derive(Debug, Clone, Copy)]
pub struct Choice {
    /// The header's name, for messages.
    pub header: &'static str,
    pub default: &'static str,
    pub allowed: &'static [&'static str],
}

impl Choice {
    /// The configured token, spelt exactly as allowed (these tokens are case-sensitive).
    pub fn parse(&self, path: &str, value: &str) -> Result<&'static str, ConfigError> {
        match self.allowed.iter().find(|a| **a == value) {
            Some(a) => Ok(a),
            None => Err(not_one_of(
                path,
                value,
                &format!("{} does not support this value", self.header),
                self.allowed,
            )),
        }
    }
}

/// A list of tokens from `allowed`, each once, given as (JSON path, token) pairs.
pub fn tokens<'t>(items: &[(String, &'t str)], what: &str, allowed: &[&str]) -> Result<Vec<&'t str>, ConfigError> {
    let mut seen: Vec<&str> = Vec::new();
    for (p, token) in items {
        value::list_item(p, token)?;
        if !allowed.contains(token) {
            return Err(not_one_of(p, token, &format!("not a {what}"), allowed));
        }
        value::no_repeat(p, &seen, token)?;
        seen.push(token);
    }
    Ok(seen)
}

fn not_one_of(path: &str, value: &str, lead: &str, allowed: &[&str]) -> ConfigError {
    let list = allowed
        .iter()
        .map(|a| format!("\"{a}\""))
        .collect::<Vec<_>>()
        .join(", ");
    ConfigError::at_str(
        path,
        value,
        format!(
            "{lead}; use one of {list}{}",
            suggest::hint(value, allowed.iter().copied())
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const CORP: Choice = Choice {
        header: "Cross-Origin-Resource-Policy",
        default: "same-origin",
        allowed: &["same-origin", "same-site", "cross-origin"],
    };

    #[test]
    fn parses_exact_tokens_only() {
        assert_eq!(CORP.parse("p", "same-site").unwrap(), "same-site");
        let cases = [
            ("sameorigin", "edge-shield: p: \"sameorigin\": Cross-Origin-Resource-Policy does not support this value; use one of \"same-origin\", \"same-site\", \"cross-origin\"; did you mean \"same-origin\"?"),
            ("Same-Origin", "edge-shield: p: \"Same-Origin\": Cross-Origin-Resource-Policy does not support this value; use one of \"same-origin\", \"same-site\", \"cross-origin\"; did you mean \"same-origin\"?"),
            ("any", "edge-shield: p: \"any\": Cross-Origin-Resource-Policy does not support this value; use one of \"same-origin\", \"same-site\", \"cross-origin\""),
        ];
        for (value, want) in cases {
            assert_eq!(CORP.parse("p", value).unwrap_err().to_string(), want);
        }
    }
}
