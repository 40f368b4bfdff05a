//! Compiles the Public Suffix List (data/public_suffix_list.dat, see
//! docs/origin-trust.md) into a compact table the filter searches at load time.
//!
//! Each rule becomes a key: its labels right to left, joined by dots, with the
//! list's own markers (`*.ck` -> `ck.*`, `!www.ck` -> `ck.!www`), Unicode labels in
//! their punycode form (what browsers send). The keys are sorted and front-coded:
//! per key a head (bytes shared with the previous key, +128: private section) and
//! the rest of its bytes, then an end mark. Heads and bytes are Huffman-coded (two
//! canonical codes): 41 KB instead of 65 KB of plain front-coded bytes. Every 32nd key is
//! stored whole, and its bit offset listed, for a binary search.

use std::error::Error;
use std::fmt::Write as _;
use std::fs;
use std::path::Path;

const LIST: &str = "data/public_suffix_list.dat";
const BLOCK: usize = 32;

fn main() -> Result<(), Box<dyn Error>> {
    println!("cargo:rerun-if-changed={LIST}");
    println!("cargo:rerun-if-changed=build.rs");
    let text = fs::read_to_string(LIST)?;
    check_punycode(&text)?;
    let mut keys: Vec<(Vec<u8>, bool)> = Vec::new();
    let mut private = false;
    for line in text.lines() {
        let line = line.trim();
        if line.contains("===BEGIN PRIVATE DOMAINS===") {
            private = true;
        }
        if line.is_empty() || line.starts_with("//") {
            continue;
        }
        let rule = line.split_whitespace().next().unwrap_or_default().to_lowercase();
        keys.push((key(&rule)?.into_bytes(), private));
    }
    keys.sort();
    keys.dedup_by(|a, b| a.0 == b.0);
    if keys.len() < 1000 {
        return Err(format!("{LIST}: only {} rules; is it the Public Suffix List?", keys.len()).into());
    }
    // Symbols: heads (0..=255) in one code, key bytes (0..=127) and END in the other.
    let mut entries: Vec<(u16, &[u8])> = Vec::new();
    let mut prev: &[u8] = &[];
    for (i, (k, private)) in keys.iter().enumerate() {
        let shared = if i % BLOCK == 0 {
            0
        } else {
            prev.iter().zip(k.iter()).take_while(|(a, b)| a == b).count()
        };
        if shared > 0x7f || k.len() == shared || !k.is_ascii() {
            return Err(format!("cannot encode rule key {:?}", String::from_utf8_lossy(k)).into());
        }
        entries.push((u16::try_from(shared)? | if *private { 0x80 } else { 0 }, &k[shared..]));
        prev = k;
    }
    let mut head_freq = vec![0u64; 256];
    let mut byte_freq = vec![0u64; 129];
    for (head, rest) in &entries {
        head_freq[usize::from(*head)] += 1;
        for &b in *rest {
            byte_freq[usize::from(b)] += 1;
        }
        byte_freq[END] += 1;
    }
    let heads = Code::new(&head_freq)?;
    let bytes = Code::new(&byte_freq)?;
    let mut bits = Bits::default();
    let mut restarts: Vec<u32> = Vec::new();
    for (i, (head, rest)) in entries.iter().enumerate() {
        if i % BLOCK == 0 {
            restarts.push(u32::try_from(bits.len)?);
        }
        heads.put(&mut bits, usize::from(*head));
        for &b in *rest {
            bytes.put(&mut bits, usize::from(b));
        }
        bytes.put(&mut bits, END);
    }
    let out = std::env::var("OUT_DIR")?;
    fs::write(Path::new(&out).join("public_suffix.bin"), &bits.bytes)?;
    let mut rs = String::new();
    writeln!(rs, "/// Rules in the list compiled in.")?;
    writeln!(rs, "pub const RULES: usize = {};", keys.len())?;
    writeln!(rs, "/// Bit offsets of every {BLOCK}th key, stored whole.")?;
    writeln!(rs, "static RESTARTS: [u32; {}] = {restarts:?};", restarts.len())?;
    writeln!(rs, "/// The end of the bit stream.")?;
    writeln!(rs, "const KEY_BITS: usize = {};", bits.len)?;
    writeln!(rs, "static HEADS: Huffman = {};", heads.table())?;
    writeln!(rs, "static BYTES: Huffman = {};", bytes.table())?;
    writeln!(
        rs,
        "static KEYS: &[u8] = include_bytes!(concat!(env!(\"OUT_DIR\"), \"/public_suffix.bin\"));"
    )?;
    fs::write(Path::new(&out).join("public_suffix.rs"), rs)?;
    Ok(())
}

