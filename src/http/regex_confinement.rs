//! Which hosts can an origin regex admit? Decided from the regex's structure, never by
//! trying sample strings (docs/origin-trust.md).
//!
//! The regex (the syntax regex-lite accepts) is parsed into a small syntax tree,
//! compiled to an automaton over ASCII and intersected with the shape of an origin a
//! browser serializes (`scheme://host[:port]`, lower case). The intersection is then
//! walked backwards from its end, along every path:
//!
//! - the port, if any, must be written as digits (literal, or a class of digits: every
//!   port of a host the operator owns is theirs);
//! - the host, read right to left, must be literal (each step admits one character)
//!   until an escaped `.` whose right-hand side is a registrable domain (not a public
//!   suffix; the caller says which names are); to the left of that dot anything goes,
//!   since every such host is under the operator's domain. A host literal to its
//!   beginning is fine too (a finite set of exact hosts);
//! - the scheme must be literal, and not optional (`https?` also admits plain `http`,
//!   which anyone on the network path can answer for), except for loopback hosts.
//!
//! A step that admits more than one character before one of those points is the
//! origin nobody vetted; the analyser names an admitted origin as the example. What
//! the parser does not know is refused ("cannot prove"): callers only ask where
//! trust is at stake.
//!
//! Self-contained (std and regex-lite) so that the configuration code of any feature
//! can use it.

use std::collections::{BTreeSet, VecDeque};
use std::fmt;

/// A set of ASCII characters. Non-ASCII never appears in a serialized origin (hosts
/// are punycode), so a regex's non-ASCII alternatives are dropped.
type Set = u128;

const fn bit(b: u8) -> Set {
    if b < 128 {
        1u128 << b
    } else {
        0
    }
}

const fn range(lo: u8, hi: u8) -> Set {
    let mut s = 0;
    let mut b = lo;
    while b <= hi && b < 128 {
        s |= bit(b);
        b += 1;
    }
    s
}

const ALL: Set = u128::MAX;
const DIGITS: Set = range(b'0', b'9');
const LOWER: Set = range(b'a', b'z');
const UPPER: Set = range(b'A', b'Z');
const WORD: Set = DIGITS | LOWER | UPPER | bit(b'_');
const SPACE: Set = bit(b'\t') | bit(b'\n') | bit(0x0b) | bit(0x0c) | bit(b'\r') | bit(b' ');
const SCHEME_REST: Set = LOWER | DIGITS | bit(b'+') | bit(b'-') | bit(b'.');
/// What the WHATWG URL parser leaves in a domain: printable ASCII except upper case
/// (lower-cased) and the forbidden domain code points. Deliberately broad: a host an
/// attacker can put in an Origin is what matters, not what a registrar sells.
const DOMAIN: Set = range(0x21, 0x7e)
    & !UPPER
    & !(bit(b'#')
        | bit(b'%')
        | bit(b'/')
        | bit(b':')
        | bit(b'<')
        | bit(b'>')
        | bit(b'?')
        | bit(b'@')
        | bit(b'[')
        | bit(b'\\')
        | bit(b']')
        | bit(b'^')
        | bit(b'|'));
const IPV6: Set = DIGITS | range(b'a', b'f') | bit(b':') | bit(b'.');

/// The longest host name (RFC 1035) and scheme worth following.
const MAX_HOST: usize = 253;
const MAX_SCHEME: usize = 32;
/// Bounds on a hostile or careless configuration: automaton size and search steps.
const MAX_STATES: usize = 20_000;
const MAX_STEPS: usize = 400_000;
/// `x{n,m}` is unrolled up to this many copies; beyond, it is read as `x{16,}` (a
/// superset: proving that safe proves the original safe).
const MAX_UNROLL: u32 = 16;

// ---------------------------------------------------------------------------------
// Syntax

#[derive(Debug, Clone)]
enum Node {
    /// One character out of a set.
    Char(Set),
    /// The empty string: also anchors and word boundaries (read as "always true",
    /// which only widens the language).
    Empty,
    Concat(Vec<Node>),
    Alt(Vec<Node>),
    Repeat(Box<Node>, u32, Option<u32>),
}

#[derive(Debug, Clone, Copy, Default)]
struct Flags {
    fold: bool,
    verbose: bool,
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

type Parsed<T> = Result<T, String>;

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn next(&mut self) -> Parsed<u8> {
        let b = self.peek().ok_or("unexpected end of the regex")?;
        self.i += 1;
        Ok(b)
    }

    /// A whole (UTF-8) character starting at the current byte, as a set: non-ASCII
    /// characters are the empty set.
    fn char_at(&mut self) -> Parsed<Set> {
        let b = self.next()?;
        if b < 128 {
            return Ok(bit(b));
        }
        while self.peek().is_some_and(|c| c & 0xc0 == 0x80) {
            self.i += 1;
        }
        Ok(0)
    }

    fn skip_verbose(&mut self, flags: Flags) {
        if !flags.verbose {
            return;
        }
        loop {
            match self.peek() {
                Some(b) if SPACE & bit(b) != 0 => self.i += 1,
                Some(b'#') => {
                    while self.peek().is_some_and(|b| b != b'\n') {
                        self.i += 1;
                    }
                }
                _ => return,
            }
        }
    }

    fn alternation(&mut self, flags: &mut Flags) -> Parsed<Node> {
        let mut branches = vec![self.concat(flags)?];
        while self.eat(b'|') {
            branches.push(self.concat(flags)?);
        }
        Ok(if branches.len() == 1 {
            branches.swap_remove(0)
        } else {
            Node::Alt(branches)
        })
    }

    fn concat(&mut self, flags: &mut Flags) -> Parsed<Node> {
        let mut items: Vec<Node> = Vec::new();
        loop {
            self.skip_verbose(*flags);
            let Some(b) = self.peek() else { break };
            let atom = match b {
                b'|' | b')' => break,
                b'*' | b'+' | b'?' | b'{' => {
                    let last = items.pop().ok_or("a repetition with nothing to repeat")?;
                    let (min, max) = self.repetition()?;
                    items.push(Node::Repeat(Box::new(last), min, max));
                    continue;
                }
                b'(' => {
                    self.i += 1;
                    match self.group(flags)? {
                        Some(node) => node,
                        None => continue, // `(?i)`: flags for the rest of this group
                    }
                }
                b'[' => {
                    self.i += 1;
                    Node::Char(fold(self.class(*flags)?, flags.fold))
                }
                b'.' => {
                    self.i += 1;
                    Node::Char(ALL)
                }
                b'^' | b'$' => {
                    self.i += 1;
                    Node::Empty
                }
                b'\\' => {
                    self.i += 1;
                    match self.escape(false)? {
                        Some(set) => Node::Char(fold(set, flags.fold)),
                        None => Node::Empty,
                    }
                }
                _ => Node::Char(fold(self.char_at()?, flags.fold)),
            };
            items.push(atom);
        }
        Ok(match items.len() {
            0 => Node::Empty,
            1 => items.swap_remove(0),
            _ => Node::Concat(items),
        })
    }

