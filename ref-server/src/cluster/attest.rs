//! Followers verify, the leader trusts them (spec §16.15, BW-HTTP-50 …
//! BW-HTTP-56; README, "Followers verify").
//!
//! A follower that hands a bid, a transaction message or a relation to the
//! leader first finds its signed document exactly as the leader would
//! (a bid is parsed against the follower's own market, so a bid the
//! leader would refuse for its fields is refused for them, not for its
//! signature) and verifies the signature with the server's batch verifier
//! and key cache ([`crate::verify::Pipeline`]). A bad signature is refused
//! by the follower itself; the leader never sees the request. A good one
//! goes on with [`VERIFIED_HEADER`]: the digest of the verified claim
//! (signer, document, signature, [`Claim::digest`]).
//!
//! Every forwarded request carries [`MAC_HEADER`]: HMAC-SHA-256 under the
//! cluster key over the forwarding node's name, the verdict, the method,
//! the request target and the body. The leader checks it before anything
//! else reads the request ([`admit`]) and refuses a forwarded request
//! without a valid MAC with `node.bad-mac`. A valid MAC with a verdict
//! becomes a [`PeerVerdict`], the only [`Witness`] of this server: it
//! vouches for the one claim whose digest it carries, so the leader's
//! parse must find the very document the follower verified, or the leader
//! verifies it itself.
//!
//! The key is the database's: schema 3 of the PostgreSQL store creates it
//! (32 random bytes) and every node reads it at start. Whoever can read the
//! database can forge a verdict, but could as well write the log the
//! market replays; the key adds no party to trust. A verdict is a timeless
//! fact (that signature over that document by that signer verifies), so
//! replaying a forwarded request gains nothing that replaying the client's
//! own request would not: the nonce or the phase refuses it.

use bitwrk_protocol::bid::BidForm;
use bitwrk_protocol::ids::TxId;
use bitwrk_protocol::market::MarketError;
use bitwrk_protocol::relation::SignedRelation;
use bitwrk_protocol::signature::{SignedDocument, Verified, Witness};
use bitwrk_protocol::tx::document::TxMessage;
use hmac::{Hmac, KeyInit, Mac};
use http::Method;

use super::FORWARDED_HEADER;
use crate::http::errors::ApiError;
use crate::http::form::Form;
use crate::http::router::Route;
use crate::http::{AppState, Req};
use crate::verify::Claim;

/// The header with the digest of the claim a follower verified (hex).
pub const VERIFIED_HEADER: &str = "x-bitwrk-verified";
/// The header with the MAC over a forwarded request (hex).
pub const MAC_HEADER: &str = "x-bitwrk-mac";
/// What the MAC's input starts with (its version).
const LABEL: &[u8] = b"bitwrk-forward-v1";

type HmacSha256 = Hmac<sha2::Sha256>;

/// The cluster's shared secret.
#[derive(Clone)]
pub struct ClusterKey(Vec<u8>);

impl core::fmt::Debug for ClusterKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("ClusterKey(…)")
    }
}

/// The parts of a forwarded request the MAC covers.
#[derive(Debug, Clone, Copy)]
pub struct Covered<'a> {
    /// The forwarding node's name.
    pub node: &'a str,
    /// The digest of the verified claim, if any.
    pub verified: Option<&'a [u8; 32]>,
    /// The method.
    pub method: &'a str,
    /// The request target (path and query).
    pub target: &'a str,
    /// The body.
    pub body: &'a [u8],
}

impl ClusterKey {
    /// A key from the shared secret (at least 16 bytes).
    pub fn new(secret: Vec<u8>) -> Result<ClusterKey, String> {
        if secret.len() < 16 {
            return Err(format!(
                "expected a cluster secret of at least 16 bytes, got {}",
                secret.len()
            ));
        }
        Ok(ClusterKey(secret))
    }

    fn mac(&self, c: &Covered<'_>) -> HmacSha256 {
        let mut mac = <HmacSha256 as KeyInit>::new_from_slice(&self.0)
            .expect("HMAC takes a key of any length");
        let verified = c.verified.map(hex).unwrap_or_default();
        for part in [
            LABEL,
            c.node.as_bytes(),
            verified.as_bytes(),
            c.method.as_bytes(),
            c.target.as_bytes(),
            c.body,
        ] {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part);
        }
        mac
    }

    /// The MAC of `c`, hex.
    pub fn sign(&self, c: &Covered<'_>) -> String {
        hex(&self.mac(c).finalize().into_bytes().into())
    }

    /// Whether `mac` (hex) is the MAC of `c` (compared in constant time).
    pub fn check(&self, c: &Covered<'_>, mac: &str) -> bool {
        unhex(mac).is_some_and(|m| self.mac(c).verify_slice(&m).is_ok())
    }
}

