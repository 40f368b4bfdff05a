//! The CSP directive names edge-shield accepts, and what each directive's value is.
//!
//! CSP Level 3 plus the directives other specifications add (Mixed Content's
//! `upgrade-insecure-requests`, Trusted Types, Fenced Frames). Browsers ignore a
//! directive they do not know, so a misspelt one silently weakens the policy: names
//! outside this list are refused.

/// What a directive's value is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A source list: `'self'`, `https:`, hosts, hashes, ...
    Sources,
    /// No value at all.
    Empty,
    /// `sandbox`: no value, or `allow-*` flags.
    Sandbox,
    /// `report-to`: one endpoint name.
    ReportTo,
    /// `report-uri`: URLs.
    ReportUri,
    /// `trusted-types`: policy names and `'none'`, `'allow-duplicates'`, `*`.
    TrustedTypes,
    /// `require-trusted-types-for`: `'script'`.
    RequireTrustedTypesFor,
    /// `webrtc`: `'allow'` or `'block'`.
    Webrtc,
}

pub const KNOWN: [(&str, Kind); 28] = [
    ("default-src", Kind::Sources),
    ("base-uri", Kind::Sources),
    ("child-src", Kind::Sources),
    ("connect-src", Kind::Sources),
    ("fenced-frame-src", Kind::Sources),
    ("font-src", Kind::Sources),
    ("form-action", Kind::Sources),
    ("frame-ancestors", Kind::Sources),
    ("frame-src", Kind::Sources),
    ("img-src", Kind::Sources),
    ("manifest-src", Kind::Sources),
    ("media-src", Kind::Sources),
    ("object-src", Kind::Sources),
    ("script-src", Kind::Sources),
    ("script-src-attr", Kind::Sources),
    ("script-src-elem", Kind::Sources),
    ("style-src", Kind::Sources),
    ("style-src-attr", Kind::Sources),
    ("style-src-elem", Kind::Sources),
    ("worker-src", Kind::Sources),
    ("upgrade-insecure-requests", Kind::Empty),
    ("sandbox", Kind::Sandbox),
    ("report-to", Kind::ReportTo),
    ("report-uri", Kind::ReportUri),
    ("trusted-types", Kind::TrustedTypes),
    ("require-trusted-types-for", Kind::RequireTrustedTypesFor),
    ("webrtc", Kind::Webrtc),
    // Listed last so that suggestions prefer the live directives above.
    ("block-all-mixed-content", Kind::Empty),
];

/// Directives browsers no longer implement: refused with what to do instead.
pub const OBSOLETE: [(&str, &str); 7] = [
    (
        "plugin-types",
        "plugins are gone from browsers; object-src 'none' covers them",
    ),
    ("referrer", "use the Referrer-Policy header (referrer_policy)"),
    (
        "reflected-xss",
        "the XSS auditors it drove are gone; x_xss_protection sends \"0\"",
    ),
    ("prefetch-src", "browsers dropped it; prefetches fall under default-src"),
    ("navigate-to", "it was removed from CSP before any browser shipped it"),
    (
        "require-sri-for",
        "no browser ships it; add integrity attributes instead",
    ),
    (
        "disown-opener",
        "use the Cross-Origin-Opener-Policy header (cross_origin_opener_policy)",
    ),
];

/// The directive's kind, if it is a known directive.
pub fn kind(name: &str) -> Option<Kind> {
    KNOWN.iter().find(|(n, _)| *n == name).map(|(_, k)| *k)
}

/// Why an obsolete directive is refused, if `name` is one.
pub fn obsolete(name: &str) -> Option<&'static str> {
    OBSOLETE.iter().find(|(n, _)| *n == name).map(|(_, why)| *why)
}

/// helmet's names: kebab-case, or camelCase (`defaultSrc` becomes `default-src`).
/// `None` when the name has any other shape (e.g. `default_src`, `Default-Src`).
pub fn normalize(raw: &str) -> Option<String> {
    let mut chars = raw.chars();
    if !chars.next().is_some_and(|c| c.is_ascii_lowercase()) || raw.ends_with('-') {
        return None;
    }
    let mut out = String::with_capacity(raw.len() + 4);
    for c in raw.chars() {
        match c {
            'A'..='Z' => {
                out.push('-');
                out.push(c.to_ascii_lowercase());
            }
            'a'..='z' | '0'..='9' | '-' => out.push(c),
            _ => return None,
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        let cases = [
            ("default-src", Some("default-src")),
            ("defaultSrc", Some("default-src")),
            ("scriptSrcAttr", Some("script-src-attr")),
            ("upgradeInsecureRequests", Some("upgrade-insecure-requests")),
            ("default_src", None),
            ("Default-Src", None),
            ("default-", None),
            ("", None),
            ("-x", None),
        ];
        for (raw, want) in cases {
            assert_eq!(normalize(raw).as_deref(), want, "{raw}");
        }
    }

    #[test]
    fn kinds() {
        assert_eq!(kind("img-src"), Some(Kind::Sources));
        assert_eq!(kind("upgrade-insecure-requests"), Some(Kind::Empty));
        assert_eq!(kind("foo-bar"), None);
        assert!(obsolete("plugin-types").is_some());
        assert!(obsolete("img-src").is_none());
        for (name, _) in KNOWN {
            assert!(obsolete(name).is_none(), "{name}");
        }
    }
}
