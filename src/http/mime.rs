//! Whether a response is a document a browser renders: the HTML-only headers (CSP,
//! X-Frame-Options) protect documents and mean nothing on JSON, raster images or scripts.

use crate::http::Headers;

/// HTML, and the XML types browsers render as documents that run script when opened
/// directly: SVG (an uploaded SVG is stored XSS), `text/xml`, `application/xml` and
/// every `application/*+xml` (XHTML among them). Compared case-insensitively without
/// parameters; also a response without a content type, or with an empty one, which
/// browsers may sniff as HTML.
pub fn is_document(response: Headers<'_>) -> bool {
    let mut values = response.get_all("content-type").peekable();
    if values.peek().is_none() {
        return true;
    }
    values.any(|v| {
        let essence = v.split(|b| *b == b';').next().unwrap_or_default().trim_ascii();
        essence.is_empty() || DOCUMENTS.iter().any(|d| essence.eq_ignore_ascii_case(d)) || xml_suffix(essence)
    })
}

const DOCUMENTS: [&[u8]; 4] = [b"text/html", b"image/svg+xml", b"text/xml", b"application/xml"];

/// `application/<something>+xml` (RFC 7303 §4.2's structured suffix).
fn xml_suffix(essence: &[u8]) -> bool {
    const TYPE: &[u8] = b"application/";
    const SUFFIX: &[u8] = b"+xml";
    essence.len() > TYPE.len() + SUFFIX.len()
        && essence[..TYPE.len()].eq_ignore_ascii_case(TYPE)
        && essence[essence.len() - SUFFIX.len()..].eq_ignore_ascii_case(SUFFIX)
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
            // XML documents run script when opened directly (SVG's <script>, XHTML).
            (&[b"image/svg+xml"], true),
            (&[b"Image/SVG+XML; charset=utf-8"], true),
            (&[b"text/xml"], true),
            (&[b"application/xml"], true),
            (&[b"application/rss+xml"], true),
            (&[b"APPLICATION/ATOM+XML"], true),
            (&[b"application/mathml+xml"], true),
            (&[b"application/json"], false),
            (&[b"text/plain"], false),
            (&[b"text/htmlx"], false),
            (&[b"text/html-sandboxed"], false),
            (&[b"image/png"], false),
            (&[b"image/svg"], false),
            (&[b"text/xml-external-parsed-entity"], false),
            (&[b"application/+xml"], false),
            (&[b"application/xml-dtd"], false),
            (&[b"application/problem+json"], false),
            (&[b"text/css"], false),
            (&[b"application/javascript"], false),
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
