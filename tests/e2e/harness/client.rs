//! A raw HTTP/1.1 client: requests written byte for byte as built, responses read
//! with every header line as received; one request per connection, or a kept-alive
//! [`Conn`].

use super::envoy::Envoy;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// An HTTP/1.1 request, written byte for byte as built (header order, case and
/// repetition kept). `Host` and `Connection: close` are added unless given.
#[derive(Debug, Clone)]
pub struct Req {
    method: String,
    path: String,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
}

/// One request's parts, for clients of other protocols (HTTP/2).
pub struct ReqParts<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub headers: &'a [(String, Vec<u8>)],
    pub body: &'a [u8],
}

pub fn get(path: &str) -> Req {
    request("GET", path)
}

pub fn request(method: &str, path: &str) -> Req {
    Req {
        method: method.into(),
        path: path.into(),
        headers: Vec::new(),
        body: Vec::new(),
    }
}

/// A CORS preflight: OPTIONS with Origin and Access-Control-Request-Method.
pub fn preflight(path: &str, origin: &str, method: &str) -> Req {
    request("OPTIONS", path)
        .header("origin", origin)
        .header("access-control-request-method", method)
}

impl Req {
    pub fn header(mut self, name: &str, value: &str) -> Req {
        self.headers.push((name.into(), value.as_bytes().to_vec()));
        self
    }

    pub fn header_bytes(mut self, name: &str, value: &[u8]) -> Req {
        self.headers.push((name.into(), value.to_vec()));
        self
    }

    pub fn origin(self, origin: &str) -> Req {
        self.header("origin", origin)
    }

    /// Asks the test upstream to send this response header line.
    pub fn upstream_header(self, name: &str, value: &str) -> Req {
        self.header("x-test-header", &format!("{name}: {value}"))
    }

    pub fn upstream_status(self, status: u16) -> Req {
        self.header("x-test-status", &status.to_string())
    }

    pub fn body(mut self, body: &[u8]) -> Req {
        self.body = body.to_vec();
        self
    }

    pub fn parts(&self) -> ReqParts<'_> {
        ReqParts {
            method: &self.method,
            path: &self.path,
            headers: &self.headers,
            body: &self.body,
        }
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        self.encode(true)
    }

    /// The bytes, asking for `connection: close` unless `close` is false or the
    /// request has its own `connection` header.
    fn encode(&self, close: bool) -> Vec<u8> {
        let mut out = format!("{} {} HTTP/1.1\r\n", self.method, self.path).into_bytes();
        let has = |n: &str| self.headers.iter().any(|(h, _)| h.eq_ignore_ascii_case(n));
        if !has("host") {
            out.extend_from_slice(b"host: localhost\r\n");
        }
        if close && !has("connection") {
            out.extend_from_slice(b"connection: close\r\n");
        }
        if !self.body.is_empty() && !has("content-length") {
            out.extend_from_slice(format!("content-length: {}\r\n", self.body.len()).as_bytes());
        }
        for (n, v) in &self.headers {
            out.extend_from_slice(n.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(v);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&self.body);
        out
    }

    /// Sends to the filter's listener.
    pub fn send(&self, envoy: &Envoy) -> Resp {
        self.send_to(envoy.port())
    }

    pub fn send_to(&self, port: u16) -> Resp {
        self.try_send_to(port)
            .unwrap_or_else(|e| panic!("{} {} to port {port}: {e}", self.method, self.path))
    }

    pub fn try_send_to(&self, port: u16) -> std::io::Result<Resp> {
        send_raw(port, &self.to_bytes())
    }
}

/// A response, every header line as received.
#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, Vec<u8>)>,
    pub body: Vec<u8>,
}

impl Resp {
    /// The first line's value.
    pub fn header(&self, name: &str) -> Option<String> {
        self.all(name).into_iter().next()
    }

    /// Every line's value, in order.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
            .collect()
    }

    pub fn has(&self, name: &str) -> bool {
        self.count(name) > 0
    }

    pub fn count(&self, name: &str) -> usize {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .count()
    }

    /// Names of the response headers starting with a prefix (e.g. `access-control-`).
    pub fn names_with_prefix(&self, prefix: &str) -> Vec<String> {
        self.headers
            .iter()
            .map(|(n, _)| n.to_ascii_lowercase())
            .filter(|n| n.starts_with(prefix))
            .collect()
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Every header line as `name: value` text, for failure messages.
    pub fn headers_text(&self) -> Vec<String> {
        self.headers
            .iter()
            .map(|(n, v)| format!("{n}: {}", String::from_utf8_lossy(v)))
            .collect()
    }

    /// The `Vary` field values, split and trimmed, across all lines.
    pub fn vary(&self) -> Vec<String> {
        self.all("vary")
            .iter()
            .flat_map(|v| v.split(',').map(|s| s.trim().to_string()).collect::<Vec<_>>())
            .filter(|s| !s.is_empty())
            .collect()
    }
}

