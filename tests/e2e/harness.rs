//! End-to-end harness: a real Envoy (from `ENVOY` or `.venv/bin/envoy`) loading the
//! built `.wasm`, a scriptable upstream in this process, and a raw HTTP/1.1 client.
//!
//! Adding a case is cheap: `Envoy::start(r#"{"cors": {...}}"#)` generates a config from
//! [`DEFAULT_TEMPLATE`] with free ports, and `get("/path").header(..).send(&envoy)`
//! returns every response header line as received. A failing test prints the Envoy log.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use super::host;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn envoy_bin() -> PathBuf {
    match std::env::var_os("ENVOY") {
        Some(p) => PathBuf::from(p),
        None => repo().join(".venv/bin/envoy"),
    }
}

pub fn wasm_path() -> PathBuf {
    let p = match std::env::var_os("EDGE_SHIELD_WASM") {
        Some(p) => PathBuf::from(p),
        None => repo().join("target/wasm32-wasip1/release/edge_shield.wasm"),
    };
    assert!(
        p.exists(),
        "{} is missing: run `make build` (or `make test`) first",
        p.display()
    );
    p
}

fn scratch_dir() -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "edge-shield-e2e-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

// ---------------------------------------------------------------- upstream

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
/// - `x-test-body: text` sets the body (default `upstream: METHOD PATH`).
///
/// Without `x-test-header` the response has no headers but `content-length`.
/// A WebSocket upgrade is answered `101 Switching Protocols`.
pub struct Upstream {
    pub port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Upstream {
    pub fn start() -> Upstream {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind upstream");
        let port = listener.local_addr().expect("addr").port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { return };
                let log = log.clone();
                thread::spawn(move || serve(conn, log));
            }
        });
        Upstream { port, seen }
    }

    /// Every request received so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("lock").clone()
    }

    /// Requests received for exactly this path.
    pub fn seen_path(&self, path: &str) -> Vec<Seen> {
        self.seen().into_iter().filter(|s| s.path == path).collect()
    }
}

fn serve(conn: TcpStream, log: Arc<Mutex<Vec<Seen>>>) {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(30)));
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
        log.lock().expect("lock").push(seen.clone());

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
        out.extend_from_slice(format!("content-length: {}\r\n\r\n{body}", body.len()).as_bytes());
        if writer.write_all(&out).is_err() {
            return;
        }
    }
}

// ---------------------------------------------------------------- envoy

/// The Envoy config every test starts from. Placeholders: `{{WASM}}`, `{{PLUGIN}}`
/// (the plugin JSON as a quoted string), `{{UPSTREAM_PORT}}`. Listener `edge` has the
/// filter; routes: `/direct/` (Envoy direct_response), `/dead/` (unreachable
/// upstream → 503), everything else → the test upstream. Hosts outside the `main`
/// virtual host's domains get Envoy's 404.
pub const DEFAULT_TEMPLATE: &str = r#"
admin:
  address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
static_resources:
  listeners:
  - name: edge
    address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: edge
          server_header_transformation: PASS_THROUGH
          strip_any_host_port: true
          # Let hostile-input tests (64 KiB values, hundreds of headers) reach the filter.
          max_request_headers_kb: 256
          common_http_protocol_options: { max_headers_count: 1000 }
          upgrade_configs: [{ upgrade_type: websocket }]
          route_config:
            name: edge
            virtual_hosts:
            - name: main
              domains: ["localhost", "127.0.0.1", "example.com", "*.example.com", "*.test"]
              routes:
              - name: direct
                match: { prefix: "/direct/" }
                direct_response: { status: 200, body: { inline_string: "direct" } }
              - name: dead
                match: { prefix: "/dead/" }
                route: { cluster: dead, timeout: 2s }
              - name: upstream
                match: { prefix: "/" }
                route: { cluster: upstream, timeout: 10s }
          http_filters:
          - name: edge-shield
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm
              config:
                name: edge-shield
                failure_policy: FAIL_RELOAD
                vm_config:
                  vm_id: edge-shield
                  runtime: envoy.wasm.runtime.v8
                  code: { local: { filename: "{{WASM}}" } }
                configuration:
                  "@type": type.googleapis.com/google.protobuf.StringValue
                  value: {{PLUGIN}}
          - name: envoy.filters.http.router
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
  clusters:
  - name: upstream
    type: STATIC
    connect_timeout: 1s
    load_assignment:
      cluster_name: upstream
      endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: {{UPSTREAM_PORT}} } } } }] }]
  - name: dead
    type: STATIC
    connect_timeout: 0.5s
    load_assignment:
      cluster_name: dead
      endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: 1 } } } }] }]
