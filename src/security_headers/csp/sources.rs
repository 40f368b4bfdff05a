//! The values of CSP directives: source expressions, sandbox flags, report targets, ...
//! checked one by one (CSP Level 3 grammar) and as a list.

use super::directives::Kind;
use crate::compile::index;
use crate::compile::ConfigError;
use crate::security_headers::{reporting, suggest, value};

/// Keywords of source lists; they must be single-quoted.
pub const KEYWORDS: [&str; 14] = [
    "self",
    "none",
    "unsafe-inline",
    "unsafe-eval",
    "unsafe-hashes",
    "strict-dynamic",
    "report-sample",
    "wasm-unsafe-eval",
    "inline-speculation-rules",
    "unsafe-allow-redirects",
    "trusted-types-eval",
    "report-sha256",
    "report-sha384",
    "report-sha512",
];

const HASHES: [(&str, usize); 3] = [("sha256-", 43), ("sha384-", 64), ("sha512-", 86)];

/// Single-quoted keywords of the other directive kinds (Trusted Types, WebRTC).
const OTHER_KEYWORDS: [&str; 4] = ["script", "allow", "block", "allow-duplicates"];

pub const SANDBOX_FLAGS: [&str; 14] = [
    "allow-downloads",
    "allow-forms",
    "allow-modals",
    "allow-orientation-lock",
    "allow-pointer-lock",
    "allow-popups",
    "allow-popups-to-escape-sandbox",
    "allow-presentation",
    "allow-same-origin",
    "allow-scripts",
    "allow-storage-access-by-user-activation",
    "allow-top-navigation",
    "allow-top-navigation-by-user-activation",
    "allow-top-navigation-to-custom-protocols",
];

/// Checks a directive's whole value; `path` is the directive's JSON path and `one`
/// says the value was a single string (its path then has no index). Returns the items
/// as they are serialized ([`normalize`]).
pub fn check_list(path: &str, name: &str, kind: Kind, items: &[String], one: bool) -> Result<Vec<String>, ConfigError> {
    let at = |i: usize| if one { path.to_string() } else { index(path, i) };
    let count_error = |msg: &str| Err(ConfigError::new(path, json_list(items), msg));
    match kind {
        Kind::Empty if !items.is_empty() => {
            return count_error(&format!("{name} takes no value; write \"{name}\": []"));
        }
        Kind::Sources | Kind::ReportUri if items.is_empty() => {
            return count_error(match kind {
                Kind::Sources => {
                    "an empty source list; write [\"'none'\"] to allow nothing, or null to drop the directive"
                }
                _ => "give at least one URL to send reports to",
            });
        }
        Kind::ReportTo | Kind::RequireTrustedTypesFor | Kind::Webrtc if items.len() != 1 => {
            let what = match kind {
                Kind::ReportTo => "one endpoint name, as in [\"csp\"]",
                Kind::RequireTrustedTypesFor => "[\"'script'\"]",
                _ => "one of [\"'allow'\"] or [\"'block'\"]",
            };
            return count_error(&format!("{name} takes exactly {what}"));
        }
        _ => {}
    }
    let mut seen: Vec<String> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let p = at(i);
        value::list_item(&p, item)?;
        check_item(&p, name, kind, item)?;
        let item = normalize(item);
        value::no_repeat(&p, &seen, &item)?;
        seen.push(item);
    }
    if seen.len() > 1 && seen.iter().any(|s| s == "'none'") {
        let i = seen.iter().position(|s| s == "'none'").unwrap_or_default();
        return Err(ConfigError::at_str(
            at(i),
            &items[i],
            "'none' must be the only source of a directive (browsers ignore it next to others)",
        ));
    }
    Ok(seen)
}

