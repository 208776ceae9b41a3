//! The account tools (BitWrk 0.7's `bitwrk-admin`, and what the trusted
//! account's payment processor needs), as subcommands of `bitwrk-client`:
//! `relation`, `account`, `deposit` and `deposit-address`. They talk to
//! the server through the daemon's [`ServerApi`] and build every signed
//! document with the protocol library's types.
//!
//! Output: one `key value` line per fact on standard output; failures as
//! `error: <code>: <message>` on standard error with exit status 1, as the
//! key tool does (usage errors: 2, from clap).

use std::ffi::OsStr;
use std::io::Write;

use bitwrk_protocol::deposit_address::DepositAddressMessage;
use bitwrk_protocol::ledger::deposit::SignedDeposit;
use bitwrk_protocol::relation::{RelationType, SignedRelation};
use bitwrk_protocol::signature::sign_message;
use bitwrk_protocol::wire::AccountJson;
use bitwrk_protocol::{Address, ErrorCode, PrivateKey};
use bytes::Bytes;
use clap::{Args, Subcommand, ValueEnum};
use http::{HeaderValue, Method, StatusCode, header};

use crate::cli::KeyFileArgs;
use crate::commands::{EXIT_FAILURE, EXIT_OK};
use crate::daemon::account::{DepositInfo, judge};
use crate::daemon::args::{DEFAULT_BITWRK_URL, DEFAULT_TRUSTED_ACCOUNT};
use crate::daemon::error::DaemonError;
use crate::daemon::http_util::Fetched;
use crate::daemon::server_api::ServerApi;
use crate::error::ClientError;
use crate::key_file;

const ADMIN_AFTER_HELP: &str = "\
Exit status:
  0  done; the facts are printed as `key value` lines
  1  the server refused or could not be reached (daemon.server-*), an argument
     is not valid (addr.*, money.*, deposit.*), the key file is missing or
     invalid (cli.*, wif.*), or the deposit address is not verified
     (cli.deposit-address-unverified); reported as `error: <code>: <message>`
     on standard error
  2  usage error";

/// The account tools.
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Sets or clears a relation from this key's account to TARGET (signed
    /// `POST /rel`): `trusts` (TARGET may sell to this account) or
    /// `worksfor` (this account works for TARGET).
    #[command(after_help = ADMIN_AFTER_HELP)]
    Relation(RelationArgs),
    /// Shows this key's account: balances and deposit information, the
    /// deposit address verified against the trusted account.
    #[command(after_help = ADMIN_AFTER_HELP)]
    Account(AccountArgs),
    /// For the payment processor, with the trusted account's key: signs
    /// and sends a deposit (`POST /deposit`).
    #[command(after_help = ADMIN_AFTER_HELP)]
    Deposit(DepositArgs),
    /// For the payment processor, with the trusted account's key: signs
    /// and sends a participant's deposit address (`POST /account/<addr>`).
    #[command(after_help = ADMIN_AFTER_HELP)]
    DepositAddress(DepositAddressArgs),
}

/// Where and as whom.
#[derive(Debug, Args)]
pub struct ServerArgs {
    /// Base URL of the BitWrk server.
    #[arg(long, default_value = DEFAULT_BITWRK_URL, value_name = "URL")]
    pub bitwrkurl: String,
    #[command(flatten)]
    pub file: KeyFileArgs,
}

/// `relation`'s arguments.
#[derive(Debug, Args)]
pub struct RelationArgs {
    /// The relation.
    #[arg(value_enum)]
    pub kind: RelationKind,
    /// The other account.
    pub target: String,
    /// `true` sets it, `false` clears it.
    #[arg(value_parser = ["true", "false"])]
    pub enabled: String,
    #[command(flatten)]
    pub server: ServerArgs,
}

/// The relation types, as the server spells them.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RelationKind {
    /// The target may sell to this account.
    Trusts,
    /// This account works for the target.
    Worksfor,
}

/// `account`'s arguments.
#[derive(Debug, Args)]
pub struct AccountArgs {
    /// The account whose signature makes deposit information valid.
    #[arg(long, default_value = DEFAULT_TRUSTED_ACCOUNT, value_name = "ADDR")]
    pub trusted_account: String,
    #[command(flatten)]
    pub server: ServerArgs,
}

/// `deposit`'s arguments.
#[derive(Debug, Args)]
pub struct DepositArgs {
    /// The account credited.
    #[arg(long, value_name = "ADDR")]
    pub account: String,
    /// The amount, e.g. `mBTC 10`.
    #[arg(long, value_name = "MONEY")]
    pub amount: String,
    /// The deposit's unique id (a second deposit with it is refused).
    #[arg(long)]
    pub uid: String,
    /// Free text, e.g. the Bitcoin transaction.
    #[arg(long = "ref", default_value = "", value_name = "TEXT")]
    pub reference: String,
    /// `bitcoin` (a payment received) or `injection` (money made).
    #[arg(long = "type", value_enum, default_value = "bitcoin")]
    pub kind: DepositKind,
    #[command(flatten)]
    pub server: ServerArgs,
}

