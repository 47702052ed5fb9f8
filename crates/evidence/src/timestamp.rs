//! RFC 3161 timestamp tokens on log checkpoints (X.1407 9.2.3 a, optional): a Time-Stamping
//! Authority signs "this SHA-256 existed at genTime"; pinned the TSA's certificate, anyone can
//! check offline that a saved checkpoint existed no later than that time, independently of the
//! validators' clocks.
//!
//! Only what a token needs is parsed, with a small strict DER reader (no BER, definite lengths,
//! bounded sizes): `TimeStampResp` / `ContentInfo` → CMS `SignedData` → `TSTInfo` and the one
//! `SignerInfo`. The TSA certificate is pinned by the user (like the genesis hash), so no
//! certificate chain is built; it must carry the `timeStamping` extended key usage. Signatures:
//! RSA PKCS #1 v1.5 or ECDSA P-256, both over SHA-256 (what `openssl ts` and public TSAs use).

use vellum_types::hash::sha256;

/// Largest token or response accepted (a token with its certificate is a few KiB).
pub const TOKEN_BYTES_MAX: usize = 64 * 1024;

const OID_SIGNED_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];
const OID_TST_INFO: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x01, 0x04];
const OID_SHA256: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01];
const OID_CONTENT_TYPE: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x03];
const OID_MESSAGE_DIGEST: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x04];
const OID_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const OID_EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const OID_P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
const OID_EXT_KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x25];
const OID_KP_TIME_STAMPING: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x08];

const TAG_BOOLEAN: u8 = 0x01;
const TAG_INTEGER: u8 = 0x02;
const TAG_BIT_STRING: u8 = 0x03;
const TAG_OCTET_STRING: u8 = 0x04;
const TAG_NULL: u8 = 0x05;
const TAG_OID: u8 = 0x06;
const TAG_UTC_TIME: u8 = 0x17;
const TAG_GENERALIZED_TIME: u8 = 0x18;
const TAG_SEQUENCE: u8 = 0x30;
const TAG_SET: u8 = 0x31;
const TAG_CONTEXT_0: u8 = 0xa0;
const TAG_CONTEXT_3: u8 = 0xa3;

/// Why a token does not prove the time of a message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TimestampError {
    #[error("malformed DER in the {0}")]
    Malformed(&'static str),
    #[error("token larger than {TOKEN_BYTES_MAX} bytes")]
    TooLarge,
    #[error("the TSA refused the request (PKIStatus {0})")]
    Refused(u64),
    #[error("not a CMS SignedData timestamp token")]
    NotAToken,
    #[error("the token timestamps another message (messageImprint differs)")]
    WrongMessage,
    #[error("only SHA-256 message imprints and signer digests are accepted")]
    UnsupportedDigest,
    #[error("the token's signed attributes do not match its TSTInfo")]
    BadSignedAttributes,
    #[error("the token was not signed by the pinned TSA certificate")]
    OtherSigner,
    #[error("the pinned TSA certificate: {0}")]
    Certificate(&'static str),
    #[error("the TSA's signature does not verify")]
    BadSignature,
    #[error("the nonce in the token is not the one requested")]
    WrongNonce,
    #[error("unreadable genTime")]
    BadTime,
}

/// What a verified token says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimestampInfo {
    /// `genTime` as the TSA wrote it (GeneralizedTime, UTC).
    pub gen_time: String,
    /// `genTime` in Unix milliseconds.
    pub gen_time_ms: u64,
    /// The TSA's serial number of this token, hex.
    pub serial: String,
    /// The TSA policy it was issued under (dotted OID).
    pub policy: String,
    /// The nonce of the request, if the token carries one (big-endian bytes, no sign byte).
    pub nonce: Option<Vec<u8>>,
}

/// One DER element: its tag, its content, and the whole encoding (tag and length included).
#[derive(Clone, Copy)]
struct Der<'a> {
    tag: u8,
    content: &'a [u8],
    raw: &'a [u8],
}

