//! KYC terms and the sanctions list: a registrar's tier, expiry and screening commitment for
//! an account (`vellum account open --kyc-tier`, `vellum account kyc`), and the council's
//! list of sanctioned screening commitments (`vellum sanctions`).

use crate::pay::{Council, account_arg, done};
use crate::{Target, print, send};
use anyhow::{Context, Result, bail};
use clap::Subcommand;
use serde_json::json;
use std::path::{Path, PathBuf};
use vellum_types::kyc::{KycTerms, screening_commitment};
use vellum_types::payment::Hash32Text;
use vellum_types::{GovAction, Hash32, TxBody};

/// Longest validity a registrar may give an identity check from the command line (10 years).
const KYC_VALID_FOR_MS_MAX: u64 = 10 * 366 * 24 * 3600 * 1000;

/// The KYC terms flags of `account open` and `account kyc`.
#[derive(clap::Args, Clone)]
pub struct KycArgs {
    /// The depth of the identity check (1..7): monitoring limits are set per tier.
    #[arg(long = "kyc-tier")]
    pub tier: Option<u8>,
    /// How long the check stays valid from now (`90d`, `12h`, `30m`, `45s`); after it the
    /// account receives but does not send until re-verified. Default: no expiry.
    #[arg(long = "kyc-valid-for", requires = "tier")]
    pub valid_for: Option<String>,
    /// The screening salt file (`vellum sanctions new-salt`), shared off-ledger with whoever
    /// compiles the sanctions list: the identity record's screening commitment goes on the
    /// ledger and is checked against the list.
    #[arg(long, requires = "tier")]
    pub screening_salt: Option<PathBuf>,
}

impl KycArgs {
    /// The terms these flags state for `identity` (`None` without `--kyc-tier`).
    pub fn terms(&self, identity: Option<&[u8]>) -> Result<Option<KycTerms>> {
        let Some(tier) = self.tier else { return Ok(None) };
        let expires_ms = match &self.valid_for {
            None => 0,
            Some(text) => now_ms()?.checked_add(duration_ms(text)?).context("expiry overflows")?,
        };
        let screening = match &self.screening_salt {
            None => None,
            Some(path) => {
                let identity = identity.context("--screening-salt needs the identity record (--identity-file)")?;
                Some(screening_commitment(&read_salt(path)?, identity))
            }
        };
        let terms = KycTerms { tier, expires_ms, screening };
        terms.check().map_err(anyhow::Error::msg)?;
        Ok(Some(terms))
    }
}

/// This machine's clock, in ms since the epoch (expiries are stated from now).
pub(crate) fn now_ms() -> Result<u64> {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).context("clock before 1970")?;
    Ok(u64::try_from(since.as_millis()).expect("milliseconds fit u64"))
}

/// `90d`, `12h`, `30m`, `45s` in milliseconds.
pub(crate) fn duration_ms(text: &str) -> Result<u64> {
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: u64 = number.parse().with_context(|| format!("`{text}` is not a duration like 90d, 12h, 30m or 45s"))?;
    let unit_ms = match unit {
        "d" => 86_400_000,
        "h" => 3_600_000,
        "m" => 60_000,
        "s" => 1_000,
        _ => bail!("`{text}`: the unit is d, h, m or s"),
    };
    let ms = n.checked_mul(unit_ms).filter(|ms| (1..=KYC_VALID_FOR_MS_MAX).contains(ms));
    ms.with_context(|| format!("`{text}` must be between 1 s and 10 years"))
}

/// A salt file: 64 hex characters (surrounding whitespace ignored).
fn read_salt(path: &Path) -> Result<Hash32> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read the salt file {}", path.display()))?;
    let mut salt = [0u8; 32];
    hex::decode_to_slice(text.trim(), &mut salt).with_context(|| format!("{} must hold 64 hex characters", path.display()))?;
    Ok(salt)
}

fn read_identity(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read the identity record {}", path.display()))
}

/// `vellum account kyc`: a registrar (re-)verifies an account.
pub fn set(target: &Target, key: &str, account: &str, identity_file: Option<&Path>, kyc: &KycArgs, json: bool) -> Result<()> {
    let account = account_arg(target, account)?;
    let identity = identity_file.map(read_identity).transpose()?;
    let terms = kyc.terms(identity.as_deref())?.context("--kyc-tier is required")?;
    let result = send(target, key, TxBody::SetKyc { account, terms })?;
    let v = json!({ "account": account.to_hex(), "terms": terms, "tx": result });
    print(json, &v, || format!("identity check of {account} recorded: tier {} (height {})", terms.tier, result["height"]));
    Ok(())
}

