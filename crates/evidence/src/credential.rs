//! Selectively disclosed credentials (X.1407 9.1.3, X.1405 8.5.2): IETF SD-JWT VCs whose
//! issuer-signed JWT is registered on the ledger (its SHA-256 is the document digest).
//!
//! * issuance — the issuer signs `{iss, iat, vct, _sd_alg, _sd, cnf}` with its account key
//!   (`EdDSA` or `ES256`); every claim is a disclosure `base64url([salt, name, value])` whose
//!   digest is listed in `_sd`; `cnf.jwk` is the holder's key;
//! * presentation — the holder keeps the disclosures it chooses and appends a key-binding JWT
//!   (`typ kb+jwt`, `{iat, aud, nonce, sd_hash}`) signed with the `cnf` key;
//! * verification — the issuer signature (under the key that registered the JWT on the
//!   ledger), every disclosure's digest in `_sd`, the key binding (audience, nonce, hash).
//!
//! Only top-level claims are selectively disclosable (what Vellum issues); a credential with
//! nested `_sd` or array disclosures is refused with a clear error rather than half-checked.
//! The byte-level rules are in `docs/credentials.md`.

use base64::Engine;
use serde_json::{Map, Value, json};
use thiserror::Error;
use vellum_crypto::Signer;
use vellum_crypto::sig::jose;
use vellum_types::{PublicKey, sha256};

/// Largest presentation or credential accepted.
pub const CREDENTIAL_BYTES_MAX: usize = 64 * 1024;
/// Most disclosures one credential carries.
pub const DISCLOSURES_MAX: usize = 64;
/// Longest claim name.
pub const CLAIM_NAME_BYTES_MAX: usize = 64;
/// The `typ` of a Vellum credential's issuer-signed JWT (SD-JWT VC); `vc+sd-jwt` is accepted too.
pub const SD_JWT_TYP: &str = "dc+sd-jwt";
pub const KB_JWT_TYP: &str = "kb+jwt";

#[derive(Debug, Error, PartialEq, Eq)]
pub enum CredentialError {
    #[error("malformed: {0}")]
    Malformed(String),
    #[error("the issuer signature does not verify under the registering key")]
    IssuerSignature,
    #[error("the issuer key is {0}, which signs no credential (Ed25519 or P-256 only)")]
    UnsupportedKey(String),
    #[error("the key could not sign: {0}")]
    Signer(String),
    #[error("disclosure `{0}` is not one the issuer signed")]
    UnknownDisclosure(String),
    #[error("disclosure `{0}` appears twice")]
    DuplicateDisclosure(String),
    #[error("key binding: {0}")]
    KeyBinding(String),
    #[error("no disclosure named `{0}` in this credential")]
    NoSuchClaim(String),
}

type Result<T> = std::result::Result<T, CredentialError>;

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn unb64(text: &str, what: &str) -> Result<Vec<u8>> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text).map_err(|_| CredentialError::Malformed(format!("{what} is not base64url")))
}

/// One disclosure: `base64url(JSON [salt, name, value])`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Disclosure {
    pub encoded: String,
    pub name: String,
    pub value: Value,
}

impl Disclosure {
    pub fn new(salt: &[u8; 16], name: &str, value: &Value) -> Self {
        let json = serde_json::to_string(&json!([b64(salt), name, value])).expect("JSON values serialise");
        Disclosure { encoded: b64(json.as_bytes()), name: name.to_string(), value: value.clone() }
    }

    /// `base64url(SHA-256(ascii(disclosure)))`, as listed in `_sd`.
    pub fn digest(&self) -> String {
        b64(&sha256(self.encoded.as_bytes()))
    }

    fn parse(encoded: &str) -> Result<Self> {
        let bytes = unb64(encoded, "a disclosure")?;
        let parts: Vec<Value> = serde_json::from_slice(&bytes).map_err(|_| CredentialError::Malformed("a disclosure is not a JSON array".into()))?;
        match parts.as_slice() {
            [Value::String(_salt), Value::String(name), value] => {
                if name.is_empty() || name.len() > CLAIM_NAME_BYTES_MAX || name == "_sd" || name == "..." || name == "_sd_alg" || name == "cnf" {
                    return Err(CredentialError::Malformed(format!("disclosure claim name {name:?} is not allowed")));
                }
                Ok(Disclosure { encoded: encoded.to_string(), name: name.clone(), value: value.clone() })
            }
            [_, _] => Err(CredentialError::Malformed("array-element disclosures are not supported".into())),
            _ => Err(CredentialError::Malformed("a disclosure must be [salt, name, value]".into())),
        }
    }
}