/// Reads the elements of a DER content one after another.
struct Reader<'a> {
    rest: &'a [u8],
    what: &'static str,
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8], what: &'static str) -> Self {
        Self { rest: bytes, what }
    }

    /// `bytes` as exactly one element with `tag` (no trailing bytes).
    fn single(bytes: &'a [u8], tag: u8, what: &'static str) -> Result<Der<'a>, TimestampError> {
        let mut r = Self::new(bytes, what);
        let d = r.expect(tag)?;
        if !r.is_empty() {
            return Err(TimestampError::Malformed(what));
        }
        Ok(d)
    }

    fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    fn peek_tag(&self) -> Option<u8> {
        self.rest.first().copied()
    }

    fn any(&mut self) -> Result<Der<'a>, TimestampError> {
        let bad = TimestampError::Malformed(self.what);
        let (&tag, after) = self.rest.split_first().ok_or(bad.clone())?;
        // Multi-byte tags never occur in what is parsed here.
        if tag & 0x1f == 0x1f {
            return Err(bad);
        }
        let (&first, mut after) = after.split_first().ok_or(bad.clone())?;
        let len = if first < 0x80 {
            first as usize
        } else {
            let n = (first & 0x7f) as usize;
            if n == 0 || n > 3 || after.len() < n {
                return Err(bad);
            }
            let len = after[..n].iter().fold(0usize, |acc, b| (acc << 8) | *b as usize);
            // DER: the shortest length form.
            if len < 0x80 || after[0] == 0 {
                return Err(bad);
            }
            after = &after[n..];
            len
        };
        if after.len() < len {
            return Err(bad);
        }
        let header = self.rest.len() - after.len();
        let raw = &self.rest[..header + len];
        let content = &after[..len];
        self.rest = &after[len..];
        Ok(Der { tag, content, raw })
    }

    fn expect(&mut self, tag: u8) -> Result<Der<'a>, TimestampError> {
        let d = self.any()?;
        if d.tag != tag {
            return Err(TimestampError::Malformed(self.what));
        }
        Ok(d)
    }

    /// The next element if it has `tag`.
    fn optional(&mut self, tag: u8) -> Result<Option<Der<'a>>, TimestampError> {
        if self.peek_tag() == Some(tag) { self.any().map(Some) } else { Ok(None) }
    }
}

