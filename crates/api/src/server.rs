//! Serving the API: plain HTTP ([`serve`], [`spawn`]) or HTTPS with rustls ([`spawn_with`]),
//! on a thread and tokio runtime of its own.

use crate::router;
use vellum_node::NodeHandle;

/// Serves the API until the listener fails.
pub async fn serve(listener: tokio::net::TcpListener, node: NodeHandle) -> std::io::Result<()> {
    axum::serve(listener, router(node).into_make_service_with_connect_info::<std::net::SocketAddr>()).await
}

/// Runs the API on its own thread and tokio runtime, so HTTP load never competes with the
/// consensus runtime's scheduler. Returns once the listener is bound.
pub fn spawn(addr: std::net::SocketAddr, node: NodeHandle) -> std::io::Result<std::net::SocketAddr> {
    spawn_with(addr, node, None)
}

/// Certificate chain and private key (PEM files) for serving the API over TLS (rustls).
#[derive(Clone, Debug)]
pub struct Tls {
    pub cert_pem: std::path::PathBuf,
    pub key_pem: std::path::PathBuf,
}

/// [`spawn`], over HTTPS when `tls` is given. The certificate files are read before this
/// returns, so a bad certificate is a start-up error, not a silent plain-HTTP fallback.
pub fn spawn_with(addr: std::net::SocketAddr, node: NodeHandle, tls: Option<Tls>) -> std::io::Result<std::net::SocketAddr> {
    let listener = std::net::TcpListener::bind(addr)?;
    listener.set_nonblocking(true)?;
    let local = listener.local_addr()?;
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build()?;
    let rustls = match tls {
        None => None,
        Some(t) => {
            // Several rustls crypto providers are linked in; pick one explicitly.
            let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
            Some(runtime.block_on(axum_server::tls_rustls::RustlsConfig::from_pem_file(&t.cert_pem, &t.key_pem)).map_err(|e| {
                std::io::Error::new(e.kind(), format!("TLS certificate {} / key {}: {e}", t.cert_pem.display(), t.key_pem.display()))
            })?)
        }
    };
    std::thread::Builder::new().name("vellum-api".into()).spawn(move || {
        runtime.block_on(async move {
            let result = match rustls {
                None => {
                    let listener = tokio::net::TcpListener::from_std(listener).expect("adopt listener");
                    serve(listener, node).await
                }
                Some(config) => axum_server::from_tcp_rustls(listener, config)
                    .expect("adopt listener")
                    .serve(router(node).into_make_service_with_connect_info::<std::net::SocketAddr>())
                    .await,
            };
            if let Err(e) = result {
                tracing::error!(error = %e, "API server stopped");
            }
        });
    })?;
    Ok(local)
}
