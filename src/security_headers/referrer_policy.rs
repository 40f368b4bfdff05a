//! Referrer-Policy: one token or a fallback list (browsers use the last one they know).

use super::choice;
use crate::compile::index;
use crate::compile::ConfigError;
use crate::compile::OneOrMany;

pub const DEFAULT: &str = "no-referrer";

/// helmet's tokens, without its `""` (an empty policy: say `false` instead).
pub const TOKENS: [&str; 8] = [
    "no-referrer",
    "no-referrer-when-downgrade",
    "same-origin",
    "origin",
    "strict-origin",
    "origin-when-cross-origin",
    "strict-origin-when-cross-origin",
    "unsafe-url",
];

/// The header value: tokens joined by `,` without a space, as helmet does.
pub fn parse(path: &str, raw: &OneOrMany) -> Result<String, ConfigError> {
    let items: Vec<(String, &str)> = match raw {
        OneOrMany::One(s) => vec![(path.to_string(), s.as_str())],
        OneOrMany::Many(v) => v
            .iter()
            .enumerate()
            .map(|(i, s)| (index(path, i), s.as_str()))
            .collect(),
    };
    if items.is_empty() {
        return Err(ConfigError::new(
            path,
            "[]",
            "no policy tokens; give one, as in \"no-referrer\", or set referrer_policy to false to send none",
        ));
    }
    Ok(choice::tokens(&items, "Referrer-Policy token", &TOKENS)?.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn many(v: &[&str]) -> OneOrMany {
        OneOrMany::Many(v.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn serializes_like_helmet() {
        assert_eq!(
            parse("p", &OneOrMany::One("same-origin".into())).unwrap(),
            "same-origin"
        );
        assert_eq!(
            parse("p", &many(&["no-referrer", "strict-origin-when-cross-origin"])).unwrap(),
            "no-referrer,strict-origin-when-cross-origin"
        );
    }

    #[test]
    fn refusals() {
        let cases: &[(OneOrMany, &str)] = &[
            (many(&[]), "edge-shield: p: []: no policy tokens; give one, as in \"no-referrer\", or set referrer_policy to false to send none"),
            (OneOrMany::One("no-referer".into()), "edge-shield: p: \"no-referer\": not a Referrer-Policy token; use one of \"no-referrer\", "),
            (many(&["origin", "origin"]), "edge-shield: p[1]: \"origin\": listed twice; remove the repetition"),
            (many(&["origin,unsafe-url"]), "edge-shield: p[0]: \"origin,unsafe-url\": ';' and ',' are refused"),
            (OneOrMany::One("".into()), "edge-shield: p: \"\": an empty value"),
        ];
        for (raw, want) in cases {
            let got = parse("p", raw).unwrap_err().to_string();
            assert!(got.starts_with(want), "{raw:?}\n got: {got}\nwant: {want}");
        }
        assert!(parse("p", &OneOrMany::One("no-referer".into()))
            .unwrap_err()
            .to_string()
            .ends_with("; did you mean \"no-referrer\"?"));
    }
}
