//! Compiles the Public Suffix List (data/public_suffix_list.dat, see
//! docs/origin-trust.md) into a compact table the filter searches at load time.
//!
//! Each rule becomes a key: its labels right to left, joined by dots, with the
//! list's own markers (`*.ck` -> `ck.*`, `!www.ck` -> `ck.!www`), Unicode labels in
//! their punycode form (what browsers send). The keys are sorted and front-coded:
//! per key one byte (bytes shared with the previous key, high bit: private section)
//! and the rest, whose last byte has its high bit set (keys are ASCII). Every 16th
//! key is stored whole, and its offset listed, for a binary search.

use std::error::Error;
use std::fmt::Write as _;
use std::fs;
use std::path::Path;

const LIST: &str = "data/public_suffix_list.dat";
const BLOCK: usize = 16;

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
    let mut blob: Vec<u8> = Vec::new();
    let mut restarts: Vec<u32> = Vec::new();
    let mut prev: &[u8] = &[];
    for (i, (k, private)) in keys.iter().enumerate() {
        let shared = if i % BLOCK == 0 {
            restarts.push(u32::try_from(blob.len())?);
            0
        } else {
            prev.iter().zip(k.iter()).take_while(|(a, b)| a == b).count()
        };
        if shared > 0x7f || k.len() == shared || !k.is_ascii() {
            return Err(format!("cannot encode rule key {:?}", String::from_utf8_lossy(k)).into());
        }
        blob.push(u8::try_from(shared)? | if *private { 0x80 } else { 0 });
        let rest = &k[shared..];
        blob.extend_from_slice(&rest[..rest.len() - 1]);
        blob.push(rest[rest.len() - 1] | 0x80);
        prev = k;
    }
    let out = std::env::var("OUT_DIR")?;
    fs::write(Path::new(&out).join("public_suffix.bin"), &blob)?;
    let mut rs = String::new();
    writeln!(rs, "/// Rules in the list compiled in.")?;
    writeln!(rs, "pub const RULES: usize = {};", keys.len())?;
    writeln!(rs, "/// Byte offsets of every {BLOCK}th key, stored whole.")?;
    write!(rs, "static RESTARTS: [u32; {}] = [", restarts.len())?;
    for r in &restarts {
        write!(rs, "{r},")?;
    }
    writeln!(rs, "];")?;
    writeln!(
        rs,
        "static KEYS: &[u8] = include_bytes!(concat!(env!(\"OUT_DIR\"), \"/public_suffix.bin\"));"
    )?;
    fs::write(Path::new(&out).join("public_suffix.rs"), rs)?;
    Ok(())
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
