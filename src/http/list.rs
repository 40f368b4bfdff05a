//! Comma-separated lists (RFC 9110 §5.6.1), possibly spread over several lines.

/// Splits a header value on commas into trimmed, non-empty elements.
pub fn list_elements(value: &[u8]) -> impl Iterator<Item = &[u8]> {
    value
        .split(|b| *b == b',')
        .map(|e| e.trim_ascii())
        .filter(|e| !e.is_empty())
}

/// The elements of a list spread over several lines (repeated lines are one list).
pub fn elements_of_lines<'v>(lines: impl Iterator<Item = &'v [u8]>) -> impl Iterator<Item = &'v [u8]> {
    lines.flat_map(list_elements)
}

/// The first element of a list, trimmed, as written (possibly empty).
pub fn first_element(value: &[u8]) -> &[u8] {
    value.split(|b| *b == b',').next().unwrap_or_default().trim_ascii()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list() {
        let v: Vec<&[u8]> = list_elements(b" websocket , ,h2c,").collect();
        assert_eq!(v, vec![&b"websocket"[..], b"h2c"]);
        assert_eq!(list_elements(b"").count(), 0);
    }
}