impl<'a> Der<'a> {
    fn reader(&self, what: &'static str) -> Reader<'a> {
        Reader::new(self.content, what)
    }
}

/// The OID of an `AlgorithmIdentifier` whose parameters are absent or NULL.
fn algorithm<'a>(d: Der<'a>, what: &'static str) -> Result<&'a [u8], TimestampError> {
    let mut r = d.reader(what);
    let oid = r.expect(TAG_OID)?.content;
    if let Some(params) = r.optional(TAG_NULL)?
        && !params.content.is_empty()
    {
        return Err(TimestampError::Malformed(what));
    }
    if !r.is_empty() {
        return Err(TimestampError::Malformed(what));
    }
    Ok(oid)
}

/// A non-negative INTEGER's magnitude (sign byte stripped); refuses empty, negative and
/// non-minimal encodings (DER has one encoding per value).
fn unsigned<'a>(d: Der<'a>, what: &'static str) -> Result<&'a [u8], TimestampError> {
    match d.content {
        [] => Err(TimestampError::Malformed(what)),
        [first, ..] if first & 0x80 != 0 => Err(TimestampError::Malformed(what)),
        [0, next, ..] if next & 0x80 == 0 => Err(TimestampError::Malformed(what)),
        [0, rest @ ..] if !rest.is_empty() => Ok(rest),
        c => Ok(c),
    }
}

fn small_integer(d: Der<'_>, what: &'static str) -> Result<u64, TimestampError> {
    let c = unsigned(d, what)?;
    if c.len() > 8 {
        return Err(TimestampError::Malformed(what));
    }
    Ok(c.iter().fold(0u64, |acc, b| (acc << 8) | *b as u64))
}

fn dotted(oid: &[u8]) -> String {
    let mut parts = Vec::new();
    let mut value: u64 = 0;
    for (i, b) in oid.iter().enumerate() {
        value = (value << 7) | (b & 0x7f) as u64;
        if b & 0x80 == 0 {
            if parts.is_empty() {
                let first = (value / 40).min(2);
                parts.push(first);
                parts.push(value - first * 40);
            } else {
                parts.push(value);
            }
            value = 0;
        }
        if i > 64 {
            break;
        }
    }
    parts.iter().map(u64::to_string).collect::<Vec<_>>().join(".")
}

/// `YYYYMMDDHHMMSS[.f*]Z` to Unix milliseconds.
fn generalized_time_ms(t: &str) -> Result<u64, TimestampError> {
    let b = t.as_bytes();
    if b.len() < 15 || !b.ends_with(b"Z") || !b[..14].iter().all(u8::is_ascii_digit) {
        return Err(TimestampError::BadTime);
    }
    let num = |r: std::ops::Range<usize>| t[r].parse::<u64>().map_err(|_| TimestampError::BadTime);
    let (y, mo, d, h, mi, s) = (num(0..4)?, num(4..6)?, num(6..8)?, num(8..10)?, num(10..12)?, num(12..14)?);
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let month_days = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if !(1..=12).contains(&mo) || d == 0 || d > month_days[(mo - 1) as usize] || h > 23 || mi > 59 || s > 60 || y < 1970 {
        return Err(TimestampError::BadTime);
    }
    let mut ms = 0u64;
    let frac = &t[14..t.len() - 1];
    if let Some(digits) = frac.strip_prefix('.') {
        // DER: digits only, no trailing zero.
        if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) || digits.ends_with('0') {
            return Err(TimestampError::BadTime);
        }
        let three: String = digits.chars().chain("000".chars()).take(3).collect();
        ms = three.parse().map_err(|_| TimestampError::BadTime)?;
    } else if !frac.is_empty() {
        return Err(TimestampError::BadTime);
    }
    // Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
    let (y, m) = if mo <= 2 { (y - 1, mo + 9) } else { (y, mo - 3) };
    let era = y / 400;
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Ok(((days * 24 + h) * 60 + mi) * 60_000 + s * 1_000 + ms)
}

/// What a pinned certificate contributes: the signer identity and the key.
struct TsaCertificate<'a> {
    issuer: &'a [u8],
    serial: &'a [u8],
    key_algorithm: &'a [u8],
    key_curve: Option<&'a [u8]>,
    key: &'a [u8],
    not_before_ms: u64,
    not_after_ms: u64,
}

fn parse_certificate(der: &[u8]) -> Result<TsaCertificate<'_>, TimestampError> {
    let what = "TSA certificate";
    let cert = Reader::single(der, TAG_SEQUENCE, what)?;
    let mut c = cert.reader(what);
    let tbs = c.expect(TAG_SEQUENCE)?;
    let mut t = tbs.reader(what);
    t.optional(TAG_CONTEXT_0)?;
    let serial = t.expect(TAG_INTEGER)?;
    t.expect(TAG_SEQUENCE)?; // signature algorithm
    let issuer = t.expect(TAG_SEQUENCE)?;
    let validity = t.expect(TAG_SEQUENCE)?;
    let mut v = validity.reader(what);
    let (not_before_ms, not_after_ms) = (x509_time_ms(v.any()?)?, x509_time_ms(v.any()?)?);
    t.expect(TAG_SEQUENCE)?; // subject
    let spki = t.expect(TAG_SEQUENCE)?;
    let mut s = spki.reader(what);
    let alg = s.expect(TAG_SEQUENCE)?;
    let mut a = alg.reader(what);
    let key_algorithm = a.expect(TAG_OID)?.content;
    let key_curve = a.optional(TAG_OID)?.map(|d| d.content);
    let bits = s.expect(TAG_BIT_STRING)?.content;
    let (&unused, key) = bits.split_first().ok_or(TimestampError::Malformed(what))?;
    if unused != 0 {
        return Err(TimestampError::Malformed(what));
    }
    // Extensions: the certificate must be for time stamping.
    let mut time_stamping = false;
    while !t.is_empty() {
        let d = t.any()?;
        if d.tag != TAG_CONTEXT_3 {
            continue;
        }
        let exts = d.reader(what).expect(TAG_SEQUENCE)?;
        let mut e = exts.reader(what);
        while !e.is_empty() {
            let ext = e.expect(TAG_SEQUENCE)?;
            let mut x = ext.reader(what);
            if x.expect(TAG_OID)?.content != OID_EXT_KEY_USAGE {
                continue;
            }
            // RFC 3161 2.3: the extension is critical and timeStamping its only purpose.
            let critical = x.optional(TAG_BOOLEAN)?.is_some_and(|b| b.content == [0xff]);
            let value = x.expect(TAG_OCTET_STRING)?;
            let usages = Reader::new(value.content, what).expect(TAG_SEQUENCE)?;
            let mut u = usages.reader(what);
            let only = u.expect(TAG_OID)?.content == OID_KP_TIME_STAMPING && u.is_empty();
            if !(critical && only) {
                return Err(TimestampError::Certificate("the extended key usage must be critical and timeStamping only"));
            }
            time_stamping = true;
        }
    }
    if !time_stamping {
        return Err(TimestampError::Certificate("no timeStamping extended key usage"));
    }
    Ok(TsaCertificate { issuer: issuer.raw, serial: serial.content, key_algorithm, key_curve, key, not_before_ms, not_after_ms })
}