/// A credential as issued: the issuer-signed JWT (what the ledger registers) and every disclosure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issued {
    pub jwt: String,
    pub disclosures: Vec<Disclosure>,
}

impl Issued {
    /// `jwt~d1~…~dn~`: what the holder keeps.
    pub fn to_sd_jwt(&self) -> String {
        let mut out = self.jwt.clone();
        for d in &self.disclosures {
            out.push('~');
            out.push_str(&d.encoded);
        }
        out.push('~');
        out
    }

    /// Reads `jwt~d1~…~dn~` (no key binding).
    pub fn parse(sd_jwt: &str) -> Result<Self> {
        let (jwt, disclosures, kb) = split(sd_jwt)?;
        if !kb.is_empty() {
            return Err(CredentialError::Malformed("a credential ends with `~` (this is a presentation)".into()));
        }
        Ok(Issued { jwt: jwt.to_string(), disclosures: disclosures.iter().map(|d| Disclosure::parse(d)).collect::<Result<_>>()? })
    }
}

/// What the issuer puts in a credential.
pub struct Claims<'a> {
    /// `iss`: `vellum:<chain id>:<issuer account hex>`.
    pub iss: &'a str,
    pub vct: &'a str,
    pub iat: u64,
    pub claims: &'a Map<String, Value>,
    pub holder: &'a PublicKey,
}

/// Issues a credential signed with `issuer`; every claim is selectively disclosable; one salt
/// per claim from `salt` (the OS RNG in use, fixed in tests and vectors).
pub fn issue(issuer: &Signer, c: &Claims<'_>, mut salt: impl FnMut() -> [u8; 16]) -> Result<Issued> {
    let alg = jose::alg(&issuer.public_key()).ok_or_else(|| CredentialError::UnsupportedKey(issuer.scheme().into()))?;
    let holder_jwk = jose::to_jwk(c.holder).ok_or_else(|| CredentialError::UnsupportedKey("secp256k1 (holder)".into()))?;
    if c.claims.is_empty() || c.claims.len() > DISCLOSURES_MAX {
        return Err(CredentialError::Malformed(format!("a credential has 1..={DISCLOSURES_MAX} claims")));
    }
    let disclosures: Vec<Disclosure> = c.claims.iter().map(|(k, v)| Disclosure::new(&salt(), k, v)).collect();
    for d in &disclosures {
        Disclosure::parse(&d.encoded)?;
    }
    let mut digests: Vec<String> = disclosures.iter().map(Disclosure::digest).collect();
    digests.sort();
    let payload = json!({ "iss": c.iss, "iat": c.iat, "vct": c.vct, "_sd_alg": "sha-256", "_sd": digests, "cnf": { "jwk": holder_jwk } });
    let header = json!({ "alg": alg, "typ": SD_JWT_TYP });
    Ok(Issued { jwt: sign_jwt(issuer, &header, &payload)?, disclosures })
}

fn sign_jwt(key: &Signer, header: &Value, payload: &Value) -> Result<String> {
    let input = format!("{}.{}", b64(header.to_string().as_bytes()), b64(payload.to_string().as_bytes()));
    let sig = jose::sign(key, input.as_bytes()).map_err(|e| match e {
        vellum_crypto::SignerError::Scheme(scheme) => CredentialError::UnsupportedKey(scheme.into()),
        other => CredentialError::Signer(other.to_string()),
    })?;
    Ok(format!("{input}.{}", b64(&sig)))
}

/// What a holder's presentation is bound to.
pub struct Binding<'a> {
    pub aud: &'a str,
    pub nonce: &'a str,
    pub iat: u64,
}

/// The holder's presentation: the chosen disclosures and a key-binding JWT.
pub fn present(credential: &Issued, disclose: &[&str], holder: &Signer, b: &Binding<'_>) -> Result<String> {
    let mut kept = Vec::with_capacity(disclose.len());
    for name in disclose {
        let d = credential.disclosures.iter().find(|d| d.name == *name).ok_or_else(|| CredentialError::NoSuchClaim(name.to_string()))?;
        kept.push(d.clone());
    }
    let alg = jose::alg(&holder.public_key()).ok_or_else(|| CredentialError::UnsupportedKey(holder.scheme().into()))?;
    let without_kb = Issued { jwt: credential.jwt.clone(), disclosures: kept }.to_sd_jwt();
    let payload = json!({ "iat": b.iat, "aud": b.aud, "nonce": b.nonce, "sd_hash": b64(&sha256(without_kb.as_bytes())) });
    let kb = sign_jwt(holder, &json!({ "alg": alg, "typ": KB_JWT_TYP }), &payload)?;
    Ok(without_kb + &kb)
}

