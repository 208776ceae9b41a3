//! Matching-engine throughput and memory (spec section 11; targets: ≥ 5 M
//! bid operations per second on one core, ≤ 200 bytes per resting bid).
//!
//! `matching/insert_match/<depth>`: a book is filled to `depth` resting bids,
//! then every operation inserts one bid. Operations alternate between a bid
//! that crosses the book (and matches the best opposite bid) and a bid that
//! rests at a random price, so the depth stays constant and half of the
//! operations are matches. One resting bid in `SHORT_LIFE_EVERY` lives only
//! `SHORT_LIFE_MS`; time advances 1 ms every `OPS_PER_MS` operations and
//! `expire` runs every `EXPIRE_EVERY` operations, so expired bids are both met
//! during matching and swept. Throughput is counted in inserted bids.
//!
//! Memory: a counting global allocator measures the heap bytes a book holds
//! per resting bid, right after filling and after a steady-state run; the
//! figures are printed before the criterion run.
#![allow(unsafe_code)] // the counting allocator

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use bitwrk_protocol::address::{Address, Network};
use bitwrk_protocol::bid::BidType;
use bitwrk_protocol::book::{Order, OrderBook};
use bitwrk_protocol::hash::Hash160;
use bitwrk_protocol::ids::BidId;
use bitwrk_protocol::{Currency, Money, Timestamp};
use criterion::{BenchmarkId, Criterion, Throughput};

const RNG_SEED: u64 = 0x6269_7477_726b_2d31;
const DEPTHS: [usize; 3] = [10, 1_000, 100_000];
const PARTICIPANTS: usize = 1_000;
const MID: i64 = 10_000_000;
const RANGE: u64 = 20_000;
const LONG_LIFE_MS: u64 = 7 * 24 * 3_600_000;
const SHORT_LIFE_MS: u64 = 200;
const SHORT_LIFE_EVERY: u64 = 32;
const OPS_PER_MS: u64 = 64;
const EXPIRE_EVERY: u64 = 256;
const OPS_PER_ITER: u64 = 1_000;

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator unchanged and only counts bytes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            LIVE.fetch_add(layout.size(), Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE.fetch_add(new_size, Relaxed);
            LIVE.fetch_sub(layout.size(), Relaxed);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// splitmix64: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

fn participants() -> Vec<Address> {
    (0..PARTICIPANTS)
        .map(|i| {
            let mut h = [0u8; 20];
            h[..8].copy_from_slice(&(i as u64).to_le_bytes());
            Address::new(Network::Mainnet, Hash160::from_byte_array(h))
        })
        .collect()
}

/// Drives one book through the insert-and-match mix.
struct Workload {
    book: OrderBook,
    depth: usize,
    rng: Rng,
    who: Vec<Address>,
    next_id: u64,
    ops: u64,
    /// The side the last match took a bid from (refilled next).
    refill: BidType,
    match_side: BidType,
}

fn money(v: i64) -> Money {
    Money::new(v, Currency::Btc)
}

impl Workload {
    fn new(depth: usize) -> Workload {
        let mut w = Workload {
            book: OrderBook::new(Currency::Btc),
            depth,
            rng: Rng(RNG_SEED),
            who: participants(),
            next_id: 0,
            ops: 0,
            refill: BidType::Buy,
            match_side: BidType::Buy,
        };
        while w.book.len() < depth {
            let side = if w.next_id.is_multiple_of(2) {
                BidType::Buy
            } else {
                BidType::Sell
            };
            let o = w.resting_order(side, LONG_LIFE_MS);
            w.book.insert(w.now(), o).expect("fill");
        }
        w
    }

    fn now(&self) -> Timestamp {
        Timestamp::from_millis(1_000_000 + self.ops / OPS_PER_MS)
    }

    fn order(&mut self, side: BidType, price: i64, life: u64) -> Order {
        self.next_id += 1;
        let r = self.rng.next();
        Order {
            id: BidId(self.next_id),
            side,
            participant: self.who[(r % PARTICIPANTS as u64) as usize],
            price: money(price),
            fee: money((3 * price + 99) / 100),
            expires: Timestamp::from_millis(self.now().as_millis() + life),
        }
    }

    /// A bid at a random price on its own side of `MID` (never crosses).
    fn resting_order(&mut self, side: BidType, life: u64) -> Order {
        let off = (self.rng.next() % RANGE) as i64;
        let price = match side {
            BidType::Buy => MID - 1 - off,
            BidType::Sell => MID + off,
        };
        self.order(side, price, life)
    }

    /// One operation: rest a bid if the book is below depth, else cross it.
    #[inline]
    fn step(&mut self) {
        let now = self.now();
        let o = if self.book.len() < self.depth {
            let life = if self.next_id.is_multiple_of(SHORT_LIFE_EVERY) {
                SHORT_LIFE_MS
            } else {
                LONG_LIFE_MS
            };
            self.resting_order(self.refill, life)
        } else {
            // Take from alternating sides.
            self.match_side = self.match_side.opposite();
            self.refill = self.match_side;
            let (side, price) = match self.match_side {
                BidType::Sell => (BidType::Buy, MID + RANGE as i64),
                BidType::Buy => (BidType::Sell, MID - RANGE as i64 - 1),
            };
            self.order(side, price, LONG_LIFE_MS)
        };
        let out = self.book.insert(now, o).expect("valid order");
        black_box(&out);
        self.ops += 1;
        if self.ops.is_multiple_of(EXPIRE_EVERY) {
            black_box(self.book.expire(self.now()));
        }
    }
}

fn bytes_per_bid(depth: usize) -> (f64, f64) {
    let before = LIVE.load(Relaxed);
    let mut w = Workload::new(depth);
    let who_bytes = w.who.capacity() * std::mem::size_of::<Address>();
    let filled = LIVE.load(Relaxed) - before - who_bytes;
    let after_fill = filled as f64 / w.book.len() as f64;
    for _ in 0..(4 * depth.max(10_000)) {
        w.step();
    }
    let steady = (LIVE.load(Relaxed) - before - who_bytes) as f64 / w.book.len() as f64;
    black_box(&w.book);
    (after_fill, steady)
}

fn insert_match(c: &mut Criterion) {
    let mut g = c.benchmark_group("matching");
    g.throughput(Throughput::Elements(OPS_PER_ITER));
    for depth in DEPTHS {
        let mut w = Workload::new(depth);
        g.bench_with_input(BenchmarkId::new("insert_match", depth), &depth, |b, _| {
            b.iter(|| {
                for _ in 0..OPS_PER_ITER {
                    w.step();
                }
            })
        });
    }
    g.finish();
}

fn main() {
    for depth in DEPTHS {
        let (fill, steady) = bytes_per_bid(depth);
        println!(
            "matching/memory/{depth}: {fill:.1} bytes per resting bid after filling, \
             {steady:.1} after a steady-state run"
        );
    }
    let mut c = Criterion::default().configure_from_args();
    insert_match(&mut c);
    c.final_summary();
}
