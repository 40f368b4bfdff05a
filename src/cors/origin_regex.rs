//! `allowed_origin_regexes`: regex-lite patterns, always matched against the whole
//! Origin. Users forget anchors (`example\.com$` accepts `evil-example.com`, an
//! unanchored one accepts `https://example.com.evil`), so we add them ourselves.

use regex_lite::{Regex, RegexBuilder};

#[derive(Debug, Clone)]
pub struct OriginRegex(Regex);

/// Origins no operator can own (`.invalid` never resolves, RFC 6761) and the opaque
/// origin: a regex that matches one of them matches origins nobody vetted.
const PROBES: &[&str] = &[
    "https://edge-shield-probe.invalid",
    "http://edge-shield-probe.invalid:8080",
    "https://a.b.edge-shield-probe.invalid",
    "null",
];

/// Bounds the compiled size of a hostile or careless configuration.
const SIZE_LIMIT: usize = 1 << 20;

impl OriginRegex {
    pub fn compile(source: &str) -> Result<Self, String> {
        if source.is_empty() {
            return Err("an empty regex would match only an empty Origin; remove it".into());
        }
        // A group keeps alternations inside the anchors: `a|b` must not become `^a|b$`.
        RegexBuilder::new(&format!("^(?:{source})$"))
            .size_limit(SIZE_LIMIT)
            .build()
            .map(OriginRegex)
            .map_err(|e| format!("not a valid regex: {}", one_line(&e.to_string())))
    }

    /// Request Origins that are not UTF-8 never match (no browser sends one).
    pub fn matches(&self, origin: &[u8]) -> bool {
        std::str::from_utf8(origin).is_ok_and(|o| self.0.is_match(o))
    }

    /// An origin the operator cannot mean that it accepts (e.g. for `.*`, `https://.*`).
    pub fn unvetted_match(&self) -> Option<&'static str> {
        PROBES.iter().copied().find(|p| self.matches(p.as_bytes()))
    }
}

/// regex-lite's messages span lines (the pattern, a caret, the reason); a log line must not.
fn one_line(msg: &str) -> String {
    msg.split('\n')
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn always_matched_against_the_whole_origin() {
        let rows: &[(&str, &str, bool)] = &[
            (r"https://app\.example\.com", "https://app.example.com", true),
            (r"https://app\.example\.com", "evilhttps://app.example.com", false),
            (r"https://app\.example\.com", "https://app.example.com.evil", false),
            (r"^https://app\.example\.com$", "https://app.example.com", true),
            (r"example\.com$", "https://evil-example.com", false),
            (
                r"https://a\.example\.com|https://b\.example\.com",
                "https://b.example.com",
                true,
            ),
            (
                r"https://a\.example\.com|https://b\.example\.com",
                "https://b.example.com.evil",
                false,
            ),
            (
                r"https://a\.example\.com|https://b\.example\.com",
                "evilhttps://a.example.com",
                false,
            ),
            (
                r"https://pr-[0-9]+\.preview\.example\.dev",
                "https://pr-42.preview.example.dev",
                true,
            ),
            (
                r"https://pr-[0-9]+\.preview\.example\.dev",
                "https://pr-42.preview.example.dev\n",
                false,
            ),
            (r"https://app\.example\.com", "HTTPS://APP.EXAMPLE.COM", false),
        ];
        for (re, origin, want) in rows {
            let r = OriginRegex::compile(re).unwrap();
            assert_eq!(r.matches(origin.as_bytes()), *want, "{re} vs {origin:?}");
        }
        let r = OriginRegex::compile(".*").unwrap();
        assert!(!r.matches(&[b'h', 0xff]), "non-UTF-8 never matches");
    }

    #[test]
    fn invalid_regexes_are_refused_on_one_line() {
        for bad in ["(", "https://[a-", "a{99999999}"] {
            let e = OriginRegex::compile(bad).unwrap_err();
            assert!(e.starts_with("not a valid regex: "), "{bad}: {e}");
            assert!(!e.contains('\n'), "{e}");
        }
        assert!(OriginRegex::compile("").is_err());
    }

    #[test]
    fn recognizes_regexes_that_match_unvetted_origins() {
        for broad in [
            ".*",
            ".+",
            "https?://.*",
            "https://.*",
            "http://.*:[0-9]+",
            "[a-z]+://[^/]+",
            "null|https://a\\.example\\.com",
        ] {
            assert!(
                OriginRegex::compile(broad).unwrap().unvetted_match().is_some(),
                "{broad}"
            );
        }
        for narrow in [
            r"https://.*\.example\.com",
            r"https://pr-[0-9]+\.preview\.example\.dev",
            r"http://localhost:[0-9]+",
        ] {
            assert!(
                OriginRegex::compile(narrow).unwrap().unvetted_match().is_none(),
                "{narrow}"
            );
        }
    }
}
