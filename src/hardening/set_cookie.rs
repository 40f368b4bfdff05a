//! Reading and extending one `Set-Cookie` line, as bytes, the way browsers parse it
//! (RFC 6265bis §5.6): split on `;` only (an `Expires` date's comma is part of the
//! value), attribute names trimmed and matched in any case, the last `SameSite` wins.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SameSite {
    Strict,
    Lax,
    None,
}

impl SameSite {
    /// A recognized `SameSite` value (any case), as browsers accept it.
    pub fn parse(value: &[u8]) -> Option<SameSite> {
        let v = value.trim_ascii();
        [
            (&b"strict"[..], SameSite::Strict),
            (b"lax", SameSite::Lax),
            (b"none", SameSite::None),
        ]
        .into_iter()
        .find(|(name, _)| v.eq_ignore_ascii_case(name))
        .map(|(_, s)| s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SameSite::Strict => "Strict",
            SameSite::Lax => "Lax",
            SameSite::None => "None",
        }
    }
}

/// What a `Set-Cookie` line already says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CookieLine<'a> {
    /// The cookie name, trimmed (empty for a nameless cookie).
    pub name: &'a [u8],
    pub secure: bool,
    pub http_only: bool,
    /// `Partitioned` (CHIPS): browsers reject it without `Secure`.
    pub partitioned: bool,
    /// The effective `SameSite`: the last attribute's value, `None` when absent or
    /// unrecognized (browsers then apply their default, which is not a choice).
    pub same_site: Option<SameSite>,
}

pub fn parse(line: &[u8]) -> CookieLine<'_> {
    let mut parts = line.split(|b| *b == b';');
    let pair = parts.next().unwrap_or_default();
    let name = match pair.iter().position(|b| *b == b'=') {
        Some(eq) => pair[..eq].trim_ascii(),
        None => &[],
    };
    let mut cookie = CookieLine {
        name,
        secure: false,
        http_only: false,
        partitioned: false,
        same_site: None,
    };
    for attr in parts {
        let (key, value) = match attr.iter().position(|b| *b == b'=') {
            Some(eq) => (&attr[..eq], &attr[eq + 1..]),
            None => (attr, &[][..]),
        };
        let key = key.trim_ascii();
        if key.eq_ignore_ascii_case(b"secure") {
            cookie.secure = true;
        } else if key.eq_ignore_ascii_case(b"httponly") {
            cookie.http_only = true;
        } else if key.eq_ignore_ascii_case(b"partitioned") {
            cookie.partitioned = true;
        } else if key.eq_ignore_ascii_case(b"samesite") {
            cookie.same_site = SameSite::parse(value);
        }
    }
    cookie
}

/// The line with attributes appended (`; Secure` ...), the original bytes kept as they
/// are; trailing `;` and spaces are dropped first so no empty attribute is left.
pub fn append(line: &[u8], attributes: &[&str]) -> Vec<u8> {
    let end = line
        .iter()
        .rposition(|b| !matches!(b, b';' | b' ' | b'\t'))
        .map_or(0, |i| i + 1);
    let mut out = Vec::with_capacity(end + attributes.iter().map(|a| a.len() + 2).sum::<usize>());
    out.extend_from_slice(&line[..end]);
    for a in attributes {
        out.extend_from_slice(b"; ");
        out.extend_from_slice(a.as_bytes());
    }
    out
}

/// `__Secure-` and `__Host-` cookies are rejected by browsers without `Secure`
/// (prefixes matched in any case, as RFC 6265bis now does).
pub fn has_secure_prefix(name: &[u8]) -> bool {
    let starts = |p: &[u8]| name.len() >= p.len() && name[..p.len()].eq_ignore_ascii_case(p);
    starts(b"__secure-") || starts(b"__host-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_table() {
        use SameSite::*;
        // (line, name, Secure, HttpOnly, SameSite)
        type Row = (&'static [u8], &'static [u8], bool, bool, Option<SameSite>);
        let rows: &[Row] = &[
            (b"sid=abc", b"sid", false, false, Option::None),
            (
                b"sid=abc; Secure; HttpOnly; SameSite=Strict",
                b"sid",
                true,
                true,
                Some(Strict),
            ),
            (b"sid=abc;secure;httponly;samesite=lax", b"sid", true, true, Some(Lax)),
            (
                b"sid=abc ;  SECURE  ;HTTPONLY ; SameSite = None ",
                b"sid",
                true,
                true,
                Some(None),
            ),
            (b"  sid  =abc", b"sid", false, false, Option::None),
            (
                b"id=a; Expires=Wed, 21 Oct 2026 07:28:00 GMT; Path=/",
                b"id",
                false,
                false,
                Option::None,
            ),
            (b"secure=1; httponly=1", b"secure", false, true, Option::None),
            (b"sid=abc; Secure=false", b"sid", true, false, Option::None),
            (
                b"sid=abc; SameSite=Strict; SameSite=None",
                b"sid",
                false,
                false,
                Some(None),
            ),
            (
                b"sid=abc; SameSite=Strict; SameSite=Bogus",
                b"sid",
                false,
                false,
                Option::None,
            ),
            (b"sid=abc; SameSite", b"sid", false, false, Option::None),
            (
                b"sid=abc; SameSiteX=Strict; XSecure; HttpOnlyX",
                b"sid",
                false,
                false,
                Option::None,
            ),
            (b"sid=a=b; Path=/x;y", b"sid", false, false, Option::None),
            (b"nameless", b"", false, false, Option::None),
            (b"", b"", false, false, Option::None),
            (b"s\xffd=\xfe\xff; Secure", b"s\xffd", true, false, Option::None),
        ];
        for (line, name, secure, http_only, same_site) in rows {
            let got = parse(line);
            let want = CookieLine {
                name,
                secure: *secure,
                http_only: *http_only,
                partitioned: false,
                same_site: *same_site,
            };
            assert_eq!(got, want, "{}", String::from_utf8_lossy(line));
        }
        for (line, partitioned) in [
            (&b"sid=1; Partitioned"[..], true),
            (b"sid=1;partitioned ; Secure", true),
            (b"sid=1; PARTITIONED=x", true),
            (b"sid=1; Partitionedx", false),
            (b"partitioned=1", false),
        ] {
            assert_eq!(
                parse(line).partitioned,
                partitioned,
                "{}",
                String::from_utf8_lossy(line)
            );
        }
    }

    #[test]
    fn append_keeps_bytes_and_trims_trailing_separators() {
        assert_eq!(append(b"a=1", &["Secure", "HttpOnly"]), b"a=1; Secure; HttpOnly");
        assert_eq!(append(b"a=1; Path=/; ", &["Secure"]), b"a=1; Path=/; Secure");
        assert_eq!(append(b"a=1;;", &["Secure"]), b"a=1; Secure");
        assert_eq!(append(b"a=\xff", &["Secure"]), b"a=\xff; Secure");
        assert_eq!(append(b"a=1", &[]), b"a=1");
    }

    #[test]
    fn prefixes() {
        assert!(has_secure_prefix(b"__Secure-sid"));
        assert!(has_secure_prefix(b"__HOST-sid"));
        assert!(!has_secure_prefix(b"_Secure-sid"));
        assert!(!has_secure_prefix(b"__Host"));
        assert!(!has_secure_prefix(b""));
    }
}
