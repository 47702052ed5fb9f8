//! `vellum key`: key files, encrypted keystores, mnemonic and Shamir backups, rotation,
//! revocation and keys by purpose.

use crate::{Target, keys, keystore, pay, print, resolve_key, send, send_as};
use anyhow::{Context, Result, bail};
use clap::Subcommand;
use serde_json::json;
use std::path::{Path, PathBuf};
use vellum_types::{AccountId, TxBody};

#[derive(Subcommand)]
pub enum KeyCommand {
    /// Generate a key into an encrypted keystore (Argon2id + XChaCha20-Poly1305; password from
    /// a prompt or VELLUM_PASSWORD), or inside a PKCS#11 token (`--pkcs11-module`; `--out` is
    /// then the reference file). `--plain --insecure-plain-keys` writes an unencrypted
    /// devnet-grade file.
    New {
        #[arg(long, default_value = "ed25519", value_parser = ["ed25519", "secp256k1", "p256"])]
        scheme: String,
        #[arg(long)]
        out: PathBuf,
        #[arg(long, conflicts_with = "module")]
        plain: bool,
        #[command(flatten)]
        token: crate::key_token::TokenArgs,
    },
    /// Move a key into a PKCS#11 token: imported non-extractable, checked by a signature, then
    /// the file's secret is destroyed (unless `--keep-file`). `--out` gets the reference file.
    ToToken {
        #[arg(long)]
        key: PathBuf,
        #[command(flatten)]
        token: crate::key_token::TokenArgs,
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        keep_file: bool,
    },
    /// Key files in a directory (default: the client config's keys directory).
    List {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Show a key's 24-word BIP-39 mnemonic (backup on paper), or write it to a plain file.
    Export {
        #[arg(long)]
        key: PathBuf,
        /// Write the secret unencrypted here instead (`scheme:hex`).
        #[arg(long)]
        plain_out: Option<PathBuf>,
    },
    /// Restore a key into an encrypted keystore from a mnemonic or a plain key file.
    Import {
        #[arg(long, conflicts_with = "from")]
        mnemonic: Option<String>,
        #[arg(long, default_value = "ed25519", value_parser = ["ed25519", "secp256k1", "p256"])]
        scheme: String,
        /// A plain `scheme:hex` key file.
        #[arg(long)]
        from: Option<PathBuf>,
        /// The account the key signs for, if it was rotated in (not derived from it).
        #[arg(long)]
        account: Option<String>,
        #[arg(long)]
        out: PathBuf,
    },
    /// Split a key into Shamir shares, any `--threshold` of which recover it.
    Split {
        #[arg(long)]
        key: PathBuf,
        #[arg(long, default_value_t = 5)]
        shares: u8,
        #[arg(long, default_value_t = 3)]
        threshold: u8,
        /// Directory for the share files (share-1.txt …), one per custodian.
        #[arg(long)]
        out_dir: PathBuf,
    },
    /// Recover a key from Shamir share files into an encrypted keystore.
    Recover {
        #[arg(long = "share", required = true)]
        shares: Vec<PathBuf>,
        /// The account the key signs for, if it was rotated in (not derived from it).
        #[arg(long)]
        account: Option<String>,
        #[arg(long)]
        out: PathBuf,
    },
    /// Remove a key from the account's signer set (a lost or retired device). Signed by
    /// `--key` (and `--cosign` keys to meet the threshold); refuses to leave the account
    /// unable to reach its threshold.
    Revoke {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        key: String,
        #[arg(long)]
        cosign: Vec<String>,
        /// The key to revoke: public key (`ed25519:<hex>`) or key file.
        #[arg(long)]
        revoke: String,
    },
    /// Keys by purpose: the keys that authenticate the account's read requests (then only
    /// they do), and its encryption recipient (age) for originals.
    Purpose {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        key: String,
        /// A request-signing key (public key `ed25519:<hex>` or key file); repeat for several.
        #[arg(long = "request-key")]
        request_keys: Vec<String>,
        /// An age X25519 recipient (`age1…`).
        #[arg(long)]
        encryption: Option<String>,
    },
    /// Replace an account's key on the ledger (the account id stays): generates a new key
    /// into `--out` and sends `SetSigners` signed by the old one.
    Rotate {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        key: String,
        /// The new keystore (it records the account it signs for).
        #[arg(long)]
        out: PathBuf,
    },
    /// Show a key file's public key and account id.
    Show { path: PathBuf },
    /// Set when one of the account's signer keys stops signing on the ledger (X.1405 8.7.1);
    /// without `--valid-for`, lift the expiry. Signed by `--key` (and `--cosign`).
    Expire {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        key: String,
        #[arg(long)]
        cosign: Vec<String>,
        /// The signer key to expire (public key or key file); default: `--key` itself.
        #[arg(long)]
        signer: Option<String>,
        /// How long it still signs from now (`365d`, `12h`, `30m`, `45s`).
        #[arg(long)]
        valid_for: Option<String>,
    },
    /// Each signer key of the account: when it was added, its expiry, and reminders (due for
    /// rotation, expiring soon, expired).
    Age {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        key: String,
        /// Remind rotation of keys older than this.
        #[arg(long, default_value_t = crate::key_life::ROTATE_AFTER_DAYS_DEFAULT)]
        rotate_after_days: u64,
    },
    /// Archive a retired key: keep its public part (to verify old signatures) in `--out`, and
    /// destroy the secret (overwritten, flushed, removed). Refuses a key that still signs for
    /// its account unless `--force`.
    Archive {
        #[command(flatten)]
        target: Target,
        /// The key file.
        #[arg(long)]
        key: PathBuf,
        /// Where the public part goes.
        #[arg(long)]
        out: PathBuf,
        /// Another key of the account that reads its signer set (needed when the account
        /// set request keys); default: the key itself.
        #[arg(long)]
        reader: Option<String>,
        #[arg(long)]
        force: bool,
    },
    /// Destroy a key's secret (overwritten, flushed, removed), keeping nothing. Refuses a key
    /// that still signs for its account unless `--force`.
    Destroy {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        key: PathBuf,
        /// Another key of the account that reads its signer set; default: the key itself.
        #[arg(long)]
        reader: Option<String>,
        #[arg(long)]
        force: bool,
    },
    /// Generate a validator key (Ed25519: signs votes, authenticates p2p) into an encrypted
    /// keystore (password from a prompt or VELLUM_PASSWORD; the node unlocks it once at
    /// start-up) and print the public key to put in the genesis. `--plain
    /// --insecure-plain-keys`: 64 hex characters (devnets).
    NewValidator {
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        plain: bool,
    },
    /// Generate an encryption key (age X25519 identity) for encrypted originals; prints the
    /// recipient to share.
    NewEncryption {
        #[arg(long)]
        out: PathBuf,
    },
}

/// Runs a `vellum key` command.
pub fn run(command: KeyCommand, json: bool) -> Result<()> {
    let new_password = |out: &Path| keystore::password(&format!("new password for {}: ", out.display()), true);
    match command {
        KeyCommand::New { scheme, out, plain: false, token } if token.module.is_some() => crate::key_token::new(&scheme, &out, &token, json)?,
        KeyCommand::ToToken { key, token, out, keep_file } => crate::key_token::to_token(&key, &token, &out, keep_file, json)?,
        KeyCommand::New { scheme, out, plain, token: _ } => {
            let key = keys::generate(&scheme)?;
            if plain {
                keys::save(&out, &key)?;
            } else {
                keys::save_encrypted(&out, &key, &new_password(&out)?)?;
            }
            let v = json!({ "path": out, "public_key": key.public_key().to_string(), "account_id": key.public_key().account_id().to_hex() });
            print(json, &v, || format!("wrote {}\npublic key {}\naccount id {}", out.display(), key.public_key(), key.public_key().account_id()));
        }
        KeyCommand::Expire { target, key, cosign, signer, valid_for } => {
            crate::key_life::expire(&target, &key, &cosign, signer.as_deref(), valid_for.as_deref(), json)?
        }
        KeyCommand::Age { target, key, rotate_after_days } => crate::key_life::age(&target, &key, rotate_after_days, json)?,
        KeyCommand::Archive { target, key, out, reader, force } => crate::key_life::retire(&target, &key, (Some(&out), reader.as_deref()), force, json)?,
        KeyCommand::Destroy { target, key, reader, force } => crate::key_life::retire(&target, &key, (None, reader.as_deref()), force, json)?,
        KeyCommand::Show { path } => {
            // The public part only: nothing is unlocked (no password, no PIN, no token).
            let file = vellum_keys::KeyFile::read(&path)?;
            let public = file.public_key().map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            let account = match file.account_id() {
                Some(a) => AccountId::from_hex(a).with_context(|| format!("{}: bad account_id", path.display()))?,
                None => public.account_id(),
            };
            let v = json!({ "public_key": public.to_string(), "account_id": account.to_hex() });
            print(json, &v, || format!("public key {public}\naccount id {account}"));
        }
        KeyCommand::NewValidator { out, plain } => {
            let seed = zeroize::Zeroizing::new(keys::random_bytes());
            let signer = vellum_node::config::private_key_from_seed(*seed);
            if plain {
                if !keys::plain_allowed() {
                    bail!("plain validator keys are for devnets only: add --insecure-plain-keys, or leave out --plain for an encrypted keystore");
                }
                keys::write_secret(&out, &vellum_node::config::key_to_hex(&signer))?;
            } else {
                let secret = vellum_crypto::SecretKey::from_bytes("ed25519", *seed).expect("any 32 bytes are an Ed25519 key");
                keys::save_encrypted(&out, &secret, &new_password(&out)?)?;
            }
            use commonware_cryptography::Signer;
            let public = hex::encode(signer.public_key().as_ref());
            let v = json!({ "path": out, "consensus_key": public });
            print(json, &v, || format!("wrote {}\nconsensus_key = \"{public}\"  (also its p2p_key)", out.display()));
        }
        KeyCommand::NewEncryption { out } => {
            let recipient = crate::originals::new_identity(&out)?;
            let v = json!({ "path": out, "recipient": recipient });
            print(json, &v, || format!("wrote {}\nrecipient {recipient}", out.display()));
        }
        KeyCommand::List { target, dir } => {
            let dir = match dir {
                Some(d) => d,
                None => target.config()?.keys_dir,
            };
            let mut rows = Vec::new();
            let mut entries: Vec<_> = std::fs::read_dir(&dir).with_context(|| format!("cannot read {}", dir.display()))?.flatten().collect();
            entries.sort_by_key(|e| e.file_name());
            for e in entries {
                let path = e.path();
                if path.extension().is_none_or(|x| x != "key") {
                    continue;
                }
                let text = zeroize::Zeroizing::new(std::fs::read_to_string(&path).unwrap_or_default());
                let (kind, public) = match vellum_keys::KeyFile::parse(&text) {
                    Ok(file) => (file.storage(), file.public_key().map_or_else(|e| format!("({e})"), |k| k.to_string())),
                    Err(_) => ("unreadable", "(unreadable)".into()),
                };
                rows.push(json!({ "file": path, "storage": kind, "public_key": public }));
            }
            print(json, &json!({ "keys": rows }), || {
                rows.iter()
                    .map(|r| format!("{:<10} {}  {}", r["storage"].as_str().unwrap_or(""), r["public_key"].as_str().unwrap_or(""), r["file"].as_str().unwrap_or("")))
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        KeyCommand::Export { key, plain_out } => {
            let secret = keys::load_software(&key)?;
            match plain_out {
                Some(out) => {
                    keys::save(&out, &secret)?;
                    print(json, &json!({ "out": out }), || format!("wrote the UNENCRYPTED key to {}", out.display()));
                }
                None => {
                    let words = keystore::mnemonic(&secret);
                    let v = json!({ "scheme": secret.scheme(), "public_key": secret.public_key().to_string(), "mnemonic": words });
                    print(json, &v, || format!("{} key {}\nwrite these 24 words down and keep them offline:\n{words}", secret.scheme(), secret.public_key()));
                }
            }
        }
        KeyCommand::Import { mnemonic, scheme, from, account, out } => {
            let secret = match (mnemonic, from) {
                (Some(words), None) => keystore::from_mnemonic(&words, &scheme)?,
                // Encrypting a plain file is the way out of plain storage: no switch needed.
                (None, Some(path)) => match vellum_keys::KeyFile::read(&path)? {
                    vellum_keys::KeyFile::Plain(key) => key,
                    _ => keys::load_software(&path)?,
                },
                _ => bail!("give --mnemonic or --from"),
            };
            let account = account.map(|a| AccountId::from_hex(&a)).transpose().context("--account must be 64 hex characters")?;
            keys::save_encrypted_for(&out, &secret, &new_password(&out)?, account)?;
            let id = account.unwrap_or_else(|| secret.public_key().account_id());
            let v = json!({ "out": out, "public_key": secret.public_key().to_string(), "account_id": id.to_hex() });
            print(json, &v, || format!("restored {} into {}\naccount id {id}", secret.public_key(), out.display()));
        }
        KeyCommand::Split { key, shares, threshold, out_dir } => {
            let secret = keys::load_software(&key)?;
            let parts = keystore::split(&secret, shares, threshold)?;
            std::fs::create_dir_all(&out_dir)?;
            let mut files = Vec::new();
            for (i, s) in parts.iter().enumerate() {
                let f = out_dir.join(format!("share-{}.txt", i + 1));
                keys::write_secret(&f, &format!("{s}\n"))?;
                files.push(f);
            }
            let v = json!({ "shares": files, "threshold": threshold });
            print(json, &v, || format!("wrote {shares} shares to {}; any {threshold} recover the key — give each to a different custodian", out_dir.display()));
        }
        KeyCommand::Recover { shares, account, out } => {
            let texts: Vec<String> = shares.iter().map(|p| std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))).collect::<Result<_>>()?;
            let secret = keystore::combine(&texts)?;
            let account = account.map(|a| AccountId::from_hex(&a)).transpose().context("--account must be 64 hex characters")?;
            keys::save_encrypted_for(&out, &secret, &new_password(&out)?, account)?;
            let v = json!({ "out": out, "public_key": secret.public_key().to_string() });
            print(json, &v, || format!("recovered {} into {}", secret.public_key(), out.display()));
        }
        KeyCommand::Rotate { target, key, out } => {
            let old = resolve_key(&target, &key)?;
            let new = keys::generate(old.scheme())?;
            let account = keys::account_for(&old);
            // Write the new key first: if the transaction then fails, nothing is lost.
            keys::save_encrypted_for(&out, &new, &new_password(&out)?, Some(account))?;
            let set = vellum_types::SignerSet::single(new.public_key());
            let r = send_as(&target, &[old], account, TxBody::SetSigners { set })?;
            let v = json!({ "account_id": account.to_hex(), "new_public_key": new.public_key().to_string(), "out": out, "height": r["height"] });
            print(json, &v, || format!("account {account} now signs with {} (in {}); the old key no longer works", new.public_key(), out.display()));
        }
        KeyCommand::Revoke { target, key, cosign, revoke } => {
            let signer = resolve_key(&target, &key)?;
            let mut signing = vec![signer.clone()];
            for k in &cosign {
                signing.push(resolve_key(&target, k)?);
            }
            let gone = match revoke.parse::<vellum_types::PublicKey>() {
                Ok(p) => p,
                Err(_) => resolve_key(&target, &revoke)?.public_key(),
            };
            let account = keys::account_for(&signer);
            let client = target.client()?;
            let v = pay::signed_json(&target, &client, &signer, &format!("/v1/account/{account}"))?;
            let mut set: vellum_types::SignerSet =
                serde_json::from_value(v["account"]["signers"].clone()).context("the node did not return the signer set")?;
            let before = set.signers.len();
            set.signers.retain(|s| s.key != gone);
            if set.signers.len() == before {
                bail!("{gone} is not a key of account {account}");
            }
            set.check().map_err(|e| anyhow::anyhow!("revoking {gone} would leave an unusable signer set: {e}"))?;
            let r = send_as(&target, &signing, account, TxBody::SetSigners { set })?;
            let out = json!({ "account_id": account.to_hex(), "revoked": gone.to_string(), "height": r["height"] });
            print(json, &out, || format!("key {gone} revoked from account {account}: its signatures are refused from now on"));
        }
        KeyCommand::Purpose { target, key, request_keys, encryption } => {
            let mut keys_out = Vec::new();
            for k in &request_keys {
                keys_out.push(match k.parse::<vellum_types::PublicKey>() {
                    Ok(p) => p,
                    Err(_) => resolve_key(&target, k)?.public_key(),
                });
            }
            let n = keys_out.len();
            let r = send(&target, &key, TxBody::SetPurposeKeys { request_keys: keys_out, encryption_recipient: encryption })?;
            let v = json!({ "height": r["height"], "request_keys": n });
            print(json, &v, || {
                if n == 0 {
                    "read requests are signed with the transaction keys again".to_string()
                } else {
                    format!("{n} request key(s) set: only they authenticate this account's reads (height {})", r["height"])
                }
            });
        }
    }
    Ok(())
}

