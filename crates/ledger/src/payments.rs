//! Payments (X.1405 6–8): tokens, transfers with monitoring holds, conversions between
//! sub-ledgers, incident response. Called by `apply_tx` on a scratch copy of the state, so an
//! error part-way leaves nothing behind (the copy is dropped); every amount uses checked
//! arithmetic (X.1407 9.3.1 c).

use crate::error::TxError;
use crate::env::BlockEnv;
use crate::state::LedgerState;
use std::collections::BTreeSet;
use vellum_types::payment::{Conversion, TOKENS_MAX, Hash32Text, HOLD_SWEEP_PER_BLOCK_MAX, SettledLeg};
use vellum_types::{
    Account, AccountId, AccountStatus, Alert, Balance, Hash32, Hold, HoldStatus, Leg, PaymentOutcome, PaymentRecord, Rate,
    Role, StateKey, Subledger, Token, Transaction,
};

type Touched = BTreeSet<Hash32>;

/// A payment body an account submits itself, with its fields: `apply_tx` builds one per
/// variant in its exhaustive match, so no other body can reach [`apply`]. (Token creation,
/// monitoring rules, sub-ledgers and rates are governed: they run through a council proposal,
/// [`apply_governed`].)
pub(crate) enum Payment<'a> {
    Mint { token: &'a String, to: &'a AccountId, amount: &'a u128 },
    Burn { token: &'a String, amount: &'a u128 },
    Transfer { legs: &'a [Leg], reference: &'a Option<Hash32> },
    SetSigners { set: &'a vellum_types::SignerSet },
    DecideHold { hold: &'a u64, post: &'a bool, reason: &'a String },
    // The reasons of these two are in the transaction's log leaf; execution does not read them.
    SetTokenPaused { token: &'a String, paused: &'a bool },
    Clawback { token: &'a String, from: &'a AccountId, amount: &'a u128 },
}

/// Executes a payment-family body. Returns the record to append to the log after the
/// transaction leaf, for bodies whose outcome the transaction alone does not state.
pub(crate) fn apply(
    state: &mut LedgerState,
    sender: &mut Account,
    tx: &Transaction,
    payment: Payment<'_>,
    env: BlockEnv,
    touched: &mut Touched,
) -> Result<Option<PaymentRecord>, TxError> {
    let record = |outcome| PaymentRecord {
        tx_id: tx.id(),
        height: env.height,
        time_ms: env.time_ms,
        sender: sender.id,
        outcome,
    };
    match payment {
        Payment::Mint { token: symbol, to, amount } => {
            let mut token = movable_token(state, symbol)?;
            if token.issuer != sender.id {
                return Err(TxError::NotIssuer(symbol.clone()));
            }
            let recipient = active_recipient(state, to)?;
            check_can_hold(&recipient, &token)?;
            token.supply = token.supply.checked_add(*amount).ok_or(TxError::Overflow("token supply"))?;
            credit(state, to, symbol, *amount, touched)?;
            touched.insert(state.put_value(&StateKey::Token(symbol.clone()), &token));
            Ok(None)
        }
        Payment::Burn { token: symbol, amount } => {
            let mut token = movable_token(state, symbol)?;
            if token.issuer != sender.id {
                return Err(TxError::NotIssuer(symbol.clone()));
            }
            debit(state, &sender.id, symbol, *amount, touched)?;
            token.supply = token.supply.checked_sub(*amount).expect("supply covers every balance");
            touched.insert(state.put_value(&StateKey::Token(symbol.clone()), &token));
            Ok(None)
        }
        Payment::Transfer { legs, reference } => {
            let reference = reference.map(Hash32Text);
            let (settled, alerts, timeout_ms) = plan_transfer(state, sender, legs, env, touched)?;
            if alerts.is_empty() {
                for leg in &settled {
                    debit(state, &sender.id, &leg.token, leg.amount, touched)?;
                    settle_credit(state, leg, false, touched)?;
                }
                crate::invoices::note_payment(state, tx.id(), sender.id, &settled, env, touched);
                return Ok(Some(record(PaymentOutcome::Settled { legs: settled, reference })));
            }
            // Held: reserve the sender's debits and the desks' credits; nothing moves yet.
            for leg in &settled {
                reserve(state, &sender.id, &leg.token, leg.amount, touched)?;
                if let Some(c) = &leg.conversion {
                    reserve(state, &c.desk, &leg.credit_token, leg.credit_amount, touched)?;
                }
            }
            let mut queue = state.hold_queue();
            let id = queue.next_id;
            let expires_ms =
                env.time_ms.checked_add(timeout_ms).ok_or(TxError::Overflow("hold expiry"))?.max(queue.last_expires_ms);
            queue.next_id += 1;
            queue.last_expires_ms = expires_ms;
            touched.insert(state.put_value(&StateKey::HoldQueue, &queue));
            let hold = Hold {
                id,
                tx_id: tx.id(),
                sender: sender.id,
                legs: settled.clone(),
                alerts: alerts.clone(),
                reference,
                created_ms: env.time_ms,
                expires_ms,
                status: HoldStatus::Pending,
            };
            touched.insert(state.put_value(&StateKey::Hold(id), &hold));
            Ok(Some(record(PaymentOutcome::Held { hold: id, legs: settled, alerts, reference })))
        }
        Payment::SetSigners { set } => {
            // apply_tx already checked that the signatures meet the *current* threshold.
            sender.signers = set.clone();
            Ok(None)
        }
        Payment::DecideHold { hold: id, post, reason } => {
            require(sender, Role::Compliance)?;
            let mut hold = state.hold(*id).ok_or(TxError::UnknownHold(*id))?;
            let holder = state.account(&hold.sender).expect("a hold's sender exists");
            crate::state::within_scope(sender, holder.subledger.as_ref())?;
            if hold.status != HoldStatus::Pending {
                return Err(TxError::HoldNotPending { hold: *id, status: hold.status.name() });
            }
            if env.time_ms >= hold.expires_ms {
                return Err(TxError::HoldExpired(*id));
            }
            let outcome = if *post {
                hold.status = HoldStatus::Posted { by: sender.id, reason: reason.clone(), height: env.height };
                for leg in &hold.legs {
                    movable_token(state, &leg.token)?;
                    movable_token(state, &leg.credit_token)?;
                    active_recipient(state, &leg.to)?;
                    release(state, &hold.sender, &leg.token, leg.amount, touched);
                    settle_credit(state, leg, true, touched)?;
                }
                crate::invoices::note_payment(state, hold.tx_id, hold.sender, &hold.legs, env, touched);
                PaymentOutcome::HoldPosted { hold: *id, transfer: hold.tx_id, from: hold.sender, legs: hold.legs.clone() }
            } else {
                hold.status = HoldStatus::Voided { by: Some(sender.id), reason: reason.clone(), height: env.height };
                void_reservations(state, &hold, touched)?;
                PaymentOutcome::HoldVoided { hold: *id, transfer: hold.tx_id, from: hold.sender }
            };
            touched.insert(state.put_value(&StateKey::Hold(*id), &hold));
            Ok(Some(record(outcome)))
        }
        Payment::SetTokenPaused { token: symbol, paused } => {
            let mut token = state.token(symbol).ok_or_else(|| TxError::UnknownToken(symbol.clone()))?;
            if !sender.has_role(Role::Compliance) && token.issuer != sender.id {
                return Err(TxError::MissingRole(Role::Compliance));
            }
            if !token.flags.pausable {
                return Err(TxError::FlagOff { token: symbol.clone(), flag: "pausable" });
            }
            if token.paused == *paused {
                return Err(TxError::PauseUnchanged { token: symbol.clone(), paused: *paused });
            }
            token.paused = *paused;
            touched.insert(state.put_value(&StateKey::Token(symbol.clone()), &token));
            Ok(None)
        }
        Payment::Clawback { token: symbol, from, amount } => {
            require(sender, Role::Compliance)?;
            let token = state.token(symbol).ok_or_else(|| TxError::UnknownToken(symbol.clone()))?;
            if !token.flags.clawback {
                return Err(TxError::FlagOff { token: symbol.clone(), flag: "clawback-enabled" });
            }
            let victim = state.account(from).ok_or(TxError::UnknownAccount(*from))?;
            crate::state::within_scope(sender, victim.subledger.as_ref())?;
            // Clawback works on frozen accounts and paused tokens: it is how incidents end.
            debit(state, from, symbol, *amount, touched)?;
            credit(state, &token.issuer, symbol, *amount, touched)?;
            Ok(None)
        }
    }
}

/// A governed payment action with its fields: the governance executor builds one per variant
/// in its exhaustive match over proposal actions.
pub(crate) enum Governed<'a> {
    CreateToken { symbol: &'a String, decimals: &'a u8, issuer: &'a AccountId, subledger: &'a Option<String>, flags: &'a vellum_types::TokenFlags },
    SetMonitoring { token: &'a String, rules: &'a vellum_types::MonitoringRules },
    CreateSubledger { name: &'a String, kyc_required: &'a bool },
    SetRate { from: &'a String, to: &'a String, num: &'a u64, den: &'a u64, desk: &'a AccountId },
}

/// Executes a governed payment action (token creation, monitoring rules, rates, sub-ledgers)
/// for a passed proposal. Returns the version now in force for versioned targets.
pub(crate) fn apply_governed(state: &mut LedgerState, action: Governed<'_>, env: BlockEnv, touched: &mut Touched) -> Result<Option<u64>, TxError> {
    match action {
        Governed::CreateToken { symbol, decimals, issuer, subledger, flags } => {
            if state.token(symbol).is_some() {
                return Err(TxError::TokenExists(symbol.clone()));
            }
            if let Some(name) = subledger {
                state.subledger(name).ok_or_else(|| TxError::UnknownSubledger(name.clone()))?;
            }
            let issuer_account = state.account(issuer).ok_or(TxError::UnknownAccount(*issuer))?;
            if !issuer_account.has_role(Role::Issuer) {
                return Err(TxError::MissingRole(Role::Issuer));
            }
            let token = Token {
                symbol: symbol.clone(),
                decimals: *decimals,
                issuer: *issuer,
                subledger: subledger.clone(),
                flags: *flags,
                paused: false,
                supply: 0,
                created_height: env.height,
            };
            touched.insert(state.put_value(&StateKey::Token(symbol.clone()), &token));
            let mut list = state.token_list();
            if list.len() >= TOKENS_MAX {
                return Err(TxError::Overflow("token count"));
            }
            list.push(symbol.clone());
            touched.insert(state.put_value(&StateKey::TokenList, &list));
            Ok(None)
        }
        Governed::SetMonitoring { token, rules } => {
            state.token(token).ok_or_else(|| TxError::UnknownToken(token.clone()))?;
            let mut rules = rules.clone();
            rules.version = state.monitoring(token).map_or(1, |r| r.version + 1);
            touched.insert(state.put_value(&StateKey::Monitoring(token.clone()), &rules));
            Ok(Some(rules.version))
        }
        Governed::CreateSubledger { name, kyc_required } => {
            if state.subledger(name).is_some() {
                return Err(TxError::SubledgerExists(name.clone()));
            }
            let sub = Subledger { name: name.clone(), kyc_required: *kyc_required, created_height: env.height };
            touched.insert(state.put_value(&StateKey::Subledger(name.clone()), &sub));
            Ok(None)
        }
        Governed::SetRate { from, to, num, den, desk } => {
            state.token(from).ok_or_else(|| TxError::UnknownToken(from.clone()))?;
            state.token(to).ok_or_else(|| TxError::UnknownToken(to.clone()))?;
            let desk_account = state.account(desk).ok_or(TxError::UnknownAccount(*desk))?;
            if !desk_account.has_role(Role::Desk) {
                return Err(TxError::NotDesk(*desk));
            }
            let version = state.rate(from, to).map_or(1, |r| r.version + 1);
            let rate = Rate { num: *num, den: *den, desk: *desk, version, set_height: env.height };
            touched.insert(state.put_value(&StateKey::Rate(from.clone(), to.clone()), &rate));
            Ok(Some(version))
        }
    }
}

/// Voids pending holds whose timeout passed, oldest first, at most
/// [`HOLD_SWEEP_PER_BLOCK_MAX`] per block. Runs at the start of every block, before its
/// transactions, so a hold is never decided after its deadline.
pub(crate) fn sweep_holds(state: &mut LedgerState, env: BlockEnv, touched: &mut Touched) {
    let mut queue = state.hold_queue();
    let start = queue.sweep_from;
    for _ in 0..HOLD_SWEEP_PER_BLOCK_MAX {
        if queue.sweep_from >= queue.next_id {
            break;
        }
        let mut hold = state.hold(queue.sweep_from).expect("holds below next_id exist");
        if hold.status == HoldStatus::Pending {
            if hold.expires_ms > env.time_ms {
                break;
            }
            hold.status = HoldStatus::Voided { by: None, reason: "timeout".into(), height: env.height };
            void_reservations(state, &hold, touched).expect("a pending hold's reservations are intact");
            touched.insert(state.put_value(&StateKey::Hold(hold.id), &hold));
        }
        queue.sweep_from += 1;
    }
    if queue.sweep_from != start {
        touched.insert(state.put_value(&StateKey::HoldQueue, &queue));
    }
}

fn require(sender: &Account, role: Role) -> Result<(), TxError> {
    if sender.has_role(role) { Ok(()) } else { Err(TxError::MissingRole(role)) }
}

/// A token that exists and is not paused.
fn movable_token(state: &LedgerState, symbol: &str) -> Result<Token, TxError> {
    let token = state.token(symbol).ok_or_else(|| TxError::UnknownToken(symbol.to_string()))?;
    if token.paused {
        return Err(TxError::TokenPaused(symbol.to_string()));
    }
    Ok(token)
}

fn active_recipient(state: &LedgerState, id: &AccountId) -> Result<Account, TxError> {
    let account = state.account(id).ok_or(TxError::UnknownAccount(*id))?;
    if account.status != AccountStatus::Active {
        return Err(TxError::RecipientNotActive { account: *id, status: account.status.name() });
    }
    Ok(account)
}

/// An account holds its own sub-ledger's tokens; a conversion desk holds any, and an issuer
/// its own. A KYC-required token is held only by KYC'd accounts.
fn check_can_hold(account: &Account, token: &Token) -> Result<(), TxError> {
    if account.subledger != token.subledger && !account.has_role(Role::Desk) && account.id != token.issuer {
        return Err(TxError::WrongSubledger { account: account.id, token: token.symbol.clone() });
    }
    if token.flags.kyc_required && !account.is_kyc() {
        return Err(TxError::KycRequired { account: account.id, what: format!("token {}", token.symbol) });
    }
    Ok(())
}

fn update_balance(
    state: &mut LedgerState,
    account: &AccountId,
    symbol: &str,
    touched: &mut Touched,
    f: impl FnOnce(&mut Balance) -> Result<(), TxError>,
) -> Result<(), TxError> {
    let mut balance = state.balance(account, symbol);
    f(&mut balance)?;
    touched.insert(state.put_balance(account, symbol, &balance));
    Ok(())
}

fn credit(state: &mut LedgerState, to: &AccountId, symbol: &str, amount: u128, t: &mut Touched) -> Result<(), TxError> {
    update_balance(state, to, symbol, t, |b| {
        b.available = b.available.checked_add(amount).ok_or(TxError::Overflow("balance"))?;
        Ok(())
    })
}

fn debit(state: &mut LedgerState, from: &AccountId, symbol: &str, amount: u128, t: &mut Touched) -> Result<(), TxError> {
    let account = *from;
    update_balance(state, from, symbol, t, |b| {
        b.available = b.available.checked_sub(amount).ok_or(TxError::InsufficientFunds {
            account,
            token: symbol.to_string(),
            available: b.available,
            needed: amount,
        })?;
        Ok(())
    })
}

/// Moves `amount` from available to held.
fn reserve(state: &mut LedgerState, who: &AccountId, symbol: &str, amount: u128, t: &mut Touched) -> Result<(), TxError> {
    debit(state, who, symbol, amount, t)?;
    update_balance(state, who, symbol, t, |b| {
        b.held = b.held.checked_add(amount).ok_or(TxError::Overflow("held balance"))?;
        Ok(())
    })
}

/// Drops `amount` from held (it leaves the account); the reservation must exist.
fn release(state: &mut LedgerState, who: &AccountId, symbol: &str, amount: u128, t: &mut Touched) {
    update_balance(state, who, symbol, t, |b| {
        b.held = b.held.checked_sub(amount).expect("a pending hold's reservation is held");
        Ok(())
    })
    .expect("infallible");
}

/// Credits a leg's recipient; for a conversion the desk takes the debited token and pays the
/// credited one (from its reservation when `reserved`, else from its available balance).
fn settle_credit(state: &mut LedgerState, leg: &SettledLeg, reserved: bool, t: &mut Touched) -> Result<(), TxError> {
    if let Some(c) = &leg.conversion {
        credit(state, &c.desk, &leg.token, leg.amount, t)?;
        if reserved {
            release(state, &c.desk, &leg.credit_token, leg.credit_amount, t);
        } else {
            debit(state, &c.desk, &leg.credit_token, leg.credit_amount, t)?;
        }
    }
    credit(state, &leg.to, &leg.credit_token, leg.credit_amount, t)
}

/// Returns a hold's reservations: the sender's debits and the desks' credits.
fn void_reservations(state: &mut LedgerState, hold: &Hold, t: &mut Touched) -> Result<(), TxError> {
    for leg in &hold.legs {
        release(state, &hold.sender, &leg.token, leg.amount, t);
        credit(state, &hold.sender, &leg.token, leg.amount, t)?;
        if let Some(c) = &leg.conversion {
            release(state, &c.desk, &leg.credit_token, leg.credit_amount, t);
            credit(state, &c.desk, &leg.credit_token, leg.credit_amount, t)?;
        }
    }
    Ok(())
}

/// Checks every leg, resolves conversions, runs the monitoring rules (updating the windows
/// on both sides), and returns the legs, the alerts raised and the hold timeout that applies.
fn plan_transfer(
    state: &mut LedgerState,
    sender: &Account,
    legs: &[Leg],
    env: BlockEnv,
    touched: &mut Touched,
) -> Result<(Vec<SettledLeg>, Vec<Alert>, u64), TxError> {
    let mut settled = Vec::with_capacity(legs.len());
    for leg in legs {
        let token = movable_token(state, &leg.token)?;
        check_can_hold(sender, &token)?;
        if leg.to == sender.id {
            return Err(TxError::SelfTransfer);
        }
        let recipient = active_recipient(state, &leg.to)?;
        let (credit_token, credit_amount, conversion) = match &leg.convert {
            None => {
                check_can_hold(&recipient, &token)?;
                (token.symbol.clone(), leg.amount, None)
            }
            Some(quote) => {
                let rate = state
                    .rate(&leg.token, &quote.to_token)
                    .ok_or_else(|| TxError::NoRate { from: leg.token.clone(), to: quote.to_token.clone() })?;
                if rate.version != quote.rate_version {
                    return Err(TxError::RateChanged {
                        from: leg.token.clone(),
                        to: quote.to_token.clone(),
                        current: rate.version,
                        quoted: quote.rate_version,
                    });
                }
                let target = movable_token(state, &quote.to_token)?;
                check_can_hold(&recipient, &target)?;
                if rate.desk == sender.id || rate.desk == leg.to {
                    return Err(TxError::DeskConflict);
                }
                active_recipient(state, &rate.desk)?;
                let credit = rate.convert(leg.amount).ok_or(TxError::Overflow("conversion"))?;
                if credit == 0 {
                    return Err(TxError::ZeroCredit);
                }
                let conversion = Conversion { desk: rate.desk, num: rate.num, den: rate.den, rate_version: rate.version };
                (target.symbol, credit, Some(conversion))
            }
        };
        settled.push(SettledLeg {
            to: leg.to,
            token: leg.token.clone(),
            amount: leg.amount,
            credit_token,
            credit_amount,
            conversion,
        });
    }

    let verdict = crate::monitoring::check(state, &sender.id, &settled, env, touched)?;
    Ok((settled, verdict.alerts, verdict.timeout_ms))
}
