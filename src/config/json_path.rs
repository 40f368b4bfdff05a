//! The JSON path of a position in a JSON text: where serde_json stopped reading when it
//! raised an error, turned back into `rules[2].cors.allowed_origins[1]`.
//!
//! serde_json reports an error's line and column, not its path. Tracking the path while
//! deserializing means wrapping every visitor (serde_path_to_error did, for about 34 KB
//! of the .wasm); this scanner re-reads the same bytes instead, once, when an error has
//! happened. It tolerates any input (a syntax error also ends somewhere) and never
//! indexes out of bounds.

use std::fmt::Write;

/// What the error is about, relative to where serde_json stopped (`offset`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Anchor {
    /// The value read up to the offset (serde_json stops just after a scalar it rejects, or
    /// after the bracket closing a container it rejects), or else, if no value of the
    /// current entry has begun, the container the offset is in (a visitor refusing a
    /// duplicate key, or an array or object as a whole, right after its opening bracket).
    Before,
    /// The entry at the offset: the object key just read (an unknown field), or the value
    /// starting at the offset (serde_json peeks a `[` or `{` it rejects without reading it).
    At,
    /// The last entry of the container closed just before the offset: an error raised after
    /// serde_json returned the value is positioned where the enclosing object ends.
    Closed,
}

/// The byte offset of serde_json's `line` and `column` (`Error::line`, `Error::column`):
/// lines are counted by `\n`, columns in bytes from the line's start. `None` for an error
/// without a position (line 0) or a line past the end.
pub fn offset(bytes: &[u8], line: usize, column: usize) -> Option<usize> {
    let start = match line {
        0 => return None,
        1 => 0,
        _ => bytes.iter().enumerate().filter(|(_, b)| **b == b'\n').nth(line - 2)?.0 + 1,
    };
    Some(start.saturating_add(column).min(bytes.len()))
}

/// The path of what the error at `offset` is about, in serde_path_to_error's notation:
/// keys joined by `.`, indices as `[i]`, the document itself as `""`.
pub fn path_at(bytes: &[u8], offset: usize, anchor: Anchor) -> String {
    let text = bytes.get(..offset).unwrap_or(bytes);
    let mut open: Vec<Frame> = Vec::new();
    // The container whose closing bracket was the last thing read, if nothing followed it.
    let mut closed: Option<Frame> = None;
    let mut i = 0;
    while let Some(&b) = text.get(i) {
        i += 1;
        if b.is_ascii_whitespace() {
            continue;
        }
        let just_closed = closed.take();
        match b {
            b'{' | b'[' => {
                begin_value(&mut open);
                open.push(Frame::new(b == b'['));
            }
            b'}' | b']' => closed = open.pop().or(just_closed),
            b',' => {
                if let Some(f) = open.last_mut() {
                    f.next_entry();
                }
            }
            b':' => {}
            b'"' => {
                let (raw, end) = string_at(text, i);
                i = end;
                match open.last_mut() {
                    Some(f) if !f.array && f.key.is_none() => f.key = Some(unescape(raw)),
                    _ => begin_value(&mut open),
                }
            }
            _ => {
                begin_value(&mut open);
                while text.get(i).is_some_and(|&c| !ends_scalar(c)) {
                    i += 1;
                }
            }
        }
    }
    let mut path = Path::default();
    let (last, ancestors) = match open.split_last() {
        Some((last, ancestors)) => (Some(last), ancestors),
        None => (None, &[][..]),
    };
    for f in ancestors {
        path.push(f);
    }
    match (anchor, last, &closed) {
        (Anchor::Closed, _, Some(c)) => {
            if let Some(f) = last {
                path.push(f);
            }
            if c.begun {
                path.push(c);
            }
        }
        // A key with no value before its object's `}` (`{"bogus"}`): serde_json read the `}`
        // on its way out, so the object is closed, but the error is about that key.
        (Anchor::At, _, Some(c)) if !c.array && c.key.is_some() && !c.begun => {
            if let Some(f) = last {
                path.push(f);
            }
            path.push(c);
        }
        (Anchor::At, Some(f), _) if f.array || f.key.is_some() => path.push(f),
        (Anchor::Before | Anchor::Closed, Some(f), _) if f.begun => path.push(f),
        _ => {}
    }
    path.text
}

/// An open object or array, and where in it the scan is.
#[derive(Debug)]
struct Frame {
    array: bool,
    /// The array index of the current element.
    index: usize,
    /// The object key just read (the current entry's).
    key: Option<String>,
    /// Whether the current entry's value has begun.
    begun: bool,
}