/// 32 bytes as 64 lowercase hex digits.
pub fn hex(bytes: &[u8; 32]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<[u8; 32]> {
    let text = text.as_bytes();
    if text.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in text.chunks(2).enumerate() {
        let pair = core::str::from_utf8(pair).ok()?;
        out[i] = u8::from_str_radix(pair, 16).ok()?;
    }
    Some(out)
}

/// A follower's verdict on a forwarded request, under a MAC the leader
/// checked: the one [`Witness`] this server knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerVerdict {
    node: String,
    digest: [u8; 32],
}

impl PeerVerdict {
    /// The node that verified.
    pub fn node(&self) -> &str {
        &self.node
    }
}

impl Witness for PeerVerdict {
    fn vouches(
        &self,
        signer: &bitwrk_protocol::address::Address,
        document: &str,
        signature: &str,
    ) -> bool {
        Claim::digest(signer, document, signature) == self.digest
    }
}

/// `doc` verified on `witness`'s word if it vouches for it; else `doc`
/// back, to be verified here (BW-HTTP-53).
pub fn witnessed<T: SignedDocument>(
    witness: Option<&PeerVerdict>,
    doc: T,
) -> Result<Verified<T>, T> {
    match witness {
        Some(w) => Verified::witnessed(w, doc),
        None => Err(doc),
    }
}

fn bad_mac(why: &str) -> ApiError {
    ApiError::new(
        "node.bad-mac",
        format!(
            "expected a forwarded request under the cluster's MAC (header {MAC_HEADER}); {why}"
        ),
    )
}

/// On the leader: checks the MAC of a forwarded request (one carrying
/// [`FORWARDED_HEADER`]) before it is handled, and keeps its verdict in
/// `req.witness` (BW-HTTP-52). A request that is not forwarded, or a node
/// outside a cluster, passes unchanged.
pub async fn admit(state: &AppState, req: &mut Req) -> Result<(), ApiError> {
    let Some(cluster) = state.driver.cluster() else {
        return Ok(());
    };
    let Some(node) = req.headers.get(FORWARDED_HEADER) else {
        return Ok(());
    };
    let node = node
        .to_str()
        .map_err(|_| bad_mac("the forwarding node's name is not text"))?
        .to_owned();
    let mac = req
        .header_named(MAC_HEADER)
        .ok_or_else(|| bad_mac("the header is missing"))?
        .to_owned();
    let verified = match req.header_named(VERIFIED_HEADER) {
        Some(v) => Some(unhex(v).ok_or_else(|| {
            bad_mac(&format!(
                "header {VERIFIED_HEADER} is not 64 hex digits: {v:?}"
            ))
        })?),
        None => None,
    };
    let body = req.read_body().await?;
    let covered = Covered {
        node: &node,
        verified: verified.as_ref(),
        method: req.method.as_str(),
        target: &req.target,
        body: &body,
    };
    if !cluster.key().check(&covered, &mac) {
        tracing::warn!(node = %node, target = %req.target, "forwarded request with a bad MAC");
        return Err(bad_mac("the MAC does not match the request"));
    }
    req.witness = verified.map(|digest| PeerVerdict { node, digest });
    Ok(())
}

/// What a follower verifies of a write before forwarding it: the route
/// of a POST whose signed document it can find.
pub fn verdict_route(method: &Method, route: Option<Route>) -> Option<Route> {
    (method == Method::POST)
        .then_some(route)
        .flatten()
        .filter(|r| matches!(r, Route::Bids | Route::Tx(_) | Route::Relations))
}

