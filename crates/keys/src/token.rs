//! Keys in a PKCS#11 token (X.1407 9.2.2 a, X.1405 8.2.5): generated or imported into the token,
//! never readable from it; the process keeps a logged-in session and asks the token to sign.
//!
//! A key is named by a small JSON *reference file* (`TokenRef`): the module (the vendor's
//! PKCS#11 library), the token's label, the key's label, and its scheme and public key. The
//! PIN is not in the file: it comes from `VELLUM_PKCS11_PIN` or from the file `pin_file` names
//! (a systemd credential, say). The same code talks to SoftHSM2 (the tests) and a real HSM.
//!
//! Ed25519 (`CKM_EDDSA`, pure) where the token has it, else P-256 (`CKM_ECDSA` over the SHA-256
//! digest). The public key read from the token must match the reference, so a reference file
//! edited to point at another key is refused before anything is signed.

use cryptoki::context::{CInitializeArgs, Pkcs11};
use cryptoki::mechanism::Mechanism;
use cryptoki::mechanism::eddsa::{EddsaParams, EddsaSignatureScheme};
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::types::AuthPin;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use thiserror::Error;
use vellum_crypto::{ExternalSigner, SecretKey, Signer, SignerError};
use vellum_types::PublicKey;
use zeroize::{Zeroize, Zeroizing};

/// Environment variable holding the token's user PIN (scripts, services).
pub const PIN_ENV: &str = "VELLUM_PKCS11_PIN";
/// DER of the curve names a token takes in `CKA_EC_PARAMS`: the printable string
/// "edwards25519" (as SoftHSM2 and OpenSC write it) and the OID of P-256 (prime256v1).
const ED25519_PARAMS_DER: &[u8] = b"\x13\x0cedwards25519";
/// The OID id-Ed25519 (RFC 8410), which other tokens write instead.
const ED25519_OID_DER: &[u8] = &[0x06, 0x03, 0x2b, 0x65, 0x70];
const P256_PARAMS_DER: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
/// Longest PIN file read.
const PIN_FILE_BYTES_MAX: u64 = 1024;

/// Why a token key could not be made, found or used.
#[derive(Debug, Error)]
pub enum TokenError {
    #[error("cannot load the PKCS#11 module {module}: {message}")]
    Module { module: String, message: String },
    #[error("no PKCS#11 token labelled `{0}` (is it initialised, and is SOFTHSM2_CONF or the HSM set up?)")]
    NoToken(String),
    #[error("no PIN for token `{0}`: set {PIN_ENV} or `pin_file` in the key reference")]
    NoPin(String),
    #[error("cannot read the PIN file {0}")]
    PinFile(String),
    #[error("token `{token}` refused the PIN: {message}")]
    Login { token: String, message: String },
    #[error("token `{token}` has no private key labelled `{label}`")]
    NoKey { token: String, label: String },
    #[error("token `{token}` already holds a key labelled `{label}`: choose another label")]
    LabelTaken { token: String, label: String },
    #[error("the key `{label}` in token `{token}` is not the one the reference names (public key {found}, reference {expected})")]
    Mismatch { token: String, label: String, found: String, expected: String },
    #[error("token keys are ed25519 or p256, not {0}")]
    Scheme(String),
    #[error("the PKCS#11 module path must be absolute (a relative one would load whatever library the working directory holds): {0}")]
    RelativeModule(String),
    #[error("token `{token}` holds {count} {class} objects labelled `{label}`: one key per label")]
    Ambiguous { token: String, label: String, class: &'static str, count: usize },
    #[error("PKCS#11 {operation}: {message}")]
    Call { operation: &'static str, message: String },
}

fn call(operation: &'static str) -> impl Fn(cryptoki::error::Error) -> TokenError {
    move |e| TokenError::Call { operation, message: e.to_string() }
}

/// A key reference file: where the key lives. Safe to copy: it holds no secret.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct TokenRef {
    pub pkcs11: TokenLocation,
    pub scheme: String,
    pub public_key: String,
    /// The account this key signs for when it is not the one its public key derives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct TokenLocation {
    /// The PKCS#11 library, e.g. `/usr/lib/softhsm/libsofthsm2.so`.
    pub module: PathBuf,
    /// The token's label.
    pub token: String,
    /// The private key's label (`CKA_LABEL`).
    pub label: String,
    /// A file holding the user PIN; without it the PIN comes from `VELLUM_PKCS11_PIN`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pin_file: Option<PathBuf>,
}

impl TokenLocation {
    fn pin(&self) -> Result<Zeroizing<String>, TokenError> {
        if let Some(path) = &self.pin_file {
            let shown = path.display().to_string();
            let big = std::fs::metadata(path).map(|m| m.len() > PIN_FILE_BYTES_MAX).unwrap_or(false);
            if big {
                return Err(TokenError::PinFile(shown));
            }
            let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|_| TokenError::PinFile(shown))?);
            return Ok(Zeroizing::new(text.trim_end_matches(['\n', '\r']).to_string()));
        }
        std::env::var(PIN_ENV).map(Zeroizing::new).map_err(|_| TokenError::NoPin(self.token.clone()))
    }
}

