//! An OpenShift stand-in over TLS on 127.0.0.1, with a certificate from the
//! test CA in `tests/tls/` (see its README): its OAuth login hands out
//! [`TOKEN`] to anyone, and every API request is refused with 403. Request
//! heads are kept, so a test sees that the token crossed a verified TLS
//! connection.

use std::io::{BufReader, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use super::read_request_head;

pub const TOKEN: &str = "sha256~canary-tls-token-61e0";

/// The PEM files of `tests/tls/`.
pub fn tls_file(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/tls").join(name)
}

pub struct TlsServer {
    pub url: String,
    pub requests: Arc<Mutex<Vec<String>>>,
}

impl TlsServer {
    pub fn start() -> TlsServer {
        let certs: Vec<CertificateDer<'static>> =
            CertificateDer::pem_file_iter(tls_file("server.pem")).unwrap().collect::<Result<_, _>>().unwrap();
        let key = PrivateKeyDer::from_pem_file(tls_file("server.key")).unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .unwrap();
        let config = Arc::new(config);
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("https://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let (seen, base) = (requests.clone(), url.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                let (config, seen, base) = (config.clone(), seen.clone(), base.clone());
                std::thread::spawn(move || {
                    let Ok(connection) = rustls::ServerConnection::new(config) else { return };
                    let mut tls = rustls::StreamOwned::new(connection, stream);
                    let head = read_request_head(&mut BufReader::new(&mut tls));
                    if head.is_empty() {
                        return; // the client gave up, e.g. on an untrusted certificate
                    }
                    seen.lock().unwrap().push(head.clone());
                    let _ = tls.write_all(answer(&head, &base).as_bytes());
                    tls.conn.send_close_notify();
                    let _ = tls.flush();
                });
            }
        });
        TlsServer { url, requests }
    }

    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

fn answer(head: &str, base: &str) -> String {
    let path = head.split_whitespace().nth(1).unwrap_or_default();
    let (status, extra, body) = if path == "/.well-known/oauth-authorization-server" {
        ("200 OK", String::new(), format!(r#"{{"issuer":"{base}","authorization_endpoint":"{base}/oauth/authorize"}}"#))
    } else if path.starts_with("/oauth/authorize") {
        ("302 Found", format!("location: {base}/oauth/token/implicit#access_token={TOKEN}&token_type=Bearer\r\n"), String::new())
    } else {
        let status = r#"{"kind":"Status","apiVersion":"v1","status":"Failure","message":"refused by the TLS test server","reason":"Forbidden","code":403}"#;
        ("403 Forbidden", String::new(), status.to_owned())
    };
    format!(
        "HTTP/1.1 {status}\r\n{extra}content-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
}
