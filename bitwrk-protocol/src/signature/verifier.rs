//! A stateful verifier: single verification, a bounded address → key
//! cache, and batch verification of messages from cached signers
//! (informative spec section 5.A).
//!
//! Every verdict — single, cached or batched — is the verdict of
//! [`verify_message_in`](super::verify_message_in) in the verifier's
//! [`VerifyMode`] for the same inputs: the same `Ok`, or the same
//! [`SignatureError`] with the same payload. The cache and the batch only
//! change how fast that verdict is reached.
//!
//! The verifier is sans-IO: batch verification takes its random weights
//! from a caller-supplied cryptographically secure generator.

use std::collections::HashMap;

use k256::AffinePoint;
use rand_core::CryptoRng;

use super::batch::{self, Member, Prepared};
use super::{
    Signature, SignatureError, VerifyMode, legacy_07_differs, legacy_07_digest, message_digest,
    verify_digest_key,
};
use crate::address::Address;
use crate::hash::Hash256;
use crate::key::PublicKey;

#[derive(Debug, Clone)]
struct Slot {
    address: Address,
    key: PublicKey,
    referenced: bool,
    /// The signer's last signature settled singly in compatible mode was
    /// valid under the legacy digest only: batches try that digest first
    /// for this signer's affected lengths. A hint for speed, never for the
    /// verdict.
    legacy_07: bool,
}

/// A bounded map from address to the public key (with its serialisation
/// flag) that produced the address.
///
/// Entries are added only by a successful single verification: a recovery
/// whose key hashed to the claimed address. Lookups are O(1) (a hash map
/// into a slot array).
///
/// Eviction is CLOCK (second chance), fully deterministic: every slot has a
/// reference bit, set when a verification finds the entry. A new entry goes
/// into a free slot while there is one (reference bit clear). When the cache
/// is full, the clock hand, starting where it last stopped (initially slot 0),
/// walks the slots in circular order, clearing each set reference bit, and
/// evicts the first slot whose bit is already clear; the new entry takes that
/// slot with a clear bit and the hand moves one slot past it. A capacity of 0
/// disables caching.
#[derive(Debug, Clone)]
pub struct KeyCache {
    capacity: usize,
    slots: Vec<Slot>,
    index: HashMap<Address, usize>,
    hand: usize,
}

impl KeyCache {
    /// An empty cache holding at most `capacity` keys.
    pub fn new(capacity: usize) -> KeyCache {
        KeyCache {
            capacity,
            slots: Vec::with_capacity(capacity.min(1 << 16)),
            index: HashMap::with_capacity(capacity.min(1 << 16)),
            hand: 0,
        }
    }

    /// The maximum number of entries.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether the cache holds no entry.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Whether `address` has an entry (does not count as a use).
    pub fn contains(&self, address: &Address) -> bool {
        self.index.contains_key(address)
    }

    /// The cached key for `address` (does not count as a use).
    pub fn peek(&self, address: &Address) -> Option<&PublicKey> {
        self.index.get(address).map(|&i| &self.slots[i].key)
    }

    /// Whether batches should check `address`'s affected-length messages
    /// under the legacy digest first.
    fn prefers_legacy_07(&self, address: &Address) -> bool {
        self.index
            .get(address)
            .is_some_and(|&i| self.slots[i].legacy_07)
    }

    /// Records which digest `address`'s last settled signature needed.
    fn set_legacy_07(&mut self, address: &Address, legacy: bool) {
        if let Some(&i) = self.index.get(address) {
            self.slots[i].legacy_07 = legacy;
        }
    }

    /// The cached key for `address`, marking the entry as used.
    fn lookup(&mut self, address: &Address) -> Option<PublicKey> {
        let &i = self.index.get(address)?;
        let slot = &mut self.slots[i];
        slot.referenced = true;
        Some(slot.key)
    }

