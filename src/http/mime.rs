//! Whether a response is a document a browser renders: the HTML-only headers (CSP,
//! X-Frame-Options) protect documents and mean nothing on JSON, raster images or scripts.

use crate::http::Headers;

/// HTML, and the XML types browsers render as documents that run script when opened
/// directly: SVG (an uploaded SVG is stored XSS), `text/xml`, `application/xml` and
/// every `application/*+xml` (XHTML among them). The type is the one a browser uses:
/// Fetch's "extract a MIME type" over every `Content-Type` line, where the last valid
/// type wins (`application/json, text/html` is HTML). Also a response without a
/// usable content type, which browsers may sniff as HTML.
pub fn is_document(response: Headers<'_>) -> bool {
    match extract_mime_essence(response.get_all("content-type")) {
        None => true,
        Some(essence) => DOCUMENTS.iter().any(|d| essence.eq_ignore_ascii_case(d)) || xml_suffix(essence),
    }
}

/// Fetch's "extract a MIME type" (fetch.spec.whatwg.org), reduced to the essence
/// (`type/subtype`): the header lines are one comma-separated list (commas inside
/// quoted strings do not split), each value is parsed as a MIME type, and the last
/// one that parses and is not `*/*` wins. `None`: failure.
pub fn extract_mime_essence<'a>(lines: impl Iterator<Item = &'a [u8]>) -> Option<&'a [u8]> {
    let mut found = None;
    for line in lines {
        for value in split_outside_quotes(line) {
            if let Some(essence) = parse_mime_essence(value) {
                if !essence.eq_ignore_ascii_case(b"*/*") {
                    found = Some(essence);
                }
            }
        }
    }
    found
}

/// A header value split at commas that are not inside a quoted string.
fn split_outside_quotes(value: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = Some(value);
    std::iter::from_fn(move || {
        let v = rest?;
        let (mut quoted, mut escaped) = (false, false);
        for (i, &b) in v.iter().enumerate() {
            match b {
                _ if escaped => escaped = false,
                b'\\' if quoted => escaped = true,
                b'"' => quoted = !quoted,
                b',' if !quoted => {
                    rest = Some(&v[i + 1..]);
                    return Some(&v[..i]);
                }
                _ => {}
            }
        }
        rest = None;
        Some(v)
    })
}

/// The essence of WHATWG MIME Sniffing's "parse a MIME type": HTTP whitespace
/// trimmed, a token, `/`, a token (trailing whitespace before `;` dropped).
fn parse_mime_essence(value: &[u8]) -> Option<&[u8]> {
    let v = trim_http_whitespace(value);
    let slash = v.iter().position(|&b| b == b'/')?;
    let end = v.iter().position(|&b| b == b';').unwrap_or(v.len());
    if end < slash {
        return None;
    }
    let kind = &v[..slash];
    let mut subtype = &v[slash + 1..end];
    while let [rest @ .., b' ' | b'\t' | b'\n' | b'\r'] = subtype {
        subtype = rest;
    }
    let token = |t: &[u8]| !t.is_empty() && t.iter().all(|&b| is_token_byte(b));
    (token(kind) && token(subtype)).then(|| &v[..slash + 1 + subtype.len()])
}

fn trim_http_whitespace(v: &[u8]) -> &[u8] {
    let ws = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r');
    let start = v.iter().position(|b| !ws(b)).unwrap_or(v.len());
    let end = v.iter().rposition(|b| !ws(b)).map_or(start, |e| e + 1);
    &v[start..end.max(start)]
}

/// RFC 9110 `tchar`.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
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
            // Fetch's "extract a MIME type": one list over all lines, the last valid type wins.
            (&[b"application/json, text/html"], true),
            (&[b"application/json,text/html;charset=utf-8"], true),
            (&[b"application/json", b"text/html"], true),
            (&[b"text/html, application/json"], false),
            (&[b"text/html", b"application/json"], false),
            (&[b"application/json, */*"], false),
            (&[b"text/html, */*"], true),
            (&[b"application/json, bogus"], false),
            (&[b"text/html, bogus"], true),
            (&[b"application/json; x=\"a,text/html\""], false),
            (&[b"text/plain; x=\"a\\\",\", text/html"], true),
            (&[b"bogus"], true),
            (&[b"text/html ;charset=utf-8"], true),
            (&[b"text /html"], true),
            (&[b"application/json, text /html"], false),
            (&[&[0xff, 0xfe]], true),
            (&[b"text/ html"], true),
            (&[b"application/json, text/ html"], false),
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