/// A kept-alive HTTP/1.1 connection: many requests, one after the other.
pub struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    pub fn open(port: u16) -> std::io::Result<Conn> {
        let stream = TcpStream::connect(("127.0.0.1", port))?;
        stream.set_read_timeout(Some(Duration::from_secs(20)))?;
        stream.set_nodelay(true)?;
        Ok(Conn {
            stream,
            buf: Vec::new(),
        })
    }

    /// Sends `req` without `connection: close` and reads its response. An error (or a
    /// response with `connection: close`) means the connection is done: open another.
    pub fn send(&mut self, req: &Req) -> std::io::Result<Resp> {
        self.send_bytes(&req.encode(false))
    }

    pub fn send_bytes(&mut self, bytes: &[u8]) -> std::io::Result<Resp> {
        self.stream.write_all(bytes)?;
        let mut chunk = [0u8; 16384];
        loop {
            if let Some((resp, used)) = parse_complete(&self.buf) {
                self.buf.drain(..used);
                return Ok(resp);
            }
            match self.stream.read(&mut chunk)? {
                0 => {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::UnexpectedEof,
                        format!("connection closed after {:?}", String::from_utf8_lossy(&self.buf)),
                    ))
                }
                n => self.buf.extend_from_slice(&chunk[..n]),
            }
        }
    }
}

/// Writes raw bytes to a port and reads one response (the request should ask for
/// `connection: close`; [`Req`] does).
pub fn send_raw(port: u16, bytes: &[u8]) -> std::io::Result<Resp> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(20)))?;
    stream.write_all(bytes)?;
    let mut raw = Vec::new();
    let mut buf = [0u8; 16384];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
            Err(e) if raw.is_empty() => return Err(e),
            Err(_) => break,
        }
        if let Some((resp, _)) = parse_complete(&raw) {
            return Ok(resp);
        }
    }
    parse_response(&raw)
        .ok_or_else(|| std::io::Error::other(format!("no HTTP response in {:?}", String::from_utf8_lossy(&raw))))
}

/// One HTTP/1.1 response from the bytes read until the connection closed (also for
/// bytes read through another client, e.g. a TLS one).
pub fn parse_response(raw: &[u8]) -> Option<Resp> {
    parse_complete(raw).map(|(r, _)| r).or_else(|| {
        // Delimited by the connection closing.
        parse_head(raw).map(|(mut r, start)| {
            r.body = raw[start..].to_vec();
            r
        })
    })
}

fn parse_head(raw: &[u8]) -> Option<(Resp, usize)> {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = &raw[..end];
    let mut lines = head.split(|b| *b == b'\n').map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    let status_line = String::from_utf8_lossy(lines.next()?).into_owned();
    let status = status_line.split(' ').nth(1)?.parse().ok()?;
    let headers = lines
        .filter_map(|l| {
            let colon = l.iter().position(|b| *b == b':')?;
            let mut v = &l[colon + 1..];
            while v.first() == Some(&b' ') {
                v = &v[1..];
            }
            Some((String::from_utf8_lossy(&l[..colon]).into_owned(), v.to_vec()))
        })
        .collect();
    Some((
        Resp {
            status,
            headers,
            body: Vec::new(),
        },
        end + 4,
    ))
}

/// A response once it is complete (by content-length, chunked end, or no body), and
/// the number of bytes it took.
fn parse_complete(raw: &[u8]) -> Option<(Resp, usize)> {
    let (mut resp, start) = parse_head(raw)?;
    let rest = &raw[start..];
    if resp.status == 101 || resp.status == 204 || resp.status == 304 {
        return Some((resp, start));
    }
    if let Some(len) = resp
        .header("content-length")
        .and_then(|v| v.trim().parse::<usize>().ok())
    {
        if rest.len() >= len {
            resp.body = rest[..len].to_vec();
            return Some((resp, start + len));
        }
        return None;
    }
    if resp.header("transfer-encoding").is_some_and(|t| t.contains("chunked")) {
        let mut body = Vec::new();
        let mut at = 0;
        loop {
            let line_end = rest[at..].windows(2).position(|w| w == b"\r\n")? + at;
            let size = usize::from_str_radix(String::from_utf8_lossy(&rest[at..line_end]).trim(), 16).ok()?;
            let data = line_end + 2;
            if size == 0 {
                resp.body = body;
                // The last chunk's line, then the (empty) trailer section's CRLF.
                let end = rest[data..].windows(2).position(|w| w == b"\r\n")? + data + 2;
                return Some((resp, start + end));
            }
            if rest.len() < data + size + 2 {
                return None;
            }
            body.extend_from_slice(&rest[data..data + size]);
            at = data + size + 2;
        }
    }
    None
}
