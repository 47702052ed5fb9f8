//! `vellum key new --pkcs11-module …` and `vellum key to-token`: account, node-account and
//! request keys that live in a PKCS#11 token (SoftHSM2, or a real HSM through the vendor's
//! module). The file `--out` names is a reference (module, token, label, public key): it holds
//! no secret. The PIN comes from `--pin-file` (recorded in the reference) or `VELLUM_PKCS11_PIN`.

use crate::{keys, print};
use anyhow::{Context, Result, bail};
use serde_json::json;
use std::path::{Path, PathBuf};
use vellum_keys::{TokenLocation, TokenRef, token};

/// Where in a token a key goes.
#[derive(clap::Args, Clone, Default)]
pub struct TokenArgs {
    /// The PKCS#11 module (e.g. /usr/lib/softhsm/libsofthsm2.so).
    #[arg(long = "pkcs11-module", id = "module")]
    pub module: Option<PathBuf>,
    /// The token's label.
    #[arg(long, requires = "module")]
    pub token: Option<String>,
    /// The key's label in the token (unique in it).
    #[arg(long, requires = "module")]
    pub label: Option<String>,
    /// A file holding the token's user PIN (else VELLUM_PKCS11_PIN).
    #[arg(long, requires = "module")]
    pub pin_file: Option<PathBuf>,
}

impl TokenArgs {
    fn location(&self) -> Result<TokenLocation> {
        let module = std::path::absolute(self.module.as_ref().context("--pkcs11-module is required")?).context("--pkcs11-module")?;
        let token = self.token.clone().context("--token (the token's label) is required with --pkcs11-module")?;
        let label = self.label.clone().context("--label (the key's label in the token) is required with --pkcs11-module")?;
        // The reference outlives this directory: store an absolute PIN path.
        let pin_file = self.pin_file.as_ref().map(std::path::absolute).transpose().context("--pin-file")?;
        Ok(TokenLocation { module, token, label, pin_file })
    }
}

/// Writes a reference file: no secret in it, but mode 0600 and no overwrite like any key file.
fn write_reference(out: &Path, reference: &TokenRef) -> Result<()> {
    keys::write_secret(out, &format!("{}\n", serde_json::to_string_pretty(reference)?))
}

fn report(json: bool, out: &Path, reference: &TokenRef, what: &str) {
    let public: vellum_types::PublicKey = reference.public_key.parse().expect("the token's own public key");
    let account = public.account_id();
    let v = json!({ "path": out, "public_key": reference.public_key, "account_id": account.to_hex(), "token": reference.pkcs11.token, "label": reference.pkcs11.label });
    print(json, &v, || {
        format!(
            "{what} in PKCS#11 token `{}` as `{}`; reference written to {}\npublic key {}\naccount id {account}",
            reference.pkcs11.token,
            reference.pkcs11.label,
            out.display(),
            reference.public_key
        )
    });
}

/// `vellum key new --pkcs11-module M --token T --label L --out REF`: the key pair is generated
/// inside the token; its secret never exists outside it.
pub fn new(scheme: &str, out: &Path, args: &TokenArgs, json: bool) -> Result<()> {
    if out.exists() {
        bail!("{} already exists", out.display());
    }
    let reference = token::generate(&args.location()?, scheme)?;
    write_reference(out, &reference)?;
    report(json, out, &reference, "generated");
    Ok(())
}

/// `vellum key to-token`: imports a file key into the token, proves the token signs as that
/// key, writes the reference, and only then destroys the file's secret (unless `keep_file`).
pub fn to_token(key: &Path, args: &TokenArgs, out: &Path, keep_file: bool, json: bool) -> Result<()> {
    if out.exists() {
        bail!("{} already exists", out.display());
    }
    let secret = keys::load_software(key)?;
    let account = keys::account_for(&secret.clone().into());
    let mut reference = token::import(&args.location()?, &secret)?;
    drop(secret);
    if account != reference.public_key.parse::<vellum_types::PublicKey>().map_err(|e| anyhow::anyhow!("{e}"))?.account_id() {
        reference.account_id = Some(account.to_hex());
    }
    let signer = token::open(&reference)?;
    signer.sign(b"vellum key to-token: the token signs as the key").context("the token holds the key but cannot sign with it")?;
    write_reference(out, &reference)?;
    if !keep_file {
        crate::key_life::shred(key)?;
    }
    report(json, out, &reference, "moved");
    Ok(())
}