/// The key byte code's end-of-key symbol.
const END: usize = 128;
/// Longest code; src/public_suffix.rs decodes up to this many bits.
const MAX_BITS: usize = 24;

#[derive(Default)]
struct Bits {
    bytes: Vec<u8>,
    len: usize,
}

impl Bits {
    fn push(&mut self, bit: bool) {
        if self.len % 8 == 0 {
            self.bytes.push(0);
        }
        if bit {
            if let Some(last) = self.bytes.last_mut() {
                *last |= 0x80 >> (self.len % 8);
            }
        }
        self.len += 1;
    }
}

/// A canonical Huffman code: per symbol its length and code.
struct Code {
    lens: Vec<usize>,
    codes: Vec<u32>,
}

impl Code {
    fn new(freq: &[u64]) -> Result<Code, Box<dyn Error>> {
        // Huffman's algorithm; ties broken by node number, so builds are reproducible.
        let mut nodes: Vec<(u64, Option<(usize, usize)>)> = freq.iter().map(|&f| (f, None)).collect();
        let mut open: Vec<usize> = (0..freq.len()).filter(|&s| freq[s] > 0).collect();
        while open.len() > 1 {
            open.sort_by_key(|&n| (std::cmp::Reverse(nodes[n].0), std::cmp::Reverse(n)));
            let (a, b) = (open.pop().ok_or("huffman")?, open.pop().ok_or("huffman")?);
            nodes.push((nodes[a].0 + nodes[b].0, Some((a, b))));
            open.push(nodes.len() - 1);
        }
        let mut lens = vec![0usize; freq.len()];
        let mut stack: Vec<(usize, usize)> = open.iter().map(|&r| (r, 0)).collect();
        while let Some((n, depth)) = stack.pop() {
            match nodes[n].1 {
                Some((a, b)) => {
                    stack.push((a, depth + 1));
                    stack.push((b, depth + 1));
                }
                None => lens[n] = depth.max(1),
            }
        }
        if lens.iter().any(|&l| l > MAX_BITS) {
            return Err("a Huffman code longer than MAX_BITS".into());
        }
        let mut order: Vec<usize> = (0..freq.len()).filter(|&s| lens[s] > 0).collect();
        order.sort_by_key(|&s| (lens[s], s));
        let mut codes = vec![0u32; freq.len()];
        let (mut code, mut len) = (0u32, 0usize);
        for s in order {
            code <<= lens[s] - len;
            len = lens[s];
            codes[s] = code;
            code += 1;
        }
        Ok(Code { lens, codes })
    }

    fn put(&self, bits: &mut Bits, symbol: usize) {
        let len = self.lens[symbol];
        for i in (0..len).rev() {
            bits.push(self.codes[symbol] >> i & 1 == 1);
        }
    }

    /// The decoder's view: codes per length, symbols in code order.
    fn table(&self) -> String {
        let mut counts = [0u16; MAX_BITS + 1];
        for &l in &self.lens {
            if l > 0 {
                counts[l] += 1;
            }
        }
        let mut order: Vec<usize> = (0..self.lens.len()).filter(|&s| self.lens[s] > 0).collect();
        order.sort_by_key(|&s| (self.lens[s], s));
        // The first 8 bits decide most symbols: (length << 9) | symbol, 0 when longer.
        let mut fast = [0u16; 256];
        for (s, &len) in self.lens.iter().enumerate() {
            if (1..=8).contains(&len) {
                let first = (self.codes[s] as usize) << (8 - len);
                for fill in 0..1usize << (8 - len) {
                    fast[first | fill] = ((len as u16) << 9) | s as u16;
                }
            }
        }
        format!("Huffman {{ counts: &{counts:?}, symbols: &{order:?}, fast: &{fast:?} }}")
    }
}

