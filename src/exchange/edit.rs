//! Edits of the response headers, applied in order by the glue.

use std::borrow::Cow;

/// An edit of the response headers, applied in order by the glue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderOp<'a> {
    /// Replace every line of `name` with one line.
    Set(Cow<'a, str>, Cow<'a, [u8]>),
    /// Append one more line.
    Add(Cow<'a, str>, Cow<'a, [u8]>),
    /// Remove every line of `name`.
    Remove(Cow<'a, str>),
}

impl HeaderOp<'_> {
    /// The same edit, its name and value owned.
    pub fn into_owned(self) -> HeaderOp<'static> {
        let owned = |n: Cow<'_, str>| Cow::Owned(n.into_owned());
        match self {
            HeaderOp::Set(n, v) => HeaderOp::Set(owned(n), Cow::Owned(v.into_owned())),
            HeaderOp::Add(n, v) => HeaderOp::Add(owned(n), Cow::Owned(v.into_owned())),
            HeaderOp::Remove(n) => HeaderOp::Remove(owned(n)),
        }
    }
}

/// Applies edits to a list of header lines (a local reply's, before it is sent),
/// keeping their names and values as they are (borrowed from the policy, mostly).
pub fn apply<'a>(ops: impl IntoIterator<Item = HeaderOp<'a>>, lines: &mut Vec<(Cow<'a, str>, Cow<'a, [u8]>)>) {
    for op in ops {
        match op {
            HeaderOp::Add(n, v) => lines.push((n, v)),
            HeaderOp::Set(n, v) => {
                lines.retain(|(l, _)| !l.eq_ignore_ascii_case(&n));
                lines.push((n, v));
            }
            HeaderOp::Remove(n) => lines.retain(|(l, _)| !l.eq_ignore_ascii_case(&n)),
        }
    }
}

/// Whether a value read from a message may be written back into a header: never CR,
/// LF or NUL (Envoy's codecs refuse them, so only a misbehaving host hands us one, but
/// copying one would be header injection).
pub fn writable(value: &[u8]) -> bool {
    !value.iter().any(|b| matches!(b, b'\r' | b'\n' | 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apply_in_order() {
        let mut l: Vec<(Cow<'_, str>, Cow<'_, [u8]>)> = vec![
            ("a".into(), b"1"[..].into()),
            ("b".into(), b"2"[..].into()),
            ("a".into(), b"3"[..].into()),
        ];
        let ops = vec![
            HeaderOp::Set("a".into(), b"4"[..].into()),
            HeaderOp::Remove("B".into()),
            HeaderOp::Add("c".into(), b"5"[..].into()),
        ];
        apply(ops, &mut l);
        let got: Vec<(&str, &[u8])> = l.iter().map(|(n, v)| (n.as_ref(), v.as_ref())).collect();
        assert_eq!(got, vec![("a", &b"4"[..]), ("c", &b"5"[..])]);
    }
}