    /// Records that `key` (with its serialisation flag) hashes to `address`.
    fn insert(&mut self, address: Address, key: PublicKey) {
        if self.capacity == 0 {
            return;
        }
        if let Some(&i) = self.index.get(&address) {
            let slot = &mut self.slots[i];
            slot.key = key;
            slot.referenced = true;
            return;
        }
        let slot = Slot {
            address,
            key,
            referenced: false,
            legacy_07: false,
        };
        if self.slots.len() < self.capacity {
            self.index.insert(address, self.slots.len());
            self.slots.push(slot);
            return;
        }
        while self.slots[self.hand].referenced {
            self.slots[self.hand].referenced = false;
            self.hand = (self.hand + 1) % self.capacity;
        }
        let victim = self.hand;
        self.index.remove(&self.slots[victim].address);
        self.index.insert(address, victim);
        self.slots[victim] = slot;
        self.hand = (victim + 1) % self.capacity;
    }
}

/// One (claimed address, message, signature) triple for batch verification.
#[derive(Debug, Clone, Copy)]
pub struct SignedMessage<'a> {
    /// The address that claims to have signed.
    pub address: Address,
    /// The signed message bytes.
    pub message: &'a [u8],
    /// The signature.
    pub signature: Signature,
}

impl<'a> SignedMessage<'a> {
    /// Bundles a triple.
    pub fn new(address: Address, message: &'a [u8], signature: Signature) -> Self {
        SignedMessage {
            address,
            message,
            signature,
        }
    }
}

/// Verifies message signatures, remembering the keys of recent signers.
///
/// * [`verify_message`](Self::verify_message): one signature. With the
///   signer's key cached (and the header asking for the same serialisation),
///   it checks `(e/s)·G + (r/s)·Q = R` directly; otherwise — and whenever that
///   check fails, to obtain the exact error — it runs single verification
///   (recovery + HASH160, BW-SIG-9) and caches the key on success.
/// * [`verify_batch`](Self::verify_batch): many signatures, with one
///   random-linear-combination check for all members whose signer is cached,
///   bisection to find failing members, and single verification for the rest.
///
/// The [`VerifyMode`] applies to every path (BW-SIG-13, BW-SIG-14). All
/// paths try the Bitcoin digest first; only a triple that fails under it is
/// tried under the BitWrk 0.7 legacy digest, and only in
/// [`VerifyMode::Compat07`] for the lengths where that digest differs. A
/// batch of messages signed under the Bitcoin digest therefore costs the
/// same in both modes.
#[derive(Debug, Clone)]
pub struct Verifier {
    cache: KeyCache,
    mode: VerifyMode,
}

/// Batches this small are not worth a multi-scalar multiplication.
const MIN_BATCH: usize = 2;

impl Verifier {
    /// A strict verifier whose key cache holds at most `cache_capacity`
    /// signers.
    pub fn new(cache_capacity: usize) -> Verifier {
        Verifier::with_mode(cache_capacity, VerifyMode::Strict)
    }

    /// A verifier in `mode` whose key cache holds at most `cache_capacity`
    /// signers.
    pub fn with_mode(cache_capacity: usize, mode: VerifyMode) -> Verifier {
        Verifier {
            cache: KeyCache::new(cache_capacity),
            mode,
        }
    }

    /// The verification mode.
    pub fn mode(&self) -> VerifyMode {
        self.mode
    }

    /// The key cache.
    pub fn cache(&self) -> &KeyCache {
        &self.cache
    }

    /// Verifies `signature` over `message` for `address`; same verdict as
    /// [`verify_message_in`](super::verify_message_in) in this verifier's
    /// mode.
    pub fn verify_message(
        &mut self,
        address: &Address,
        message: &[u8],
        signature: &Signature,
    ) -> Result<(), SignatureError> {
        self.verify_with_digest(address, message, &message_digest(message), signature)
    }