/// A verified presentation.
#[derive(Clone, Debug, PartialEq)]
pub struct VerifiedPresentation {
    /// The issuer-signed JWT: its SHA-256 is the digest registered on the ledger.
    pub issuer_jwt: String,
    pub iss: String,
    pub vct: String,
    pub iat: u64,
    /// The claims the holder disclosed (and only those).
    pub disclosed: Map<String, Value>,
    /// How many claims the issuer signed (disclosed or not).
    pub claims_signed: usize,
    pub holder: PublicKey,
    pub kb_iat: u64,
}

/// Splits `jwt~d…~kb` into its parts.
fn split(text: &str) -> Result<(&str, Vec<&str>, &str)> {
    if text.len() > CREDENTIAL_BYTES_MAX {
        return Err(CredentialError::Malformed(format!("{} bytes is over the {CREDENTIAL_BYTES_MAX}-byte limit", text.len())));
    }
    let parts: Vec<&str> = text.trim().split('~').collect();
    if parts.len() < 2 {
        return Err(CredentialError::Malformed("not an SD-JWT (`jwt~…~`)".into()));
    }
    let (jwt, rest) = (parts[0], &parts[1..]);
    let (kb, disclosures) = rest.split_last().expect("at least one part after the JWT");
    if disclosures.len() > DISCLOSURES_MAX || disclosures.iter().any(|d| d.is_empty()) {
        return Err(CredentialError::Malformed(format!("1..={DISCLOSURES_MAX} non-empty disclosures between `~`")));
    }
    Ok((jwt, disclosures.to_vec(), kb))
}

/// A compact JWS: its header and payload (JSON objects) after checking the signature.
fn verify_jwt(jwt: &str, key: &PublicKey, typ: &[&str]) -> Result<(Map<String, Value>, Map<String, Value>)> {
    let parts: Vec<&str> = jwt.split('.').collect();
    let [h, p, s] = parts.as_slice() else { return Err(CredentialError::Malformed("a JWT has three parts".into())) };
    let object = |part: &str, what: &str| -> Result<Map<String, Value>> {
        serde_json::from_slice(&unb64(part, what)?).map_err(|_| CredentialError::Malformed(format!("{what} is not a JSON object")))
    };
    let header = object(h, "JWT header")?;
    let alg = header.get("alg").and_then(Value::as_str).unwrap_or_default();
    if Some(alg) != jose::alg(key) {
        return Err(CredentialError::Malformed(format!("JWT alg {alg:?} does not match the key ({:?})", jose::alg(key))));
    }
    if !typ.contains(&header.get("typ").and_then(Value::as_str).unwrap_or_default()) {
        return Err(CredentialError::Malformed(format!("JWT typ must be one of {typ:?}")));
    }
    let signature = unb64(s, "JWT signature")?;
    if !jose::verify(key, alg, format!("{h}.{p}").as_bytes(), &signature) {
        return Err(CredentialError::IssuerSignature);
    }
    Ok((header, object(p, "JWT payload")?))
}

