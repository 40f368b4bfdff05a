//! "Did you mean …?" for misspelt names: the nearest known name, if it is near enough.

/// Longer words get no suggestion: every known name is far shorter, and the edit
/// distance's table grows with the word, so an enormous unknown key could otherwise
/// exhaust the VM's memory at load.
const MAX_WORD: usize = 64;

/// The candidate closest to `word` (case, `_` versus `-` and camelCase ignored), if it
/// is at most two edits away and not further than a third of the word's length.
/// A `dyn` list: one copy in the .wasm for every caller's kind of list (load-time code).
fn nearest<'c>(word: &str, candidates: &mut dyn Iterator<Item = &'c str>) -> Option<&'c str> {
    if word.len() > MAX_WORD {
        return None;
    }
    let word = fold(word);
    let len = word.chars().count();
    let limit = (len / 3).clamp(1, 2);
    candidates
        .filter_map(|c| {
            let folded = fold(c);
            // Each edit changes the length by one at most: no need to compute the rest.
            (folded.chars().count().abs_diff(len) <= limit).then(|| (distance(&word, &folded), c))
        })
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// `; did you mean "x"?`, or nothing, for the end of an error message.
pub fn hint<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> String {
    hint_in(word, &mut candidates.into_iter())
}

fn hint_in(word: &str, candidates: &mut dyn Iterator<Item = &str>) -> String {
    match nearest(word, candidates) {
        Some(c) => format!("; did you mean \"{c}\"?"),
        None => String::new(),
    }
}

fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 4);
    let mut prev = ' ';
    for c in s.chars() {
        if c.is_ascii_uppercase() {
            if prev.is_ascii_lowercase() || prev.is_ascii_digit() {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
        } else if c == '_' {
            out.push('-');
        } else {
            out.push(c);
        }
        prev = c;
    }
    out
}

/// Edit distance over characters, a swap of neighbours counting as one edit
/// (optimal string alignment): `owsap` is one edit from `owasp`.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = d;
        }
    }
    rows[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nearest_of<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
        nearest(word, &mut candidates.into_iter())
    }

    #[test]
    fn suggests_only_near_names() {
        let known = ["default-src", "script-src", "no-referrer", "same-origin"];
        let cases = [
            ("defualt-src", Some("default-src")),
            ("default_src", Some("default-src")),
            ("scriptSrc", Some("script-src")),
            ("no-referer", Some("no-referrer")),
            ("sameorigin", Some("same-origin")),
            ("Same-Origin", Some("same-origin")),
            ("NO-REFERRER", Some("no-referrer")),
            ("foo-bar", None),
            ("", None),
            ("x", None),
        ];
        for (word, want) in cases {
            assert_eq!(nearest_of(word, known), want, "{word}");
        }
        assert_eq!(hint("scirpt-src", known), "; did you mean \"script-src\"?");
        assert_eq!(hint("zzz", known), "");
    }

    #[test]
    fn long_words_are_not_compared() {
        // A megabyte-long key would need a table of a megabyte times each candidate.
        let huge = "a".repeat(1 << 20);
        assert_eq!(nearest_of(&huge, ["default-src"]), None);
        let just_over = format!("default-src{}", "x".repeat(MAX_WORD));
        assert_eq!(nearest_of(&just_over, [just_over.as_str()]), None);
        // Up to the limit a near name is still found; lengths apart by more than two edits
        // are never near.
        let long = "x".repeat(MAX_WORD - 1);
        let near = format!("{long}y");
        assert_eq!(nearest_of(&near, [long.as_str()]), Some(long.as_str()));
        assert_eq!(nearest_of("script-src", ["script-src-elem"]), None);
        assert_eq!(
            nearest_of("script-sr", ["script-src-attr", "script-src"]),
            Some("script-src")
        );
    }

    #[test]
    fn distance_counts_edits() {
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("abc", "abc"), 0);
        assert_eq!(distance("owsap", "owasp"), 1);
    }
}