/// A quoted keyword in lower case, and a hash's algorithm too: CSP's grammar compares
/// them case-insensitively (`'Self'` works in browsers), and one spelling keeps the
/// repeat and `'none'` checks simple. Everything else stays as written.
fn normalize(item: &str) -> String {
    let Some(inner) = item.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) else {
        return item.to_string();
    };
    let lower = inner.to_ascii_lowercase();
    if KEYWORDS.contains(&lower.as_str()) || OTHER_KEYWORDS.contains(&lower.as_str()) {
        return format!("'{lower}'");
    }
    match HASHES.iter().find(|(prefix, _)| lower.starts_with(prefix)) {
        // The prefix is ASCII, so `inner` splits where `lower` does.
        Some((prefix, _)) => format!("'{prefix}{}'", &inner[prefix.len()..]),
        None => item.to_string(),
    }
}

fn json_list(items: &[String]) -> String {
    serde_json::to_string(items).unwrap_or_default()
}

fn check_item(path: &str, name: &str, kind: Kind, item: &str) -> Result<(), ConfigError> {
    let fail = |msg: String| Err(ConfigError::at_str(path, item, msg));
    match kind {
        Kind::Sources => source(name, item).or_else(fail),
        Kind::Sandbox if SANDBOX_FLAGS.contains(&item) => Ok(()),
        Kind::Sandbox => fail(format!(
            "not a sandbox flag; use allow-forms, allow-scripts, allow-same-origin, ... (an empty list sandboxes everything){}",
            suggest::hint(item, SANDBOX_FLAGS)
        )),
        Kind::ReportTo => reporting::endpoint_name(path, item),
        Kind::ReportUri => report_uri(item).or_else(fail),
        Kind::TrustedTypes => trusted_type(item).or_else(fail),
        Kind::RequireTrustedTypesFor => exactly(item, &["'script'"]).or_else(fail),
        Kind::Webrtc => exactly(item, &["'allow'", "'block'"]).or_else(fail),
        Kind::Empty => Ok(()),
    }
}

/// One source expression of a source list.
fn source(directive: &str, item: &str) -> Result<(), String> {
    let example = "'self'";
    if item.starts_with('"') || item.ends_with('"') {
        let inner = item.trim_matches('"');
        return Err(if looks_like_keyword(inner) {
            format!(
                "keywords must be single-quoted, not double-quoted, as in \"'{}'\"",
                inner.trim_matches('\'')
            )
        } else {
            "double quotes are not part of CSP syntax; remove them".to_string()
        });
    }
    if let Some(quoted) = item.strip_prefix('\'') {
        let Some(inner) = quoted.strip_suffix('\'').filter(|_| item.len() >= 2) else {
            return Err(format!(
                "an unbalanced single quote; keywords are written \"{example}\""
            ));
        };
        return keyword(directive, inner);
    }
    if looks_like_keyword(item) {
        // Keywords are case-insensitive; nonces and hashes are not.
        let lower = item.to_ascii_lowercase();
        let shown = if KEYWORDS.contains(&lower.as_str()) {
            &lower
        } else {
            item
        };
        return Err(format!("keywords must be single-quoted, as in \"'{shown}'\""));
    }
    if item == "*" || scheme_source(item) {
        return Ok(());
    }
    host_source(item)
}

fn looks_like_keyword(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    KEYWORDS.contains(&lower.as_str())
        || lower.starts_with("nonce-")
        || HASHES.iter().any(|(prefix, _)| lower.starts_with(prefix))
}

/// The inside of a single-quoted source; keywords and hash algorithms in any case.
fn keyword(directive: &str, inner: &str) -> Result<(), String> {
    let lower = inner.to_ascii_lowercase();
    if directive == "frame-ancestors" && lower != "self" && lower != "none" {
        return Err(
            "frame-ancestors takes only 'self', 'none', schemes and hosts; other keywords have no effect there".into(),
        );
    }
    if KEYWORDS.contains(&lower.as_str()) {
        return Ok(());
    }
    if lower.starts_with("nonce-") {
        return Err(
            "a nonce must be new for every response; one fixed in configuration is no better than \
             'unsafe-inline'. Allow a fixed inline script by its hash ('sha256-...') instead"
                .into(),
        );
    }
    if let Some((prefix, len)) = HASHES.iter().find(|(p, _)| lower.starts_with(p)) {
        let digest = &inner[prefix.len()..];
        let body = digest
            .strip_suffix("==")
            .or_else(|| digest.strip_suffix('='))
            .unwrap_or(digest);
        let base64 = |b: u8| b.is_ascii_alphanumeric() || b"+/-_".contains(&b);
        if body.len() == *len && body.bytes().all(base64) {
            return Ok(());
        }
        let algorithm = prefix.trim_end_matches('-');
        return Err(format!(
            "not a valid {algorithm} hash: expected the base64 digest ({len} characters plus '=' padding), as in \
             \"'{algorithm}-...'\" from `openssl dgst -{algorithm} -binary | openssl base64`"
        ));
    }
    Err(format!(
        "not a CSP keyword; use one of {}{}",
        KEYWORDS.map(|k| format!("'{k}'")).join(", "),
        suggest::hint(inner, KEYWORDS)
    ))
}

