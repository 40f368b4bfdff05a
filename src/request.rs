//! Read-only views over the header lines the glue fetched once per request/response.

use crate::header_map::{Header, Line};

/// A list of header lines (as fetched from Envoy, repeated lines kept apart): borrowed
/// from the fetched map in the filter, owned in tests.
#[derive(Debug, Clone, Copy)]
pub struct Headers<'a>(Lines<'a>);

#[derive(Debug, Clone, Copy)]
enum Lines<'a> {
    Owned(&'a [Header]),
    Borrowed(&'a [Line<'a>]),
}

impl<'a> Headers<'a> {
    pub fn new(lines: &'a [Header]) -> Self {
        Headers(Lines::Owned(lines))
    }

    pub fn borrowed(lines: &'a [Line<'a>]) -> Self {
        Headers(Lines::Borrowed(lines))
    }

    /// Every line, in order.
    pub fn iter(&self) -> impl Iterator<Item = Line<'a>> + 'a {
        let (owned, borrowed) = match self.0 {
            Lines::Owned(l) => (l, &[][..]),
            Lines::Borrowed(l) => (&[][..], l),
        };
        owned
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_slice()))
            .chain(borrowed.iter().copied())
    }

    /// The first line's value, if any.
    pub fn get(&self, name: &str) -> Option<&'a [u8]> {
        self.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v)
    }

    /// Every line's value, in order.
    pub fn get_all<'n>(&self, name: &'n str) -> impl Iterator<Item = &'a [u8]> + 'n
    where
        'a: 'n,
    {
        self.iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// How many lines carry this name.
    pub fn count(&self, name: &str) -> usize {
        self.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name)).count()
    }

    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// The value of a header that must appear at most once: `Ok(None)` when absent,
    /// `Err(())` when repeated (a browser never repeats e.g. `Origin`).
    #[allow(clippy::result_unit_err)]
    pub fn single(&self, name: &str) -> Result<Option<&'a [u8]>, ()> {
        let mut it = self.get_all(name);
        match (it.next(), it.next()) {
            (None, _) => Ok(None),
            (Some(v), None) => Ok(Some(v)),
            (Some(_), Some(_)) => Err(()),
        }
    }
}

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

/// A header value for a log line: lossy UTF-8, control characters escaped, truncated,
/// so that hostile input can neither forge log lines nor flood them.
pub fn loggable(value: &[u8], max: usize) -> String {
    let mut out = String::new();
    for ch in String::from_utf8_lossy(&value[..value.len().min(max)]).chars() {
        if ch.is_control() || ch == '"' || ch == '\\' {
            out.extend(ch.escape_default());
        } else {
            out.push(ch);
        }
    }
    if value.len() > max {
        out.push_str("...");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(pairs: &[(&str, &[u8])]) -> Vec<Header> {
        pairs.iter().map(|(n, v)| (n.to_string(), v.to_vec())).collect()
    }

    #[test]
    fn lookups() {
        let l = lines(&[("origin", b"a"), ("vary", b"x"), ("Origin", b"b")]);
        let h = Headers::new(&l);
        assert_eq!(h.get("origin"), Some(&b"a"[..]));
        assert_eq!(h.get_all("origin").collect::<Vec<_>>(), vec![&b"a"[..], &b"b"[..]]);
        assert_eq!(h.count("ORIGIN"), 2);
        assert_eq!(h.single("origin"), Err(()));
        assert_eq!(h.single("vary"), Ok(Some(&b"x"[..])));
        assert_eq!(h.single("nope"), Ok(None));
    }

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
    fn loggable_escapes_and_truncates() {
        assert_eq!(loggable(b"a\r\nb", 100), "a\\r\\nb");
        assert_eq!(loggable(&[0xff, b'x'], 100), "\u{fffd}x");
        assert_eq!(loggable(b"abcdef", 3), "abc...");
        assert_eq!(loggable(b"say \"hi\"", 100), "say \\\"hi\\\"");
    }
}
