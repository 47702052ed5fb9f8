//! A local Roughtime server for the trusted-time tests (X.1407 9.2.3 a): answers RFC-version
//! requests on 127.0.0.1 with a signed midpoint of the host clock plus a chosen offset, so a
//! test can hand validators an honest or a lying time source. Built from the same wire types
//! and Merkle tree the client uses; the signatures are real Ed25519 (long-term key → delegated
//! online key → signed response), so the client's full verification runs.

use std::net::UdpSocket;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use roughenough_merkle::MerkleTree;
use roughenough_protocol::cursor::ParseCursor;
use roughenough_protocol::request::Request;
use roughenough_protocol::response::Response;
use roughenough_protocol::tags::{
    Certificate, Delegation, MerkleRoot, ProtocolVersion, PublicKey, Signature, SignedResponse, SupportedVersions,
};
use roughenough_protocol::{FromFrame, ToFrame, ToWire};

/// Radius (s) every response claims: the server's uncertainty about its own time.
const RADIUS_S: u32 = 1;
/// How long the online key's delegation is valid either side of the server's time.
const DELEGATION_S: u64 = 3_600;
/// Bytes a UDP request may have (RFC: at most one MTU).
const DATAGRAM_BYTES_MAX: usize = 1_500;

pub struct LocalRoughtime {
    /// `127.0.0.1:port` (UDP).
    pub address: String,
    /// The long-term public key, hex.
    pub public_key: String,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

fn ed25519(seed: u8) -> vellum_crypto::SecretKey {
    vellum_crypto::SecretKey::from_bytes("ed25519", [seed; 32]).unwrap()
}

fn sign(key: &vellum_crypto::SecretKey, message: &[u8]) -> Signature {
    match key.sign(message) {
        vellum_types::Signature::Ed25519 { signature, .. } => Signature::from(signature),
        _ => unreachable!("an Ed25519 key"),
    }
}

fn key_bytes(key: &vellum_crypto::SecretKey) -> [u8; 32] {
    match key.public_key() {
        vellum_types::PublicKey::Ed25519(k) => k,
        _ => unreachable!("an Ed25519 key"),
    }
}

impl LocalRoughtime {
    /// A server whose time is the host clock plus `offset_s` seconds; `key_seed` picks its
    /// long-term key.
    pub fn start(offset_s: i64, key_seed: u8) -> Self {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        socket.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
        let address = socket.local_addr().unwrap().to_string();
        let long_term = ed25519(key_seed);
        let public_key = hex::encode(key_bytes(&long_term));
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        let thread = std::thread::spawn(move || {
            let online = ed25519(key_seed.wrapping_add(1));
            let now = || (SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64 + offset_s) as u64;
            // The delegation: the long-term key vouches for the online key for a time span.
            let dele = Delegation::new(PublicKey::from(key_bytes(&online).as_slice()), now() - DELEGATION_S, Duration::from_secs(2 * DELEGATION_S));
            let mut signed = ProtocolVersion::RFC.dele_prefix().to_vec();
            signed.extend_from_slice(&dele.as_bytes().unwrap());
            let cert = Certificate::new(sign(&long_term, &signed), dele);
            let mut buf = [0u8; DATAGRAM_BYTES_MAX];
            while !stopping.load(Ordering::Relaxed) {
                let Ok((n, from)) = socket.recv_from(&mut buf) else { continue };
                let request_bytes = buf[..n].to_vec();
                let Ok(request) = Request::from_frame(&mut ParseCursor::new(&mut buf[..n])) else { continue };
                let Some(version) = ProtocolVersion::negotiate(request.ver().versions()) else { continue };
                // A batch of one: the Merkle root is the request's own leaf hash, its path empty.
                let mut tree = MerkleTree::new();
                tree.push_leaf(&request_bytes);
                let root = MerkleRoot::from(tree.compute_root());
                let mut srep = SignedResponse::default();
                srep.set_ver(version);
                srep.set_radi(RADIUS_S);
                srep.set_midp(now());
                srep.set_vers(&SupportedVersions::from(ProtocolVersion::ADVERTISED.as_ref()));
                srep.set_root(&root);
                let mut signed = version.srep_prefix().to_vec();
                signed.extend_from_slice(&srep.as_bytes().unwrap());
                let mut response = Response::default();
                response.set_sig(sign(&online, &signed));
                response.set_nonc(*request.nonc());
                response.copy_path(&tree.get_paths(0));
                response.set_srep(srep);
                response.set_cert(cert.clone());
                response.set_indx(0);
                let mut out = vec![0u8; response.frame_size()];
                response.to_frame(&mut ParseCursor::new(&mut out)).unwrap();
                let _ = socket.send_to(&out, from);
            }
        });
        Self { address, public_key, stop, thread: Some(thread) }
    }

    /// The `[[roughtime]]` entry a node config lists this server with.
    pub fn config_entry(&self) -> toml::Value {
        let mut t = toml::Table::new();
        t.insert("address".into(), self.address.clone().into());
        t.insert("public_key".into(), self.public_key.clone().into());
        toml::Value::Table(t)
    }
}

impl Drop for LocalRoughtime {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
