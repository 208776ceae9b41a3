//! Assistive downloads (spec §19.13): a seller of a chunked transfer hands
//! out tickets through which another seller of the same buyer fetches
//! chunks from it; the buyer decides who gets which ticket.
//!
//! Sans-IO: tickets are drawn from a caller-supplied CSPRNG, addresses are
//! classified from parsed values, the ticket pool returns the grants to
//! send instead of sending them.
//!
//! * [`Ticket`], [`ticket_header`], [`parse_ticket_header`]: tickets and
//!   the `X-AssistiveDownloadTicket` header (BW-C2C-36);
//! * [`assist_syncinfo`]: what a ticket's `GET` answers (BW-C2C-37);
//! * [`Handprint`], [`TicketPool`]: the buyer's matching (BW-C2C-40,
//!   BW-C2C-41);
//! * [`AssistUrl`], [`AddrClass`], [`admit`]: what a seller agrees to fetch
//!   (BW-C2C-38).

use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use rand_core::CryptoRng;

use super::C2cError;
use super::chunking::ChunkInfo;
use super::shuffle::Permutation;
use super::syncinfo::SyncInfo;
use crate::encoding::hex;
use crate::hash::Hash256;

/// Name of the wishlist answer's header carrying the ticket URLs.
pub const TICKET_HEADER: &str = "X-AssistiveDownloadTicket";

/// Bytes of a ticket: 128 bits (BW-C2C-36; BitWrk 0.7 uses the constants
/// `00000000` and `00000001`).
pub const TICKET_LEN: usize = 16;

/// Tickets a seller hands out per chunked transfer (as BitWrk 0.7).
pub const TICKETS_PER_TRANSFER: usize = 2;

/// Longest `assisturl` field: BitWrk 0.7 reads fewer than 1024 bytes.
pub const MAX_ASSIST_URL: usize = 1023;

/// Longest ticket in a URL that is still admitted (hex characters).
pub const MAX_TICKET_HEX: usize = 64;

/// Fingers of a handprint (as BitWrk 0.7).
pub const FINGERS: usize = 4;

/// Fingers two handprints must share to match (as BitWrk 0.7).
pub const MATCHING_FINGERS: usize = FINGERS - 1;

/// An assistive-download ticket: [`TICKET_LEN`] bytes from a CSPRNG,
/// lower-case hex in the URL.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ticket([u8; TICKET_LEN]);

impl Ticket {
    /// Draws a fresh ticket (BW-C2C-36).
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Ticket {
        let mut t = [0u8; TICKET_LEN];
        rng.fill_bytes(&mut t);
        Ticket(t)
    }

    /// Parses the ticket of a request path: exactly `2 ×` [`TICKET_LEN`]
    /// lower-case hex characters, else [`C2cError::BadTicket`].
    pub fn parse(s: &str) -> Result<Ticket, C2cError> {
        hex::decode_array(s)
            .map(Ticket)
            .map_err(|_| C2cError::BadTicket)
    }
}

impl core::fmt::Display for Ticket {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&hex::encode(&self.0))
    }
}

/// Does not print the ticket (it is a capability).
impl core::fmt::Debug for Ticket {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Ticket(…)")
    }
}

/// The header value for `tickets` of the endpoint `worker_url`: a JSON
/// array of `<worker_url>/assist/<ticket>`, in an order drawn from `rng`
/// (BW-C2C-36).
pub fn ticket_header<R: CryptoRng + ?Sized>(
    worker_url: &str,
    tickets: &[Ticket],
    rng: &mut R,
) -> String {
    let mut urls: Vec<String> = tickets
        .iter()
        .map(|t| format!("{worker_url}/assist/{t}"))
        .collect();
    for i in (1..urls.len()).rev() {
        let j = (rng.next_u32() as usize) % (i + 1);
        urls.swap(i, j);
    }
    serde_json::to_string(&urls).unwrap_or_else(|_| "[]".to_owned())
}

/// Most URLs read from one ticket header.
pub const MAX_HEADER_TICKETS: usize = 8;

/// The ticket URLs of a wishlist answer's header: a JSON array of strings,
/// at most [`MAX_HEADER_TICKETS`] of them used, each at most
/// [`MAX_ASSIST_URL`] bytes (longer ones are dropped).
pub fn parse_ticket_header(value: &[u8]) -> Result<Vec<String>, C2cError> {
    let urls: Vec<String> = serde_json::from_slice(value).map_err(|_| C2cError::BadAssistUrl {
        reason: "the ticket header is not a JSON array of strings",
    })?;
    Ok(urls
        .into_iter()
        .filter(|u| u.len() <= MAX_ASSIST_URL)
        .take(MAX_HEADER_TICKETS)
        .collect())
}