/// `https:`, `data:`, `blob:`, ... (RFC 3986 scheme, then a colon).
fn scheme_source(item: &str) -> bool {
    item.strip_suffix(':').is_some_and(is_scheme)
}

fn is_scheme(s: &str) -> bool {
    let mut bytes = s.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
        && bytes.all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
}

/// `[scheme://]host[:port][/path]` where host may start with `*.` or be `*`.
fn host_source(item: &str) -> Result<(), String> {
    let rest = match item.split_once("://") {
        Some((scheme, rest)) if is_scheme(scheme) => rest,
        Some(_) => return Err("not a valid scheme before '://'".into()),
        None => item,
    };
    let end = rest.find([':', '/']).unwrap_or(rest.len());
    let (host, mut after) = rest.split_at(end);
    check_host(host)?;
    if let Some(port_and_path) = after.strip_prefix(':') {
        let end = port_and_path.find('/').unwrap_or(port_and_path.len());
        let (port, path) = port_and_path.split_at(end);
        if port != "*" && !(port.len() <= 5 && !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit())) {
            return Err("a port must be digits or *, as in https://example.com:8443".into());
        }
        after = path;
    }
    let path_ok = after
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-._~%!$&'()*+=:@/".contains(&b));
    if !path_ok {
        return Err("this path has characters a CSP source cannot contain".into());
    }
    Ok(())
}

fn check_host(host: &str) -> Result<(), String> {
    const SHAPE: &str = "expected a keyword such as 'self', a scheme such as https:, or a host such as \
                         https://cdn.example.com or *.example.com (with an optional :port and /path)";
    if host == "*" {
        return Ok(());
    }
    let labels = host.strip_prefix("*.").unwrap_or(host);
    if labels.contains('*') {
        return Err("a wildcard must be the whole leading label, as in *.example.com".into());
    }
    let label_ok = |l: &str| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if labels.is_empty() || !labels.split('.').all(label_ok) {
        return Err(format!("not a CSP source: {SHAPE}"));
    }
    Ok(())
}

fn report_uri(item: &str) -> Result<(), String> {
    let ok = item.starts_with('/') || item.starts_with("https://") || item.starts_with("http://");
    if ok && !item.contains(['"', '\'', '<', '>', '\\']) {
        Ok(())
    } else {
        Err("report-uri takes URLs, absolute (https://...) or a path (/csp-reports)".into())
    }
}

fn trusted_type(item: &str) -> Result<(), String> {
    if item == "*" || item.eq_ignore_ascii_case("'none'") || item.eq_ignore_ascii_case("'allow-duplicates'") {
        return Ok(());
    }
    let name_ok = item
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-#=_/@.%".contains(&b));
    if name_ok {
        Ok(())
    } else {
        Err("trusted-types takes policy names, 'none', 'allow-duplicates' or *".into())
    }
}