/// Verifies a presentation: the issuer's signature under `issuer_key` (the key that registered
/// the JWT), every disclosure, and the key binding to `aud` and `nonce`.
pub fn verify_presentation(presentation: &str, issuer_key: &PublicKey, aud: &str, nonce: &str) -> Result<VerifiedPresentation> {
    let presentation = presentation.trim();
    let (jwt, encoded, kb) = split(presentation)?;
    if kb.is_empty() {
        return Err(CredentialError::KeyBinding("the presentation has no key-binding JWT".into()));
    }
    let (_, payload) = verify_jwt(jwt, issuer_key, &[SD_JWT_TYP, "vc+sd-jwt"])?;
    if payload.get("_sd_alg").is_some_and(|a| a != "sha-256") {
        return Err(CredentialError::Malformed("only _sd_alg sha-256 is supported".into()));
    }
    let sd: Vec<&str> = payload.get("_sd").and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
    if payload.values().any(|v| v.get("_sd").is_some() || v.as_array().is_some_and(|a| a.iter().any(|e| e.get("...").is_some()))) {
        return Err(CredentialError::Malformed("nested selective disclosure is not supported".into()));
    }
    let mut disclosed = Map::new();
    let mut seen = std::collections::BTreeSet::new();
    for e in &encoded {
        let d = Disclosure::parse(e)?;
        let digest = d.digest();
        if !seen.insert(digest.clone()) {
            return Err(CredentialError::DuplicateDisclosure(d.name));
        }
        if !sd.contains(&digest.as_str()) {
            return Err(CredentialError::UnknownDisclosure(d.name));
        }
        if payload.contains_key(&d.name) || disclosed.contains_key(&d.name) {
            return Err(CredentialError::Malformed(format!("claim {:?} is disclosed twice or clashes with a signed claim", d.name)));
        }
        disclosed.insert(d.name, d.value);
    }
    let holder = payload.get("cnf").and_then(|c| c.get("jwk")).ok_or_else(|| CredentialError::KeyBinding("the credential names no holder key (cnf.jwk)".into()))?;
    let holder = jose::from_jwk(holder).map_err(CredentialError::KeyBinding)?;
    let kb_iat = check_binding(kb, &holder, &presentation[..presentation.len() - kb.len()], aud, nonce)?;
    Ok(VerifiedPresentation {
        issuer_jwt: jwt.to_string(),
        iss: payload.get("iss").and_then(Value::as_str).unwrap_or_default().to_string(),
        vct: payload.get("vct").and_then(Value::as_str).unwrap_or_default().to_string(),
        iat: payload.get("iat").and_then(Value::as_u64).unwrap_or(0),
        disclosed,
        claims_signed: sd.len(),
        holder,
        kb_iat,
    })
}