/// The SyncInfo a ticket's `GET` answers: the chunks in the order of the
/// transfer's shuffled stream, placeholders dropped, with the trivial
/// permutation `[0]` (BW-C2C-37, as BitWrk 0.7).
pub fn assist_syncinfo(sync: &SyncInfo) -> Result<SyncInfo, C2cError> {
    let chunks: Vec<ChunkInfo> = sync
        .shuffled_indices()
        .into_iter()
        .flatten()
        .map(|i| sync.chunks()[i])
        .collect();
    SyncInfo::new(chunks, Permutation::trivial())
}

/// Whether a seller's worker URL has a key of at least 128 bits (32 hex
/// characters), i.e. the seller follows BW-C2C-25 and may be sent a
/// `buyersecret` with a ticket (BW-C2C-42). BitWrk 0.7's keys have 8.
pub fn takes_secret_with_ticket(worker_url: &str) -> bool {
    let key = worker_url
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("");
    key.len() >= 2 * super::endpoint::ENDPOINT_KEY_LEN
        && key
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

// ---------------------------------------------------------------- handprints

/// The [`FINGERS`] lexicographically smallest distinct chunk keys of a
/// work; `None` for a work with fewer distinct keys, which matches nothing
/// (BW-C2C-40; BitWrk 0.7 pads with all-`ff` fingers, so small unrelated
/// works match, its bug list item 16).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Handprint(Option<[Hash256; FINGERS]>);

impl Handprint {
    /// The handprint of a work's chunks.
    pub fn of(chunks: &[ChunkInfo]) -> Handprint {
        let mut smallest: BTreeSet<Hash256> = BTreeSet::new();
        for c in chunks {
            smallest.insert(c.key);
            if smallest.len() > FINGERS {
                smallest.pop_last();
            }
        }
        let fingers: Vec<Hash256> = smallest.into_iter().collect();
        Handprint(fingers.try_into().ok())
    }

    /// The fingers, if the work has enough distinct chunks.
    pub fn fingers(&self) -> Option<&[Hash256; FINGERS]> {
        self.0.as_ref()
    }

    /// Whether both handprints exist and share at least
    /// [`MATCHING_FINGERS`] fingers (BW-C2C-40).
    pub fn matches(&self, other: &Handprint) -> bool {
        match (&self.0, &other.0) {
            (Some(a), Some(b)) => a.iter().filter(|f| b.contains(f)).count() >= MATCHING_FINGERS,
            _ => false,
        }
    }
}

// ---------------------------------------------------------------- the pool

/// A ticket granted to a node: send `ticket` (a URL) to `node`'s seller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant<N> {
    /// The node whose seller gets the ticket.
    pub node: N,
    /// The ticket URL.
    pub ticket: String,
}

#[derive(Debug)]
struct Node {
    handprint: Handprint,
    interested: bool,
}

#[derive(Debug)]
struct Pooled<N> {
    ticket: String,
    source: N,
    handprint: Handprint,
}

/// The buyer's pool of tickets over its concurrent chunked transfers
/// (BW-C2C-41). A node is one transfer (a seller's endpoint); tickets
/// come from a node's wishlist answer and are granted to other nodes.
#[derive(Debug)]
pub struct TicketPool<N: Ord + Clone> {
    nodes: BTreeMap<N, Node>,
    tickets: Vec<Pooled<N>>,
    edges: BTreeSet<(N, N)>,
}

impl<N: Ord + Clone> Default for TicketPool<N> {
    fn default() -> Self {
        TicketPool {
            nodes: BTreeMap::new(),
            tickets: Vec::new(),
            edges: BTreeSet::new(),
        }
    }
}

impl<N: Ord + Clone> TicketPool<N> {
    /// An empty pool.
    pub fn new() -> Self {
        Self::default()
    }

    /// A transfer begins: `node` is interested in tickets for works like
    /// `handprint`. Returns the pooled tickets granted to it now (at most
    /// one per source). A node registered again starts afresh.
    pub fn init_node(&mut self, node: N, handprint: Handprint) -> Vec<Grant<N>> {
        self.exit_node(&node);
        self.nodes.insert(
            node.clone(),
            Node {
                handprint,
                interested: true,
            },
        );
        let mut grants = Vec::new();
        let mut i = 0;
        while i < self.tickets.len() {
            if self.can_grant(&node, i) {
                grants.push(self.grant(&node, i));
            } else {
                i += 1;
            }
        }
        grants
    }