    /// After `*`, `+`, `?` or `{`: the bounds (a trailing `?`, lazy, changes nothing
    /// about the language).
    fn repetition(&mut self) -> Parsed<(u32, Option<u32>)> {
        let bounds = match self.next()? {
            b'*' => (0, None),
            b'+' => (1, None),
            b'?' => (0, Some(1)),
            _ => {
                let min = self.number()?;
                let bounds = if self.eat(b',') {
                    let max = if self.peek() == Some(b'}') {
                        None
                    } else {
                        Some(self.number()?.ok_or("a counted repetition needs a number")?)
                    };
                    (min.unwrap_or(0), max)
                } else {
                    let n = min.ok_or("a counted repetition needs a number")?;
                    (n, Some(n))
                };
                if !self.eat(b'}') {
                    return Err("an unclosed counted repetition".into());
                }
                bounds
            }
        };
        self.eat(b'?');
        if matches!(self.peek(), Some(b'*' | b'+' | b'?' | b'{')) {
            return Err("a repetition of a repetition".into());
        }
        Ok(bounds)
    }

    fn number(&mut self) -> Parsed<Option<u32>> {
        let start = self.i;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.i += 1;
        }
        if start == self.i {
            return Ok(None);
        }
        std::str::from_utf8(&self.s[start..self.i])
            .ok()
            .and_then(|n| n.parse().ok())
            .map(Some)
            .ok_or_else(|| "a repetition count out of range".into())
    }

    /// After `(`: a group (its node), or `None` for a bare flag group `(?i)`, whose
    /// flags apply to the rest of the enclosing group.
    fn group(&mut self, flags: &mut Flags) -> Parsed<Option<Node>> {
        let mut inner = *flags;
        if self.eat(b'?') {
            if self.eat(b'P') || self.peek() == Some(b'<') {
                if !self.eat(b'<') {
                    return Err("an unsupported group".into());
                }
                while self.next()? != b'>' {}
            } else {
                let mut on = true;
                loop {
                    match self.next()? {
                        b'i' => inner.fold = on,
                        b'x' => inner.verbose = on,
                        b'm' | b's' | b'U' | b'R' => {}
                        b'-' => on = false,
                        b':' => break,
                        b')' => {
                            *flags = inner;
                            return Ok(None);
                        }
                        _ => return Err("an unsupported group".into()),
                    }
                }
            }
        }
        let node = self.alternation(&mut inner)?;
        if !self.eat(b')') {
            return Err("an unclosed group".into());
        }
        Ok(Some(node))
    }

    /// After `\`: a character set, or `None` for an assertion (`\b`, `\A`, ...).
    fn escape(&mut self, in_class: bool) -> Parsed<Option<Set>> {
        let b = self.next()?;
        let set = match b {
            b'd' => DIGITS,
            b'D' => !DIGITS,
            b'w' => WORD,
            b'W' => !WORD,
            b's' => SPACE,
            b'S' => !SPACE,
            b'n' => bit(b'\n'),
            b't' => bit(b'\t'),
            b'r' => bit(b'\r'),
            b'f' => bit(0x0c),
            b'v' => bit(0x0b),
            b'a' => bit(0x07),
            b'x' | b'u' | b'U' => return self.hex(b).map(Some),
            b'b' | b'B' | b'A' | b'z' | b'<' | b'>' if !in_class => {
                if b == b'b' && self.peek() == Some(b'{') {
                    while self.next()? != b'}' {}
                }
                return Ok(None);
            }
            b'b' if in_class => bit(0x08),
            b if b.is_ascii_punctuation() || b == b' ' => bit(b),
            _ => return Err(format!("an unsupported escape \\{}", char::from(b))),
        };
        Ok(Some(set))
    }

    /// `\x7F`, `\x{...}`, `\u0041`, `\u{...}`, `\U00000041`.
    fn hex(&mut self, kind: u8) -> Parsed<Set> {
        let digits: Vec<u8> = if self.eat(b'{') {
            let mut d = Vec::new();
            loop {
                match self.next()? {
                    b'}' => break,
                    c => d.push(c),
                }
            }
            d
        } else {
            let n = match kind {
                b'x' => 2,
                b'u' => 4,
                _ => 8,
            };
            (0..n).map(|_| self.next()).collect::<Parsed<_>>()?
        };
        let text = std::str::from_utf8(&digits).map_err(|_| "a bad hex escape")?;
        let code = u32::from_str_radix(text, 16).map_err(|_| "a bad hex escape")?;
        Ok(u8::try_from(code).map_or(0, bit))
    }

    /// After `[`: the class, with nested classes, ranges, `[:name:]` and the set
    /// operations `&&`, `--`, `~~` (left to right, after union).
    fn class(&mut self, flags: Flags) -> Parsed<Set> {
        let negated = self.eat(b'^');
        let mut acc: Option<Set> = None;
        let mut op: Option<u8> = None;
        let mut current: Set = 0;
        let mut first = true;
        loop {
            let b = self.peek().ok_or("an unclosed class")?;
            if b == b']' && !first {
                self.i += 1;
                break;
            }
            first = false;
            if let Some(o @ (b'&' | b'-' | b'~')) = Some(b) {
                if self.s.get(self.i + 1) == Some(&o) {
                    self.i += 2;
                    acc = Some(apply(acc, op, current));
                    op = Some(o);
                    current = 0;
                    continue;
                }
            }
            let item = self.class_item(flags)?;
            // A range `a-z` (a `-` before `]` or another `-` is a literal).
            if self.peek() == Some(b'-') && !matches!(self.s.get(self.i + 1), Some(b']') | Some(b'-') | None) {
                if let Some(lo) = single(item) {
                    self.i += 1;
                    let hi_item = self.class_item(flags)?;
                    let hi = single(hi_item).ok_or("a class range needs single characters")?;
                    current |= range(lo, hi);
                    if hi_item == 0 {
                        current |= range(lo, 127); // a non-ASCII upper bound
                    }
                    continue;
                }
            }
            current |= item;
        }
        let set = fold(apply(acc, op, current), flags.fold);
        Ok(if negated { !set } else { set })
    }

    fn class_item(&mut self, flags: Flags) -> Parsed<Set> {
        let b = self.peek().ok_or("an unclosed class")?;
        if b == b'[' {
            if self.s[self.i..].starts_with(b"[:") {
                if let Some(end) = self.s[self.i..].windows(2).position(|w| w == b":]") {
                    let name = &self.s[self.i + 2..self.i + end];
                    let (neg, name) = match name.strip_prefix(b"^") {
                        Some(n) => (true, n),
                        None => (false, name),
                    };
                    let set = posix(name).ok_or("an unknown [:class:]")?;
                    self.i += end + 2;
                    return Ok(if neg { !set } else { set });
                }
            }
            self.i += 1;
            return self.class(flags);
        }
        if b == b'\\' {
            self.i += 1;
            return self.escape(true)?.ok_or_else(|| "an assertion in a class".into());
        }
        let set = self.char_at()?;
        Ok(if set == 0 { 0 } else { set })
    }
}

