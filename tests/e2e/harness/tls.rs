//! TLS for tests: a throwaway certificate (openssl CLI), a template with a TLS
//! listener, and a one-shot HTTP/1.1 request over TLS.

use super::client::{parse_response, Req, Resp};
use super::envoy::DEFAULT_TEMPLATE;
use std::path::Path;
use std::process::{Command, Stdio};

/// A throwaway self-signed certificate for 127.0.0.1, made with the openssl CLI.
pub fn test_certificate(dir: &Path) -> (String, String) {
    let cert = dir.join("cert.pem");
    let key = dir.join("key.pem");
    let out = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
        ])
        .args([
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("run openssl");
    assert!(
        out.status.success(),
        "openssl: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (cert.display().to_string(), key.display().to_string())
}

/// The default template plus a `tls` listener: the same HTTP connection manager and
/// filter behind a TLS transport socket.
pub fn tls_template(cert: &str, key: &str) -> String {
    with_tls_listener(DEFAULT_TEMPLATE, cert, key, &[])
}

/// `template` plus a `tls` listener: a copy of its `edge` listener behind a TLS
/// transport socket offering these ALPN protocols (none: plain TLS, HTTP/1.1).
pub fn with_tls_listener(template: &str, cert: &str, key: &str, alpn: &[&str]) -> String {
    let (start, end) = edge_listener(template);
    let alpn = if alpn.is_empty() {
        String::new()
    } else {
        format!("            alpn_protocols: {alpn:?}\n")
    };
    let tls_socket = format!(
        "    - transport_socket:\n        name: envoy.transport_sockets.tls\n        typed_config:\n          \
         \"@type\": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext\n          \
         common_tls_context:\n{alpn}            tls_certificates:\n            - certificate_chain: {{ filename: \"{cert}\" }}\n              \
         private_key: {{ filename: \"{key}\" }}\n      filters:\n"
    );
    let tls = template[start..end]
        .replacen("  - name: edge\n", "  - name: tls\n", 1)
        .replacen("stat_prefix: edge", "stat_prefix: tls", 1)
        .replacen("    - filters:\n", &tls_socket, 1);
    format!("{}{tls}{}", &template[..end], &template[end..])
}

/// Where the `edge` listener's YAML starts and ends in a template (it ends where the
/// next listener or `clusters:` begins); the copies go right after it.
pub fn edge_listener(template: &str) -> (usize, usize) {
    let start = template.find("  - name: edge\n").expect("edge listener");
    let clusters = template.find("  clusters:").expect("clusters");
    let next = template[start + 1..].find("\n  - name: ").map(|i| start + 1 + i + 1);
    (start, next.unwrap_or(clusters).min(clusters))
}

/// Sends a request over TLS with the openssl CLI (certificate not verified) and reads
/// the response until Envoy closes the connection (`Req` asks for `connection: close`).
pub fn send_tls(req: &Req, port: u16) -> Resp {
    let mut child = Command::new("openssl")
        .args([
            "s_client",
            "-quiet",
            "-connect",
            &format!("127.0.0.1:{port}"),
            "-servername",
            "localhost",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run openssl s_client");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(&req.to_bytes()).expect("write request");
    }
    let out = child.wait_with_output().expect("openssl s_client");
    parse_response(&out.stdout).unwrap_or_else(|| {
        panic!(
            "no HTTP response over TLS: {:?}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}
