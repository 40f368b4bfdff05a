//! The Proxy-Wasm header-map wire format, parsed without trusting it.
//!
//! The SDK's own parser `unwrap`s UTF-8 conversions and slice bounds; a hostile or
//! unexpected map must never panic the VM, so the glue hands the raw bytes to this
//! pure parser instead. Format: u32 count, then count × (u32 name len, u32 value len),
//! then each name and value followed by a NUL byte (all integers little-endian).

/// One header line, owned: name (lower-case from Envoy) and raw value bytes.
pub type Header = (String, Vec<u8>);

/// One header line borrowed from the fetched map: no copy per line.
pub type Line<'a> = (&'a str, &'a [u8]);

/// Parses a serialized map into lines that borrow from it (what the glue uses: one
/// allocation for the list, none per line). Malformed input yields the lines that
/// could be read; a line whose name is not UTF-8 is skipped (Envoy's codecs never
/// let one through).
pub fn parse_borrowed(bytes: &[u8]) -> Vec<Line<'_>> {
    let mut out = Vec::with_capacity(max_entries(bytes));
    out.extend(entries(bytes).filter_map(|(n, v)| Some((std::str::from_utf8(n).ok()?, v))));
    out
}

/// Parses a serialized map into owned lines; a name that is not UTF-8 is converted
/// lossily.
pub fn parse(bytes: &[u8]) -> Vec<Header> {
    let mut out = Vec::with_capacity(max_entries(bytes));
    out.extend(entries(bytes).map(|(n, v)| (String::from_utf8_lossy(n).into_owned(), v.to_vec())));
    out
}

/// The entry count the map claims, bounded by its size: each entry needs at least
/// 8 bytes of sizes and 2 NULs, so a forged count cannot make us allocate.
fn max_entries(bytes: &[u8]) -> usize {
    read_u32(bytes, 0).map_or(0, |n| (n as usize).min(bytes.len() / 10))
}

/// The (name, value) byte slices of a serialized map, as far as it is well-formed.
fn entries(bytes: &[u8]) -> impl Iterator<Item = (&[u8], &[u8])> {
    let count = max_entries(bytes);
    let mut data = 4usize.saturating_add(count.saturating_mul(8));
    (0..count).map_while(move |i| {
        let sizes = 4 + i * 8;
        let name_len = read_u32(bytes, sizes)? as usize;
        let value_len = read_u32(bytes, sizes + 4)? as usize;
        let name = slice(bytes, data, name_len)?;
        data = data.saturating_add(name_len).saturating_add(1);
        let value = slice(bytes, data, value_len)?;
        data = data.saturating_add(value_len).saturating_add(1);
        Some((name, value))
    })
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
        let bytes = serialize(&lines);
        assert_eq!(parse_borrowed(&bytes), lines);
        let parsed = parse(&bytes);
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
            let _ = parse_borrowed(&good[..cut]);
        }
        // non-UTF-8 name: lossy when owned, skipped when borrowed
        let mut odd = serialize(&[("xa", "v"), ("ok", "w")]);
        let at = 4 + 2 * 8;
        odd[at] = 0xff;
        assert_eq!(parse(&odd)[0].0, "\u{fffd}a");
        assert_eq!(parse_borrowed(&odd), vec![("ok", &b"w"[..])]);
    }
}