fn apply(acc: Option<Set>, op: Option<u8>, rhs: Set) -> Set {
    match (acc, op) {
        (Some(a), Some(b'&')) => a & rhs,
        (Some(a), Some(b'-')) => a & !rhs,
        (Some(a), Some(b'~')) => a ^ rhs,
        _ => rhs,
    }
}

/// The one character of a set, if it has exactly one (or it is a non-ASCII
/// character, the empty set, whose range bound we read as 127).
fn single(set: Set) -> Option<u8> {
    match set.count_ones() {
        1 => u8::try_from(set.trailing_zeros()).ok(),
        0 => Some(127),
        _ => None,
    }
}

fn fold(set: Set, on: bool) -> Set {
    if !on {
        return set;
    }
    set | ((set & UPPER) << 32) | ((set & LOWER) >> 32)
}

fn posix(name: &[u8]) -> Option<Set> {
    Some(match name {
        b"alnum" => DIGITS | LOWER | UPPER,
        b"alpha" => LOWER | UPPER,
        b"ascii" => range(0, 127),
        b"blank" => bit(b' ') | bit(b'\t'),
        b"cntrl" => range(0, 31) | bit(127),
        b"digit" => DIGITS,
        b"graph" => range(0x21, 0x7e),
        b"lower" => LOWER,
        b"print" => range(0x20, 0x7e),
        b"punct" => range(0x21, 0x7e) & !(DIGITS | LOWER | UPPER),
        b"space" => SPACE,
        b"upper" => UPPER,
        b"word" => WORD,
        b"xdigit" => DIGITS | range(b'a', b'f') | range(b'A', b'F'),
        _ => return None,
    })
}

fn parse(source: &str) -> Parsed<Node> {
    let mut p = Parser {
        s: source.as_bytes(),
        i: 0,
    };
    let mut flags = Flags::default();
    let node = p.alternation(&mut flags)?;
    if p.i != p.s.len() {
        return Err("an unbalanced \")\"".into());
    }
    Ok(node)
}

// ---------------------------------------------------------------------------------
// Automaton: the regex (Thompson construction), and the shape of an origin.

#[derive(Default)]
struct Nfa {
    eps: Vec<Vec<usize>>,
    edges: Vec<Vec<(Set, usize)>>,
}

impl Nfa {
    fn state(&mut self) -> Parsed<usize> {
        if self.eps.len() >= MAX_STATES {
            return Err("too large to analyse".into());
        }
        self.eps.push(Vec::new());
        self.edges.push(Vec::new());
        Ok(self.eps.len() - 1)
    }

    /// Adds `node` from `from`; returns its end state.
    fn add(&mut self, node: &Node, from: usize) -> Parsed<usize> {
        Ok(match node {
            Node::Empty => from,
            Node::Char(set) => {
                let to = self.state()?;
                self.edges[from].push((*set, to));
                to
            }
            Node::Concat(items) => {
                let mut at = from;
                for item in items {
                    at = self.add(item, at)?;
                }
                at
            }
            Node::Alt(branches) => {
                let end = self.state()?;
                for b in branches {
                    let start = self.state()?;
                    self.eps[from].push(start);
                    let e = self.add(b, start)?;
                    self.eps[e].push(end);
                }
                end
            }
            Node::Repeat(inner, min, max) => {
                let min_copies = (*min).min(MAX_UNROLL);
                let max = max.filter(|m| *m <= MAX_UNROLL.max(*min) && (*m - *min) <= MAX_UNROLL);
                let mut at = from;
                for _ in 0..min_copies {
                    at = self.add(inner, at)?;
                }
                match max {
                    None => {
                        // `x*` from here: a loop through a fresh state.
                        let hub = self.state()?;
                        self.eps[at].push(hub);
                        let body = self.state()?;
                        self.eps[hub].push(body);
                        let e = self.add(inner, body)?;
                        self.eps[e].push(hub);
                        hub
                    }
                    Some(max) => {
                        let end = self.state()?;
                        for _ in *min..max {
                            self.eps[at].push(end);
                            at = self.add(inner, at)?;
                        }
                        self.eps[at].push(end);
                        end
                    }
                }
            }
        })
    }
}

/// Where an origin `scheme://host[:port]` is after some prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Shape {
    Start,
    Scheme,
    Colon,
    Slash,
    /// After `://`.
    HostStart,
    Domain,
    Ipv6,
    Ipv6End,
    PortStart,
    Port,
}

const SHAPES: [Shape; 10] = [
    Shape::Start,
    Shape::Scheme,
    Shape::Colon,
    Shape::Slash,
    Shape::HostStart,
    Shape::Domain,
    Shape::Ipv6,
    Shape::Ipv6End,
    Shape::PortStart,
    Shape::Port,
];

impl Shape {
    /// The characters that move from `self` to `to`. Load-time only: one copy, not one
    /// per caller (2 KB of .wasm).
    #[inline(never)]
    fn step(self, to: Shape) -> Set {
        use Shape::*;
        match (self, to) {
            (Start, Scheme) => LOWER,
            (Scheme, Scheme) => SCHEME_REST,
            (Scheme, Colon) => bit(b':'),
            (Colon, Slash) => bit(b'/'),
            (Slash, HostStart) => bit(b'/'),
            (HostStart | Domain, Domain) => DOMAIN,
            (HostStart, Ipv6) => bit(b'['),
            (Ipv6, Ipv6) => IPV6,
            (Ipv6, Ipv6End) => bit(b']'),
            (Domain | Ipv6End, PortStart) => bit(b':'),
            (PortStart | Port, Port) => DIGITS,
            _ => 0,
        }
    }

    fn accepting(self) -> bool {
        matches!(self, Shape::Domain | Shape::Ipv6End | Shape::Port)
    }
}

type Pair = (usize, Shape);

/// A value per pair, in a vector indexed by the pair (a map costs more `.wasm`).
#[derive(Debug)]
struct PairMap<T>(Vec<Option<T>>);

impl<T> PairMap<T> {
    fn new(states: usize) -> Self {
        PairMap(std::iter::repeat_with(|| None).take(states * SHAPES.len()).collect())
    }

    fn slot((q, o): Pair) -> usize {
        q * SHAPES.len() + o as usize
    }

    fn get(&self, p: &Pair) -> Option<&T> {
        self.0.get(Self::slot(*p)).and_then(Option::as_ref)
    }

    fn contains_key(&self, p: &Pair) -> bool {
        self.get(p).is_some()
    }

    /// Sets the value unless there is one; whether it was set.
    fn insert_new(&mut self, p: Pair, value: T) -> bool {
        match self.0.get_mut(Self::slot(p)) {
            Some(slot @ None) => {
                *slot = Some(value);
                true
            }
            _ => false,
        }
    }
}

/// The regex's automaton intersected with the origin shape, restricted to pairs on
/// some path from the start to an accepting pair: every path the analysis follows is
/// an origin the regex admits.
struct Product {
    nfa: Nfa,
    start: usize,
    end: usize,
    /// Reverse edges of the regex automaton.
    rev_eps: Vec<Vec<usize>>,
    rev_edges: Vec<Vec<(Set, usize)>>,
    /// Shortest way in from the start (previous pair, character read), for examples.
    from_start: PairMap<Option<(Pair, Option<u8>)>>,
    /// Pairs from which an accepting pair is reachable.
    live: PairMap<()>,
}

