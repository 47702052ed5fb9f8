//! The key lifecycle of X.1405 8.7.1 from the command line: an expiry on the ledger
//! (`vellum key expire`), the key's age and rotation reminders (`vellum key age`), archival
//! (public part kept to verify old signatures, secret destroyed) and destruction.

use crate::kyc_cmd::now_ms;
use crate::pay::signed_json;
use crate::{Target, keys, print, resolve_key, send_as};
use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use std::io::Write;
use std::path::{Path, PathBuf};
use vellum_types::{PublicKey, TxBody};

/// A key older than this is due for rotation (a reminder, not a rule).
pub const ROTATE_AFTER_DAYS_DEFAULT: u64 = 365;
/// An expiry closer than this is reminded.
const EXPIRY_WARNING_MS: u64 = 30 * 86_400_000;
/// Largest key file destruction overwrites (key files are a few hundred bytes).
const KEY_FILE_BYTES_MAX: u64 = 64 * 1024;

/// `vellum key expire`: sets (or, without `--valid-for`, lifts) one signer key's expiry on the
/// ledger.
pub fn expire(target: &Target, key: &str, cosign: &[String], which: Option<&str>, valid_for: Option<&str>, json: bool) -> Result<()> {
    let signer = resolve_key(target, key)?;
    let mut signing = vec![signer.clone()];
    for k in cosign {
        signing.push(resolve_key(target, k)?);
    }
    let expiring = match which {
        None => signer.public_key(),
        Some(text) => text.parse::<PublicKey>().or_else(|_| resolve_key(target, text).map(|k| k.public_key()))?,
    };
    let expires_ms = match valid_for {
        None => 0,
        Some(text) => now_ms()?.checked_add(crate::kyc_cmd::duration_ms(text)?).context("expiry overflows")?,
    };
    let account = keys::account_for(&signer);
    let r = send_as(target, &signing, account, TxBody::SetKeyExpiry { key: expiring, expires_ms })?;
    let v = json!({ "account_id": account.to_hex(), "key": expiring.to_string(), "expires_ms": expires_ms, "height": r["height"] });
    print(json, &v, || match expires_ms {
        0 => format!("key {expiring} of account {account} no longer expires"),
        at => format!("key {expiring} of account {account} stops signing at {at} ms: rotate it before (vellum key rotate)"),
    });
    Ok(())
}

/// `vellum key age`: each signer key of the account, when it was added, its expiry, and what
/// is due: rotation after `rotate_after_days`, an expiry within 30 days, an expired key.
pub fn age(target: &Target, key: &str, rotate_after_days: u64, json: bool) -> Result<()> {
    let out = age_json(target, key, rotate_after_days)?;
    print(json, &out, || age_text(&out));
    Ok(())
}

/// `vellum status --key`: the node's status, then the key's account's keys and reminders.
pub fn status_with_key(target: &Target, key: &str, json: bool) -> Result<()> {
    let status = target.client()?.status()?;
    let mut out = age_json(target, key, ROTATE_AFTER_DAYS_DEFAULT)?;
    out["status"] = status.clone();
    print(json, &out, || format!("{}\n{}", crate::query::status_text(&status), age_text(&out)));
    Ok(())
}

fn age_text(out: &Value) -> String {
    let mut lines = vec![format!("keys of account {}:", out["account_id"].as_str().unwrap_or("?"))];
    for r in out["keys"].as_array().into_iter().flatten() {
        lines.push(format!("  {}  added at height {}  {}", r["key"].as_str().unwrap_or("?"), r["added_height"], r["reminder"].as_str().unwrap_or("ok")));
    }
    lines.join("\n")
}

fn age_json(target: &Target, key: &str, rotate_after_days: u64) -> Result<Value> {
    let signer = resolve_key(target, key)?;
    let account = keys::account_for(&signer);
    let v = signed_json(target, &target.client()?, &signer, &format!("/v1/account/{account}"))?;
    let now = now_ms()?;
    let rotate_after_ms = rotate_after_days.saturating_mul(86_400_000);
    let rows: Vec<Value> = v["keys"]
        .as_array()
        .context("the node did not return the account's keys")?
        .iter()
        .map(|k| {
            let added_ms = k["life"]["added_ms"].as_u64().unwrap_or(0);
            let expires_ms = k["life"]["expires_ms"].as_u64().unwrap_or(0);
            let reminder = reminder(now, added_ms, expires_ms, k["expired"] == true, rotate_after_ms);
            json!({ "key": k["key"], "added_height": k["life"]["added_height"], "added_ms": added_ms, "expires_ms": expires_ms, "reminder": reminder })
        })
        .collect();
    Ok(json!({ "account_id": account.to_hex(), "keys": rows }))
}

/// What is due for one key, or `None`.
fn reminder(now_ms: u64, added_ms: u64, expires_ms: u64, expired: bool, rotate_after_ms: u64) -> Option<String> {
    if expired {
        return Some("EXPIRED: it no longer signs; rotate it out with the account's other keys or guardian recovery".into());
    }
    if expires_ms != 0 && expires_ms.saturating_sub(now_ms) < EXPIRY_WARNING_MS {
        let days = expires_ms.saturating_sub(now_ms) / 86_400_000;
        return Some(format!("expires in {days} day(s): rotate it now (vellum key rotate)"));
    }
    if added_ms != 0 && now_ms.saturating_sub(added_ms) > rotate_after_ms {
        let days = now_ms.saturating_sub(added_ms) / 86_400_000;
        return Some(format!("in use for {days} days: due for rotation (vellum key rotate)"));
    }
    None
}

