//! A scriptable HTTP/1.1 upstream in the test process: each request says how the
//! upstream answers it (status, header lines, body, or a fault).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// A request as the upstream received it (after Envoy and the filter).
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, Vec<u8>)>,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
    }
}

/// A scriptable HTTP/1.1 upstream. Each request says how to answer:
/// - `x-test-status: 404` sets the status (default 200);
/// - every `x-test-header: name: value` line becomes one response header line, in order
///   (so a test can make the upstream send duplicates, odd case, `Vary`, `Set-Cookie`...);
/// - `x-test-body: text` sets the body (default `upstream: METHOD PATH`);
/// - `x-test-many-headers: N` adds N lines `x-many-I: v` (for header-count limits);
/// - `x-test-big-header: NAME SIZE` adds one line `NAME` with a SIZE-byte value;
/// - `x-test-delay-ms: N` waits N ms before answering (for route timeouts);
/// - `x-test-fault: reset` closes the connection without answering;
/// - `x-test-raw: BYTES` (percent-encoded) writes exactly these bytes as the response,
///   then closes the connection (malformed responses).
///
/// Without `x-test-header` the response has no headers but `content-length`.
/// A WebSocket upgrade is answered `101 Switching Protocols`.
pub struct Upstream {
    pub port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
    /// When false (the soak), requests are not recorded, so memory stays flat.
    record: bool,
}

impl Upstream {
    pub fn start() -> Upstream {
        Self::start_recording(true)
    }

    /// An upstream that does not keep the requests it saw (for long runs).
    pub fn start_recording(record: bool) -> Upstream {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind upstream");
        let port = listener.local_addr().expect("addr").port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { return };
                let log = log.clone();
                thread::spawn(move || serve(conn, log, record));
            }
        });
        Upstream { port, seen, record }
    }

    /// Every request received so far.
    pub fn seen(&self) -> Vec<Seen> {
        assert!(self.record, "this upstream does not record requests");
        self.seen.lock().expect("lock").clone()
    }

    /// Requests received for exactly this path.
    pub fn seen_path(&self, path: &str) -> Vec<Seen> {
        self.seen().into_iter().filter(|s| s.path == path).collect()
    }
}

/// `%XX` escapes decoded; everything else byte for byte.
pub fn percent_decode(text: &str) -> Vec<u8> {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).ok();
            if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

/// `bytes` with every byte outside visible ASCII (and `%` itself) percent-encoded, for
/// `x-test-raw`.
pub fn percent_encode(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| match b {
            b'!'..=b'~' if *b != b'%' => (*b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn serve(conn: TcpStream, log: Arc<Mutex<Vec<Seen>>>, record: bool) {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(30)));
    let _ = conn.set_nodelay(true);
    let mut reader = BufReader::new(match conn.try_clone() {
        Ok(c) => c,
        Err(_) => return,
    });
    let mut writer = conn;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = line.trim_end().splitn(3, ' ');
        let method = parts.next().unwrap_or("").to_string();
        let path = parts.next().unwrap_or("").to_string();
        let mut headers = Vec::new();
        loop {
            let mut raw = Vec::new();
            if reader.read_until(b'\n', &mut raw).unwrap_or(0) == 0 {
                return;
            }
            while raw.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
                raw.pop();
            }
            if raw.is_empty() {
                break;
            }
            if let Some(colon) = raw.iter().position(|b| *b == b':') {
                let name = String::from_utf8_lossy(&raw[..colon]).to_ascii_lowercase();
                let mut value = &raw[colon + 1..];
                while value.first() == Some(&b' ') {
                    value = &value[1..];
                }
                headers.push((name, value.to_vec()));
            }
        }
        let seen = Seen {
            method: method.clone(),
            path: path.clone(),
            headers,
        };
        // Read (and drop) a request body.
        if let Some(len) = seen.header("content-length").and_then(|v| v.parse::<usize>().ok()) {
            let mut body = vec![0; len];
            if reader.read_exact(&mut body).is_err() {
                return;
            }
        } else if seen.header("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
            loop {
                let mut size = String::new();
                if reader.read_line(&mut size).unwrap_or(0) == 0 {
                    return;
                }
                let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
                let mut chunk = vec![0; n + 2];
                if reader.read_exact(&mut chunk).is_err() {
                    return;
                }
                if n == 0 {
                    break;
                }
            }
        }
        if record {
            log.lock().expect("lock").push(seen.clone());
        }

        if let Some(ms) = seen.header("x-test-delay-ms").and_then(|v| v.parse().ok()) {
            thread::sleep(Duration::from_millis(ms));
        }
        if seen.header("x-test-fault").as_deref() == Some("reset") {
            let _ = writer.shutdown(Shutdown::Both);
            return;
        }
        if let Some(raw) = seen.header("x-test-raw") {
            let _ = writer.write_all(&percent_decode(&raw));
            let _ = writer.flush();
            thread::sleep(Duration::from_millis(50));
            let _ = writer.shutdown(Shutdown::Both);
            return;
        }
        if seen
            .header("upgrade")
            .is_some_and(|u| u.eq_ignore_ascii_case("websocket"))
        {
            let _ = writer.write_all(
                b"HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: upgrade\r\n\
                  sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n",
            );
            thread::sleep(Duration::from_millis(200));
            let _ = writer.shutdown(Shutdown::Both);
            return;
        }
        let status = seen.header("x-test-status").unwrap_or_else(|| "200".into());
        let body = seen
            .header("x-test-body")
            .unwrap_or_else(|| format!("upstream: {method} {path}"));
        let mut out = format!("HTTP/1.1 {status} X\r\n").into_bytes();
        for (n, v) in &seen.headers {
            if n == "x-test-header" {
                out.extend_from_slice(v);
                out.extend_from_slice(b"\r\n");
            }
        }
        if let Some(n) = seen.header("x-test-many-headers").and_then(|v| v.parse::<usize>().ok()) {
            for i in 0..n {
                out.extend_from_slice(format!("x-many-{i}: v\r\n").as_bytes());
            }
        }
        if let Some((name, size)) = seen
            .header("x-test-big-header")
            .and_then(|v| v.split_once(' ').map(|(n, s)| (n.to_string(), s.parse::<usize>().ok())))
        {
            out.extend_from_slice(format!("{name}: ").as_bytes());
            out.extend(std::iter::repeat(b'v').take(size.unwrap_or(0)));
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(format!("content-length: {}\r\n\r\n{body}", body.len()).as_bytes());
        if writer.write_all(&out).is_err() {
            return;
        }
    }
}
