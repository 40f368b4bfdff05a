//! The header view: read-only access to the header lines the glue fetched once per
//! request or response.

use super::wire::{Header, Line};

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

#[cfg(test)]
mod tests {
    use super::*;

    use crate::testing::byte_lines as lines;
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
}