#[derive(Subcommand)]
pub enum SanctionsCommand {
    /// Write a new random screening salt (64 hex characters, mode 0600). Share it off-ledger
    /// with every registrar; never put it on the ledger.
    NewSalt {
        #[arg(long)]
        out: PathBuf,
    },
    /// Print an identity record's screening commitment (offline).
    Screen {
        #[arg(long)]
        salt: PathBuf,
        #[arg(long)]
        identity_file: PathBuf,
    },
    /// Propose adding identities to the sanctions list (governance).
    Add(UpdateArgs),
    /// Propose removing identities from the sanctions list (governance).
    Remove(UpdateArgs),
}

#[derive(clap::Args)]
pub struct UpdateArgs {
    #[command(flatten)]
    target: Target,
    #[command(flatten)]
    council: Council,
    /// The screening salt, with `--identity-file`.
    #[arg(long, requires = "identity_file")]
    salt: Option<PathBuf>,
    /// Identity records to screen with `--salt`.
    #[arg(long)]
    identity_file: Vec<PathBuf>,
    /// Screening commitments already computed (64 hex characters).
    #[arg(long)]
    commitment: Vec<String>,
}

impl UpdateArgs {
    fn commitments(&self) -> Result<Vec<Hash32Text>> {
        let mut out = Vec::with_capacity(self.identity_file.len() + self.commitment.len());
        if let Some(salt) = &self.salt {
            let salt = read_salt(salt)?;
            for path in &self.identity_file {
                out.push(Hash32Text(screening_commitment(&salt, &read_identity(path)?)));
            }
        } else if !self.identity_file.is_empty() {
            bail!("--identity-file needs --salt");
        }
        for text in &self.commitment {
            let mut c = [0u8; 32];
            hex::decode_to_slice(text, &mut c).with_context(|| format!("commitment `{text}` is not 64 hex characters"))?;
            out.push(Hash32Text(c));
        }
        if out.is_empty() {
            bail!("name identities (--salt with --identity-file) or --commitment");
        }
        Ok(out)
    }
}

/// Runs a `vellum sanctions` command.
pub fn sanctions(command: SanctionsCommand, json: bool) -> Result<()> {
    match command {
        SanctionsCommand::NewSalt { out } => {
            crate::keys::write_secret(&out, &hex::encode(crate::keys::random_bytes()))?;
            print(json, &json!({ "salt_file": out }), || format!("screening salt written to {}", out.display()));
        }
        SanctionsCommand::Screen { salt, identity_file } => {
            let c = screening_commitment(&read_salt(&salt)?, &read_identity(&identity_file)?);
            print(json, &json!({ "commitment": hex::encode(c) }), || hex::encode(c));
        }
        SanctionsCommand::Add(a) => update(a, true, json)?,
        SanctionsCommand::Remove(a) => update(a, false, json)?,
    }
    Ok(())
}

/// Proposes adding (or removing) the commitments `a` names to (from) the sanctions list.
fn update(a: UpdateArgs, add: bool, json: bool) -> Result<()> {
    let commitments = a.commitments()?;
    let n = commitments.len();
    let (action, what) = if add {
        (GovAction::UpdateSanctions { add: commitments, remove: vec![] }, "added to")
    } else {
        (GovAction::UpdateSanctions { add: vec![], remove: commitments }, "removed from")
    };
    action.check().map_err(anyhow::Error::msg)?;
    done(json, &a.council.propose(&a.target, action)?, format!("{n} identities {what} the sanctions list"));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_salts_refuse_bad_input_clearly() {
        assert_eq!(duration_ms("90d").unwrap(), 90 * 86_400_000);
        assert_eq!(duration_ms("45s").unwrap(), 45_000);
        for bad in ["", "d", "12", "5x", "0s", "-1d", "99999999999d"] {
            assert!(duration_ms(bad).is_err(), "{bad:?} is refused");
        }
        let dir = tempfile::tempdir().unwrap();
        let salt = dir.path().join("salt");
        std::fs::write(&salt, "zz").unwrap();
        assert!(read_salt(&salt).unwrap_err().to_string().contains("64 hex characters"));
        std::fs::write(&salt, format!("{}\n", "ab".repeat(32))).unwrap();
        assert_eq!(read_salt(&salt).unwrap(), [0xab; 32]);
        assert!(read_salt(&dir.path().join("missing")).unwrap_err().to_string().contains("cannot read"));
    }
}