/// The character of a set to show in an example: a readable one if there is one.
fn pick(set: Set) -> Option<u8> {
    b"-abcdefghijklmnopqrstuvwxyz0123456789.:/_"
        .iter()
        .copied()
        .find(|&b| set & bit(b) != 0)
        .or_else(|| (0..128u8).find(|&b| set & bit(b) != 0))
}

impl Product {
    fn new(node: &Node) -> Parsed<Product> {
        let mut nfa = Nfa::default();
        let start = nfa.state()?;
        let end = nfa.add(node, start)?;
        let n = nfa.eps.len();
        let mut rev_eps = vec![Vec::new(); n];
        let mut rev_edges = vec![Vec::new(); n];
        for q in 0..n {
            for &t in &nfa.eps[q] {
                rev_eps[t].push(q);
            }
            for &(set, t) in &nfa.edges[q] {
                rev_edges[t].push((set, q));
            }
        }
        let mut p = Product {
            nfa,
            start,
            end,
            rev_eps,
            rev_edges,
            from_start: PairMap::new(n),
            live: PairMap::new(n),
        };
        p.explore()?;
        Ok(p)
    }

    fn successors(&self, (q, o): Pair) -> Vec<(Pair, Option<Set>)> {
        let mut out: Vec<(Pair, Option<Set>)> = self.nfa.eps[q].iter().map(|&t| ((t, o), None)).collect();
        for &(set, t) in &self.nfa.edges[q] {
            for to in SHAPES {
                let s = set & o.step(to);
                if s != 0 {
                    out.push(((t, to), Some(s)));
                }
            }
        }
        out
    }

    fn predecessors(&self, (q, o): Pair) -> Vec<(Pair, Option<Set>)> {
        self.predecessors_as_written((q, o))
            .into_iter()
            .map(|(p, set)| (p, set.map(|s| s & p.1.step(o))))
            .collect()
    }

    /// Like `predecessors`, with each step's set as the regex wrote it (not reduced to
    /// what an origin can have there).
    fn predecessors_as_written(&self, (q, o): Pair) -> Vec<(Pair, Option<Set>)> {
        let mut out: Vec<(Pair, Option<Set>)> = self.rev_eps[q].iter().map(|&f| ((f, o), None)).collect();
        for &(set, f) in &self.rev_edges[q] {
            for from in SHAPES {
                if set & from.step(o) != 0 {
                    out.push(((f, from), Some(set)));
                }
            }
        }
        out
    }

    fn explore(&mut self) -> Parsed<()> {
        let first = (self.start, Shape::Start);
        // Both searches visit each pair once: at most MAX_STATES * SHAPES pairs.
        let mut queue = VecDeque::from([first]);
        self.from_start.insert_new(first, None);
        let mut accepting = Vec::new();
        while let Some(p) = queue.pop_front() {
            if p.0 == self.end && p.1.accepting() {
                accepting.push(p);
            }
            for (to, set) in self.successors(p) {
                if self.from_start.insert_new(to, Some((p, set.and_then(pick)))) {
                    queue.push_back(to);
                }
            }
        }
        let mut queue: VecDeque<Pair> = VecDeque::new();
        for p in accepting {
            if self.live.insert_new(p, ()) {
                queue.push_back(p);
            }
        }
        while let Some(p) = queue.pop_front() {
            for (from, _) in self.predecessors(p) {
                if self.from_start.contains_key(&from) && self.live.insert_new(from, ()) {
                    queue.push_back(from);
                }
            }
        }
        Ok(())
    }

    /// The shortest string from the start to `p`.
    fn prefix(&self, mut p: Pair) -> Vec<u8> {
        let mut out = Vec::new();
        while let Some(Some((prev, c))) = self.from_start.get(&p) {
            out.extend(c);
            p = *prev;
        }
        out.reverse();
        out
    }

    /// The shortest string from `p` to the end (searched forward over live pairs).
    fn suffix(&self, p: Pair) -> Vec<u8> {
        let mut prev: PairMap<Option<(Pair, Option<u8>)>> = PairMap::new(self.nfa.eps.len());
        prev.insert_new(p, None);
        let mut queue = VecDeque::from([p]);
        while let Some(at) = queue.pop_front() {
            if at.0 == self.end && at.1.accepting() {
                let mut out = Vec::new();
                let mut cur = at;
                while let Some(Some((before, c))) = prev.get(&cur) {
                    out.extend(c);
                    cur = *before;
                }
                out.reverse();
                return out;
            }
            for (to, set) in self.successors(at) {
                if self.live.contains_key(&to) && prev.insert_new(to, Some((at, set.and_then(pick)))) {
                    queue.push_back(to);
                }
            }
        }
        Vec::new()
    }
}

// ---------------------------------------------------------------------------------
// The analysis

/// The hosts a regex is confined to, when it is.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Confinement {
    /// Registrable domains whose subdomains it admits (`example.com` for
    /// `https://[a-z]+\.example\.com`).
    pub domains: Vec<String>,
    /// Hosts it admits exactly (`app.example.com` for `https://app\.example\.com`).
    pub hosts: Vec<String>,
}

impl Confinement {
    /// The regex admits no origin a browser sends (e.g. upper-case hosts).
    pub fn admits_nothing(&self) -> bool {
        self.domains.is_empty() && self.hosts.is_empty()
    }
}

/// Why a regex is not confined to hosts the operator named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unconfined {
    /// It matches `null`, the opaque origin of sandboxed pages and `data:` URLs.
    Null,
    /// Something other than an escaped dot + registrable domain or a literal host.
    Host {
        example: Option<String>,
        /// The literal end of the host the step was taken before (`example.com`
        /// for `https://.*.example.com`); empty: the host's end is open.
        literal_end: String,
        /// The step admits `.`, so it decides where a label ends.
        admits_dot: bool,
        /// The widest public suffix the literal end reached, and its list entry.
        public_suffix: Option<(String, String)>,
    },
    /// The port is not written out.
    Port { example: Option<String> },
    /// The scheme is not written out (`[a-z]+://`).
    Scheme { example: Option<String> },
    /// `https?://`: the plain-http origin of the same hosts.
    OptionalScheme { example: String },
    /// Not understood (a construct this parser does not know, or too large).
    Unproven(String),
}

impl Unconfined {
    /// An origin the regex admits that the operator did not name, if one was found.
    pub fn example(&self) -> Option<&str> {
        match self {
            Unconfined::Null => Some("null"),
            Unconfined::Host { example, .. } | Unconfined::Port { example } | Unconfined::Scheme { example } => {
                example.as_deref()
            }
            Unconfined::OptionalScheme { example } => Some(example),
            Unconfined::Unproven(_) => None,
        }
    }
}

const FIX: &str = "write the host literally, or end it with \"\\.\" and your registrable domain, as in \
                   \"https://[a-z0-9-]+\\.example\\.com\"";

