//! An HTTP/2 client (the `h2` crate) for the same [`Req`]s the HTTP/1.1 client sends:
//! cleartext with prior knowledge (h2c) or TLS with ALPN `h2`, many streams on one
//! connection, and WebSocket over extended CONNECT (RFC 8441). Responses come back as
//! [`Resp`], with `:status` as the status and every other field as received.

use super::client::{Req, Resp};
use bytes::Bytes;
use std::pin::Pin;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

/// How to reach the listener.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum H2 {
    /// Cleartext HTTP/2 with prior knowledge.
    Cleartext,
    /// TLS (certificate not verified), ALPN `h2` required.
    Tls,
}

/// What one exchange on a stream is.
enum Kind {
    Plain,
    /// Extended CONNECT with `:protocol` = websocket; the response is read until the
    /// stream ends (the test upstream closes the tunnel).
    WebSocket,
}

/// Sends every request on one HTTP/2 connection, one stream each, in order.
pub fn send_h2(port: u16, how: H2, reqs: &[Req]) -> Vec<Resp> {
    let jobs: Vec<(Kind, &Req)> = reqs.iter().map(|r| (Kind::Plain, r)).collect();
    run(port, how, jobs).unwrap_or_else(|e| panic!("HTTP/2 to port {port}: {e}"))
}

/// A WebSocket handshake over HTTP/2 (RFC 8441): `req`'s path and headers, sent as
/// `CONNECT` with `:protocol: websocket` (its method and any HTTP/1.1 upgrade headers
/// are not sent). Success is `200`, a refusal the refusal's status.
pub fn websocket_h2(port: u16, how: H2, req: &Req) -> Resp {
    run(port, how, vec![(Kind::WebSocket, req)])
        .unwrap_or_else(|e| panic!("HTTP/2 WebSocket to port {port}: {e}"))
        .remove(0)
}

type Error = Box<dyn std::error::Error + Send + Sync>;

fn run(port: u16, how: H2, jobs: Vec<(Kind, &Req)>) -> Result<Vec<Resp>, Error> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    rt.block_on(async move {
        let tcp = TcpStream::connect(("127.0.0.1", port)).await?;
        tcp.set_nodelay(true)?;
        let timeout = std::time::Duration::from_secs(20);
        match how {
            H2::Cleartext => tokio::time::timeout(timeout, exchange(tcp, "http", jobs)).await?,
            H2::Tls => {
                let mut ssl = openssl::ssl::SslConnector::builder(openssl::ssl::SslMethod::tls_client())?;
                ssl.set_verify(openssl::ssl::SslVerifyMode::NONE);
                ssl.set_alpn_protos(b"\x02h2")?;
                let ssl = ssl.build().configure()?.into_ssl("localhost")?;
                let mut stream = tokio_openssl::SslStream::new(ssl, tcp)?;
                Pin::new(&mut stream).connect().await?;
                let alpn = stream.ssl().selected_alpn_protocol().map(|p| p.to_vec());
                if alpn.as_deref() != Some(b"h2") {
                    return Err(format!("ALPN negotiated {alpn:?}, not h2").into());
                }
                tokio::time::timeout(timeout, exchange(stream, "https", jobs)).await?
            }
        }
    })
}

async fn exchange<T>(io: T, scheme: &'static str, jobs: Vec<(Kind, &Req)>) -> Result<Vec<Resp>, Error>
where
    T: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    {
        let (client, connection) = h2::client::handshake(io).await?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        let mut out = Vec::new();
        for (kind, req) in jobs {
            let mut client = client.clone().ready().await?;
            let parts = req.parts();
            let mut authority = "localhost".to_string();
            let mut builder = http::Request::builder();
            for (name, value) in parts.headers {
                let lower = name.to_ascii_lowercase();
                if lower == "host" {
                    authority = String::from_utf8_lossy(value).into_owned();
                    continue;
                }
                // Connection-specific fields do not exist in HTTP/2 (RFC 9113 §8.2.2).
                if [
                    "connection",
                    "upgrade",
                    "keep-alive",
                    "proxy-connection",
                    "transfer-encoding",
                ]
                .contains(&lower.as_str())
                {
                    continue;
                }
                builder = builder.header(lower, http::HeaderValue::from_bytes(value)?);
            }
            let method = match kind {
                Kind::Plain => parts.method,
                Kind::WebSocket => "CONNECT",
            };
            let mut request = builder
                .method(method)
                .uri(format!("{scheme}://{authority}{}", parts.path))
                .body(())?;
            if let Kind::WebSocket = kind {
                // The server's SETTINGS arrive after the handshake returns.
                let mut waited = 0;
                while !client.is_extended_connect_protocol_enabled() {
                    if waited > 200 {
                        return Err("the server did not send SETTINGS_ENABLE_CONNECT_PROTOCOL".into());
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                    waited += 1;
                }
                request.extensions_mut().insert(h2::ext::Protocol::from("websocket"));
            }
            let body = parts.body.to_vec();
            let end = body.is_empty() && matches!(kind, Kind::Plain);
            let (response, mut send) = client.send_request(request, end)?;
            if !body.is_empty() {
                send.send_data(Bytes::from(body), matches!(kind, Kind::Plain))?;
            }
            let response = response.await?;
            let status = response.status().as_u16();
            let headers = response
                .headers()
                .iter()
                .map(|(n, v)| (n.as_str().to_string(), v.as_bytes().to_vec()))
                .collect();
            let mut stream = response.into_body();
            let mut data = Vec::new();
            while let Some(chunk) = stream.data().await {
                let chunk = match (chunk, &kind) {
                    (Ok(c), _) => c,
                    // The upstream closing an accepted tunnel resets the stream
                    // (RFC 8441 §4: CONNECT_ERROR); the handshake is what we check.
                    (Err(_), Kind::WebSocket) if status == 200 => break,
                    (Err(e), _) => return Err(e.into()),
                };
                let _ = stream.flow_control().release_capacity(chunk.len());
                data.extend_from_slice(&chunk);
            }
            drop(send);
            out.push(Resp {
                status,
                headers,
                body: data,
            });
        }
        Ok(out)
    }
}