impl Frame {
    fn new(array: bool) -> Frame {
        Frame {
            array,
            index: 0,
            key: None,
            begun: false,
        }
    }

    fn next_entry(&mut self) {
        if self.array && self.begun {
            self.index += 1;
        }
        self.key = None;
        self.begun = false;
    }
}

fn begin_value(open: &mut [Frame]) {
    if let Some(f) = open.last_mut() {
        f.begun = true;
    }
}

/// A path being written, segment by segment, as serde_path_to_error displays it.
#[derive(Default)]
struct Path {
    text: String,
    any: bool,
}

impl Path {
    /// Appends the segment of `f`'s current entry.
    fn push(&mut self, f: &Frame) {
        if f.array {
            let _ = write!(self.text, "[{}]", f.index);
        } else if let Some(key) = &f.key {
            if self.any {
                self.text.push('.');
            }
            self.text.push_str(key);
        } else {
            return;
        }
        self.any = true;
    }
}

/// The bytes of the string whose opening quote is just before `start`, and the index just
/// past its closing quote (or the end of `text`, for a string cut off there).
fn string_at(text: &[u8], start: usize) -> (&[u8], usize) {
    let mut i = start;
    while let Some(&b) = text.get(i) {
        match b {
            b'"' => return (text.get(start..i).unwrap_or_default(), i + 1),
            b'\\' => i += 2,
            _ => i += 1,
        }
    }
    (text.get(start..).unwrap_or_default(), text.len())
}

fn ends_scalar(b: u8) -> bool {
    b.is_ascii_whitespace() || matches!(b, b'{' | b'}' | b'[' | b']' | b',' | b':' | b'"')
}