impl fmt::Display for Unconfined {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let admits = |e: &Option<String>| match e {
            Some(e) => format!(": it admits {e:?}"),
            None => String::new(),
        };
        match self {
            Unconfined::Null => write!(
                f,
                "it matches \"null\", the origin any sandboxed iframe or data: URL sends; make it not match \"null\""
            ),
            Unconfined::Host {
                example,
                literal_end,
                admits_dot,
                public_suffix,
            } => {
                if let Some((suffix, entry)) = public_suffix {
                    let why = if entry == "*" {
                        format!("{suffix:?} is a top-level domain")
                    } else if entry == suffix || entry.strip_prefix("*.").is_some_and(|e| suffix.ends_with(e)) {
                        format!("{suffix:?} is a public suffix (Public Suffix List entry {entry:?})")
                    } else {
                        format!("{suffix:?} has public suffixes under it (Public Suffix List entry {entry:?})")
                    };
                    write!(
                        f,
                        "its hosts are not confined to a domain you own: {why}, where anyone can register a name{}; put your own registrable domain before it, as in \"https://[a-z0-9-]+\\.yourname\\.{}\"",
                        admits(example),
                        suffix.replace('.', "\\.")
                    )
                } else if literal_end.is_empty() {
                    write!(
                        f,
                        "something other than a port may follow your host{}; end the regex with the host, optionally followed by a port like \"(:8443)?\"",
                        admits(example)
                    )
                } else if *admits_dot {
                    write!(
                        f,
                        "an unescaped \".\" (or a class admitting \".\") decides where a label ends before {literal_end:?}{}; escape it as \"\\.\" and {FIX}",
                        admits(example)
                    )
                } else {
                    write!(
                        f,
                        "the host is not confined to a domain you name: {literal_end:?} is not preceded by \"\\.\"{}; {FIX}",
                        admits(example)
                    )
                }
            }
            Unconfined::Port { example } => write!(
                f,
                "something other than digits may follow \":\" after your host{}; write the port as digits, as in \"(:8443)?\" or \"(:[0-9]+)?\"",
                admits(example)
            ),
            Unconfined::Scheme { example } => write!(
                f,
                "the scheme is not written out{}; write it, as in \"^https://\"",
                admits(example)
            ),
            Unconfined::OptionalScheme { example } => write!(
                f,
                "an optional scheme part (\"https?\") also admits {example:?}, a plain-http origin anyone on the network path can answer for; write \"https://\" (add a separate http:// regex only if you serve one)"
            ),
            Unconfined::Unproven(why) => write!(
                f,
                "cannot prove which hosts it admits ({why}); write it with literal hosts, as in \"^https://(app|admin)\\.example\\.com$\""
            ),
        }
    }
}

/// What the backward walk knows about one path.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Walk {
    /// Every step so far admitted one character: these, reversed, and where in them
    /// the host begins (after the port and its colon).
    Literal(Vec<u8>, usize),
    /// Past an escaped dot before this registrable domain: the rest of the host is free.
    Under(usize),
    /// In the scheme, after the host (the `://` point it started from, and the
    /// reversed scheme so far).
    Scheme(Pair, Vec<u8>),
}

/// Decides whether every origin `source` (regex-lite syntax, matched against the
/// whole Origin) admits has a host the operator named. `shared(d)` says whether
/// others can register names under `d`, with the list entry that says so: `d` is a
/// public suffix, or the list has an entry below it (`s3.amazonaws.com` below
/// `amazonaws.com`); `None`: every name under `d` belongs to whoever holds `d`.
pub fn analyse(source: &str, shared: &dyn Fn(&str) -> Option<String>) -> Result<Confinement, Unconfined> {
    let node = parse(source).map_err(Unconfined::Unproven)?;
    let product = Product::new(&node).map_err(Unconfined::Unproven)?;
    let verify = regex_lite::Regex::new(&format!("^(?:{source})$")).ok();
    let admitted = |s: &[u8]| {
        std::str::from_utf8(s)
            .ok()
            .is_some_and(|s| verify.as_ref().is_some_and(|re| re.is_match(s)))
    };
    if admitted(b"null") {
        return Err(Unconfined::Null);
    }
    let registrable = |d: &str| is_name(d) && !ends_in_a_number(d) && shared(d).is_none();
    let mut domains: Vec<String> = Vec::new();
    let mut hosts: Vec<String> = Vec::new();
    // For each `://` point: the schemes before it and whether a host after it is not loopback.
    let mut points: Vec<(Pair, Vec<Vec<u8>>, bool)> = Vec::new();
    let mut seen: BTreeSet<(Pair, Walk)> = BTreeSet::new();
    let mut stack: Vec<(Pair, Walk)> = Vec::new();
    // A refusal at a step that admits `.` among others: its `.` path is followed on,
    // and a refusal further left (where the unescaped dot usually is) wins.
    let mut fallback: Option<Unconfined> = None;
    for o in [Shape::Port, Shape::Ipv6End, Shape::Domain] {
        let p = (product.end, o);
        if product.live.contains_key(&p) {
            stack.push((p, Walk::Literal(Vec::new(), 0)));
        }
    }
    let mut steps = 0usize;
    while let Some((pair, walk)) = stack.pop() {
        if !seen.insert((pair, walk.clone())) {
            continue;
        }
        steps += 1;
        if steps > MAX_STEPS {
            return Err(Unconfined::Unproven("too many paths to follow".into()));
        }
        if pair == (product.start, Shape::Start) {
            if let Walk::Scheme(point, scheme) = &walk {
                let mut s = scheme.clone();
                s.reverse();
                point_at(&mut points, *point).0.push(s);
            }
            continue;
        }
        for (prev, written) in product.predecessors_as_written(pair) {
            if !product.live.contains_key(&prev) || !product.from_start.contains_key(&prev) {
                continue;
            }
            let Some(written) = written else {
                stack.push((prev, walk.clone()));
                continue;
            };
            let set = written & prev.1.step(pair.1);
            let one = if set.count_ones() == 1 { pick(set) } else { None };
            let example_at = |tail: &[u8], host_from: usize| {
                let end = host_of(&tail[host_from..]);
                let own = registrable(&end).then_some(end);
                example(&product, prev, pair, set, Some(tail), own.as_deref(), &admitted)
            };
            let next = match (&walk, pair.1) {
                (Walk::Literal(tail, from), Shape::Port) => {
                    // A port is digits: a class of digits is fine (every port of a host
                    // you own is yours), anything else is not written as a port.
                    if written & !DIGITS != 0 {
                        return Err(Unconfined::Port {
                            example: example_at(tail, *from),
                        });
                    }
                    if tail.len() >= 5 {
                        continue; // no browser sends a port of more digits
                    }
                    let c = if set & bit(b'8') != 0 {
                        b'8'
                    } else {
                        pick(set).unwrap_or(b'8')
                    };
                    Walk::Literal([tail.as_slice(), &[c]].concat(), *from)
                }
                (Walk::Literal(tail, from), Shape::Ipv6 | Shape::Ipv6End) => {
                    let Some(c) = one else {
                        return Err(host_refusal(&tail[*from..], set, None, example_at(tail, *from)));
                    };
                    Walk::Literal([tail.as_slice(), &[c]].concat(), *from)
                }
                (Walk::Literal(tail, _), Shape::PortStart) => {
                    Walk::Literal([tail.as_slice(), b":"].concat(), tail.len() + 1)
                }
                (Walk::Literal(tail, from), Shape::Domain) => {
                    let host = &tail[*from..];
                    let c = match one {
                        Some(c) => c,
                        None => {
                            let end = host_of(host);
                            let ps = end
                                .strip_prefix('.')
                                .filter(|d| is_name(d))
                                .and_then(|d| shared(d).map(|e| (d.to_string(), e)));
                            let refusal = host_refusal(host, set, ps, example_at(tail, *from));
                            if set & bit(b'.') == 0 || host.is_empty() || fallback.is_some() {
                                return Err(refusal);
                            }
                            fallback = Some(refusal);
                            b'.'
                        }
                    };
                    if host.len() >= MAX_HOST {
                        return Err(Unconfined::Unproven("a host longer than a DNS name can be".into()));
                    }
                    let domain = host_of(host);
                    if c == b'.' && registrable(&domain) {
                        let at = domains.iter().position(|d| *d == domain).unwrap_or_else(|| {
                            domains.push(domain);
                            domains.len() - 1
                        });
                        Walk::Under(at)
                    } else {
                        Walk::Literal([tail.as_slice(), &[c]].concat(), *from)
                    }
                }
                (Walk::Under(d), Shape::Domain) => Walk::Under(*d),
                (Walk::Literal(tail, from), Shape::HostStart) => {
                    let host = host_of(&tail[*from..]);
                    let point = point_at(&mut points, pair);
                    *point.1 |= !is_loopback(&host, false);
                    if !hosts.contains(&host) {
                        hosts.push(host);
                    }
                    Walk::Scheme(pair, Vec::new())
                }
                (Walk::Under(d), Shape::HostStart) => {
                    let point = point_at(&mut points, pair);
                    *point.1 |= !is_loopback(&domains[*d], true);
                    Walk::Scheme(pair, Vec::new())
                }
                (Walk::Scheme(point, scheme), Shape::Scheme) => {
                    let Some(c) = one else {
                        return Err(Unconfined::Scheme {
                            example: example(&product, prev, pair, set, None, None, &admitted),
                        });
                    };
                    if scheme.len() >= MAX_SCHEME {
                        return Err(Unconfined::Unproven("a scheme that repeats".into()));
                    }
                    Walk::Scheme(*point, [scheme.as_slice(), &[c]].concat())
                }
                // `://` itself: one character each, whatever the walk.
                (w, Shape::Slash | Shape::Colon) => w.clone(),
                _ => continue,
            };
            stack.push((prev, next));
        }
    }
    if let Some(refusal) = fallback {
        return Err(refusal);
    }
    for (point, schemes, beyond_loopback) in &points {
        let optional = schemes
            .iter()
            .any(|a| schemes.iter().any(|b| b.len() > a.len() && b.starts_with(a)));
        if optional && *beyond_loopback {
            let shortest = schemes.iter().min_by_key(|s| s.len()).cloned().unwrap_or_default();
            let rest = product.suffix(*point);
            let example = String::from_utf8_lossy(&[shortest.as_slice(), b"://", &rest].concat()).into_owned();
            return Err(Unconfined::OptionalScheme { example });
        }
    }
    domains.sort();
    hosts.sort();
    Ok(Confinement { domains, hosts })
}

