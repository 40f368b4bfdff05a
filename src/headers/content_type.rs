//! Whether a response is a document a browser renders: the HTML-only headers (CSP,
//! X-Frame-Options) protect documents and mean nothing on JSON, images or scripts.

use crate::request::Headers;

/// HTML (`text/html`, and XHTML which browsers render the same way), compared
/// case-insensitively without parameters; also a response without a content type,
/// or with an empty one, which browsers may sniff as HTML.
pub fn is_document(response: Headers<'_>) -> bool {
    let mut values = response.get_all("content-type").peekable();
    if values.peek().is_none() {
        return true;
    }
    values.any(|v| {
        let essence = v.split(|b| *b == b';').next().unwrap_or_default().trim_ascii();
        essence.is_empty()
            || essence.eq_ignore_ascii_case(b"text/html")
            || essence.eq_ignore_ascii_case(b"application/xhtml+xml")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents() {
        let cases: &[(&[&[u8]], bool)] = &[
            (&[], true),
            (&[b"text/html"], true),
            (&[b"text/html; charset=utf-8"], true),
            (&[b"Text/HTML;charset=UTF-8"], true),
            (&[b" text/html "], true),
            (&[b"application/xhtml+xml"], true),
            (&[b""], true),
            (&[b"application/json"], false),
            (&[b"text/plain"], false),
            (&[b"text/htmlx"], false),
            (&[b"text/html-sandboxed"], false),
            (&[b"image/svg+xml"], false),
            (&[b"application/json", b"text/html"], true),
            (&[&[0xff, 0xfe]], false),
        ];
        for (values, want) in cases {
            let lines: Vec<(String, Vec<u8>)> = values
                .iter()
                .map(|v| ("content-type".to_string(), v.to_vec()))
                .collect();
            assert_eq!(is_document(Headers::new(&lines)), *want, "{values:?}");
        }
    }
}