/// One of a few quoted keywords, in any case; unquoted ones get told how to quote.
fn exactly(item: &str, allowed: &[&str]) -> Result<(), String> {
    if allowed.iter().any(|a| a.eq_ignore_ascii_case(item)) {
        return Ok(());
    }
    let bare = item.trim_matches(['\'', '"']);
    let list = allowed
        .iter()
        .map(|a| format!("\"{a}\""))
        .collect::<Vec<_>>()
        .join(" or ");
    if allowed.iter().any(|a| a.trim_matches('\'').eq_ignore_ascii_case(bare)) {
        Err(format!("keywords must be single-quoted, as in \"'{bare}'\""))
    } else {
        Err(format!("use {list}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(name: &str, kind: Kind, items: &[&str]) -> String {
        let items: Vec<String> = items.iter().map(|s| s.to_string()).collect();
        match check_list("d", name, kind, &items, false) {
            Ok(_) => "ok".into(),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn accepted_sources() {
        let ok = [
            "'self'",
            "'none'",
            "'unsafe-inline'",
            "'strict-dynamic'",
            "'wasm-unsafe-eval'",
            "*",
            "https:",
            "data:",
            "blob:",
            "ws:",
            "example.com",
            "*.example.com",
            "https://cdn.example.com",
            "https://cdn.example.com:8443",
            "https://*.example.com:*",
            "http://localhost:3000",
            "https://example.com/static/",
            "https://example.com/a%20b.js",
            "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",
            "'sha256-47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU'",
            "'sha384-OLBgp1GsljhM2TJ+sbHjaiH9txEUvgdDTAzHv2P24donTt6/529l+9Ua0vFImLlb'",
            "'sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg=='",
        ];
        for s in ok {
            assert_eq!(check("script-src", Kind::Sources, &[s]), "ok", "{s}");
        }
    }

    #[test]
    fn refused_sources() {
        let cases: &[(&str, &[&str], &str)] = &[
            ("default-src", &["self"], "edge-shield: d[0]: \"self\": keywords must be single-quoted, as in \"'self'\""),
            ("default-src", &["Self"], "edge-shield: d[0]: \"Self\": keywords must be single-quoted, as in \"'self'\""),
            ("object-src", &["none"], "edge-shield: d[0]: \"none\": keywords must be single-quoted, as in \"'none'\""),
            ("default-src", &["\"self\""], "edge-shield: d[0]: \"\\\"self\\\"\": keywords must be single-quoted, not double-quoted, as in \"'self'\""),
            ("script-src", &["nonce-abc"], "edge-shield: d[0]: \"nonce-abc\": keywords must be single-quoted, as in \"'nonce-abc'\""),
            ("script-src", &["sha256-abc"], "edge-shield: d[0]: \"sha256-abc\": keywords must be single-quoted, as in \"'sha256-abc'\""),
            ("script-src", &["wasm-unsafe-eval"], "edge-shield: d[0]: \"wasm-unsafe-eval\": keywords must be single-quoted, as in \"'wasm-unsafe-eval'\""),
            ("script-src", &["'nonce-abc'"], "edge-shield: d[0]: \"'nonce-abc'\": a nonce must be new for every response"),
            ("script-src", &["'sha256-abc'"], "edge-shield: d[0]: \"'sha256-abc'\": not a valid sha256 hash: expected the base64 digest (43 characters plus '=' padding)"),
            ("script-src", &["'unsafe-inlin'"], "edge-shield: d[0]: \"'unsafe-inlin'\": not a CSP keyword; use one of 'self', 'none', "),
            ("script-src", &["'self"], "edge-shield: d[0]: \"'self\": an unbalanced single quote"),
            ("script-src", &["'"], "edge-shield: d[0]: \"'\": an unbalanced single quote"),
            ("script-src", &["\"https:\""], "edge-shield: d[0]: \"\\\"https:\\\"\": double quotes are not part of CSP syntax; remove them"),
            ("script-src", &["'self' https:"], "edge-shield: d[0]: \"'self' https:\": whitespace is refused"),
            ("script-src", &["'self';"], "edge-shield: d[0]: \"'self';\": ';' and ',' are refused"),
            ("script-src", &["https://a.example,"], "edge-shield: d[0]: \"https://a.example,\": ';' and ',' are refused"),
            ("script-src", &["https://a.example\r\nx: y"], "edge-shield: d[0]: \"https://a.example\\r\\nx: y\": CR and LF are refused"),
            ("script-src", &["https://*example.com"], "edge-shield: d[0]: \"https://*example.com\": a wildcard must be the whole leading label"),
            ("script-src", &["https://a.example:80a"], "edge-shield: d[0]: \"https://a.example:80a\": a port must be digits or *"),
            ("script-src", &["https://"], "edge-shield: d[0]: \"https://\": not a CSP source: expected a keyword such as 'self'"),
            ("script-src", &["1http://a"], "edge-shield: d[0]: \"1http://a\": not a valid scheme before '://'"),
            ("script-src", &["https://a.example/<x>"], "edge-shield: d[0]: \"https://a.example/<x>\": this path has characters"),
            ("script-src", &[], "edge-shield: d: []: an empty source list; write [\"'none'\"] to allow nothing"),
            ("script-src", &["'none'", "'self'"], "edge-shield: d[0]: \"'none'\": 'none' must be the only source"),
            ("script-src", &["'self'", "'self'"], "edge-shield: d[1]: \"'self'\": listed twice"),
            ("frame-ancestors", &["'unsafe-inline'"], "edge-shield: d[0]: \"'unsafe-inline'\": frame-ancestors takes only 'self', 'none', schemes and hosts"),
        ];
        for (name, items, want) in cases {
            let got = check(name, Kind::Sources, items);
            assert!(got.starts_with(want), "{items:?}\n got: {got}\nwant: {want}");
        }
        assert!(check("script-src", Kind::Sources, &["'unsafe-inlin'"]).ends_with("; did you mean \"unsafe-inline\"?"));
    }

    /// CSP's grammar compares keywords (and hash algorithms) case-insensitively, and so do
    /// browsers: `'Self'` is `'self'`. They are serialized in lower case.
    #[test]
    fn keywords_in_any_case() {
        let normalized = |name: &str, kind: Kind, items: &[&str]| {
            let items: Vec<String> = items.iter().map(|s| s.to_string()).collect();
            check_list("d", name, kind, &items, false).map_err(|e| e.to_string())
        };
        let hash = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
        let cases: &[(&str, Kind, &[&str], &[&str])] = &[
            (
                "script-src",
                Kind::Sources,
                &[
                    "'Self'",
                    "'UNSAFE-INLINE'",
                    "https://CDN.example.com/A.js",
                    "'Strict-Dynamic'",
                ],
                &[
                    "'self'",
                    "'unsafe-inline'",
                    "https://CDN.example.com/A.js",
                    "'strict-dynamic'",
                ],
            ),
            (
                "script-src",
                Kind::Sources,
                &["'SHA256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"],
                &["'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"],
            ),
            ("frame-ancestors", Kind::Sources, &["'SELF'"], &["'self'"]),
            ("object-src", Kind::Sources, &["'None'"], &["'none'"]),
            (
                "require-trusted-types-for",
                Kind::RequireTrustedTypesFor,
                &["'Script'"],
                &["'script'"],
            ),
            ("webrtc", Kind::Webrtc, &["'BLOCK'"], &["'block'"]),
            (
                "trusted-types",
                Kind::TrustedTypes,
                &["dompurify", "'Allow-Duplicates'"],
                &["dompurify", "'allow-duplicates'"],
            ),
        ];
        for (name, kind, items, want) in cases {
            assert_eq!(normalized(name, *kind, items).unwrap(), *want, "{name} {items:?}");
        }
        assert!(normalized("script-src", Kind::Sources, &[&format!("'sha256-{hash}'")]).is_ok());
        // The checks see through the case too: repeats, 'none' beside others, nonces.
        let refused: &[(&str, &[&str], &str)] = &[
            (
                "script-src",
                &["'self'", "'SELF'"],
                "edge-shield: d[1]: \"'self'\": listed twice",
            ),
            (
                "script-src",
                &["'None'", "'self'"],
                "edge-shield: d[0]: \"'None'\": 'none' must be the only source",
            ),
            (
                "script-src",
                &["'NONCE-abc'"],
                "edge-shield: d[0]: \"'NONCE-abc'\": a nonce must be new for every response",
            ),
            (
                "script-src",
                &["'Sha256-abc'"],
                "edge-shield: d[0]: \"'Sha256-abc'\": not a valid sha256 hash",
            ),
            (
                "frame-ancestors",
                &["'Unsafe-Inline'"],
                "edge-shield: d[0]: \"'Unsafe-Inline'\": frame-ancestors takes only 'self', 'none'",
            ),
            (
                "script-src",
                &["'Selff'"],
                "edge-shield: d[0]: \"'Selff'\": not a CSP keyword",
            ),
        ];
        for (name, items, want) in refused {
            let got = check(name, Kind::Sources, items);
            assert!(got.starts_with(want), "{items:?}\n got: {got}\nwant: {want}");
        }
        assert!(
            check("require-trusted-types-for", Kind::RequireTrustedTypesFor, &["SCRIPT"])
                .ends_with("keywords must be single-quoted, as in \"'SCRIPT'\"")
        );
    }

    #[test]
    fn other_kinds() {
        let cases: &[(&str, Kind, &[&str], &str)] = &[
            ("upgrade-insecure-requests", Kind::Empty, &[], "ok"),
            ("upgrade-insecure-requests", Kind::Empty, &["true"], "edge-shield: d: [\"true\"]: upgrade-insecure-requests takes no value; write \"upgrade-insecure-requests\": []"),
            ("sandbox", Kind::Sandbox, &[], "ok"),
            ("sandbox", Kind::Sandbox, &["allow-scripts", "allow-forms"], "ok"),
            ("sandbox", Kind::Sandbox, &["allow-script"], "edge-shield: d[0]: \"allow-script\": not a sandbox flag; use allow-forms, allow-scripts, allow-same-origin, ... (an empty list sandboxes everything); did you mean \"allow-scripts\"?"),
            ("report-to", Kind::ReportTo, &["csp-endpoint"], "ok"),
            ("report-to", Kind::ReportTo, &["a", "b"], "edge-shield: d: [\"a\",\"b\"]: report-to takes exactly one endpoint name, as in [\"csp\"]"),
            ("report-to", Kind::ReportTo, &["CSP"], "edge-shield: d[0]: \"CSP\": an endpoint name is lower-case letters, digits"),
            ("report-uri", Kind::ReportUri, &["/csp", "https://r.example/csp"], "ok"),
            ("report-uri", Kind::ReportUri, &["csp"], "edge-shield: d[0]: \"csp\": report-uri takes URLs"),
            ("report-uri", Kind::ReportUri, &[], "edge-shield: d: []: give at least one URL to send reports to"),
            ("trusted-types", Kind::TrustedTypes, &["default", "dompurify", "'allow-duplicates'"], "ok"),
            ("trusted-types", Kind::TrustedTypes, &["'none'", "x"], "edge-shield: d[0]: \"'none'\": 'none' must be the only source"),
            ("trusted-types", Kind::TrustedTypes, &["<x>"], "edge-shield: d[0]: \"<x>\": trusted-types takes policy names"),
            ("require-trusted-types-for", Kind::RequireTrustedTypesFor, &["'script'"], "ok"),
            ("require-trusted-types-for", Kind::RequireTrustedTypesFor, &["script"], "edge-shield: d[0]: \"script\": keywords must be single-quoted, as in \"'script'\""),
            ("require-trusted-types-for", Kind::RequireTrustedTypesFor, &[], "edge-shield: d: []: require-trusted-types-for takes exactly [\"'script'\"]"),
            ("webrtc", Kind::Webrtc, &["'block'"], "ok"),
            ("webrtc", Kind::Webrtc, &["'deny'"], "edge-shield: d[0]: \"'deny'\": use \"'allow'\" or \"'block'\""),
        ];
        for (name, kind, items, want) in cases {
            let got = check(name, *kind, items);
            assert!(got.starts_with(want), "{name} {items:?}\n got: {got}\nwant: {want}");
        }
    }
}
