//! `exposed_headers` and `Access-Control-Expose-Headers` (actual responses only).

use super::header_names::header_names;
use crate::compile::{index, ConfigError};

/// The `Access-Control-Expose-Headers` value, joined once at load; `None` = send none.
pub fn compile(raw: &[String], credentials: bool, path: &str) -> Result<Option<String>, ConfigError> {
    if let (Some(i), true) = (raw.iter().position(|n| n == "*"), credentials) {
        return Err(ConfigError::at_str(
            index(path, i),
            "*",
            "with allow_credentials: true a browser reads \"*\" as a header literally named \"*\"; \
             list the header names to expose",
        ));
    }
    let list = header_names(raw, path, "[\"ratelimit-limit\", \"ratelimit-remaining\"]")?;
    Ok((!list.is_empty()).then(|| list.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn joined_once() {
        assert_eq!(compile(&v(&[]), true, "p"), Ok(None));
        assert_eq!(
            compile(&v(&["RateLimit-Limit", "x-a", "ratelimit-limit"]), true, "p"),
            Ok(Some("ratelimit-limit, x-a".into()))
        );
        assert_eq!(compile(&v(&["*"]), false, "p"), Ok(Some("*".into())));
    }

    #[test]
    fn refused() {
        let e = compile(&v(&["x-a", "*"]), true, "cors.exposed_headers")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("edge-shield: cors.exposed_headers[1]: \"*\": with allow_credentials: true"),
            "{e}"
        );
        let e = compile(&v(&["a, b"]), false, "cors.exposed_headers")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("cors.exposed_headers[0]: \"a, b\": not a header name"),
            "{e}"
        );
    }
}