/// Deposit types (0.7: 1 Bitcoin, 0 injection).
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DepositKind {
    /// Type 0.
    Injection,
    /// Type 1.
    Bitcoin,
}

/// `deposit-address`'s arguments.
#[derive(Debug, Args)]
pub struct DepositAddressArgs {
    /// The participant the address is for.
    #[arg(long, value_name = "ADDR")]
    pub participant: String,
    /// The Bitcoin address the participant pays to.
    #[arg(long, value_name = "ADDR")]
    pub deposit_address: String,
    /// Free text.
    #[arg(long = "ref", default_value = "", value_name = "TEXT")]
    pub reference: String,
    #[command(flatten)]
    pub server: ServerArgs,
}

/// Why an account tool failed.
#[derive(Debug)]
enum AdminError {
    Client(ClientError),
    Daemon(DaemonError),
    /// An argument the protocol library refused.
    BadArgument {
        name: &'static str,
        code: &'static str,
        detail: String,
    },
    /// The deposit information names an address the trusted account did not sign.
    Unverified {
        reason: String,
    },
}

impl AdminError {
    fn code(&self) -> &'static str {
        match self {
            AdminError::Client(e) => e.code(),
            AdminError::Daemon(e) => e.code(),
            AdminError::BadArgument { code, .. } => code,
            AdminError::Unverified { .. } => "cli.deposit-address-unverified",
        }
    }
}

impl std::fmt::Display for AdminError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AdminError::Client(e) => e.fmt(f),
            AdminError::Daemon(e) => e.fmt(f),
            AdminError::BadArgument { name, detail, .. } => write!(f, "{name}: {detail}"),
            AdminError::Unverified { reason } => {
                write!(
                    f,
                    "the deposit address is not verified, do not pay to it: {reason}"
                )
            }
        }
    }
}

fn bad(name: &'static str) -> impl Fn(&dyn ErrorCode) -> AdminError {
    move |e| AdminError::BadArgument {
        name,
        code: e.code(),
        detail: e.to_string(),
    }
}

/// Runs an account tool; returns the exit status.
pub fn run(command: AdminCommand, home: Option<&OsStr>) -> u8 {
    let mut lines = Vec::new();
    let result = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt.block_on(execute(command, home, &mut lines)),
        Err(e) => Err(AdminError::Client(ClientError::io(
            "starting the runtime",
            e,
        ))),
    };
    let mut out = std::io::stdout().lock();
    for l in &lines {
        let _ = writeln!(out, "{l}");
    }
    let _ = out.flush();
    match result {
        Ok(()) => EXIT_OK,
        Err(e) => {
            eprintln!("error: {}: {e}", e.code());
            EXIT_FAILURE
        }
    }
}

fn api(args: &ServerArgs, home: Option<&OsStr>) -> Result<ServerApi, AdminError> {
    let path = key_file::resolve(args.file.key_file.clone(), home).map_err(AdminError::Client)?;
    let key: PrivateKey = key_file::load(&path).map_err(AdminError::Client)?;
    let mut url = args.bitwrkurl.clone();
    if !url.ends_with('/') {
        url.push('/');
    }
    Ok(ServerApi::new(url, key))
}

fn form(pairs: Vec<(String, String)>) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// A signed form's answer: the server redirects to what it stored.
fn stored(action: &str, f: &Fetched) -> Result<String, AdminError> {
    if matches!(f.status, StatusCode::FOUND | StatusCode::SEE_OTHER) {
        Ok(f.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned())
    } else {
        Err(refused(action, f))
    }
}

fn refused(action: &str, f: &Fetched) -> AdminError {
    AdminError::Daemon(DaemonError::ServerStatus {
        action: action.to_owned(),
        status: f.status.as_u16(),
        body: String::from_utf8_lossy(&f.body[..f.body.len().min(1024)]).into_owned(),
    })
}