/// One initialised context per module and process: `C_Initialize` may run only once.
fn context(module: &Path) -> Result<Pkcs11, TokenError> {
    if !module.is_absolute() {
        return Err(TokenError::RelativeModule(module.display().to_string()));
    }
    static CONTEXTS: Mutex<BTreeMap<PathBuf, Pkcs11>> = Mutex::new(BTreeMap::new());
    let mut contexts = CONTEXTS.lock().expect("no panic while holding the context map");
    if let Some(c) = contexts.get(module) {
        return Ok(c.clone());
    }
    let failed = |e: cryptoki::error::Error| TokenError::Module { module: module.display().to_string(), message: e.to_string() };
    let pkcs11 = Pkcs11::new(module).map_err(failed)?;
    pkcs11.initialize(CInitializeArgs::OsThreads).map_err(failed)?;
    contexts.insert(module.to_path_buf(), pkcs11.clone());
    Ok(pkcs11)
}

/// A logged-in read-write session on the token `location` names.
fn session(location: &TokenLocation) -> Result<Session, TokenError> {
    let pkcs11 = context(&location.module)?;
    let slots = pkcs11.get_slots_with_initialized_token().map_err(call("C_GetSlotList"))?;
    let slot = slots
        .into_iter()
        .find(|s| pkcs11.get_token_info(*s).is_ok_and(|i| i.label().trim_end() == location.token))
        .ok_or_else(|| TokenError::NoToken(location.token.clone()))?;
    let session = pkcs11.open_rw_session(slot).map_err(call("C_OpenSession"))?;
    let pin = location.pin()?;
    let auth = AuthPin::from(pin.as_str().to_string());
    match session.login(UserType::User, Some(&auth)) {
        Ok(()) => {}
        // Another session of this process already logged in: the login is per token.
        Err(cryptoki::error::Error::Pkcs11(cryptoki::error::RvError::UserAlreadyLoggedIn, _)) => {}
        Err(e) => return Err(TokenError::Login { token: location.token.clone(), message: e.to_string() }),
    }
    Ok(session)
}

fn find(session: &Session, class: ObjectClass, label: &str) -> Result<Vec<ObjectHandle>, TokenError> {
    session
        .find_objects(&[Attribute::Class(class), Attribute::Label(label.as_bytes().to_vec())])
        .map_err(call("C_FindObjects"))
}

/// The one object of `class` labelled as `location` says: none is `NoKey`, several are
/// refused (a second key under the label could otherwise be paired with the wrong half).
fn find_one(session: &Session, class: ObjectClass, location: &TokenLocation) -> Result<ObjectHandle, TokenError> {
    let found = find(session, class, &location.label)?;
    match found.as_slice() {
        [one] => Ok(*one),
        [] => Err(TokenError::NoKey { token: location.token.clone(), label: location.label.clone() }),
        many => Err(TokenError::Ambiguous {
            token: location.token.clone(),
            label: location.label.clone(),
            class: if class == ObjectClass::PRIVATE_KEY { "private-key" } else { "public-key" },
            count: many.len(),
        }),
    }
}

/// The public key of the token's public-key object `label`, as the ledger writes it.
fn public_key(session: &Session, location: &TokenLocation) -> Result<PublicKey, TokenError> {
    let no_key = || TokenError::NoKey { token: location.token.clone(), label: location.label.clone() };
    let object = find_one(session, ObjectClass::PUBLIC_KEY, location)?;
    let attrs = session
        .get_attributes(object, &[AttributeType::EcParams, AttributeType::EcPoint])
        .map_err(call("C_GetAttributeValue"))?;
    let (mut params, mut point) = (None, None);
    for a in attrs {
        match a {
            Attribute::EcParams(p) => params = Some(p),
            Attribute::EcPoint(p) => point = Some(p),
            _ => {}
        }
    }
    let (params, point) = (params.ok_or_else(no_key)?, point.ok_or_else(no_key)?);
    decode_point(&params, &point).ok_or(TokenError::Call { operation: "C_GetAttributeValue", message: "an EC point the ledger cannot use".into() })
}

