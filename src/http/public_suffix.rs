//! The Public Suffix List (ICANN and private sections), compiled in at build time
//! from data/public_suffix_list.dat (build.rs; refresh: `make psl`): names under which
//! anyone can register their own (`co.uk`, `github.io`, `s3.amazonaws.com`).
//! Lookups happen while a configuration loads, never per request.
//!
//! Names are compared as browsers send hosts: ASCII, lower case, punycode.

include!(concat!(env!("OUT_DIR"), "/public_suffix.rs"));

/// The list entry behind an answer, as the list writes it (`*.ck`,
/// `s3.amazonaws.com`; `*` for a top-level domain no entry names).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub rule: String,
    /// From the list's private section (a company's shared hosting domain).
    pub private: bool,
}

/// Whether `name` is a public suffix (the list's algorithm: the longest matching
/// rule, exceptions first, `*` when nothing matches), with the entry that says so.
pub fn public_suffix(name: &str) -> Option<Entry> {
    let labels = labels(name)?;
    // An exception (`!www.ck`) matching `name` or a parent makes the suffix shorter than `name`.
    for start in 0..labels.len().saturating_sub(1) {
        let mut k = key(&labels[start..]);
        let first = labels[start].len();
        k.insert(k.len() - first, '!');
        if find(&k).is_some() {
            return None;
        }
    }
    let exact = key(&labels);
    if let Some(private) = find(&exact) {
        return Some(entry(labels.join("."), private));
    }
    if labels.len() >= 2 {
        let parent = &labels[1..];
        if let Some(private) = find(&format!("{}.*", key(parent))) {
            return Some(entry(format!("*.{}", parent.join(".")), private));
        }
        return None;
    }
    Some(entry("*".into(), false))
}

/// Whether others can register names under `name`: it is a public suffix, or the list
/// has an entry below it (`s3.amazonaws.com` below `amazonaws.com`, so
/// `evil.s3.amazonaws.com` is someone else's). `None`: every name under `name`
/// belongs to whoever holds `name`.
pub fn shared(name: &str) -> Option<Entry> {
    public_suffix(name).or_else(|| entry_below(name))
}

/// The first list entry strictly below `name`, if any.
pub fn entry_below(name: &str) -> Option<Entry> {
    let labels = labels(name)?;
    let prefix = format!("{}.", key(&labels));
    let (k, private) = lower_bound(prefix.as_bytes())?;
    if !k.starts_with(prefix.as_bytes()) {
        return None;
    }
    let text = String::from_utf8_lossy(&k).into_owned();
    let mut parts: Vec<&str> = text.split('.').collect();
    parts.reverse();
    Some(entry(parts.join("."), private))
}

fn entry(rule: String, private: bool) -> Entry {
    Entry { rule, private }
}

/// Lower-case labels of a host name (one trailing dot allowed); `None` for anything
/// that is not one.
fn labels(name: &str) -> Option<Vec<String>> {
    let name = name.strip_suffix('.').unwrap_or(name);
    if name.is_empty() || !name.is_ascii() {
        return None;
    }
    let labels: Vec<String> = name.split('.').map(str::to_ascii_lowercase).collect();
    if labels.iter().any(|l| l.is_empty() || l.contains(['*', '!'])) {
        return None;
    }
    Some(labels)
}

/// `["a", "b", "c"]` -> `c.b.a`, the compiled form of a rule.
fn key(labels: &[String]) -> String {
    let mut parts: Vec<&str> = labels.iter().map(String::as_str).collect();
    parts.reverse();
    parts.join(".")
}

/// Whether `key` is in the list, and from which section.
fn find(key: &str) -> Option<bool> {
    let (k, private) = lower_bound(key.as_bytes())?;
    (k == key.as_bytes()).then_some(private)
}

/// The first compiled key `>= target`, with its section bit.
fn lower_bound(target: &[u8]) -> Option<(Vec<u8>, bool)> {
    let mut key = Vec::with_capacity(64);
    // The last block whose first key is <= target (or the first block).
    let block = RESTARTS.partition_point(|&at| {
        key.clear();
        decode_into(at as usize, &mut key).is_some() && key.as_slice() <= target
    });
    let mut at = RESTARTS.get(block.saturating_sub(1)).copied()? as usize;
    key.clear();
    while let Some((private, next)) = decode_into(at, &mut key) {
        if key.as_slice() >= target {
            return Some((key, private));
        }
        at = next;
    }
    None
}

/// A canonical Huffman code (build.rs): how many codes have each length, and the
/// symbols in code order.
struct Huffman {
    counts: &'static [u16],
    symbols: &'static [u16],
    /// By the next 8 bits: `(length << 9) | symbol` for codes up to 8 bits, else 0.
    fast: &'static [u16; 256],
}

/// The symbol of the key bytes' code that ends a key.
const END: u16 = 128;