async fn execute(
    command: AdminCommand,
    home: Option<&OsStr>,
    out: &mut Vec<String>,
) -> Result<(), AdminError> {
    match command {
        AdminCommand::Relation(a) => {
            let api = api(&a.server, home)?;
            let network = api.address().network();
            let target = Address::parse_for(&a.target, network).map_err(|e| bad("target")(&e))?;
            let kind = match a.kind {
                RelationKind::Trusts => RelationType::Trusts,
                RelationKind::Worksfor => RelationType::Worksfor,
            };
            let nonce = api.nonce().await.map_err(AdminError::Daemon)?;
            let enabled = a.enabled == "true";
            let rel = SignedRelation::signed(api.identity(), kind, target, enabled, &nonce);
            let action = "setting the relation";
            let f = api
                .post_form("rel", form(rel.to_form()), action)
                .await
                .map_err(AdminError::Daemon)?;
            let at = stored(action, &f)?;
            out.push(format!(
                "relation {} {} {} {}",
                rel.source(),
                kind.as_str(),
                rel.target(),
                enabled
            ));
            out.push(format!("stored {at}"));
        }
        AdminCommand::Account(a) => {
            let api = api(&a.server, home)?;
            let account = fetch_account(&api).await?;
            out.push(format!("account {}", account.participant));
            out.push(format!("available {}", account.available));
            out.push(format!("blocked {}", account.blocked));
            if !account.deposit_address_request.is_empty() {
                out.push("deposit-address-request pending".to_owned());
            }
            match judge(
                &account.deposit_info,
                api.address().network(),
                &a.trusted_account,
                api.address(),
            ) {
                DepositInfo::Empty => out.push("deposit-address none".to_owned()),
                DepositInfo::Verified { address } => {
                    out.push(format!("deposit-address {address}"));
                    out.push(format!(
                        "deposit-address-signer {} verified",
                        a.trusted_account
                    ));
                }
                DepositInfo::Unverified { address, reason } => {
                    if let Some(addr) = address {
                        out.push(format!("deposit-address {addr} NOT-VERIFIED"));
                    }
                    return Err(AdminError::Unverified { reason });
                }
            }
        }
        AdminCommand::Deposit(a) => {
            let api = api(&a.server, home)?;
            let network = api.address().network();
            let nonce = api.nonce().await.map_err(AdminError::Daemon)?;
            let kind = match a.kind {
                DepositKind::Injection => "0",
                DepositKind::Bitcoin => "1",
            };
            let mut pairs: Vec<(String, String)> = [
                ("account", a.account.as_str()),
                ("amount", a.amount.as_str()),
                ("nonce", nonce.as_str()),
                ("ref", a.reference.as_str()),
                ("type", kind),
                ("uid", a.uid.as_str()),
                ("signature", ""),
            ]
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
            let parsed =
                SignedDeposit::from_form_for(&pairs, network).map_err(|e| bad("deposit")(&e))?;
            let signature = sign_message(api.identity(), parsed.document().as_bytes()).to_base64();
            if let Some(p) = pairs.iter_mut().find(|(k, _)| k == "signature") {
                p.1 = signature;
            }
            let action = "sending the deposit";
            let f = api
                .post_form("deposit", form(pairs), action)
                .await
                .map_err(AdminError::Daemon)?;
            let at = stored(action, &f)?;
            out.push(format!(
                "deposit {} {} to {}",
                parsed.deposit.uid, parsed.deposit.amount, parsed.deposit.account
            ));
            out.push(format!("stored {at}"));
        }
        AdminCommand::DepositAddress(a) => {
            let api = api(&a.server, home)?;
            let network = api.address().network();
            let participant =
                Address::parse_for(&a.participant, network).map_err(|e| bad("participant")(&e))?;
            let deposit_address = Address::parse_for(&a.deposit_address, network)
                .map_err(|e| bad("deposit-address")(&e))?;
            let nonce = api.nonce().await.map_err(AdminError::Daemon)?;
            let m = DepositAddressMessage::signed(
                api.identity(),
                participant,
                deposit_address,
                &a.reference,
                &nonce,
            );
            let action = "sending the deposit address";
            let f = api
                .post_form(&format!("account/{participant}"), form(m.to_form()), action)
                .await
                .map_err(AdminError::Daemon)?;
            let at = stored(action, &f)?;
            out.push(format!(
                "deposit-address {deposit_address} for {participant}"
            ));
            out.push(format!("stored {at}"));
        }
    }
    Ok(())
}

async fn fetch_account(api: &ServerApi) -> Result<AccountJson, AdminError> {
    let action = "reading the account";
    let rel = format!("account/{}", api.address());
    let accept = [(header::ACCEPT, HeaderValue::from_static("application/json"))];
    let f = api
        .relay(Method::GET, &rel, &accept, Bytes::new())
        .await
        .map_err(AdminError::Daemon)?;
    if f.status != StatusCode::OK {
        return Err(refused(action, &f));
    }
    serde_json::from_slice(&f.body).map_err(|e| {
        AdminError::Daemon(DaemonError::ServerBody {
            action: action.to_owned(),
            detail: e.to_string(),
        })
    })
}
