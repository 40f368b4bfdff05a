//! The Proxy-Wasm header-map wire format, parsed without trusting it.
//!
//! The SDK's own parser `unwrap`s UTF-8 conversions and slice bounds; a hostile or
//! unexpected map must never panic the VM, so the glue hands the raw bytes to this
//! pure parser instead. Format: u32 count, then count × (u32 name len, u32 value len),
//! then each name and value followed by a NUL byte (all integers little-endian).

/// One header line: name (lower-case from Envoy) and raw value bytes.
pub type Header = (String, Vec<u8>);

/// Parses a serialized map. Malformed input yields the lines that could be read;
/// a name that is not UTF-8 is converted lossily (Envoy never sends one).
pub fn parse(bytes: &[u8]) -> Vec<Header> {
    let count = match read_u32(bytes, 0) {
        Some(n) => n as usize,
        None => return Vec::new(),
    };
    // Each entry needs at least 8 bytes of sizes and 2 NULs: bound the allocation.
    let count = count.min(bytes.len() / 10);
    let mut out = Vec::with_capacity(count);
    let mut data = 4usize.saturating_add(count.saturating_mul(8));
    for i in 0..count {
        let sizes = 4 + i * 8;
        let (Some(name_len), Some(value_len)) = (read_u32(bytes, sizes), read_u32(bytes, sizes + 4)) else {
            break;
        };
        let Some(name) = slice(bytes, data, name_len as usize) else {
            break;
        };
        data = data.saturating_add(name_len as usize).saturating_add(1);
        let Some(value) = slice(bytes, data, value_len as usize) else {
            break;
        };
        data = data.saturating_add(value_len as usize).saturating_add(1);
        out.push((String::from_utf8_lossy(name).into_owned(), value.to_vec()));
    }
    out
}

/// Serializes header lines into the map format (for local replies).
pub fn serialize<N: AsRef<str>, V: AsRef<[u8]>>(headers: &[(N, V)]) -> Vec<u8> {
    let size = 4 + headers
        .iter()
        .map(|(n, v)| 10 + n.as_ref().len() + v.as_ref().len())
        .sum::<usize>();
    let mut out = Vec::with_capacity(size);
    out.extend_from_slice(&(headers.len() as u32).to_le_bytes());
    for (n, v) in headers {
        out.extend_from_slice(&(n.as_ref().len() as u32).to_le_bytes());
        out.extend_from_slice(&(v.as_ref().len() as u32).to_le_bytes());
    }
    for (n, v) in headers {
        out.extend_from_slice(n.as_ref().as_bytes());
        out.push(0);
        out.extend_from_slice(v.as_ref());
        out.push(0);
    }
    out
}

fn read_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

fn slice(bytes: &[u8], at: usize, len: usize) -> Option<&[u8]> {
    bytes.get(at..at.checked_add(len)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_with_binary_values() {
        let lines: Vec<(&str, &[u8])> = vec![
            (":method", b"GET"),
            ("origin", b"https://a.example"),
            ("x-bin", &[0xff, 0xfe, b'a', 0x80]),
            ("empty", b""),
            ("origin", b"https://b.example"),
        ];
        let parsed = parse(&serialize(&lines));
        assert_eq!(parsed.len(), 5);
        for ((n, v), (pn, pv)) in lines.iter().zip(parsed.iter()) {
            assert_eq!(n, pn);
            assert_eq!(*v, pv.as_slice());
        }
    }

    #[test]
    fn malformed_input_never_panics() {
        assert!(parse(b"").is_empty());
        assert!(parse(&[1, 0]).is_empty());
        // claims 4 billion entries
        assert!(parse(&[0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]).is_empty());
        // sizes past the end
        let mut bad = serialize(&[("a", "b")]);
        bad[4] = 200;
        assert!(parse(&bad).is_empty());
        // truncated at every length
        let good = serialize(&[("origin", "https://x"), ("b", "c")]);
        for cut in 0..good.len() {
            let _ = parse(&good[..cut]);
        }
        // non-UTF-8 name
        let mut odd = serialize(&[("xa", "v")]);
        let at = 4 + 8;
        odd[at] = 0xff;
        assert_eq!(parse(&odd)[0].0, "\u{fffd}a");
    }
}