/// `CKA_EC_POINT` is a DER OCTET STRING around the raw point (32 bytes for Ed25519, the 65-byte
/// uncompressed SEC1 point for P-256); some tokens omit the wrapper.
fn decode_point(params: &[u8], point: &[u8]) -> Option<PublicKey> {
    // Decided by exact length: a raw point may itself start with the bytes of a wrapper.
    let raw = match point {
        [0x04, 0x20, rest @ ..] if rest.len() == 32 => rest,
        [0x04, 0x41, rest @ ..] if rest.len() == 65 => rest,
        other => other,
    };
    if params == ED25519_PARAMS_DER || params == ED25519_OID_DER {
        let key: [u8; 32] = raw.try_into().ok()?;
        vellum_crypto::is_ed25519_key(&key).then_some(PublicKey::Ed25519(key))
    } else if params == P256_PARAMS_DER {
        let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(raw).ok()?;
        let compressed: [u8; 33] = key.to_sec1_point(true).as_bytes().try_into().ok()?;
        Some(PublicKey::P256(compressed))
    } else {
        None
    }
}

fn curve(scheme: &str) -> Result<(KeyType, &'static [u8], Mechanism<'static>), TokenError> {
    match scheme {
        "ed25519" => Ok((KeyType::EC_EDWARDS, ED25519_PARAMS_DER, Mechanism::EccEdwardsKeyPairGen)),
        "p256" => Ok((KeyType::EC, P256_PARAMS_DER, Mechanism::EccKeyPairGen)),
        other => Err(TokenError::Scheme(other.to_string())),
    }
}

/// Private-key attributes every Vellum token key has: on the token, private, sensitive, never
/// extractable, signing only.
fn private_template(label: &str) -> Vec<Attribute> {
    vec![
        Attribute::Token(true),
        Attribute::Private(true),
        Attribute::Sensitive(true),
        Attribute::Extractable(false),
        Attribute::Sign(true),
        Attribute::Label(label.as_bytes().to_vec()),
    ]
}

fn refuse_taken(session: &Session, location: &TokenLocation) -> Result<(), TokenError> {
    if find(session, ObjectClass::PRIVATE_KEY, &location.label)?.is_empty() && find(session, ObjectClass::PUBLIC_KEY, &location.label)?.is_empty() {
        return Ok(());
    }
    Err(TokenError::LabelTaken { token: location.token.clone(), label: location.label.clone() })
}

/// Generates a key pair inside the token; the secret never leaves it.
pub fn generate(location: &TokenLocation, scheme: &str) -> Result<TokenRef, TokenError> {
    let (_, params, mechanism) = curve(scheme)?;
    let session = session(location)?;
    refuse_taken(&session, location)?;
    let public = [
        Attribute::Token(true),
        Attribute::Verify(true),
        Attribute::EcParams(params.to_vec()),
        Attribute::Label(location.label.as_bytes().to_vec()),
    ];
    session.generate_key_pair(&mechanism, &public, &private_template(&location.label)).map_err(call("C_GenerateKeyPair"))?;
    let key = public_key(&session, location)?;
    Ok(TokenRef { pkcs11: location.clone(), scheme: scheme.to_string(), public_key: key.to_string(), account_id: None })
}