/// An X.509 `Time` (UTCTime `YYMMDDHHMMSSZ`, years 1950–2049, or GeneralizedTime) in Unix ms.
fn x509_time_ms(d: Der<'_>) -> Result<u64, TimestampError> {
    let text = std::str::from_utf8(d.content).map_err(|_| TimestampError::Certificate("unreadable validity"))?;
    let full = match d.tag {
        TAG_UTC_TIME if text.len() == 13 => {
            let yy: u32 = text[..2].parse().map_err(|_| TimestampError::Certificate("unreadable validity"))?;
            format!("{}{text}", if yy < 50 { "20" } else { "19" })
        }
        TAG_GENERALIZED_TIME => text.to_string(),
        _ => return Err(TimestampError::Certificate("unreadable validity")),
    };
    generalized_time_ms(&full).map_err(|_| TimestampError::Certificate("unreadable validity"))
}

/// The certificate in a PEM file (the first `CERTIFICATE` block) or DER as is.
pub fn certificate_der(bytes: &[u8]) -> Result<Vec<u8>, TimestampError> {
    use base64::Engine as _;
    let Ok(text) = std::str::from_utf8(bytes) else { return Ok(bytes.to_vec()) };
    let Some(start) = text.find("-----BEGIN CERTIFICATE-----") else { return Ok(bytes.to_vec()) };
    let body = &text[start + "-----BEGIN CERTIFICATE-----".len()..];
    let end = body.find("-----END CERTIFICATE-----").ok_or(TimestampError::Certificate("unterminated PEM"))?;
    let b64: String = body[..end].chars().filter(|c| !c.is_whitespace()).collect();
    base64::engine::general_purpose::STANDARD.decode(b64).map_err(|_| TimestampError::Certificate("bad PEM base64"))
}