/// `a.b.c` -> `c.b.a`, each label in punycode; markers stay on their label.
fn key(rule: &str) -> Result<String, Box<dyn Error>> {
    let (exception, name) = match rule.strip_prefix('!') {
        Some(n) => (true, n),
        None => (false, rule),
    };
    let mut labels: Vec<String> = name.split('.').map(label).collect::<Result<_, _>>()?;
    if labels.iter().any(String::is_empty) {
        return Err(format!("{LIST}: empty label in {rule:?}").into());
    }
    if exception {
        labels[0].insert(0, '!');
    }
    labels.reverse();
    Ok(labels.join("."))
}

fn label(l: &str) -> Result<String, Box<dyn Error>> {
    if l.is_ascii() {
        Ok(l.to_string())
    } else {
        Ok(format!("xn--{}", punycode(l)?))
    }
}

/// RFC 3492 encoding. The list's Unicode entries are already lower case and NFC
/// (the list's own requirement), so IDNA adds nothing else here.
fn punycode(input: &str) -> Result<String, Box<dyn Error>> {
    const BASE: u32 = 36;
    const TMIN: u32 = 1;
    const TMAX: u32 = 26;
    let cps: Vec<u32> = input.chars().map(u32::from).collect();
    let mut out: String = input.chars().filter(char::is_ascii).collect();
    let basic = u32::try_from(out.len())?;
    if basic > 0 {
        out.push('-');
    }
    let digit = |d: u32| -> Result<char, Box<dyn Error>> {
        let b = if d < 26 {
            b'a' + u8::try_from(d)?
        } else {
            b'0' + u8::try_from(d - 26)?
        };
        Ok(char::from(b))
    };
    let (mut n, mut delta, mut bias, mut handled) = (128u32, 0u32, 72u32, basic);
    let total = u32::try_from(cps.len())?;
    while handled < total {
        let m = cps.iter().copied().filter(|&c| c >= n).min().unwrap_or(n);
        delta = delta
            .checked_add((m - n).checked_mul(handled + 1).ok_or("punycode overflow")?)
            .ok_or("punycode overflow")?;
        n = m;
        for &c in &cps {
            if c < n {
                delta += 1;
            }
            if c == n {
                let mut q = delta;
                let mut k = BASE;
                loop {
                    let t = if k <= bias {
                        TMIN
                    } else if k >= bias + TMAX {
                        TMAX
                    } else {
                        k - bias
                    };
                    if q < t {
                        break;
                    }
                    out.push(digit(t + (q - t) % (BASE - t))?);
                    q = (q - t) / (BASE - t);
                    k += BASE;
                }
                out.push(digit(q)?);
                bias = adapt(delta, handled + 1, handled == basic);
                delta = 0;
                handled += 1;
            }
        }
        delta += 1;
        n += 1;
    }
    Ok(out)
}

fn adapt(delta: u32, points: u32, first: bool) -> u32 {
    const BASE: u32 = 36;
    let mut delta = if first { delta / 700 } else { delta / 2 };
    delta += delta / points;
    let mut k = 0;
    while delta > ((BASE - 1) * 26) / 2 {
        delta /= BASE - 1;
        k += BASE;
    }
    k + (BASE * delta) / (delta + 38)
}

/// The list annotates its Unicode top-level domains with their punycode
/// (`// xn--p1ai ("rf", Russian-Cyrillic) : RU`, then `рф`): every one must agree
/// with our encoder, and RFC 3492's own examples too.
fn check_punycode(text: &str) -> Result<(), Box<dyn Error>> {
    for (unicode, ascii) in [
        ("公司", "55qx5d"),
        ("рф", "p1ai"),
        ("bücher", "bcher-kva"),
        ("ελ", "qxam"),
    ] {
        if punycode(unicode)? != ascii {
            return Err(format!("punycode({unicode}) != {ascii}").into());
        }
    }
    let mut annotated: Option<&str> = None;
    let mut checked = 0;
    for line in text.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("// xn--") {
            annotated = rest.split_whitespace().next();
            continue;
        }
        if line.is_empty() || line.starts_with("//") {
            continue;
        }
        if let Some(want) = annotated.take() {
            if !line.is_ascii() && !line.contains('.') {
                if punycode(line)? != want {
                    return Err(format!("{LIST}: punycode({line}) != xn--{want}").into());
                }
                checked += 1;
            }
        }
    }
    if checked < 50 {
        return Err(format!("{LIST}: only {checked} punycode annotations checked").into());
    }
    Ok(())
}
