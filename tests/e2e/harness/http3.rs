//! HTTP/3 (QUIC): a listener for any template, and a client (aioquic, through
//! tests/e2e/h3_client.py, installed by `make e2e-tools` into `.venv-h3`).

use super::client::{Req, Resp};
use super::paths::repo;
use super::tls::edge_listener;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// `template` plus an `h3` listener: a copy of its `edge` listener on UDP, with the
/// QUIC transport and the HTTP/3 codec.
pub fn with_quic_listener(template: &str, cert: &str, key: &str) -> String {
    let (start, end) = edge_listener(template);
    let edge = &template[start..end];
    let address = "    address: { socket_address: { address: 127.0.0.1, port_value: 0 } }\n";
    assert!(edge.contains(address), "the edge listener's address line");
    let quic = "    address: { socket_address: { protocol: UDP, address: 127.0.0.1, port_value: 0 } }\n    \
                udp_listener_config: { quic_options: {} }\n";
    let transport = format!(
        "    - transport_socket:\n        name: envoy.transport_sockets.quic\n        typed_config:\n          \
         \"@type\": type.googleapis.com/envoy.extensions.transport_sockets.quic.v3.QuicDownstreamTransport\n          \
         downstream_tls_context:\n            common_tls_context:\n              tls_certificates:\n              \
         - certificate_chain: {{ filename: \"{cert}\" }}\n                private_key: {{ filename: \"{key}\" }}\n      filters:\n"
    );
    let hcm = "          stat_prefix: edge\n";
    assert!(edge.contains(hcm));
    let h3 = edge
        .replacen("  - name: edge\n", "  - name: h3\n", 1)
        .replacen(address, quic, 1)
        .replacen("    - filters:\n", &transport, 1)
        .replacen(
            hcm,
            "          stat_prefix: h3\n          codec_type: HTTP3\n          http3_protocol_options: {}\n",
            1,
        );
    format!("{}{h3}{}", &template[..end], &template[end..])
}

/// The Python with aioquic: `H3_PYTHON`, else `.venv-h3/bin/python`.
pub fn h3_python() -> PathBuf {
    let p = match std::env::var_os("H3_PYTHON") {
        Some(p) => PathBuf::from(p),
        None => repo().join(".venv-h3/bin/python"),
    };
    assert!(
        p.exists(),
        "{} is missing: run `make e2e-tools` (aioquic, the HTTP/3 client)",
        p.display()
    );
    p
}

fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|b| *b as char).collect()
}

fn bytes(text: &str) -> Vec<u8> {
    text.chars().map(|c| c as u32 as u8).collect()
}

/// Sends every request on one HTTP/3 connection to a QUIC listener, in order.
pub fn send_h3(port: u16, reqs: &[Req]) -> Vec<Resp> {
    let json: Vec<serde_json::Value> = reqs
        .iter()
        .map(|r| {
            let p = r.parts();
            serde_json::json!({
                "method": p.method,
                "path": p.path,
                "headers": p.headers.iter().map(|(n, v)| [n.clone(), latin1(v)]).collect::<Vec<_>>(),
                "body": latin1(p.body),
            })
        })
        .collect();
    let mut child = Command::new(h3_python())
        .arg(repo().join("tests/e2e/h3_client.py"))
        .arg(port.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the HTTP/3 client");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(serde_json::to_string(&json).unwrap().as_bytes())
        .expect("write requests");
    let out = child.wait_with_output().expect("HTTP/3 client");
    assert!(
        out.status.success(),
        "HTTP/3 client failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let answers: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).expect("the client's JSON");
    answers
        .iter()
        .map(|a| Resp {
            status: a["status"].as_u64().unwrap_or(0) as u16,
            headers: a["headers"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|h| {
                    (
                        h[0].as_str().unwrap_or("").to_string(),
                        bytes(h[1].as_str().unwrap_or("")),
                    )
                })
                .collect(),
            body: bytes(a["body"].as_str().unwrap_or("")),
        })
        .collect()
}