"#;

/// Fills the template placeholders.
pub fn render(template: &str, plugin_json: &str, upstream_port: u16) -> String {
    let wasm = if host::native() {
        String::from("unused-by-the-native-module.wasm")
    } else {
        wasm_path().display().to_string()
    };
    let rendered = template
        .replace("{{WASM}}", &wasm)
        .replace("{{PLUGIN}}", &serde_json::to_string(plugin_json).expect("json"))
        .replace("{{UPSTREAM_PORT}}", &upstream_port.to_string());
    if host::native() {
        host::to_native(&rendered)
    } else {
        rendered
    }
}

/// A running Envoy; killed (and its log shown, if the test is failing) on drop.
pub struct Envoy {
    child: Child,
    dir: PathBuf,
    pub admin: u16,
    listeners: Vec<(String, u16)>,
    pub upstream: Upstream,
}

impl Envoy {
    /// Envoy with the default template and this plugin configuration.
    pub fn start(plugin_json: &str) -> Envoy {
        Self::start_with(DEFAULT_TEMPLATE, plugin_json)
    }

    pub fn start_with(template: &str, plugin_json: &str) -> Envoy {
        match Self::try_start(template, plugin_json) {
            Ok(e) => e,
            Err(log) => panic!("Envoy did not start.\n----- envoy log -----\n{log}\n---------------------"),
        }
    }

    /// Starts Envoy; `Err(log)` if it exits or does not become ready in time.
    pub fn try_start(template: &str, plugin_json: &str) -> Result<Envoy, String> {
        let upstream = Upstream::start();
        let dir = scratch_dir();
        let config = dir.join("envoy.yaml");
        std::fs::write(&config, render(template, plugin_json, upstream.port)).expect("write config");
        let log_path = dir.join("envoy.log");
        let log = std::fs::File::create(&log_path).expect("log file");
        let admin_file = dir.join("admin.txt");
        let mut cmd = Command::new(envoy_bin());
        cmd.arg("-c")
            .arg(&config)
            .env("ENVOY_DYNAMIC_MODULES_SEARCH_PATH", host::native_dir())
            .args(["--concurrency", "1", "--disable-hot-restart", "-l", "info"])
            .arg("--admin-address-path")
            .arg(&admin_file)
            .current_dir(repo())
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log);
        // If this test process dies, take Envoy with it.
        unsafe {
            cmd.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run Envoy at {}: {e} (run `make envoy`)", envoy_bin().display()));
        let mut envoy = Envoy {
            child,
            dir,
            admin: 0,
            listeners: Vec::new(),
            upstream,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(Some(_)) = envoy.child.try_wait() {
                return Err(envoy.log());
            }
            if Instant::now() > deadline {
                return Err(format!("{}\n(timed out waiting for Envoy to be ready)", envoy.log()));
            }
            if envoy.admin == 0 {
                if let Ok(addr) = std::fs::read_to_string(&admin_file) {
                    envoy.admin = addr.trim().rsplit(':').next().and_then(|p| p.parse().ok()).unwrap_or(0);
                }
            }
            if envoy.admin != 0 && envoy.poll_ready() {
                return Ok(envoy);
            }
            thread::sleep(Duration::from_millis(50));
        }
    }