/// Moves a software key into the token (an existing account or node key that should no longer
/// live in a file): the token keeps it non-extractable; the caller destroys the file.
pub fn import(location: &TokenLocation, secret: &SecretKey) -> Result<TokenRef, TokenError> {
    let scheme = secret.scheme();
    let (key_type, params, _) = curve(scheme)?;
    let session = session(location)?;
    refuse_taken(&session, location)?;
    let mut private = private_template(&location.label);
    private.extend([
        Attribute::Class(ObjectClass::PRIVATE_KEY),
        Attribute::KeyType(key_type),
        Attribute::EcParams(params.to_vec()),
        Attribute::Value(secret.to_bytes().to_vec()),
    ]);
    let point = match secret.public_key() {
        PublicKey::Ed25519(k) => k.to_vec(),
        PublicKey::P256(_) => {
            let SecretKey::P256(k) = secret else { unreachable!("the scheme is p256") };
            k.verifying_key().to_sec1_point(false).as_bytes().to_vec()
        }
        PublicKey::Secp256k1(_) => return Err(TokenError::Scheme(scheme.to_string())),
    };
    let mut wrapped = vec![0x04, u8::try_from(point.len()).expect("a point is under 128 bytes")];
    wrapped.extend_from_slice(&point);
    let public = [
        Attribute::Class(ObjectClass::PUBLIC_KEY),
        Attribute::KeyType(key_type),
        Attribute::Token(true),
        Attribute::Verify(true),
        Attribute::EcParams(params.to_vec()),
        Attribute::EcPoint(wrapped),
        Attribute::Label(location.label.as_bytes().to_vec()),
    ];
    let created = session.create_object(&private).map_err(call("C_CreateObject"));
    // The secret's only copy outside the token is the template's: wiped whatever happened.
    for attribute in &mut private {
        if let Attribute::Value(v) = attribute {
            v.zeroize();
        }
    }
    let private_handle = created?;
    let checked = session.create_object(&public).map_err(call("C_CreateObject")).and_then(|public_handle| {
        let key = public_key(&session, location)?;
        if key != secret.public_key() {
            let _ = session.destroy_object(public_handle);
            return Err(TokenError::Mismatch { token: location.token.clone(), label: location.label.clone(), found: key.to_string(), expected: secret.public_key().to_string() });
        }
        Ok(key)
    });
    match checked {
        Ok(key) => Ok(TokenRef { pkcs11: location.clone(), scheme: scheme.to_string(), public_key: key.to_string(), account_id: None }),
        Err(e) => {
            // Nothing half-made stays behind under the label (no reference names it).
            let _ = session.destroy_object(private_handle);
            Err(e)
        }
    }
}

/// Removes a key from the token (`vellum key destroy` of a token key).
pub fn destroy(reference: &TokenRef) -> Result<(), TokenError> {
    let location = &reference.pkcs11;
    let session = session(location)?;
    for class in [ObjectClass::PRIVATE_KEY, ObjectClass::PUBLIC_KEY] {
        for object in find(&session, class, &location.label)? {
            session.destroy_object(object).map_err(call("C_DestroyObject"))?;
        }
    }
    Ok(())
}

/// A signing key in a token, behind one logged-in session.
struct TokenKey {
    session: Mutex<Session>,
    key: ObjectHandle,
    public_key: PublicKey,
    name: String,
}

impl ExternalSigner for TokenKey {
    fn public_key(&self) -> PublicKey {
        self.public_key
    }

    fn sign_raw(&self, input: &[u8]) -> Result<[u8; 64], SignerError> {
        let mechanism = match self.public_key {
            PublicKey::Ed25519(_) => Mechanism::Eddsa(EddsaParams::new(EddsaSignatureScheme::Pure)),
            PublicKey::P256(_) => Mechanism::Ecdsa,
            // `open` refuses other schemes; a token key is never one.
            PublicKey::Secp256k1(_) => return Err(SignerError::Scheme("secp256k1")),
        };
        let session = self.session.lock().map_err(|_| SignerError::Device(format!("{}: a signing thread panicked", self.name)))?;
        let raw = session.sign(&mechanism, self.key, input).map_err(|e| SignerError::Device(format!("{} cannot sign: {e}", self.name)))?;
        raw.try_into().map_err(|_| SignerError::Faulty(self.name.clone()))
    }

    fn describe(&self) -> String {
        self.name.clone()
    }
}

/// Opens the key a reference names: logs in, finds the one key pair under the label, checks
/// its public key and scheme against the reference, and proves the private half signs as
/// that public key — a mismatched pair fails here, not at the first real signature.
pub fn open(reference: &TokenRef) -> Result<Signer, TokenError> {
    let location = &reference.pkcs11;
    curve(&reference.scheme)?;
    let session = session(location)?;
    let public_key = public_key(&session, location)?;
    if public_key.to_string() != reference.public_key || !reference.public_key.starts_with(&format!("{}:", reference.scheme)) {
        return Err(TokenError::Mismatch {
            token: location.token.clone(),
            label: location.label.clone(),
            found: public_key.to_string(),
            expected: reference.public_key.clone(),
        });
    }
    let key = find_one(&session, ObjectClass::PRIVATE_KEY, location)?;
    let name = format!("PKCS#11 token `{}`, key `{}`", location.token, location.label);
    let signer = Signer::External(Arc::new(TokenKey { session: Mutex::new(session), key, public_key, name }));
    signer
        .sign(b"vellum: the token's private key signs as its public key")
        .map_err(|e| TokenError::Call { operation: "C_Sign", message: e.to_string() })?;
    Ok(signer)
}