/// The schemes seen before a `://` point, and whether a host after it is not loopback.
fn point_at(points: &mut Vec<(Pair, Vec<Vec<u8>>, bool)>, at: Pair) -> (&mut Vec<Vec<u8>>, &mut bool) {
    let i = match points.iter().position(|(p, _, _)| *p == at) {
        Some(i) => i,
        None => {
            points.push((at, Vec::new(), false));
            points.len() - 1
        }
    };
    let (_, schemes, beyond) = &mut points[i];
    (schemes, beyond)
}

fn host_refusal(
    host_rev: &[u8],
    set: Set,
    public_suffix: Option<(String, String)>,
    example: Option<String>,
) -> Unconfined {
    Unconfined::Host {
        example,
        literal_end: host_of(host_rev),
        admits_dot: set & bit(b'.') != 0,
        public_suffix,
    }
}

/// A reversed literal host tail, in reading order.
fn host_of(rev: &[u8]) -> String {
    let mut h = rev.to_vec();
    h.reverse();
    String::from_utf8_lossy(&h).into_owned()
}

/// Dot-separated non-empty labels (a trailing dot, the root, allowed).
fn is_name(d: &str) -> bool {
    let d = d.strip_suffix('.').unwrap_or(d);
    !d.is_empty() && d.split('.').all(|l| !l.is_empty())
}

/// Whether a host's last label is a number: the URL parser reads such a host as an
/// IPv4 address (WHATWG URL "ends in a number"), whose trailing labels are no
/// registrable domain, so an address is confined only when written out in full.
fn ends_in_a_number(d: &str) -> bool {
    let d = d.strip_suffix('.').unwrap_or(d);
    let last = d.rsplit('.').next().unwrap_or(d);
    let hex = last
        .strip_prefix("0x")
        .is_some_and(|h| h.bytes().all(|b| b.is_ascii_hexdigit()));
    hex || (!last.is_empty() && last.bytes().all(|b| b.is_ascii_digit()))
}

/// Hosts whose plain-http origin nobody on the network can answer for.
fn is_loopback(host: &str, subdomains: bool) -> bool {
    host == "localhost" || (subdomains && host.ends_with(".localhost")) || host.starts_with("127.") || host == "[::1]"
}

