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
        match self.0 {
            Lines::Owned(l) => Iter::Owned(l.iter()),
            Lines::Borrowed(l) => Iter::Borrowed(l.iter()),
        }
    }

    /// The first line's value, if any. (Each kind of list walked on its own: lookups
    /// are most of the response phase's own instructions.)
    pub fn get(&self, name: &str) -> Option<&'a [u8]> {
        match self.0 {
            Lines::Owned(l) => l
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| &v[..]),
            Lines::Borrowed(l) => l.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| *v),
        }
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
        match self.0 {
            Lines::Owned(l) => l.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name)).count(),
            Lines::Borrowed(l) => l.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name)).count(),
        }
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

/// The lines of either kind of list.
enum Iter<'a> {
    Owned(std::slice::Iter<'a, Header>),
    Borrowed(std::slice::Iter<'a, Line<'a>>),
}

impl<'a> Iterator for Iter<'a> {
    type Item = Line<'a>;

    fn next(&mut self) -> Option<Line<'a>> {
        match self {
            Iter::Owned(l) => l.next().map(|(n, v)| (n.as_str(), v.as_slice())),
            Iter::Borrowed(l) => l.next().copied(),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match self {
            Iter::Owned(l) => l.size_hint(),
            Iter::Borrowed(l) => l.size_hint(),
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