    /// Whether `node` still takes tickets (it stops once its chunk data
    /// is sent).
    pub fn set_interested(&mut self, node: &N, interested: bool) {
        if let Some(n) = self.nodes.get_mut(node) {
            n.interested = interested;
        }
    }

    /// A transfer ends: its node, its edges and its unspent tickets go.
    pub fn exit_node(&mut self, node: &N) {
        self.nodes.remove(node);
        self.edges.retain(|(a, b)| a != node && b != node);
        self.tickets.retain(|t| &t.source != node);
    }

    /// `source` handed out `ticket`. Returns the grant if an interested
    /// matching node takes it now; otherwise it is pooled. A ticket of an
    /// unknown source, or one already pooled, is ignored.
    pub fn new_ticket(&mut self, ticket: String, source: N) -> Option<Grant<N>> {
        if self.tickets.iter().any(|t| t.ticket == ticket) {
            return None;
        }
        let handprint = self.nodes.get(&source)?.handprint;
        self.tickets.push(Pooled {
            ticket,
            source,
            handprint,
        });
        let i = self.tickets.len() - 1;
        let node = self.nodes.keys().find(|n| self.can_grant(n, i)).cloned()?;
        Some(self.grant(&node, i))
    }

    /// Tickets waiting in the pool.
    pub fn pooled(&self) -> usize {
        self.tickets.len()
    }

    /// Registered nodes.
    pub fn nodes(&self) -> usize {
        self.nodes.len()
    }

    fn can_grant(&self, node: &N, i: usize) -> bool {
        let t = &self.tickets[i];
        let Some(n) = self.nodes.get(node) else {
            return false;
        };
        &t.source != node
            && n.interested
            && !self.edges.contains(&(t.source.clone(), node.clone()))
            && t.handprint.matches(&n.handprint)
    }

    fn grant(&mut self, node: &N, i: usize) -> Grant<N> {
        let t = self.tickets.remove(i);
        self.edges.insert((t.source, node.clone()));
        Grant {
            node: node.clone(),
            ticket: t.ticket,
        }
    }
}

// ---------------------------------------------------------------- admission

/// The kind of an IP address, for deciding what a seller may fetch from
/// (BW-C2C-38).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddrClass {
    /// `0.0.0.0/8`, `::`: never fetched from.
    Unspecified,
    /// Multicast, broadcast and `240.0.0.0/4`: never fetched from.
    NotUnicast,
    /// `127.0.0.0/8`, `::1`.
    Loopback,
    /// RFC 1918, `100.64.0.0/10`, link-local, `fc00::/7`, `fe80::/10`.
    Private,
    /// Everything else.
    Public,
}

impl AddrClass {
    /// The class of `ip` (an IPv4-mapped IPv6 address as its IPv4 one).
    pub fn of(ip: IpAddr) -> AddrClass {
        match ip {
            IpAddr::V4(v4) => Self::of_v4(v4),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => Self::of_v4(v4),
                None => Self::of_v6(v6),
            },
        }
    }

    fn of_v4(ip: Ipv4Addr) -> AddrClass {
        let o = ip.octets();
        if o[0] == 0 {
            AddrClass::Unspecified
        } else if ip.is_multicast() || ip.is_broadcast() || o[0] >= 240 {
            AddrClass::NotUnicast
        } else if ip.is_loopback() {
            AddrClass::Loopback
        } else if ip.is_private() || ip.is_link_local() || (o[0] == 100 && (o[1] & 0xc0) == 64) {
            AddrClass::Private
        } else {
            AddrClass::Public
        }
    }

    fn of_v6(ip: Ipv6Addr) -> AddrClass {
        let s = ip.segments();
        if ip.is_unspecified() {
            AddrClass::Unspecified
        } else if ip.is_multicast() {
            AddrClass::NotUnicast
        } else if ip.is_loopback() {
            AddrClass::Loopback
        } else if (s[0] & 0xfe00) == 0xfc00 || (s[0] & 0xffc0) == 0xfe80 {
            AddrClass::Private
        } else {
            AddrClass::Public
        }
    }
}

/// A parsed `assisturl`: `http://<IP literal>[:port]/<key>/assist/<ticket>`
/// (BW-C2C-38).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssistUrl {
    /// The URL as given.
    pub url: String,
    /// The address to connect to.
    pub ip: IpAddr,
    /// The port (80 if none is given).
    pub port: u16,
}