/// An origin the regex admits through the step `set` from `prev` to `pair`: a way
/// to `prev` (the shortest, or shortened), a telling filler for the step, then `tail`
/// (the literal rest, reversed) or the shortest way to the end. Never one under `own`
/// (the operator's registrable literal end), which would not show the problem;
/// always checked against the real regex.
fn example(
    product: &Product,
    prev: Pair,
    pair: Pair,
    set: Set,
    tail: Option<&[u8]>,
    own: Option<&str>,
    admitted: &dyn Fn(&[u8]) -> bool,
) -> Option<String> {
    let head = product.prefix(prev);
    let rest: Vec<u8> = match tail {
        Some(t) => t.iter().rev().copied().collect(),
        None => product.suffix(pair),
    };
    // Shorter heads drop characters the shortest path picked for a repetition.
    let keep = head.windows(3).position(|w| w == b"://").map_or(0, |i| i + 3);
    let mut heads: Vec<Vec<u8>> = (keep..=head.len()).map(|k| head[..k].to_vec()).collect();
    if keep > 0 {
        heads.push([&head[..keep], b"evil", &head[keep..]].concat());
    }
    let host_rest: Vec<u8> = rest.split(|&b| b == b':').next().unwrap_or_default().to_vec();
    let fillers: &[&[u8]] = match (pair.1, rest.first()) {
        (Shape::Scheme, _) => &[b"evil"],
        (Shape::Port, _) => &[b"8080", b"1"],
        (_, None | Some(b':')) => &[b".evil.net", b"attacker.com", b"-evil.net"],
        (_, Some(b'.')) => &[b"evil", b"evil-", b"-"],
        _ => &[b"evil-", b"evil", b"-"],
    };
    let mut mids: Vec<Vec<u8>> = fillers.iter().map(|f| f.to_vec()).collect();
    mids.extend(pick(set & !bit(b'.')).map(|c| vec![c]));
    mids.extend(pick(set).map(|c| vec![c]));
    let score = |c: &[u8]| -> Option<u8> {
        if !admitted(c) || !shaped(c) {
            return None;
        }
        let s = String::from_utf8_lossy(c);
        let host = s
            .split_once("://")
            .map_or("", |(_, r)| r.split(':').next().unwrap_or(r));
        if host.starts_with('.')
            || host.contains("..")
            || own.is_some_and(|o| host == o || host.ends_with(&format!(".{o}")))
        {
            return None;
        }
        let evil = s.matches("evil").count() + s.matches("attacker").count();
        let tld = host
            .rsplit_once('.')
            .is_some_and(|(_, t)| t.len() >= 2 && t.bytes().all(|b| b.is_ascii_lowercase()));
        Some(u8::from(evil == 1) * 2 + u8::from(tld))
    };
    let mut best: Option<((u8, usize, usize), Vec<u8>)> = None;
    for (i, mid) in mids.iter().enumerate() {
        // A dot in the step would hide an unescaped one: show the other reading.
        if !host_rest.is_empty() && mid.last() == Some(&b'.') && set != bit(b'.') {
            continue;
        }
        for h in &heads {
            let c = [h.as_slice(), mid, &rest].concat();
            if let Some(sc) = score(&c) {
                // Best score, then the earlier filler, then the shorter origin.
                let key = (sc, usize::MAX - i, usize::MAX - c.len());
                if best.as_ref().map_or(true, |(k, _)| key > *k) {
                    best = Some((key, c));
                }
            }
        }
    }
    best.map(|(_, c)| String::from_utf8_lossy(&c).into_owned())
}

