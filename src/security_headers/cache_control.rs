//! Cache-Control for responses that must not be stored (opt-in: OWASP's `no-store,
//! max-age=0` on every response would defeat CDN and browser caching of assets).

use super::{suggest, value};
use crate::compile::ConfigError;

pub const OWASP: &str = "no-store, max-age=0";

/// Response directives (RFC 9111 §5.2.2, RFC 8246, RFC 5861) and their argument.
const DIRECTIVES: [(&str, Arg); 13] = [
    ("max-age", Arg::Seconds),
    ("s-maxage", Arg::Seconds),
    ("no-cache", Arg::OptionalFields),
    ("no-store", Arg::None),
    ("no-transform", Arg::None),
    ("must-revalidate", Arg::None),
    ("proxy-revalidate", Arg::None),
    ("must-understand", Arg::None),
    ("private", Arg::OptionalFields),
    ("public", Arg::None),
    ("immutable", Arg::None),
    ("stale-while-revalidate", Arg::Seconds),
    ("stale-if-error", Arg::Seconds),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Arg {
    None,
    Seconds,
    OptionalFields,
}

/// Checks the value directive by directive; it is sent as written.
pub fn parse(path: &str, raw: &str) -> Result<String, ConfigError> {
    value::field_value(path, raw)?;
    let fail = |msg: String| Err(ConfigError::at_str(path, raw, msg));
    for part in raw.split(',').map(str::trim) {
        let (name, arg) = match part.split_once('=') {
            Some((n, a)) => (n, Some(a)),
            None => (part, None),
        };
        let lower = name.to_ascii_lowercase();
        let Some((_, kind)) = DIRECTIVES.iter().find(|(n, _)| *n == lower) else {
            return fail(format!(
                "{part:?} is not a Cache-Control response directive{}",
                suggest::hint(&lower, DIRECTIVES.map(|(n, _)| n))
            ));
        };
        match (kind, arg) {
            (Arg::Seconds, Some(a)) if !a.is_empty() && a.len() <= 10 && a.bytes().all(|b| b.is_ascii_digit()) => {}
            (Arg::Seconds, _) => return fail(format!("{name} takes a number of seconds, as in {name}=0")),
            (Arg::None, Some(_)) => return fail(format!("{name} takes no argument")),
            (Arg::OptionalFields, Some(a)) if !(a.len() >= 2 && a.starts_with('"') && a.ends_with('"')) => {
                return fail(format!(
                    "{name} takes a quoted list of header names, as in {name}=\"set-cookie\""
                ))
            }
            _ => {}
        }
    }
    Ok(raw.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted() {
        for v in [
            OWASP,
            "no-cache, no-store, max-age=0, must-revalidate",
            "private, max-age=600",
            "public, max-age=31536000, immutable",
            "no-cache=\"set-cookie\"",
            "No-Store",
        ] {
            assert_eq!(parse("p", v).unwrap(), v);
        }
    }

    #[test]
    fn refusals() {
        let cases = [
            ("no-stor", "edge-shield: p: \"no-stor\": \"no-stor\" is not a Cache-Control response directive; did you mean \"no-store\"?"),
            ("max-age=-1", "edge-shield: p: \"max-age=-1\": max-age takes a number of seconds, as in max-age=0"),
            ("max-age", "edge-shield: p: \"max-age\": max-age takes a number of seconds"),
            ("no-store=1", "edge-shield: p: \"no-store=1\": no-store takes no argument"),
            ("no-store,", "edge-shield: p: \"no-store,\": \"\" is not a Cache-Control response directive"),
            ("private=x", "edge-shield: p: \"private=x\": private takes a quoted list of header names"),
            ("no-store\r\nx: y", "edge-shield: p: \"no-store\\r\\nx: y\": CR and LF are refused"),
        ];
        for (v, want) in cases {
            let got = parse("p", v).unwrap_err().to_string();
            assert!(got.starts_with(want), "{v}\n got: {got}\nwant: {want}");
        }
    }
}
