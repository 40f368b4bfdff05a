//! Request paths (`:path`) an upstream could read differently than we do.

/// Whether a request path could be resolved by the upstream to another path than it
/// reads: dot segments (also `..;param`, which Tomcat and Jetty resolve), backslashes,
/// or percent-encoded `.`, `/`, `\`. Envoy's `normalize_path` resolves plain dot
/// segments, not these; a path prefix (an exemption, a rule) never matches such a path.
/// The query, if any, is not looked at.
pub fn ambiguous_path(path: &[u8]) -> bool {
    let path = path.split(|b| *b == b'?').next().unwrap_or_default();
    path.split(|b| *b == b'/').any(|seg| {
        let name = seg.split(|b| *b == b';').next().unwrap_or_default();
        name == b"." || name == b".."
    }) || path.contains(&b'\\')
        || path.windows(3).any(|w| {
            w[0] == b'%'
                && matches!(
                    [w[1], w[2].to_ascii_lowercase()],
                    [b'2', b'e'] | [b'2', b'f'] | [b'5', b'c']
                )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ambiguous_paths() {
        let rows: &[(&[u8], bool)] = &[
            (b"/webhooks/stripe", false),
            (b"/a;b/c", false),
            (b"/webhooks/../transfer", true),
            (b"/webhooks/..;/transfer", true),
            (b"/webhooks/.;x/transfer", true),
            (b"/webhooks/./x", true),
            (b"/webhooks\\..\\transfer", true),
            (b"/webhooks/%2e%2e/transfer", true),
            (b"/webhooks%2Ftransfer", true),
            (b"/..a/b", false),
            (b"/login?next=%2Fhome%2F..", false),
        ];
        for (path, want) in rows {
            assert_eq!(ambiguous_path(path), *want, "{}", String::from_utf8_lossy(path));
        }
    }
}
