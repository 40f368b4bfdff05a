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

/// The path as a lenient upstream may read it, for rules that add protection: the
/// query cut off, percent-decoding applied (twice, for double encoding), `\\` read as
/// `/`, `;params` dropped from every segment (Tomcat's `/account;jsessionid=x/`),
/// empty segments collapsed, dot segments resolved, and lower case (servers that match
/// paths case-insensitively). `None` when the path reads the same either way.
pub fn lenient_reading(path: &[u8]) -> Option<Vec<u8>> {
    let path = path.split(|b| matches!(b, b'?' | b'#')).next().unwrap_or_default();
    let plain = path
        .iter()
        .all(|b| !matches!(b, b'%' | b'\\' | b';' | b'.' | b'A'..=b'Z'))
        && !path.windows(2).any(|w| w == b"//");
    if plain {
        return None;
    }
    let decoded = percent_decode(&percent_decode(path));
    let mut segments: Vec<&[u8]> = Vec::new();
    let mut trailing = false;
    for seg in decoded.split(|b| matches!(b, b'/' | b'\\')) {
        let name = seg.split(|b| *b == b';').next().unwrap_or_default();
        trailing = matches!(name, b"" | b"." | b"..");
        match name {
            b"" | b"." => {}
            b".." => {
                segments.pop();
            }
            _ => segments.push(name),
        }
    }
    let mut out = Vec::with_capacity(decoded.len() + 1);
    for seg in &segments {
        out.push(b'/');
        out.extend(seg.iter().map(u8::to_ascii_lowercase));
    }
    if trailing || out.is_empty() {
        out.push(b'/');
    }
    Some(out)
}

fn percent_decode(s: &[u8]) -> Vec<u8> {
    let hex = |b: u8| char::from(b).to_digit(16);
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if let (b'%', Some(h), Some(l)) = (
            s[i],
            s.get(i + 1).and_then(|&b| hex(b)),
            s.get(i + 2).and_then(|&b| hex(b)),
        ) {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(s[i]);
            i += 1;
        }
    }
    out
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

    #[test]
    fn lenient_readings() {
        let rows: &[(&[u8], Option<&[u8]>)] = &[
            (b"/account/transfer", None),
            (b"/account/transfer?x=%2F..", None),
            (b"/account;jsessionid=x/transfer", Some(b"/account/transfer")),
            (b"/account;jsessionid=x", Some(b"/account")),
            (b"/ACCOUNT/Transfer", Some(b"/account/transfer")),
            (b"/%61ccount/transfer", Some(b"/account/transfer")),
            (b"/account%2ftransfer", Some(b"/account/transfer")),
            (b"/public/..;/account/x", Some(b"/account/x")),
            (b"/public/%2e%2e/account/x", Some(b"/account/x")),
            (b"/public/%252e%252e/account", Some(b"/account")),
            (b"//account//x", Some(b"/account/x")),
            (b"\\account\\x", Some(b"/account/x")),
            (b"/account/./x/", Some(b"/account/x/")),
            (b"/account/x/..", Some(b"/account/")),
            (b"/../../etc", Some(b"/etc")),
            (b"/a%zz", Some(b"/a%zz")),
            (b"/%", Some(b"/%")),
            (b"/.", Some(b"/")),
        ];
        for (path, want) in rows {
            assert_eq!(
                lenient_reading(path).as_deref(),
                *want,
                "{}",
                String::from_utf8_lossy(path)
            );
        }
    }
}