/// The key-binding JWT: signed by the holder, for this audience and nonce, over exactly the
/// presented `jwt~d…~`. Returns its `iat`.
fn check_binding(kb: &str, holder: &PublicKey, presented: &str, aud: &str, nonce: &str) -> Result<u64> {
    let (_, p) = verify_jwt(kb, holder, &[KB_JWT_TYP]).map_err(|e| match e {
        CredentialError::IssuerSignature => CredentialError::KeyBinding("its signature does not verify under the holder key".into()),
        other => CredentialError::KeyBinding(other.to_string()),
    })?;
    if p.get("aud").and_then(Value::as_str) != Some(aud) {
        return Err(CredentialError::KeyBinding(format!("made for audience {:?}, not {aud:?}", p.get("aud"))));
    }
    if p.get("nonce").and_then(Value::as_str) != Some(nonce) {
        return Err(CredentialError::KeyBinding("made for another nonce".into()));
    }
    if p.get("sd_hash").and_then(Value::as_str) != Some(b64(&sha256(presented.as_bytes())).as_str()) {
        return Err(CredentialError::KeyBinding("sd_hash does not cover the presented disclosures".into()));
    }
    p.get("iat").and_then(Value::as_u64).ok_or_else(|| CredentialError::KeyBinding("no iat".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(scheme: &str, n: u8) -> Signer {
        vellum_crypto::SecretKey::from_bytes(scheme, [n; 32]).unwrap().into()
    }

    fn claims() -> Map<String, Value> {
        let v = json!({ "name": "Alice Example", "degree": "BSc Computer Science", "year": 2026, "grades": { "algorithms": "A", "databases": "B+" } });
        v.as_object().unwrap().clone()
    }

    fn issued(issuer: &Signer, holder: &Signer) -> Issued {
        let mut n = 0u8;
        let c = claims();
        let c = Claims { iss: "vellum:vellum-test:00", vct: "urn:vellum:academic-certificate", iat: 1_767_225_600, claims: &c, holder: &holder.public_key() };
        issue(issuer, &c, || { n += 1; [n; 16] }).unwrap()
    }

    const B: Binding<'static> = Binding { aud: "https://employer.example", nonce: "n-42", iat: 1_767_225_700 };

    #[test]
    fn a_holder_discloses_only_what_it_chooses_under_both_schemes() {
        for (issuer, holder) in [(key("ed25519", 1), key("p256", 2)), (key("p256", 3), key("ed25519", 4))] {
            let cred = issued(&issuer, &holder);
            let again = Issued::parse(&cred.to_sd_jwt()).unwrap();
            assert_eq!(again, cred);
            let p = present(&cred, &["degree", "year"], &holder, &B).unwrap();
            let v = verify_presentation(&p, &issuer.public_key(), B.aud, B.nonce).unwrap();
            assert_eq!(v.disclosed.keys().collect::<Vec<_>>(), ["degree", "year"]);
            assert_eq!((v.claims_signed, v.holder, v.disclosed["year"].clone()), (4, holder.public_key(), json!(2026)));
            assert!(!p.contains("Alice"), "an undisclosed claim leaks nothing");
            assert_eq!(v.issuer_jwt, cred.jwt);
        }
    }

    #[test]
    fn every_forgery_is_refused() {
        let (issuer, holder) = (key("ed25519", 1), key("p256", 2));
        let cred = issued(&issuer, &holder);
        let good = present(&cred, &["degree"], &holder, &B).unwrap();
        let verify = |p: &str| verify_presentation(p, &issuer.public_key(), B.aud, B.nonce);
        assert!(verify(&good).is_ok());
        // Another issuer key; another audience or nonce; no key binding; a foreign holder.
        assert_eq!(verify_presentation(&good, &key("ed25519", 9).public_key(), B.aud, B.nonce).unwrap_err(), CredentialError::IssuerSignature);
        assert!(matches!(verify_presentation(&good, &issuer.public_key(), "https://other.example", B.nonce), Err(CredentialError::KeyBinding(_))));
        assert!(matches!(verify_presentation(&good, &issuer.public_key(), B.aud, "n-43"), Err(CredentialError::KeyBinding(_))));
        let without_kb = &good[..good.rfind('~').unwrap() + 1];
        assert!(matches!(verify(without_kb), Err(CredentialError::KeyBinding(_))));
        let stolen = present(&cred, &["degree"], &key("p256", 7), &B).unwrap();
        assert!(matches!(verify(&stolen), Err(CredentialError::KeyBinding(_))), "a thief's key does not bind");
        // A disclosure the issuer never signed (a better degree), added or swapped in.
        let fake = Disclosure::new(&[5; 16], "degree", &json!("PhD Physics"));
        let swapped = good.replacen(&cred.disclosures.iter().find(|d| d.name == "degree").unwrap().encoded, &fake.encoded, 1);
        assert!(verify(&swapped).is_err());
        let extra = Issued { jwt: cred.jwt.clone(), disclosures: vec![fake, cred.disclosures[1].clone()] };
        let forged = present(&extra, &["degree"], &holder, &B).unwrap();
        assert_eq!(verify(&forged).unwrap_err(), CredentialError::UnknownDisclosure("degree".into()));
        // A disclosure added after the key binding was made.
        let other = cred.disclosures.iter().find(|d| d.name == "name").unwrap();
        let (head, kb) = good.rsplit_once('~').unwrap();
        let appended = format!("{head}~{}~{kb}", other.encoded);
        assert!(matches!(verify(&appended), Err(CredentialError::KeyBinding(_))));
        // The same disclosure twice.
        let twice = present(&Issued { jwt: cred.jwt.clone(), disclosures: vec![cred.disclosures[0].clone(), cred.disclosures[0].clone()] }, &[], &holder, &B).unwrap();
        let twice = twice.replacen('~', &format!("~{}~{}~", cred.disclosures[0].encoded, cred.disclosures[0].encoded), 1);
        assert!(verify(&twice).is_err());
        // The issuer JWT's payload edited (signature no longer matches).
        let (h, rest) = good.split_once('.').unwrap();
        assert!(verify(&format!("{h}.e30{}", &rest[rest.find('.').unwrap()..])).is_err());
        for junk in ["", "~", "a.b.c~~x", "not a credential", &"~".repeat(200)] {
            assert!(verify(junk).is_err(), "{junk:?}");
        }
    }

    #[test]
    fn es256_signatures_with_a_high_s_are_accepted_from_other_software() {
        let issuer = key("p256", 3);
        let input = b"header.payload";
        let sig = jose::sign(&issuer, input).unwrap();
        let s = p256::ecdsa::Signature::from_slice(&sig).unwrap();
        let (r, low_s) = s.split_scalars();
        let high = p256::ecdsa::Signature::from_scalars(r, -*low_s).unwrap();
        assert!(jose::verify(&issuer.public_key(), "ES256", input, &high.to_bytes()));
        assert!(jose::verify(&issuer.public_key(), "ES256", input, &sig));
        assert!(!jose::verify(&issuer.public_key(), "EdDSA", input, &sig), "alg and key must agree");
    }
}
