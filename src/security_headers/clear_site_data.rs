//! Clear-Site-Data: meant for a logout rule. On every response it would wipe the
//! site's storage on every page load, so it is never on by default.

use super::choice;
use crate::compile::index;
use crate::compile::ConfigError;

/// OWASP's value (`ci/headers_add.json`), sent for `true`.
pub const OWASP: [&str; 3] = ["cache", "cookies", "storage"];

/// The types of the Clear-Site-Data specification (case-sensitive).
pub const TYPES: [&str; 8] = [
    "cache",
    "cookies",
    "storage",
    "executionContexts",
    "clientHints",
    "prefetchCache",
    "prerenderCache",
    "*",
];

/// The header value: each type as a quoted string, joined by `,` (OWASP's form).
pub fn parse(path: &str, types: &[String]) -> Result<String, ConfigError> {
    if types.is_empty() {
        return Err(ConfigError::new(
            path,
            "[]",
            "no types; give some, as in [\"cache\", \"cookies\", \"storage\"], or set clear_site_data to false",
        ));
    }
    let items: Vec<(String, &str)> = types
        .iter()
        .enumerate()
        .map(|(i, t)| (index(path, i), t.as_str()))
        .collect();
    for (p, t) in &items {
        if t.starts_with(['"', '\'']) {
            let bare = t.trim_matches(['"', '\'']);
            let msg = format!("write the type without quotes, as in \"{bare}\"; edge-shield adds them");
            return Err(ConfigError::at_str(p, t, msg));
        }
    }
    Ok(serialize(&choice::tokens(&items, "Clear-Site-Data type", &TYPES)?))
}

pub fn serialize(types: &[&str]) -> String {
    types.iter().map(|t| format!("\"{t}\"")).collect::<Vec<_>>().join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn serializes_quoted() {
        // OWASP's value (OWASP Secure Headers Project, README.md "Security headers").
        assert_eq!(serialize(&OWASP), "\"cache\",\"cookies\",\"storage\"");
        assert_eq!(parse("p", &v(&["cookies"])).unwrap(), "\"cookies\"");
        assert_eq!(
            parse("p", &v(&["cache", "executionContexts"])).unwrap(),
            "\"cache\",\"executionContexts\""
        );
    }

    #[test]
    fn refusals() {
        let cases: &[(&[&str], &str)] = &[
            (&[], "edge-shield: p: []: no types"),
            (&["\"cache\""], "edge-shield: p[0]: \"\\\"cache\\\"\": write the type without quotes, as in \"cache\"; edge-shield adds them"),
            (&["cookie"], "edge-shield: p[0]: \"cookie\": not a Clear-Site-Data type; use one of \"cache\", "),
            (&["cache", "cache"], "edge-shield: p[1]: \"cache\": listed twice"),
            (&["cache,cookies"], "edge-shield: p[0]: \"cache,cookies\": ';' and ',' are refused"),
        ];
        for (items, want) in cases {
            let got = parse("p", &v(items)).unwrap_err().to_string();
            assert!(got.starts_with(want), "{items:?}\n got: {got}\nwant: {want}");
        }
        assert!(parse("p", &v(&["cookie"]))
            .unwrap_err()
            .to_string()
            .ends_with("did you mean \"cookies\"?"));
    }
}