/// Whether `s` has the shape of a serialized origin (the automaton's `Shape`).
fn shaped(s: &[u8]) -> bool {
    let mut at = Shape::Start;
    for &b in s {
        let Some(next) = SHAPES.iter().copied().find(|to| at.step(*to) & bit(b) != 0) else {
            return false;
        };
        at = next;
    }
    at.accepting()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A few public suffixes, as the Public Suffix List has them (the real list is
    /// wired in by the caller).
    fn psl(d: &str) -> Option<String> {
        let d = d.strip_suffix('.').unwrap_or(d);
        if d == "amazonaws.com" {
            return Some("s3.amazonaws.com".into());
        }
        if !d.contains('.') && d != "localhost" {
            return Some("*".into());
        }
        let listed = [
            "co.uk",
            "s3.amazonaws.com",
            "github.io",
            "vercel.app",
            "blogspot.com",
            "co.il",
            "com.sg",
        ];
        if let Some(rest) = d.strip_suffix(".ck") {
            return (rest != "www" && !rest.contains('.')).then(|| "*.ck".to_string());
        }
        listed.contains(&d).then(|| d.to_string())
    }

    fn run(re: &str) -> Result<Confinement, Unconfined> {
        assert!(regex_lite::Regex::new(re).is_ok(), "not a regex-lite regex: {re}");
        analyse(re, &psl)
    }

    #[test]
    fn safe_near_misses_are_confined() {
        // (regex, registrable domains it is confined to, literal hosts outside any)
        let rows: &[(&str, &[&str], &[&str])] = &[
            (r"^https://(app|admin)\.example\.com$", &["example.com"], &[]),
            (r"^https://pr-[0-9]+\.preview\.example\.dev$", &["example.dev"], &[]),
            (r"^https://[a-z0-9-]+\.example\.com$", &["example.com"], &[]),
            (r"https://api\.example\.com(:8443)?", &["example.com"], &[]),
            (r"https://app\.example\.com", &["example.com"], &[]),
            (r"https://.*\.example\.com", &["example.com"], &[]),
            (r"https://[^.]+\.example\.com", &["example.com"], &[]),
            (
                r"https://([a-z0-9-]+\.)*example\.com",
                &["example.com"],
                &["example.com"],
            ),
            (r"https://(www\.)?example\.com", &["example.com"], &["example.com"]),
            (r"https://[a-z]+\.example\.co\.uk", &["example.co.uk"], &[]),
            (
                r"https://[a-z]+\.mybucket\.s3\.amazonaws\.com",
                &["mybucket.s3.amazonaws.com"],
                &[],
            ),
            (r"https://[a-z]+\.www\.ck", &["www.ck"], &[]),
            (r"(?i)^HTTPS://APP\.EXAMPLE\.COM$", &["example.com"], &[]),
            (r"https://app[.]example[.]com", &["example.com"], &[]),
            (r"https://app\x2eexample\.com", &["example.com"], &[]),
            (r"https://app\.example\.com(:8443|:9443)?", &["example.com"], &[]),
            (r"https://app\.example\.com(:[0-9]+)?", &["example.com"], &[]),
            (r"https://app\.example\.com:\d{2,5}", &["example.com"], &[]),
            (r"http://localhost:[0-9]+", &[], &["localhost"]),
            (
                r"https://a\.example\.com|https://b\.example\.org",
                &["example.com", "example.org"],
                &[],
            ),
            (r"^(https://app|https://admin)\.example\.com$", &["example.com"], &[]),
            (r"https://myapp\.github\.io", &[], &["myapp.github.io"]),
            (
                r"https://(app|www)\.vercel\.app",
                &[],
                &["app.vercel.app", "www.vercel.app"],
            ),
            (r"http://localhost:3000", &[], &["localhost"]),
            (r"https?://localhost:3000", &[], &["localhost"]),
            (r"https?://[a-z]+\.localhost", &["localhost"], &[]),
            (r"http://\[::1\]:8080", &[], &["[::1]"]),
            (r"https://[a-z0-9-]{1,63}\.tenants\.example\.com", &["example.com"], &[]),
            (
                r"(?x) ^https:// (app|admin) \.example\.com $  # admin too",
                &["example.com"],
                &[],
            ),
            (r"https://\w+\.example\.com", &["example.com"], &[]),
            (r"\Ahttps://app\.example\.com\z", &["example.com"], &[]),
            (r"https://(?P<tenant>[a-z]+)\.example\.com", &["example.com"], &[]),
            (r"https://[a-z]+\.example\.com\.", &["example.com."], &[]),
            (
                r"capacitor://localhost|https://app\.example\.com",
                &["example.com"],
                &["localhost"],
            ),
            // An IPv4 address is a literal host, not a domain under "0.1": loopback
            // keeps its optional scheme.
            (r"https?://127\.0\.0\.1(:[0-9]+)?", &[], &["127.0.0.1"]),
            (r"https://192\.0\.2\.10", &[], &["192.0.2.10"]),
            // Nothing a browser sends: confined to nothing.
            (r"https://APP\.example\.com", &[], &[]),
        ];
        let mut failures = Vec::new();
        for (re, domains, hosts) in rows {
            match run(re) {
                Ok(c) if c.domains == *domains && c.hosts == *hosts => {}
                other => failures.push(format!("{re}: {other:?}")),
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    /// (regex, a word the message must contain, the example origin it must name)
    #[test]
    fn unconfined_regexes_are_refused_with_an_example() {
        let rows: &[(&str, &str, &str)] = &[
            // The issue's own cases.
            (
                r"https?://[a-z0-9.]+(:[0-9]+)?",
                "something other than a port",
                "http://a.evil.net",
            ),
            (r"https://.*.example.com", "unescaped", "https://evil-example.com"),
            (
                r"https://app\.example\.com.*?",
                "something other than a port",
                "https://app.example.com.evil.net",
            ),
            (
                r"https://app\.example\.com(.*)?",
                "something other than a port",
                "https://app.example.com.evil.net",
            ),
            (
                r"https://app\.example\.com.{0,64}",
                "something other than a port",
                "https://app.example.com.evil.net",
            ),
            (
                r"https://app\.example\.com[^/]*",
                "something other than a port",
                "https://app.example.com.evil.net",
            ),
            (
                r"https://app\.example\.com\S*",
                "something other than a port",
                "https://app.example.com.evil.net",
            ),
            (
                r"https://[a-z0-9-]+\.vercel\.app",
                "Public Suffix List entry \"vercel.app\"",
                "https://evil.vercel.app",
            ),
            (
                r"https://[a-z]+\.s3\.amazonaws\.com",
                "entry \"s3.amazonaws.com\"",
                "https://evil.s3.amazonaws.com",
            ),
            (r"https://[a-z]+\.co\.il", "entry \"co.il\"", "https://evil.co.il"),
            (r"https://[a-z]+\.com\.sg", "entry \"com.sg\"", "https://evil.com.sg"),
            (
                r"https://[a-z]+\.blogspot\.com",
                "\"blogspot.com\"",
                "https://evil.blogspot.com",
            ),
            // More of the same classes.
            (
                r"https://[a-z0-9.]+",
                "something other than a port",
                "https://a.evil.net",
            ),
            (r"https://.*\.example.com", "unescaped", "https://evil.example-com"),
            (
                r"https://app\.example\.com.+",
                "something other than a port",
                "https://app.example.com.evil.net",
            ),
            (
                r"https://app\.example\.com|https://.*",
                "something other than a port",
                "https://attacker.com",
            ),
            (r"https://[a-z]+example\.com", "not preceded", "https://evilexample.com"),
            (r"https://app[a.]example\.com", "unescaped", "https://appaexample.com"),
            (
                r"https://app\.example\.c[a-z]m",
                "not preceded",
                "https://app.example.cam",
            ),
            (
                r"https://[a-z]+\.com",
                "\"com\" is a top-level domain",
                "https://evil.com",
            ),
            (r"https://[a-z]+\.co\.uk", "\"co.uk\"", "https://evil.co.uk"),
            (r"https://[a-z]+\.foo\.ck", "entry \"*.ck\"", "https://evil.foo.ck"),
            (
                r"https://[a-z]+\.amazonaws\.com",
                "has public suffixes under it",
                "https://evil.amazonaws.com",
            ),
            (
                r"https?://app\.example\.com",
                "optional scheme",
                "http://app.example.com",
            ),
            (
                r"(https|http)://[a-z]+\.example\.com",
                "optional scheme",
                "http://a.example.com",
            ),
            (r"[a-z]+://app\.example\.com", "scheme", "evil://app.example.com"),
            (r".*://app\.example\.com", "scheme", "evil://app.example.com"),
            (
                r"https://app\.example\.com:.+",
                "digits",
                "https://app.example.com:8080",
            ),
            (
                r"https://app\.example\.com(:\S*)?",
                "digits",
                "https://app.example.com:8080",
            ),
            (r"null|https://a\.example\.com", "null", "null"),
            (r".*", "null", "null"),
            (r"https://(ab)+example\.com", "longer than a DNS name", ""),
            // The last labels of an IPv4 address are no registrable domain: these
            // admit addresses of hosts nobody vetted.
            (r"https://[0-9]+\.[0-9]+\.113\.7", "not confined", ""),
            (r"https://[0-9]{1,3}\.[0-9]{1,3}\.0\.1(:[0-9]+)?", "not confined", ""),
        ];
        let mut failures = Vec::new();
        for (re, word, want_example) in rows {
            let full = regex_lite::Regex::new(&format!("^(?:{re})$")).unwrap();
            assert!(
                want_example.is_empty() || full.is_match(want_example),
                "{re} does not match {want_example}"
            );
            match run(re) {
                Ok(c) => failures.push(format!("{re}: accepted as {c:?}")),
                Err(e) => {
                    let msg = e.to_string();
                    if !msg.contains(word) || (!want_example.is_empty() && e.example() != Some(*want_example)) {
                        failures.push(format!("{re}: {msg}"));
                    }
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn unknown_syntax_is_not_proven() {
        for re in [r"https://\pL+\.example\.com", r"https://(?=x)"] {
            assert!(matches!(analyse(re, &psl), Err(Unconfined::Unproven(_))), "{re}");
        }
    }

    #[test]
    fn classes() {
        let rows: &[(&str, Set)] = &[
            ("[a-c]", range(b'a', b'c')),
            ("[^a-c]", !range(b'a', b'c')),
            ("[]a]", bit(b']') | bit(b'a')),
            ("[a-]", bit(b'a') | bit(b'-')),
            ("[-a]", bit(b'a') | bit(b'-')),
            ("[\\d.]", DIGITS | bit(b'.')),
            ("[[:digit:]x]", DIGITS | bit(b'x')),
            ("[[:^digit:]]", !DIGITS),
            ("[a-z&&[^x]]", LOWER & !bit(b'x')),
            (
                "[a-z--aeiou]",
                LOWER & !(bit(b'a') | bit(b'e') | bit(b'i') | bit(b'o') | bit(b'u')),
            ),
            ("[ab~~bc]", bit(b'a') | bit(b'c')),
            ("[\\.]", bit(b'.')),
            ("[\\x41]", bit(b'A')),
            ("(?i)[a]", bit(b'a') | bit(b'A')),
            ("(?i)[^a]", !(bit(b'a') | bit(b'A'))),
            ("[é]", 0),
        ];
        for (src, want) in rows {
            match parse(src) {
                Ok(Node::Char(set)) => assert_eq!(set, *want, "{src}"),
                other => panic!("{src}: {other:?}"),
            }
        }
    }

    #[test]
    fn hostile_regexes_are_bounded() {
        for re in [
            r"(((a{16}){16}){16}){16}",
            r"(a|b|c|d){1000}\.example\.com",
            r"((((.*)*)*)*)*",
        ] {
            let _ = analyse(re, &psl); // refused or not, it returns
        }
        assert!(analyse(r"(((a{16}){16}){16}){16}", &psl).is_err());
    }
}
