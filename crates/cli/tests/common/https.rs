#![allow(dead_code)] // each test uses a part of this helper
//! A small HTTPS server on loopback (rustls, a throwaway CA made with rcgen) serving one
//! document that the test can replace: an issuer's `/.well-known/vellum-issuer.json`.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

pub struct WellKnownServer {
    pub url: String,
    /// The CA certificate (PEM) that signed the server's certificate.
    pub ca_pem: String,
    document: Arc<Mutex<Vec<u8>>>,
}

impl WellKnownServer {
    pub fn start(document: Vec<u8>) -> Self {
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params.distinguished_name.push(rcgen::DnType::CommonName, "vellum test CA");
        let ca_cert = ca_params.self_signed(&ca_key).unwrap();
        let issuer = rcgen::Issuer::new(ca_params, ca_key);
        let leaf_key = rcgen::KeyPair::generate().unwrap();
        let leaf = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()]).unwrap().signed_by(&leaf_key, &issuer).unwrap();
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![leaf.der().clone()], rustls::pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into()))
            .unwrap();
        let config = Arc::new(config);
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let document = Arc::new(Mutex::new(document));
        let served = document.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (config, served) = (config.clone(), served.clone());
                std::thread::spawn(move || {
                    let conn = rustls::ServerConnection::new(config).unwrap();
                    let mut tls = rustls::StreamOwned::new(conn, stream);
                    let mut request = [0u8; 4096];
                    let n = tls.read(&mut request).unwrap_or(0);
                    let ok = String::from_utf8_lossy(&request[..n]).starts_with("GET /.well-known/vellum-issuer.json ");
                    let body = served.lock().unwrap().clone();
                    let head = if ok {
                        format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len())
                    } else {
                        "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_string()
                    };
                    let _ = tls.write_all(head.as_bytes());
                    if ok {
                        let _ = tls.write_all(&body);
                    }
                    let _ = tls.flush();
                    tls.conn.send_close_notify();
                    let _ = tls.flush();
                });
            }
        });
        WellKnownServer { url: format!("https://127.0.0.1:{port}/.well-known/vellum-issuer.json"), ca_pem: ca_cert.pem(), document }
    }

    pub fn serve(&self, document: Vec<u8>) {
        *self.document.lock().unwrap() = document;
    }
}
