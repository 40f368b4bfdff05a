//! Configured lists of header names (`allowed_headers`, `exposed_headers`).

use crate::compile::{index, ConfigError};
use crate::http::token::is_token;

/// A configured list of header names: each a token (`*` is one), lower-cased,
/// de-duplicated, in order. `example` shows a valid list in the error message.
pub fn header_names(raw: &[String], path: &str, example: &str) -> Result<Vec<String>, ConfigError> {
    let mut list: Vec<String> = Vec::with_capacity(raw.len());
    for (i, name) in raw.iter().enumerate() {
        if !is_token(name.as_bytes()) {
            return Err(ConfigError::at_str(
                index(path, i),
                name,
                format!("not a header name: one name per entry, as in {example}"),
            ));
        }
        let lower = name.to_ascii_lowercase();
        if !list.contains(&lower) {
            list.push(lower);
        }
    }
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_name_lists() {
        let v = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            header_names(&v(&["X-A", "*", "x-a", "b"]), "p", "[]"),
            Ok(v(&["x-a", "*", "b"]))
        );
        let e = header_names(&v(&["a", "b c"]), "cors.h", "[\"a\"]")
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "edge-shield: cors.h[1]: \"b c\": not a header name: one name per entry, as in [\"a\"]"
        );
    }
}