    fn poll_ready(&mut self) -> bool {
        let Ok(ready) = get("/ready").try_send_to(self.admin) else {
            return false;
        };
        if ready.status != 200 {
            return false;
        }
        let Ok(listeners) = get("/listeners?format=json").try_send_to(self.admin) else {
            return false;
        };
        let Ok(json) = serde_json::from_slice::<serde_json::Value>(&listeners.body) else {
            return false;
        };
        self.listeners = json["listener_statuses"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|l| {
                        let name = l["name"].as_str()?.to_string();
                        let port = l["local_address"]["socket_address"]["port_value"].as_u64()?;
                        Some((name, port as u16))
                    })
                    .collect()
            })
            .unwrap_or_default();
        !self.listeners.is_empty()
    }

    /// The port of a listener by name.
    pub fn port_of(&self, listener: &str) -> u16 {
        self.listeners
            .iter()
            .find(|(n, _)| n == listener)
            .map(|(_, p)| *p)
            .unwrap_or_else(|| panic!("no listener {listener:?}; have {:?}", self.listeners))
    }

    /// The port of the `edge` listener (the one with the filter).
    pub fn port(&self) -> u16 {
        self.port_of("edge")
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("envoy.log")).unwrap_or_default()
    }

    /// Envoy's `/stats` text.
    pub fn stats(&self) -> String {
        String::from_utf8_lossy(&get("/stats").send_to(self.admin).body).into_owned()
    }

    /// One of our counters of the `edge-shield` filter instance, e.g.
    /// `counter("default", "requests")`.
    pub fn counter(&self, policy: &str, name: &str) -> u64 {
        self.counter_of("edge-shield", policy, name)
    }

    /// A counter of a named filter instance (Envoy's Wasm `config.name`).
    pub fn counter_of(&self, plugin: &str, policy: &str, name: &str) -> u64 {
        let key = format!("{}edge_shield.{plugin}.{policy}.{name}: ", host::counter_prefix());
        self.stats()
            .lines()
            .find_map(|l| l.strip_prefix(&key).and_then(|v| v.trim().parse().ok()))
            .unwrap_or_else(|| panic!("no counter {key:?} in /stats"))
    }
}

impl Drop for Envoy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if thread::panicking() {
            eprintln!("----- envoy log ({}) -----\n{}\n-----", self.dir.display(), self.log());
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Runs `envoy --mode validate` on a config file: (accepted, output).
pub fn validate(config: &Path) -> (bool, String) {
    let out = Command::new(envoy_bin())
        .arg("--mode")
        .arg("validate")
        .arg("-c")
        .arg(config)
        .env("ENVOY_DYNAMIC_MODULES_SEARCH_PATH", host::native_dir())
        .args(["--disable-hot-restart", "-l", "info"])
        .current_dir(repo())
        .output()
        .unwrap_or_else(|e| panic!("cannot run Envoy at {}: {e}", envoy_bin().display()));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// Validates the default template with this plugin configuration.
pub fn validate_plugin(plugin_json: &str) -> (bool, String) {
    let dir = scratch_dir();
    let config = dir.join("envoy.yaml");
    std::fs::write(&config, render(DEFAULT_TEMPLATE, plugin_json, 9)).expect("write");
    let result = validate(&config);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

// ---------------------------------------------------------------- client

/// An HTTP/1.1 request, written byte for byte as built (header order, case and
/// repetition kept). `Host` and `Connection: close` are added unless given.
#[derive(Debug, Clone)]
pub struct Req {
    method: String,
    path: String,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
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

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = format!("{} {} HTTP/1.1\r\n", self.method, self.path).into_bytes();
        let has = |n: &str| self.headers.iter().any(|(h, _)| h.eq_ignore_ascii_case(n));
        if !has("host") {
            out.extend_from_slice(b"host: localhost\r\n");
        }
        if !has("connection") {
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

    /// The `Vary` field values, split and trimmed, across all lines.
    pub fn vary(&self) -> Vec<String> {
        self.all("vary")
            .iter()
            .flat_map(|v| v.split(',').map(|s| s.trim().to_string()).collect::<Vec<_>>())
            .filter(|s| !s.is_empty())
            .collect()
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
        if let Some(resp) = parse_complete(&raw) {
            return Ok(resp);
        }
    }
    parse_response(&raw)
        .ok_or_else(|| std::io::Error::other(format!("no HTTP response in {:?}", String::from_utf8_lossy(&raw))))
}

/// One HTTP/1.1 response from the bytes read until the connection closed (also for
/// bytes read through another client, e.g. a TLS one).
pub fn parse_response(raw: &[u8]) -> Option<Resp> {
    parse_complete(raw).or_else(|| {
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

/// A response once it is complete (by content-length, chunked end, or no body).
fn parse_complete(raw: &[u8]) -> Option<Resp> {
    let (mut resp, start) = parse_head(raw)?;
    let rest = &raw[start..];
    if resp.status == 101 || resp.status == 204 || resp.status == 304 {
        return Some(resp);
    }
    if let Some(len) = resp
        .header("content-length")
        .and_then(|v| v.trim().parse::<usize>().ok())
    {
        if rest.len() >= len {
            resp.body = rest[..len].to_vec();
            return Some(resp);
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
                return Some(resp);
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