/// Verifies that `token` (a `TimeStampResp` or a bare token) is the pinned TSA's signature over
/// SHA-256(`message`), and returns what it says. `nonce`, if given, must be the token's.
pub fn verify_token(
    token: &[u8],
    message: &[u8],
    tsa_certificate_der: &[u8],
    nonce: Option<&[u8]>,
) -> Result<TimestampInfo, TimestampError> {
    if token.len() > TOKEN_BYTES_MAX {
        return Err(TimestampError::TooLarge);
    }
    let cert = parse_certificate(tsa_certificate_der)?;
    let content_info = content_info(token)?;

    // ContentInfo → SignedData.
    let mut ci = content_info.reader("ContentInfo");
    if ci.expect(TAG_OID)?.content != OID_SIGNED_DATA {
        return Err(TimestampError::NotAToken);
    }
    let explicit = ci.expect(TAG_CONTEXT_0)?;
    let signed_data = explicit.reader("SignedData").expect(TAG_SEQUENCE)?;
    let mut sd = signed_data.reader("SignedData");
    sd.expect(TAG_INTEGER)?;
    sd.expect(TAG_SET)?; // digestAlgorithms
    let encap = sd.expect(TAG_SEQUENCE)?;
    let mut en = encap.reader("encapContentInfo");
    if en.expect(TAG_OID)?.content != OID_TST_INFO {
        return Err(TimestampError::NotAToken);
    }
    let tst_der = en.expect(TAG_CONTEXT_0)?.reader("eContent").expect(TAG_OCTET_STRING)?.content;
    let mut signer_infos = None;
    while !sd.is_empty() {
        let d = sd.any()?;
        if d.tag == TAG_SET {
            signer_infos = Some(d);
        }
    }
    let signer_infos = signer_infos.ok_or(TimestampError::Malformed("SignedData"))?;
    let mut sis = signer_infos.reader("signerInfos");
    let signer_info = sis.expect(TAG_SEQUENCE)?;
    if !sis.is_empty() {
        return Err(TimestampError::Malformed("signerInfos (more than one signer)"));
    }

    // TSTInfo: the message imprint must be SHA-256 of our message.
    let info = tst_info(tst_der)?;
    if info.0 != sha256(message).as_slice() {
        return Err(TimestampError::WrongMessage);
    }
    let info = info.1;
    if let Some(n) = nonce
        && info.nonce.as_deref() != Some(n)
    {
        return Err(TimestampError::WrongNonce);
    }

    // SignerInfo: signed by the pinned certificate, over attributes binding the TSTInfo.
    let mut si = signer_info.reader("SignerInfo");
    si.expect(TAG_INTEGER)?;
    let sid = si.any()?;
    if sid.tag != TAG_SEQUENCE {
        return Err(TimestampError::OtherSigner);
    }
    let mut ias = sid.reader("IssuerAndSerialNumber");
    let issuer = ias.expect(TAG_SEQUENCE)?.raw;
    let serial = ias.expect(TAG_INTEGER)?.content;
    if issuer != cert.issuer || serial != cert.serial {
        return Err(TimestampError::OtherSigner);
    }
    if algorithm(si.expect(TAG_SEQUENCE)?, "digestAlgorithm")? != OID_SHA256 {
        return Err(TimestampError::UnsupportedDigest);
    }
    let attrs = si.expect(TAG_CONTEXT_0)?;
    let (mut content_type_ok, mut digest_ok) = (false, false);
    let mut a = attrs.reader("signedAttrs");
    while !a.is_empty() {
        let attr = a.expect(TAG_SEQUENCE)?;
        let mut r = attr.reader("signedAttrs");
        let oid = r.expect(TAG_OID)?.content;
        let values = r.expect(TAG_SET)?;
        let mut v = values.reader("signedAttrs");
        if oid == OID_CONTENT_TYPE {
            content_type_ok = v.expect(TAG_OID)?.content == OID_TST_INFO;
        } else if oid == OID_MESSAGE_DIGEST {
            digest_ok = v.expect(TAG_OCTET_STRING)?.content == sha256(tst_der).as_slice();
        }
    }
    if !(content_type_ok && digest_ok) {
        return Err(TimestampError::BadSignedAttributes);
    }
    si.expect(TAG_SEQUENCE)?; // signatureAlgorithm: implied by the certificate's key
    let signature = si.expect(TAG_OCTET_STRING)?.content;
    // The signature covers the attributes DER-encoded as a SET (RFC 5652 5.4).
    let mut signed = attrs.raw.to_vec();
    signed[0] = TAG_SET;
    let algorithm: &dyn aws_lc_rs::signature::VerificationAlgorithm = match (cert.key_algorithm, cert.key_curve) {
        (k, _) if k == OID_RSA => &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
        (k, Some(c)) if k == OID_EC_PUBLIC_KEY && c == OID_P256 => &aws_lc_rs::signature::ECDSA_P256_SHA256_ASN1,
        _ => return Err(TimestampError::Certificate("key is neither RSA nor ECDSA P-256")),
    };
    aws_lc_rs::signature::UnparsedPublicKey::new(algorithm, cert.key)
        .verify(&signed, signature)
        .map_err(|_| TimestampError::BadSignature)?;
    // The pinned certificate vouches only for times inside its validity.
    if !(cert.not_before_ms..=cert.not_after_ms).contains(&info.gen_time_ms) {
        return Err(TimestampError::Certificate("not valid at the token's genTime"));
    }
    Ok(info)
}