/// Whether the key still signs for its account on the ledger: the account's signer set as
/// `reader` (another key of the account, e.g. the one rotated in) reads it, or — without one —
/// as the key itself does (a key that is no longer a signer cannot authenticate:
/// `bad_request_signature`; any other refusal is an error, so nothing is destroyed on a doubt).
fn still_signs(target: &Target, secret: &vellum_crypto::Signer, reader: Option<&str>) -> Result<bool> {
    let account = keys::account_for(secret);
    let client = target.client()?;
    let reader_key = reader.map(|r| resolve_key(target, r)).transpose()?;
    let (chain_id, _) = crate::chain(target, &client)?;
    let (status, body) = client.get_signed(&format!("/v1/account/{account}"), reader_key.as_ref().unwrap_or(secret), &chain_id)?;
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    match (status, v["error"]["code"].as_str()) {
        (200, _) => Ok(v["account"]["signers"]["signers"].as_array().is_some_and(|s| s.iter().any(|k| k["key"] == secret.public_key().to_string()))),
        (401, Some("bad_request_signature")) if reader.is_none() => Ok(false),
        (status, code) => bail!(
            "cannot ask the ledger whether the key still signs ({status} {}): --reader another key of the account, or --force to skip",
            code.unwrap_or("")
        ),
    }
}

/// Overwrites a secret key file with zeros, flushes it to disk, then removes it: the secret
/// does not survive in the file's blocks (short of a copy elsewhere, or flash wear-levelling).
pub(crate) fn shred(path: &Path) -> Result<()> {
    let len = std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?.len();
    if len > KEY_FILE_BYTES_MAX {
        bail!("{} is {len} bytes: not a key file", path.display());
    }
    let mut f = std::fs::OpenOptions::new().write(true).open(path).with_context(|| format!("cannot open {}", path.display()))?;
    f.write_all(&vec![0u8; len as usize])?;
    f.sync_all()?;
    drop(f);
    std::fs::remove_file(path).with_context(|| format!("cannot remove {}", path.display()))?;
    Ok(())
}

/// `vellum key archive` / `vellum key destroy`: refuses a key that still signs for its account
/// (rotate or revoke it first) unless `force`; archival keeps the public part.
pub fn retire(target: &Target, path: &Path, (archive_to, reader): (Option<&PathBuf>, Option<&str>), force: bool, json: bool) -> Result<()> {
    // Destroying a plain key file is the way out of plain storage: no switch needed. The file
    // is read once; a token key is destroyed in the token below.
    let file = vellum_keys::KeyFile::read(path)?;
    let token_key = match &file {
        vellum_keys::KeyFile::Token(reference) => Some(reference.clone()),
        vellum_keys::KeyFile::Plain(_) | vellum_keys::KeyFile::Keystore(_) => None,
    };
    let secret = keys::unlock(file, path, true)?;
    if !force && still_signs(target, &secret, reader)? {
        bail!("{} still signs for account {}: rotate (vellum key rotate) or revoke (vellum key revoke) it first, or --force", path.display(), keys::account_for(&secret));
    }
    let public = json!({
        "public_key": secret.public_key().to_string(),
        "account_id": keys::account_for(&secret).to_hex(),
        "archived_ms": now_ms()?,
        "from": path,
    });
    drop(secret);
    if let Some(out) = archive_to {
        keys::write_atomic(out, (serde_json::to_string_pretty(&public)? + "\n").as_bytes())?;
    }
    // A key in a token is destroyed in the token; the reference file goes with it.
    if let Some(reference) = &token_key {
        vellum_keys::token::destroy(reference)?;
    }
    shred(path)?;
    let v = json!({ "destroyed": path, "public_part": archive_to, "public_key": public["public_key"] });
    print(json, &v, || match archive_to {
        Some(out) => format!("secret of {} destroyed; its public part (to verify old signatures) is in {}", public["public_key"].as_str().unwrap_or(""), out.display()),
        None => format!("secret of {} destroyed", public["public_key"].as_str().unwrap_or("")),
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY_MS: u64 = 86_400_000;

    #[test]
    fn reminders_name_what_is_due_first() {
        let now = 1_000 * DAY_MS;
        let rotate_after = 365 * DAY_MS;
        // Nothing due: recent key, no expiry, or an expiry far away.
        assert_eq!(reminder(now, now - DAY_MS, 0, false, rotate_after), None);
        assert_eq!(reminder(now, now - DAY_MS, now + 90 * DAY_MS, false, rotate_after), None);
        // Expired beats everything; an expiry within 30 days beats age.
        assert!(reminder(now, 1, now - 1, true, rotate_after).unwrap().starts_with("EXPIRED"));
        let soon = reminder(now, now - 400 * DAY_MS, now + 3 * DAY_MS, false, rotate_after).unwrap();
        assert!(soon.contains("expires in 3 day(s)"), "{soon}");
        // In use longer than the rotation period: due.
        let old = reminder(now, now - 400 * DAY_MS, 0, false, rotate_after).unwrap();
        assert!(old.contains("in use for 400 days") && old.contains("due for rotation"), "{old}");
        assert_eq!(reminder(now, now - 400 * DAY_MS, 0, false, 500 * DAY_MS), None, "a longer period is respected");
        // A genesis key (no creation time) is never "due" by age.
        assert_eq!(reminder(now, 0, 0, false, rotate_after), None);
    }
}
