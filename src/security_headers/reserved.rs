//! Response headers the `custom` and `remove` settings may not touch, and why.

const HOP_BY_HOP: [&str; 9] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "upgrade",
    "te",
    "trailer",
    "content-length",
    "content-encoding",
];

/// Why `name` (lower-case) is off limits, if it is.
pub fn reserved(name: &str) -> Option<&'static str> {
    if HOP_BY_HOP.contains(&name) {
        return Some("a connection or framing header belongs to the proxy");
    }
    if name == "content-type" {
        return Some("the content type is the application's; without it browsers sniff the body");
    }
    if name == "vary" || name.starts_with("access-control-") {
        return Some("CORS headers and Vary are managed by the cors settings");
    }
    if name == "set-cookie" {
        return Some(
            "cookies are the application's: its Set-Cookie lines must reach the browser as they are, each apart; the cookies settings harden them",
        );
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(reserved("transfer-encoding").is_some());
        assert!(reserved("access-control-allow-origin").is_some());
        assert!(reserved("vary").is_some());
        assert!(reserved("content-type").is_some());
        assert!(reserved("set-cookie").is_some());
        assert!(reserved("x-robots-tag").is_none());
        assert!(reserved("server").is_none());
    }
}