/// On a follower: the claim of a write to `route`, found as the leader
/// would find it; `None` if the leader would refuse the request before
/// its signature (the follower then leaves the answer to the leader).
async fn claim_of(
    state: &AppState,
    route: &Route,
    query: &str,
    body: &[u8],
) -> Result<Option<Claim>, ApiError> {
    let Ok(form) = Form::parse(body, query.as_bytes()) else {
        return Ok(None);
    };
    Ok(match route {
        Route::Bids => {
            let fields = ["type", "article", "price", "address", "nonce", "signature"]
                .map(|k| form.single(k).map(str::to_owned));
            let [
                Ok(bid_type),
                Ok(article),
                Ok(price),
                Ok(address),
                Ok(nonce),
                Ok(signature),
            ] = fields
            else {
                return Ok(None);
            };
            let bid = BidForm {
                bid_type,
                article,
                price,
                address,
                nonce,
                signature,
            };
            let clock = state.driver.clock().clone();
            state
                .driver
                .read(move |m| {
                    let now = clock.now().max(m.now());
                    m.parse_bid(now, &bid).ok().map(|r| Claim::of(&r))
                })
                .await?
        }
        Route::Tx(id) => crate::http::handlers::parse_id(id, "transaction")
            .ok()
            .and_then(|id| TxMessage::from_form(TxId(id), form.pairs()).ok())
            .map(|m| Claim::of(&m)),
        Route::Relations => SignedRelation::from_form_for(form.pairs(), state.network)
            .ok()
            .map(|r| Claim::of(&r)),
        _ => None,
    })
}

/// On a follower: verifies the signed document of a write to `route`
/// (BW-HTTP-50). `Ok(Some(digest))` when it verified, `Ok(None)` when the
/// leader is to answer (no document found), and the refusal the leader
/// would give for a bad signature (BW-HTTP-51).
pub async fn verdict(
    state: &AppState,
    route: &Route,
    query: &str,
    body: &[u8],
) -> Result<Option<[u8; 32]>, ApiError> {
    let Some(claim) = claim_of(state, route, query, body).await? else {
        return Ok(None);
    };
    match state.verifier.claim(claim).await? {
        Ok(v) => Ok(Some(Claim::digest(&v.signer, &v.document, &v.signature))),
        // A bid's refusal is the market's (its code and text), as on the
        // leader; the others are the signature's.
        Err(e) if matches!(route, Route::Bids) => Err(ApiError::from_core(&MarketError::from(e))),
        Err(e) => Err(ApiError::from_core(&e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bitwrk_protocol::address::Network;
    use bitwrk_protocol::key::PrivateKey;

    fn key() -> ClusterKey {
        ClusterKey::new(vec![7; 32]).unwrap()
    }

    fn covered<'a>(verified: Option<&'a [u8; 32]>, body: &'a [u8]) -> Covered<'a> {
        Covered {
            node: "n1",
            verified,
            method: "POST",
            target: "/bid",
            body,
        }
    }

    /// BW-HTTP-52: the MAC covers node, verdict, method, target and body;
    /// any change, another key or a malformed MAC is refused.
    #[test]
    fn mac_covers_the_request() {
        let digest = [9u8; 32];
        let good = covered(Some(&digest), b"a=1");
        let mac = key().sign(&good);
        assert!(key().check(&good, &mac));
        let other = [8u8; 32];
        for changed in [
            covered(None, b"a=1"),
            covered(Some(&other), b"a=1"),
            covered(Some(&digest), b"a=2"),
            Covered { node: "n2", ..good },
            Covered {
                method: "GET",
                ..good
            },
            Covered {
                target: "/rel",
                ..good
            },
        ] {
            assert!(!key().check(&changed, &mac), "{changed:?}");
        }
        let stranger = ClusterKey::new(vec![6; 32]).unwrap();
        assert!(!stranger.check(&good, &mac));
        for bad in ["", "zz", &mac[..62], &format!("{mac}00")] {
            assert!(!key().check(&good, bad), "{bad:?}");
        }
        assert!(ClusterKey::new(vec![1; 15]).is_err());
    }

    /// BW-HTTP-53: a verdict vouches for the one claim it names.
    #[test]
    fn verdict_vouches_for_its_claim_only() {
        let k = PrivateKey::from_secret_bytes(&[3u8; 32], true, Network::Mainnet).unwrap();
        let signer = k.public_key().address(Network::Mainnet);
        let claim = Claim {
            signer,
            document: "a=1".into(),
            signature: "c2ln".into(),
        };
        let verdict = PeerVerdict {
            node: "n1".into(),
            digest: Claim::digest(&claim.signer, &claim.document, &claim.signature),
        };
        assert!(witnessed(Some(&verdict), claim.clone()).is_ok());
        assert!(witnessed(None, claim.clone()).is_err());
        for other in [
            Claim {
                document: "a=2".into(),
                ..claim.clone()
            },
            Claim {
                signature: "c2lo".into(),
                ..claim.clone()
            },
        ] {
            assert!(witnessed(Some(&verdict), other).is_err());
        }
        assert_eq!(unhex(&hex(&verdict.digest)), Some(verdict.digest));
    }
}
