//! `allowed_origin_regexes`: regex-lite patterns, always matched against the whole
//! Origin. Users forget anchors (`example\.com$` accepts `evil-example.com`, an
//! unanchored one accepts `https://example.com.evil`), so we add them ourselves.

use regex_lite::{Regex, RegexBuilder};

#[derive(Debug, Clone)]
pub struct OriginRegex(Regex, bool);

/// Origins nobody vetted: a host no operator owns (`.invalid` never resolves, RFC
/// 6761) with and without ports, the same name under common public suffixes (a regex
/// that accepts any `.com` host accepts the attacker's), and the opaque origin.
const PROBES: &[&str] = &[
    "https://edge-shield-probe.invalid",
    "http://edge-shield-probe.invalid",
    "http://edge-shield-probe.invalid:8080",
    "https://edge-shield-probe.invalid:8443",
    "https://a.b.edge-shield-probe.invalid",
    "https://edge-shield-probe.com",
    "http://edge-shield-probe.com",
    "https://edge-shield-probe.net",
    "https://edge-shield-probe.org",
    "https://edge-shield-probe.io",
    "https://edge-shield-probe.dev",
    "https://edge-shield-probe.app",
    "https://edge-shield-probe.co.uk",
    "null",
];

/// Bounds the compiled size of a hostile or careless configuration.
const SIZE_LIMIT: usize = 1 << 20;

impl OriginRegex {
    pub fn compile(source: &str) -> Result<Self, String> {
        if source.is_empty() {
            return Err("an empty regex would match only an empty Origin; remove it".into());
        }
        // Compiled alone first: an unbalanced `)` could otherwise close our group and
        // leave an alternative outside the anchors (`a)|(b` would become `^(?:a)|(b)$`).
        RegexBuilder::new(source)
            .size_limit(SIZE_LIMIT)
            .build()
            .map_err(|e| format!("not a valid regex: {}", one_line(&e.to_string())))?;
        // A group keeps alternations inside the anchors: `a|b` must not become `^a|b$`.
        RegexBuilder::new(&format!("^(?:{source})$"))
            .size_limit(SIZE_LIMIT)
            .build()
            .map(|re| OriginRegex(re, open_ended(source)))
            .map_err(|e| format!("not a valid regex: {}", one_line(&e.to_string())))
    }

    /// Request Origins that are not UTF-8 never match (no browser sends one).
    pub fn matches(&self, origin: &[u8]) -> bool {
        std::str::from_utf8(origin).is_ok_and(|o| self.0.is_match(o))
    }

    /// What the regex accepts that the operator cannot mean (e.g. for `.*`,
    /// `https://.*\.com`, `https://app\.example\.com.*`), said for an error message.
    pub fn unvetted_match(&self) -> Option<String> {
        if let Some(probe) = PROBES.iter().find(|p| self.matches(p.as_bytes())) {
            return Some(format!("{probe:?}"));
        }
        self.1.then(|| {
            "every origin that extends one of yours, such as \"https://app.example.com.evil.net\" \
             (it ends in \".*\" or \".+\")"
                .to_string()
        })
    }
}

/// Whether a regex ends in an unescaped `.*` or `.+` (before any closing `)` or `$`):
/// then whatever follows the operator's own host matches too — the mistake behind
/// Kong #3832 (`http://my-site.com.evil` passed).
fn open_ended(source: &str) -> bool {
    let s = source.trim_end_matches([')', '$']);
    (s.ends_with(".*") || s.ends_with(".+")) && !s[..s.len() - 2].ends_with('\\')
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
