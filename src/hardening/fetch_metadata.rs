//! `Sec-Fetch-Site` (W3C Fetch Metadata): how the request's initiator relates to its target.
//! Browsers set it and pages cannot forge it (a `Sec-` header is forbidden to scripts).

use crate::http::Headers;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecFetchSite {
    SameOrigin,
    SameSite,
    CrossSite,
    /// User-initiated: typed URL, bookmark, drag and drop.
    None,
}

/// The request's `Sec-Fetch-Site`; `None` when absent, repeated or not one of the four
/// values: browsers send exactly one known value, so anything else comes from a client
/// that could as well have left it out, and is judged by its `Origin` instead.
pub fn sec_fetch_site(request: Headers<'_>) -> Option<SecFetchSite> {
    let value = request.single("sec-fetch-site").ok()??.trim_ascii();
    [
        (&b"same-origin"[..], SecFetchSite::SameOrigin),
        (b"same-site", SecFetchSite::SameSite),
        (b"cross-site", SecFetchSite::CrossSite),
        (b"none", SecFetchSite::None),
    ]
    .into_iter()
    .find(|(name, _)| value.eq_ignore_ascii_case(name))
    .map(|(_, site)| site)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::Header;

    fn site(values: &[&[u8]]) -> Option<SecFetchSite> {
        let lines: Vec<Header> = values
            .iter()
            .map(|v| ("sec-fetch-site".to_string(), v.to_vec()))
            .collect();
        sec_fetch_site(Headers::new(&lines))
    }

    #[test]
    fn values() {
        assert_eq!(site(&[b"same-origin"]), Some(SecFetchSite::SameOrigin));
        assert_eq!(site(&[b"same-site"]), Some(SecFetchSite::SameSite));
        assert_eq!(site(&[b" Cross-Site "]), Some(SecFetchSite::CrossSite));
        assert_eq!(site(&[b"none"]), Some(SecFetchSite::None));
        assert_eq!(site(&[]), None);
        assert_eq!(site(&[b""]), None);
        assert_eq!(site(&[b"same-origin, cross-site"]), None);
        assert_eq!(site(&[b"same-origin", b"same-origin"]), None);
        assert_eq!(site(&[b"\xffsame-origin"]), None);
    }
}