    /// [`verify_message`](Self::verify_message) with the message's Bitcoin
    /// `digest` already computed.
    fn verify_with_digest(
        &mut self,
        address: &Address,
        message: &[u8],
        digest: &Hash256,
        signature: &Signature,
    ) -> Result<(), SignatureError> {
        let key = self.cached_key(address, signature);
        if let Some(key) = &key
            && batch::matches_key(key, digest, signature)
        {
            return Ok(());
        }
        self.settle(key, address, message, digest, signature)
    }

    /// The verdict for a triple that did not pass the cached-key check under
    /// its Bitcoin `digest` (or whose signer is not cached: `key` is `None`).
    /// In compatible mode the legacy digest is tried, first against the
    /// cached key (cheap), then by single verification; single verification
    /// under the Bitcoin digest supplies the exact error (BW-SIG-13). Which
    /// digest succeeded is remembered for the signer (a batch hint).
    fn settle(
        &mut self,
        key: Option<PublicKey>,
        address: &Address,
        message: &[u8],
        digest: &Hash256,
        signature: &Signature,
    ) -> Result<(), SignatureError> {
        let Some(legacy) = self.mode.fallback_digest(message) else {
            return self.verify_single(address, digest, signature);
        };
        let verdict = if key.is_some_and(|key| batch::matches_key(&key, &legacy, signature)) {
            Ok(true)
        } else {
            match self.verify_single(address, digest, signature) {
                Ok(()) => Ok(false),
                Err(e) => self
                    .verify_single(address, &legacy, signature)
                    .map(|()| true)
                    .map_err(|_| e),
            }
        };
        let legacy_used = verdict?;
        self.cache.set_legacy_07(address, legacy_used);
        Ok(())
    }

    /// The digest a batch checks a cached signer's message under: the
    /// Bitcoin digest, unless in compatible mode the signer's last settled
    /// signature needed the legacy digest and this length is affected.
    /// Either way a member that fails is settled under both digests.
    fn batch_digest(&self, item: &SignedMessage<'_>, digest: &Hash256) -> Hash256 {
        if self.mode == VerifyMode::Compat07
            && legacy_07_differs(item.message.len() as u64)
            && self.cache.prefers_legacy_07(&item.address)
        {
            legacy_07_digest(item.message)
        } else {
            *digest
        }
    }

    /// Verifies `signature` for exactly this `digest` (no mode applies: the
    /// message, and so its length, is unknown); same verdict as
    /// [`verify_digest`](super::verify_digest).
    pub fn verify_digest(
        &mut self,
        address: &Address,
        digest: &Hash256,
        signature: &Signature,
    ) -> Result<(), SignatureError> {
        if let Some(key) = self.cached_key(address, signature)
            && batch::matches_key(&key, digest, signature)
        {
            return Ok(());
        }
        self.verify_single(address, digest, signature)
    }

    /// The cached key of `address` if its serialisation is the one the
    /// signature's header selects (BW-SIG-11); otherwise single verification
    /// must decide, because it hashes the other serialisation.
    fn cached_key(&mut self, address: &Address, signature: &Signature) -> Option<PublicKey> {
        self.cache
            .lookup(address)
            .filter(|key| key.is_compressed() == signature.is_compressed())
    }

    /// Single verification (BW-SIG-9); fills the cache on success.
    fn verify_single(
        &mut self,
        address: &Address,
        digest: &Hash256,
        signature: &Signature,
    ) -> Result<(), SignatureError> {
        let key = verify_digest_key(address, digest, signature)?;
        self.cache.insert(*address, key);
        Ok(())
    }