/// The token's ContentInfo, from a `TimeStampResp` (status must be granted) or a bare token.
fn content_info(bytes: &[u8]) -> Result<Der<'_>, TimestampError> {
    let outer = Reader::single(bytes, TAG_SEQUENCE, "timestamp response")?;
    let mut o = outer.reader("timestamp response");
    if o.peek_tag() == Some(TAG_OID) {
        return Ok(outer); // a bare ContentInfo
    }
    let status = o.expect(TAG_SEQUENCE)?;
    let code = small_integer(status.reader("PKIStatusInfo").expect(TAG_INTEGER)?, "PKIStatusInfo")?;
    // 0 granted, 1 grantedWithMods.
    if code > 1 {
        return Err(TimestampError::Refused(code));
    }
    o.expect(TAG_SEQUENCE)
}

/// (hashed message, what the token says) of a DER `TSTInfo`.
fn tst_info(der: &[u8]) -> Result<(&[u8], TimestampInfo), TimestampError> {
    let what = "TSTInfo";
    let seq = Reader::single(der, TAG_SEQUENCE, what)?;
    let mut t = seq.reader(what);
    t.expect(TAG_INTEGER)?;
    let policy = dotted(t.expect(TAG_OID)?.content);
    let imprint = t.expect(TAG_SEQUENCE)?;
    let mut im = imprint.reader(what);
    if algorithm(im.expect(TAG_SEQUENCE)?, what)? != OID_SHA256 {
        return Err(TimestampError::UnsupportedDigest);
    }
    let hashed = im.expect(TAG_OCTET_STRING)?.content;
    let serial = hex::encode(unsigned(t.expect(TAG_INTEGER)?, what)?);
    let gen_time = std::str::from_utf8(t.expect(TAG_GENERALIZED_TIME)?.content).map_err(|_| TimestampError::BadTime)?.to_string();
    let gen_time_ms = generalized_time_ms(&gen_time)?;
    // Optional: accuracy (SEQUENCE), ordering (BOOLEAN), nonce (INTEGER), tsa, extensions.
    let mut nonce = None;
    while !t.is_empty() {
        let d = t.any()?;
        if d.tag == TAG_INTEGER {
            nonce = Some(unsigned(d, what)?.to_vec());
        }
    }
    Ok((hashed, TimestampInfo { gen_time, gen_time_ms, serial, policy, nonce }))
}