/// A JSON string's contents, unescaped as serde_json does (a malformed escape, which
/// serde_json refuses as a syntax error, becomes U+FFFD).
fn unescape(raw: &[u8]) -> String {
    let mut out: Vec<u8> = Vec::with_capacity(raw.len());
    let mut i = 0;
    while let Some(&b) = raw.get(i) {
        i += 1;
        if b != b'\\' {
            out.push(b);
            continue;
        }
        let Some(&e) = raw.get(i) else {
            break;
        };
        i += 1;
        let c = match e {
            b'"' | b'\\' | b'/' => char::from(e),
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let hi = hex4(raw, i);
                i += 4;
                match hi {
                    Some(hi @ 0xD800..=0xDBFF) => match hex4(raw, i + 2) {
                        Some(lo @ 0xDC00..=0xDFFF) if raw.get(i..i + 2) == Some(&b"\\u"[..]) => {
                            i += 6;
                            char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
                                .unwrap_or(char::REPLACEMENT_CHARACTER)
                        }
                        _ => char::REPLACEMENT_CHARACTER,
                    },
                    Some(u) => char::from_u32(u).unwrap_or(char::REPLACEMENT_CHARACTER),
                    None => char::REPLACEMENT_CHARACTER,
                }
            }
            _ => char::REPLACEMENT_CHARACTER,
        };
        out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex4(raw: &[u8], at: usize) -> Option<u32> {
    let digits = raw.get(at..at + 4)?;
    let s = std::str::from_utf8(digits).ok()?;
    u32::from_str_radix(s, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `^` in the document marks the offset (and is removed).
    #[test]
    fn paths_at_offsets() {
        use Anchor::{At, Before, Closed};
        let rows: &[(&str, Anchor, &str)] = &[
            // Scalars: the error follows the value.
            (r#"{"a": 1^}"#, Before, "a"),
            (r#"{"a": {"b": "x"^, "c": 2}}"#, Before, "a.b"),
            (r#"{"a": [1, 2^]}"#, Before, "a[1]"),
            (r#"{"a": [1, [true, null^]]}"#, Before, "a[1][1]"),
            (
                r#"{"rules": [{}, {}, {"cors": {"o": ["x", 5^]}}]}"#,
                Before,
                "rules[2].cors.o[1]",
            ),
            // Inside a scalar (serde_json's peek errors point one past the peeked byte).
            (r#"{"a": 1^2}"#, Before, "a"),
            (r#"{"a": t^rue}"#, Before, "a"),
            // A container closed just before: the container.
            (r#"{"a": []^}"#, Before, "a"),
            (r#"{"a": {"b": [1]^}}"#, Before, "a.b"),
            (r#"{"a": {"b": 1}^}"#, Before, "a"),
            (r#"{"a": 1}^"#, Before, ""),
            // Just inside an opening bracket, or after a key: the container.
            (r#"{"a": [^1]}"#, Before, "a"),
            (r#"{"a": [ ^]}"#, Before, "a"),
            (r#"{"a": {^"b": 1}}"#, Before, "a"),
            (r#"{"a": {"b" ^: 1}}"#, Before, "a"),
            (r#"{"a": [1, ^2]}"#, Before, "a"),
            (r#"{^"a": 1}"#, Before, ""),
            // At: the key just read, or the value starting here.
            (r#"{"a": {"bogus"^: 1}}"#, At, "a.bogus"),
            (r#"{"a": {"bogus"   ^: 1}}"#, At, "a.bogus"),
            (r#"{"a": ^[1]}"#, At, "a"),
            (r#"{"a": {"b": ^{}}}"#, At, "a.b"),
            (r#"{"a": [^[1]]}"#, At, "a[0]"),
            (r#"{"a": [1, ^{}]}"#, At, "a[1]"),
            (r#"{"a": {^{}}}"#, At, "a"),
            // Closed: the last entry of the object just closed.
            (r#"{"h": {"s": {"max_age": null}^}}"#, Closed, "h.s.max_age"),
            (r#"{"h": {"s": {"max_age": null }^, "x": 1}}"#, Closed, "h.s.max_age"),
            (r#"{"h": {"s": {"a": 1, "max_age": null}^}}"#, Closed, "h.s.max_age"),
            (r#"{"mode": "x"}^"#, Closed, "mode"),
            (r#"{"h": {"s": {}^}}"#, Closed, "h.s"),
            // ... or, with nothing closed, as Before.
            (r#"{"h": {"s": {"max_age": null^, "x": 1}}}"#, Closed, "h.s.max_age"),
            // Keys: escapes decoded as serde_json does; brackets and commas in strings are text.
            (r#"{"a\"b": 1^}"#, Before, "a\"b"),
            (r#"{"a\\b\/c": 1^}"#, Before, "a\\b/c"),
            (r#"{"\u00e9\n": 1^}"#, Before, "é\n"),
            (r#"{"\ud83d\ude00": 1^}"#, Before, "😀"),
            (r#"{"a": "[{,", "b": 1^}"#, Before, "b"),
            (r#"{"a.b": {"": 1^}}"#, Before, "a.b."),
            (r#"{"": {"x": 1^}}"#, Before, ".x"),
            (r#"{"a": [{"b": 1^}]}"#, Before, "a[0].b"),
            // Multi-byte text before the offset is just bytes.
            ("{\"é\": \"ü😀\",\n \"x😀\": 1^}", Before, "x😀"),
            // Malformed input: some path, no panic.
            (r#"{"a": [1, 2}, "b": ^"#, Before, ""),
            (r#"]]]}}^"#, Closed, ""),
            (r#"{"a": "unterminated^"#, Before, "a"),
            (r#"{"\ud800": 1^}"#, Before, "\u{fffd}"),
            (r#"{"\u12": 1^}"#, Before, "\u{fffd}"),
            (r#"{"a\"#, At, "a"),
        ];
        for (marked, anchor, want) in rows {
            let at = marked.find('^').unwrap_or(marked.len());
            let doc = marked.replacen('^', "", 1);
            assert_eq!(path_at(doc.as_bytes(), at, *anchor), *want, "{marked} {anchor:?}");
        }
    }

    /// serde_json's column counts bytes from the start of the line (checked against its
    /// own errors, with multi-byte characters and CRLF before the error).
    #[test]
    fn offsets_of_serde_json_positions() {
        for doc in [
            "{\"a\": 1 x}",
            "{\"é\": \"ü😀\", \"b\": x}",
            "{\n  \"é\": [\"ü\",\n   x]}",
            "{\r\n\t\"a\": x}",
            "\n\n{\"a\":\nx}",
        ] {
            let e = serde_json::from_str::<serde_json::Value>(doc).unwrap_err();
            let at = offset(doc.as_bytes(), e.line(), e.column()).unwrap();
            // The error is raised on peeking the `x`: its position is one past it.
            assert_eq!(doc.as_bytes()[at - 1], b'x', "{doc:?}: {e}");
        }
        assert_eq!(offset(b"{}", 0, 0), None);
        assert_eq!(offset(b"{}\n", 3, 0), None);
        assert_eq!(offset(b"{}\n", 2, 0), Some(3));
        assert_eq!(offset(b"{}", 1, 99), Some(2));
    }
}
