//! `allowed_origin_regexes`: regex-lite patterns, always matched against the whole
//! Origin. Users forget anchors (`example\.com$` accepts `evil-example.com`, an
//! unanchored one accepts `https://example.com.evil`), so we add them ourselves.

use super::origin_pattern::shared_suffix_entry;
use crate::http::regex_confinement::{analyse, Confinement, Unconfined};
use regex_lite::{Regex, RegexBuilder};

/// A compiled regex and what its structure shows about the hosts it admits
/// (docs/origin-trust.md): confined to domains the operator named, or not, and why.
#[derive(Debug, Clone)]
pub struct OriginRegex {
    re: Regex,
    confinement: Result<Confinement, Unconfined>,
}

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
        let re = RegexBuilder::new(&format!("^(?:{source})$"))
            .size_limit(SIZE_LIMIT)
            .build()
            .map_err(|e| format!("not a valid regex: {}", one_line(&e.to_string())))?;
        let confinement = analyse(source, &shared_suffix_entry);
        Ok(OriginRegex { re, confinement })
    }

    /// Request Origins that are not UTF-8 never match (no browser sends one).
    pub fn matches(&self, origin: &[u8]) -> bool {
        std::str::from_utf8(origin).is_ok_and(|o| self.re.is_match(o))
    }

    /// Why the regex is not confined to hosts under domains the operator named (with
    /// an origin it admits), or `None` when it is.
    pub fn unconfined(&self) -> Option<&Unconfined> {
        self.confinement.as_ref().err()
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
    fn confinement_is_judged_with_the_public_suffix_list() {
        // (regex, confined); the analyser's own tables are in regex_confinement.rs.
        let rows: &[(&str, bool)] = &[
            (r"^https://(app|admin)\.example\.com$", true),
            (r"^https://pr-[0-9]+\.preview\.example\.dev$", true),
            (r"^https://[a-z0-9-]+\.example\.com$", true),
            (r"https://api\.example\.com(:8443)?", true),
            (r"https://[a-z0-9-]+\.mybucket\.s3\.amazonaws\.com", true),
            (r"http://[a-z]+\.localhost:3000", true),
            (r"https://myapp\.vercel\.app", true),
            (r"https?://[a-z0-9.]+(:[0-9]+)?", false),
            (r"https://.*.example.com", false),
            (r"https://[a-z0-9-]+\.vercel\.app", false),
            (r"https://[a-z0-9-]+\.s3\.amazonaws\.com", false),
            (r"https://[a-z0-9-]+\.blob\.core\.windows\.net", false),
            (r"https://[a-z0-9-]+\.run\.app", false),
            (r"https://[a-z0-9-]+\.blogspot\.com", false),
            (r"https://[a-z0-9-]+\.r2\.dev", false),
            (r"https://[a-z0-9-]+\.co\.il", false),
            (r"https://[a-z0-9-]+\.com\.sg", false),
            (r"https://[a-z0-9-]+\.amazonaws\.com", false),
            (r"null|https://a\.example\.com", false),
        ];
        for (re, confined) in rows {
            let r = OriginRegex::compile(re).unwrap();
            assert_eq!(r.unconfined().is_none(), *confined, "{re}: {:?}", r.unconfined());
        }
    }
}