impl Huffman {
    /// The symbol at bit `*at`, advancing it.
    fn read(&self, at: &mut usize) -> Option<u16> {
        let byte = |i: usize| u16::from(KEYS.get(i).copied().unwrap_or(0));
        let window = ((byte(*at / 8) << 8 | byte(*at / 8 + 1)) << (*at % 8)) >> 8;
        let hit = self.fast[usize::from(window & 0xff)];
        let len = usize::from(hit >> 9);
        if len > 0 && *at + len <= KEY_BITS {
            *at += len;
            return Some(hit & 0x1ff);
        }
        let (mut code, mut first, mut index) = (0usize, 0usize, 0usize);
        for &count in self.counts.iter().skip(1) {
            let byte = *KEYS.get(*at / 8)?;
            code |= usize::from(byte >> (7 - *at % 8) & 1);
            *at += 1;
            let count = usize::from(count);
            if code < first + count {
                return self.symbols.get(index + code - first).copied();
            }
            index += count;
            first = (first + count) << 1;
            code <<= 1;
        }
        None
    }
}

/// The key at bit offset `at`, written over the previous key in `key` (it keeps the
/// bytes the two share): (private, next offset).
fn decode_into(mut at: usize, key: &mut Vec<u8>) -> Option<(bool, usize)> {
    if at >= KEY_BITS {
        return None;
    }
    let head = HEADS.read(&mut at)?;
    let shared = usize::from(head & 0x7f);
    if shared > key.len() {
        return None;
    }
    key.truncate(shared);
    loop {
        match BYTES.read(&mut at)? {
            END => return Some((head & 0x80 != 0, at)),
            b => key.push(u8::try_from(b).ok()?),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ps(name: &str) -> Option<String> {
        public_suffix(name).map(|e| e.rule)
    }

    /// The list's own test cases (github.com/publicsuffix/list tests/test_psl.txt),
    /// read as "is X itself a public suffix", plus the domains the issue names.
    #[test]
    fn public_suffix_table() {
        let rows: &[(&str, Option<&str>)] = &[
            ("com", Some("com")),
            ("example.com", None),
            ("b.example.com", None),
            ("uk", Some("uk")),
            ("co.uk", Some("co.uk")),
            ("example.co.uk", None),
            ("ck", Some("*")),
            ("test.ck", Some("*.ck")),
            ("www.ck", None),
            ("b.www.ck", None),
            ("jp", Some("jp")),
            ("kyoto.jp", Some("kyoto.jp")),
            ("ide.kyoto.jp", Some("ide.kyoto.jp")),
            ("b.ide.kyoto.jp", None),
            ("c.kobe.jp", Some("*.kobe.jp")),
            ("city.kobe.jp", None),
            ("www.city.kobe.jp", None),
            ("us", Some("us")),
            ("ak.us", Some("ak.us")),
            ("k12.ak.us", Some("k12.ak.us")),
            ("test.k12.ak.us", None),
            ("xn--85x722f.com.cn", None),
            ("xn--55qx5d.cn", Some("xn--55qx5d.cn")),
            ("xn--p1ai", Some("xn--p1ai")),
            ("localhost", Some("*")),
            ("corp", Some("*")),
            ("s3.amazonaws.com", Some("s3.amazonaws.com")),
            ("mybucket.s3.amazonaws.com", None),
            ("blob.core.windows.net", Some("blob.core.windows.net")),
            ("run.app", None),
            ("my-service.run.app", Some("*.run.app")),
            ("blogspot.com", Some("blogspot.com")),
            ("r2.dev", Some("r2.dev")),
            ("co.il", Some("co.il")),
            ("com.sg", Some("com.sg")),
            ("github.io", Some("github.io")),
            ("vercel.app", Some("vercel.app")),
            ("myapp.vercel.app", None),
            ("CO.UK", Some("co.uk")),
            ("co.uk.", Some("co.uk")),
            ("", None),
            ("a..b", None),
            ("b\u{fc}cher.de", None),
        ];
        let mut failures = Vec::new();
        for (name, want) in rows {
            let got = ps(name);
            if got.as_deref() != *want {
                failures.push(format!("{name:?}: got {got:?}, want {want:?}"));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn sections() {
        assert_eq!(public_suffix("co.uk").map(|e| e.private), Some(false));
        assert_eq!(public_suffix("github.io").map(|e| e.private), Some(true));
    }

    #[test]
    fn shared_names_include_those_with_entries_below() {
        // (name, shared, whether the entry is the name itself)
        let rows: &[(&str, bool, bool)] = &[
            ("amazonaws.com", true, false),
            ("windows.net", true, false),
            ("run.app", true, false),
            ("kobe.jp", true, false),
            ("co.uk", true, true),
            ("example.com", false, false),
            ("mybucket.s3.amazonaws.com", false, false),
            ("example.co.uk", false, false),
        ];
        for (name, want, itself) in rows {
            match shared(name) {
                None => assert!(!want, "{name}"),
                Some(e) => {
                    assert!(want, "{name}: {e:?}");
                    assert_eq!(e.rule == *name, *itself, "{name}: {e:?}");
                    assert!(e.rule.ends_with(name), "{name}: {e:?}");
                }
            }
        }
    }

    #[test]
    fn every_compiled_key_is_found() {
        let mut at = 0;
        let mut prev = Vec::new();
        let mut k = Vec::new();
        let mut n = 0;
        while let Some((_, next)) = decode_into(at, &mut k) {
            assert!(k > prev, "sorted");
            let key = String::from_utf8(k.clone()).unwrap();
            assert!(find(&key).is_some(), "{key}");
            prev = k.clone();
            at = next;
            n += 1;
        }
        assert_eq!(n, RULES);
        assert_eq!(at, KEY_BITS);
    }
}