/// A DER `TimeStampReq` for SHA-256(`message`) asking for the TSA's certificate in the token,
/// with `nonce` (big-endian, at most 16 bytes, no leading zero).
pub fn request(message: &[u8], nonce: &[u8]) -> Vec<u8> {
    assert!(!nonce.is_empty() && nonce.len() <= 16 && nonce[0] != 0, "a short nonce without leading zero");
    fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        assert!(content.len() < 0x80, "short form lengths only");
        let mut out = vec![tag, content.len() as u8];
        out.extend_from_slice(content);
        out
    }
    let mut oid = vec![TAG_OID, OID_SHA256.len() as u8];
    oid.extend_from_slice(OID_SHA256);
    let alg = tlv(TAG_SEQUENCE, &[oid, vec![TAG_NULL, 0]].concat());
    let imprint = tlv(TAG_SEQUENCE, &[alg, tlv(TAG_OCTET_STRING, &sha256(message))].concat());
    let mut n = nonce.to_vec();
    if n[0] & 0x80 != 0 {
        n.insert(0, 0);
    }
    let body = [tlv(TAG_INTEGER, &[1]), imprint, tlv(TAG_INTEGER, &n), tlv(TAG_BOOLEAN, &[0xff])].concat();
    tlv(TAG_SEQUENCE, &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generalized_times_convert_to_unix_milliseconds() {
        assert_eq!(generalized_time_ms("19700101000000Z"), Ok(0));
        assert_eq!(generalized_time_ms("20261121153000Z"), Ok(1_795_275_000_000));
        assert_eq!(generalized_time_ms("20000229120000.5Z"), Ok(951_825_600_500));
        for bad in [
            "2026112115300Z",
            "20261121153000",
            "20261321153000Z",
            "20261121153000.Z",
            "2026112115300xZ",
            "20260231000000Z",
            "20250229000000Z",
            "20261121153000.50Z",
        ] {
            assert_eq!(generalized_time_ms(bad), Err(TimestampError::BadTime), "{bad}");
        }
    }

    #[test]
    fn integers_and_algorithms_must_be_der() {
        let int = |bytes: &'static [u8]| Der { tag: TAG_INTEGER, content: bytes, raw: bytes };
        assert_eq!(unsigned(int(&[0, 0x81]), "t"), Ok(&[0x81][..]));
        assert_eq!(unsigned(int(&[0]), "t"), Ok(&[0][..]));
        for bad in [&[][..], &[0x81][..], &[0, 1][..], &[0, 0][..]] {
            assert!(unsigned(int(bad), "t").is_err(), "{bad:?}");
        }
        let alg = |content: &'static [u8]| Der { tag: TAG_SEQUENCE, content, raw: content };
        let mut sha_null = vec![TAG_OID, 9];
        sha_null.extend_from_slice(OID_SHA256);
        let bare = sha_null.clone();
        sha_null.extend_from_slice(&[TAG_NULL, 0]);
        let mut trailing = sha_null.clone();
        trailing.extend_from_slice(&[TAG_NULL, 0]);
        let (bare, sha_null, trailing) = (bare.leak(), sha_null.leak(), trailing.leak());
        assert_eq!(algorithm(alg(bare), "t"), Ok(OID_SHA256));
        assert_eq!(algorithm(alg(sha_null), "t"), Ok(OID_SHA256));
        assert!(algorithm(alg(trailing), "t").is_err());
    }

    #[test]
    fn oids_print_dotted() {
        assert_eq!(dotted(OID_SHA256), "2.16.840.1.101.3.4.2.1");
        assert_eq!(dotted(OID_KP_TIME_STAMPING), "1.3.6.1.5.5.7.3.8");
    }

    #[test]
    fn the_request_is_der_with_the_message_imprint() {
        let req = request(b"checkpoint", &[0x81, 2, 3]);
        let mut r = Reader::new(&req, "test");
        let seq = r.expect(TAG_SEQUENCE).unwrap();
        assert!(r.is_empty());
        let mut s = seq.reader("test");
        assert_eq!(s.expect(TAG_INTEGER).unwrap().content, [1]);
        let imprint = s.expect(TAG_SEQUENCE).unwrap();
        let mut im = imprint.reader("test");
        assert_eq!(algorithm(im.expect(TAG_SEQUENCE).unwrap(), "test").unwrap(), OID_SHA256);
        assert_eq!(im.expect(TAG_OCTET_STRING).unwrap().content, sha256(b"checkpoint").as_slice());
        assert_eq!(s.expect(TAG_INTEGER).unwrap().content, [0, 0x81, 2, 3], "a positive INTEGER");
    }

    #[test]
    fn garbage_is_refused_without_panicking() {
        for bytes in [&b""[..], &[0x30], &[0x30, 0x85, 1, 1, 1, 1, 1], &[0x30, 0x81, 0x05, 1, 2, 3, 4, 5], &[0x1f, 0]] {
            assert!(verify_token(bytes, b"m", bytes, None).is_err());
        }
    }
}
