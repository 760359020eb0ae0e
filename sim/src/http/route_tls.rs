//! The HTTPS side of the `forklift-inventory` Route: a listener of its own with
//! a self-signed certificate for the loopback names, as a cluster's router
//! serves a Route a client reaches by `https://<spec.host>`. Clients trust the
//! certificate ([`TlsRoute::ca_pem`]) or skip verifying it, as users do.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::server::TlsStream;
use tokio_util::sync::CancellationToken;

/// A client that connects and never finishes its handshake is dropped after this.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// A bound HTTPS listener and the PEM of its certificate.
pub(crate) struct TlsRoute {
    listener: TcpListener,
    acceptor: TlsAcceptor,
    pub addr: SocketAddr,
    pub ca_pem: String,
}

impl TlsRoute {
    /// Binds `ip` on a free port with a fresh certificate for `localhost`, `127.0.0.1` and `ip`.
    pub async fn bind(ip: std::net::IpAddr) -> anyhow::Result<TlsRoute> {
        let mut names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
        if !names.contains(&ip.to_string()) {
            names.push(ip.to_string());
        }
        let certified = rcgen::generate_simple_self_signed(names).context("generating the inventory route's certificate")?;
        let cert = CertificateDer::from(certified.cert.der().to_vec());
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(certified.signing_key.serialize_der()));
        let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
        let config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .context("choosing TLS versions for the inventory route")?
            .with_no_client_auth()
            .with_single_cert(vec![cert], key)
            .context("loading the inventory route's certificate")?;
        let listener = TcpListener::bind(SocketAddr::new(ip, 0)).await.context("binding the inventory route")?;
        let addr = listener.local_addr().context("reading the inventory route's address")?;
        Ok(TlsRoute { listener, acceptor: TlsAcceptor::from(Arc::new(config)), addr, ca_pem: certified.cert.pem() })
    }

    /// Serves `router` until `shutdown`.
    pub fn serve(self, router: Router, shutdown: CancellationToken) -> tokio::task::JoinHandle<()> {
        let listener = TlsListener { listener: self.listener, acceptor: self.acceptor };
        tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, router).with_graceful_shutdown(shutdown.cancelled_owned()).await {
                tracing::error!(error = %e, "inventory route stopped");
            }
        })
    }
}

struct TlsListener {
    listener: TcpListener,
    acceptor: TlsAcceptor,
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let (stream, peer) = match self.listener.accept().await {
                Ok(accepted) => accepted,
                Err(e) => {
                    tracing::debug!(error = %e, "inventory route: accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            match tokio::time::timeout(HANDSHAKE_TIMEOUT, self.acceptor.accept(stream)).await {
                Ok(Ok(tls)) => return (tls, peer),
                Ok(Err(e)) => tracing::debug!(%peer, error = %e, "inventory route: TLS handshake failed"),
                Err(_) => tracing::debug!(%peer, "inventory route: TLS handshake timed out"),
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.listener.local_addr()
    }
}