    /// Verifies every triple and returns one verdict per triple, in order;
    /// each verdict equals that of
    /// [`verify_message_in`](super::verify_message_in) in this verifier's
    /// mode.
    ///
    /// Triples are taken in order. One whose signer is not cached (or whose
    /// header selects the other serialisation, or whose R does not exist) is
    /// verified singly at once, which may cache its signer for later
    /// triples. The others are checked together with weights drawn from
    /// `rng`, which must be a cryptographically secure generator whose
    /// output the signers cannot predict. If the combined check fails, the
    /// failing triples are found by bisection and re-verified singly to get
    /// their exact errors. All triples are checked under the Bitcoin digest;
    /// in compatible mode a triple that fails is then tried under the legacy
    /// digest, so its verdict is the one single verification gives.
    pub fn verify_batch<R: CryptoRng + ?Sized>(
        &mut self,
        items: &[SignedMessage<'_>],
        rng: &mut R,
    ) -> Vec<Result<(), SignatureError>> {
        let mut verdicts: Vec<Option<Result<(), SignatureError>>> = vec![None; items.len()];
        let mut members = Vec::new();
        let mut signer_of: HashMap<Address, usize> = HashMap::new();
        let mut signer_keys: Vec<AffinePoint> = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let digest = message_digest(item.message);
            let key = self.cached_key(&item.address, &item.signature);
            match (key, batch::r_point(&item.signature)) {
                (Some(key), Some(r_point)) => {
                    let signer = *signer_of.entry(item.address).or_insert_with(|| {
                        signer_keys.push(*key.as_k256().as_affine());
                        signer_keys.len() - 1
                    });
                    let checked = self.batch_digest(item, &digest);
                    members.push(Member::new(
                        i,
                        digest,
                        &checked,
                        &item.signature,
                        r_point,
                        signer,
                    ));
                }
                (key, _) => {
                    verdicts[i] = Some(self.settle(
                        key,
                        &item.address,
                        item.message,
                        &digest,
                        &item.signature,
                    ));
                }
            }
        }
        if members.len() < MIN_BATCH {
            for m in &members {
                let item = &items[m.index];
                verdicts[m.index] = Some(self.verify_with_digest(
                    &item.address,
                    item.message,
                    &m.digest,
                    &item.signature,
                ));
            }
        } else {
            let weights: Vec<u128> = members
                .iter()
                .map(|_| {
                    let mut bytes = [0u8; 16];
                    rng.fill_bytes(&mut bytes);
                    u128::from_le_bytes(bytes)
                })
                .collect();
            let all: Vec<usize> = (0..members.len()).collect();
            // `Prepared::new` fails only if some s were zero, which
            // `Signature` excludes; members left without a verdict are then
            // verified singly below.
            if let Some(prepared) = Prepared::new(members, weights, &signer_keys) {
                self.bisect(&prepared, &all, false, items, &mut verdicts);
            }
        }
        verdicts
            .into_iter()
            .zip(items)
            .map(|(v, item)| match v {
                Some(v) => v,
                None => self.verify_message(&item.address, item.message, &item.signature),
            })
            .collect()
    }

    /// Settles the members at `subset`. `known_bad` says the combined check
    /// of `subset` is already known to fail.
    fn bisect(
        &mut self,
        prepared: &Prepared,
        subset: &[usize],
        known_bad: bool,
        items: &[SignedMessage<'_>],
        verdicts: &mut [Option<Result<(), SignatureError>>],
    ) {
        if subset.is_empty() {
            return;
        }
        if !known_bad && prepared.check(subset) {
            for &i in subset {
                verdicts[prepared.members()[i].index] = Some(Ok(()));
            }
            return;
        }
        if subset.len() == 1 {
            let m = &prepared.members()[subset[0]];
            let item = &items[m.index];
            let key = self.cached_key(&item.address, &item.signature);
            verdicts[m.index] =
                Some(self.settle(key, &item.address, item.message, &m.digest, &item.signature));
            return;
        }
        let (left, right) = subset.split_at(subset.len() / 2);
        if prepared.check(left) {
            for &i in left {
                verdicts[prepared.members()[i].index] = Some(Ok(()));
            }
            // The whole failed and the left half passed: the right half fails.
            self.bisect(prepared, right, true, items, verdicts);
        } else {
            self.bisect(prepared, left, true, items, verdicts);
            self.bisect(prepared, right, false, items, verdicts);
        }
    }
}
