//! Attacker-controlled bytes made safe for a log line.

/// A header value for a log line: lossy UTF-8, control characters escaped, truncated,
/// so that hostile input can neither forge log lines nor flood them.
pub fn loggable(value: &[u8], max: usize) -> String {
    let mut out = String::new();
    for ch in String::from_utf8_lossy(&value[..value.len().min(max)]).chars() {
        if ch.is_control() || ch == '"' || ch == '\\' {
            out.extend(ch.escape_default());
        } else {
            out.push(ch);
        }
    }
    if value.len() > max {
        out.push_str("...");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loggable_escapes_and_truncates() {
        assert_eq!(loggable(b"a\r\nb", 100), "a\\r\\nb");
        assert_eq!(loggable(&[0xff, b'x'], 100), "\u{fffd}x");
        assert_eq!(loggable(b"abcdef", 3), "abc...");
        assert_eq!(loggable(b"say \"hi\"", 100), "say \\\"hi\\\"");
    }
}