fn is_lower_hex(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Parses an `assisturl` field (BW-C2C-38): at most [`MAX_ASSIST_URL`]
/// bytes of UTF-8; scheme `http://`; no user info, query or fragment; the
/// host an IPv4 literal or a bracketed IPv6 literal; an optional decimal
/// port; the path `/<key>/assist/<ticket>` with `key` 8 to 64 and
/// `ticket` 2 to [`MAX_TICKET_HEX`] lower-case hex characters, both of
/// even length. Anything else is [`C2cError::BadAssistUrl`].
pub fn parse_assist_url(field: &[u8]) -> Result<AssistUrl, C2cError> {
    let bad = |reason| C2cError::BadAssistUrl { reason };
    if field.len() > MAX_ASSIST_URL {
        return Err(bad("longer than 1023 bytes"));
    }
    let url = core::str::from_utf8(field).map_err(|_| bad("not UTF-8"))?;
    let rest = url
        .strip_prefix("http://")
        .ok_or(bad("not an http:// URL"))?;
    if rest.contains(['?', '#', '@', '%', '\\']) || rest.bytes().any(|b| b <= b' ' || b >= 0x7f) {
        return Err(bad("user info, query, fragment, escapes or odd characters"));
    }
    let (authority, path) = rest.split_at(rest.find('/').ok_or(bad("no path"))?);
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (h, tail) = v6.split_once(']').ok_or(bad("unclosed IPv6 literal"))?;
        let ip: Ipv6Addr = h.parse().map_err(|_| bad("host is not an IP literal"))?;
        (IpAddr::V6(ip), tail)
    } else {
        let (h, tail) = authority.split_at(authority.find(':').unwrap_or(authority.len()));
        let ip: Ipv4Addr = h.parse().map_err(|_| bad("host is not an IP literal"))?;
        (IpAddr::V4(ip), tail)
    };
    let port = match port {
        "" => 80,
        p => {
            let digits = p.strip_prefix(':').ok_or(bad("bad port"))?;
            if digits.is_empty() || digits.len() > 5 || !digits.bytes().all(|b| b.is_ascii_digit())
            {
                return Err(bad("bad port"));
            }
            digits.parse::<u16>().map_err(|_| bad("bad port"))?
        }
    };
    if port == 0 {
        return Err(bad("port 0"));
    }
    let mut segs = path.strip_prefix('/').unwrap_or(path).split('/');
    let (key, word, ticket) = (segs.next(), segs.next(), segs.next());
    let ok = segs.next().is_none()
        && key.is_some_and(|k| (8..=64).contains(&k.len()) && k.len() % 2 == 0 && is_lower_hex(k))
        && word == Some("assist")
        && ticket.is_some_and(|t| {
            (2..=MAX_TICKET_HEX).contains(&t.len()) && t.len() % 2 == 0 && is_lower_hex(t)
        });
    if !ok {
        return Err(bad("path is not /<key>/assist/<ticket>"));
    }
    Ok(AssistUrl {
        url: url.to_owned(),
        ip: host,
        port,
    })
}

/// Whether a seller whose own external address is of class `own` may
/// fetch from `url` (BW-C2C-38): never from an unspecified or non-unicast
/// address; from a loopback address only if its own is loopback; from a
/// private address only if its own is private; from a public address
/// always.
pub fn admit(url: &AssistUrl, own: AddrClass) -> Result<(), C2cError> {
    let bad = |reason| Err(C2cError::BadAssistUrl { reason });
    match AddrClass::of(url.ip) {
        AddrClass::Unspecified | AddrClass::NotUnicast => bad("not a unicast address"),
        AddrClass::Loopback if own != AddrClass::Loopback => {
            bad("loopback address, and this seller's is not")
        }
        AddrClass::Private if own != AddrClass::Private => {
            bad("private address, and this seller's is not")
        }
        _ => Ok(()),
    }
}

/// The class of a seller's own external address, from its worker URL
/// prefix `http://<host>:<port>/`: a host that is not an IP literal
/// counts as public.
pub fn own_class(prefix: &str) -> AddrClass {
    let rest = prefix.strip_prefix("http://").unwrap_or(prefix);
    let authority = rest.split('/').next().unwrap_or("");
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        authority.split(':').next().unwrap_or("")
    };
    host.parse::<IpAddr>()
        .map(AddrClass::of)
        .unwrap_or(AddrClass::Public)
}

#[cfg(test)]
mod tests;
