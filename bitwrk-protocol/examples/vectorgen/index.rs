//! `INDEX.md`: the generated overview of all vector files.

use crate::{Counts, SPEC_VERSION, VFile};
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// Requirements no vector can test, with the reason (INDEX.md lists them;
/// the traceability test reads that list).
const NOT_VECTOR_TESTABLE: [(&str, &str); 26] = [
    (
        "BW-BID-14",
        "an obligation of the client's signing code (sign exactly the texts it sends); a vector can give inputs to a verifier, not observe what a client signs. The document construction it relies on is tested by `bid_document.json` (BW-BID-10, BW-BID-11).",
    ),
    (
        "BW-KEY-5",
        "a recommendation for key generation (compressed keys); generation takes randomness and produces no value a vector could fix.",
    ),
    (
        "BW-LEDGER-18",
        "asks for an internal self-check function of an implementation (the reference's `Ledger::check_invariants`); the invariants themselves (BW-LEDGER-13, BW-LEDGER-14) are vector-tested by `ledger.json`.",
    ),
    (
        "BW-MARKET-10",
        "snapshots are optional (MAY) and their format is each implementation's own; what a vector can fix, that replaying a log gives one state, is BW-MARKET-4 (`market.json`). The reference's snapshot round trip is tested in `tests/market.rs`.",
    ),
    (
        "BW-MARKET-11",
        "eviction is an implementation's memory policy (MAY); a vector sees only verdicts, and the verdicts it must not change are those of `market.json`. The reference's eviction is tested against a market that never evicts in `tests/market.rs`.",
    ),
    (
        "BW-TXDOC-7",
        "a recommendation for what clients send (lower-case names, no spaces, non-empty values); the server side of the same documents is tested by `tx_document.json`.",
    ),
    (
        "BW-C2C-4",
        "a refusal needs a SyncInfo of 98 305 chunks (about 10 MB); checked by tests in `bitwrk-protocol/src/c2c/tests.rs` (`syncinfo_refusals`, `limits_are_the_spec_table`).",
    ),
    (
        "BW-C2C-7",
        "the multipart framing and sequencing of the linear request are HTTP, the driver's; the state machines' part is checked by tests in `bitwrk-protocol/src/c2c/tests.rs` (`linear_transfer`).",
    ),
    (
        "BW-C2C-8",
        "the order and concurrency of requests A and B are HTTP, the driver's; the state machines' part is checked by tests in `bitwrk-protocol/src/c2c/tests.rs` (`chunked_transfers`).",
    ),
    (
        "BW-C2C-20",
        "freshness of random keys is not a property of any one value; tests in `bitwrk-protocol/src/c2c/tests.rs` (`aes_256_ofb`) checks that keys come from the caller's generator.",
    ),
    (
        "BW-C2C-21",
        "the answer's status and content type are HTTP; that the body is the ciphertext is checked by tests in `bitwrk-protocol/src/c2c/tests.rs` (`transfer`).",
    ),
    (
        "BW-C2C-25",
        "random endpoint keys; tests in `bitwrk-protocol/src/c2c/tests.rs` (`endpoints`).",
    ),
    (
        "BW-C2C-26",
        "routing against the seller's table of live endpoints, a driver's state; the path grammar is checked by tests in `bitwrk-protocol/src/c2c/tests.rs` (`endpoints`).",
    ),
    (
        "BW-C2C-27",
        "that a failed assist never fails a sell is a property of the driver; tests in `ref-client/tests/assist.rs` (`hostile_assist_urls_fetch_nothing_or_fail_bounded`).",
    ),
    (
        "BW-C2C-28",
        "HTTP statuses; tests in `bitwrk-protocol/src/c2c/tests.rs` (`buyer_refusals`).",
    ),
    (
        "BW-C2C-30",
        "a property of the seller's state over several requests; tests in `bitwrk-protocol/src/c2c/tests.rs` (`strangers_cannot_disturb_a_seller`).",
    ),
    (
        "BW-C2C-31",
        "the limits need inputs of up to 16 MiB; tests in `bitwrk-protocol/src/c2c/tests.rs` (`limits_are_the_spec_table`) checks them against the spec's table.",
    ),
    (
        "BW-C2C-32",
        "timeouts are the driver's; tests in `bitwrk-protocol/src/c2c/tests.rs` (`timeouts_are_the_spec_table`) checks the constants a driver uses.",
    ),
    (
        "BW-C2C-33",
        "gzip is the driver's (HTTP `Content-Encoding`); tests in `bitwrk-protocol/src/c2c/tests.rs` (`gzip_offer_never_changes_the_mode`).",
    ),
    (
        "BW-C2C-34",
        "content types are HTTP headers; tests in `bitwrk-protocol/src/c2c/tests.rs` (`content_types`).",
    ),
    (
        "BW-C2C-35",
        "when chunk data is sent relative to the wishlist's arrival is the driver's timing; tests in `bitwrk-protocol/src/c2c/tests.rs` (`chunked_transfers`, `buyer_refusals`) check the streamed release.",
    ),
    (
        "BW-C2C-36",
        "tickets come from a CSPRNG and the header's order is random; tests in `bitwrk-protocol/src/c2c/assist/tests.rs` and `ref-client/tests/assist.rs`.",
    ),
    (
        "BW-C2C-37",
        "serving a ticket is HTTP against a live sell; tests in `bitwrk-protocol/src/c2c/assist/tests.rs` (`assist_syncinfo_is_the_shuffled_order_with_trivial_perm`) and `ref-client/tests/assist.rs`.",
    ),
    (
        "BW-C2C-39",
        "fetching is HTTP with timeouts; tests in `ref-client/tests/assist.rs`.",
    ),
    (
        "BW-C2C-41",
        "the pool's state over several events; tests in `bitwrk-protocol/src/c2c/assist/tests.rs` (`pool_grants_like_0_7`).",
    ),
    (
        "BW-C2C-42",
        "what the buyer sends is HTTP; tests in `bitwrk-protocol/src/c2c/assist/tests.rs` (`only_long_keys_take_a_secret`) and `ref-client/tests/assist.rs`.",
    ),
];

/// Whole requirement areas no vector tests, with the reason: INDEX.md lists
/// each as `- BW-<AREA>-*: reason`, and the traceability test exempts every
/// ID of the area.
const NOT_VECTOR_TESTABLE_AREAS: [(&str, &str); 3] = [
    (
        "HTTP",
        "checked over HTTP by the conformance suite, §16 (`conformance/`): the HTTP binding's routes, status codes and headers are observable only over HTTP, not through a sans-IO vector. The JSON bodies it sends are vector-tested by `json_forms.json` (BW-JSON-*).",
    ),
    (
        "CONF",
        "the conformance profile (§18) is what a server under test is configured with and how the suite reports; it is checked by running the conformance suite (`conformance/`), not by a sans-IO vector.",
    ),
    (
        "CLIENT",
        "the client's trading toward the server (§20) is a state machine driven by a driver's inputs over time; its obligations are checked by the unit tests of `bitwrk-protocol/src/client/tests/`, which run full trades against the reference market. The documents it signs are those of `bid_document.json` and `tx_document.json`.",
    ),
];

pub(crate) fn index_md(files: &[VFile]) -> String {
    let mut s = String::new();
    s.push_str("# Test vectors\n\n");
    s.push_str("<!-- Generated by `cargo run -p bitwrk-protocol --example vectorgen -- spec/vectors`; do not edit. -->\n\n");
    let _ = writeln!(
        s,
        "Language-neutral test vectors for the primitives and the marketplace rules of spec version {SPEC_VERSION}, in the shape of Wycheproof. Each file is checked against its JSON Schema in `schema/`. A case's global ID is `<file-stem>#<tcId>`.\n"
    );
    s.push_str("| file | type | tests | valid | invalid | acceptable | schema |\n|---|---|---:|---:|---:|---:|---|\n");
    let mut total = Counts::default();
    for f in files {
        let c = f.counts();
        total.total += c.total;
        total.valid += c.valid;
        total.invalid += c.invalid;
        total.acceptable += c.acceptable;
        let _ = writeln!(
            s,
            "| [`{0}.json`]({0}.json) | `{1}` | {2} | {3} | {4} | {5} | [`schema/{0}.schema.json`](schema/{0}.schema.json) |",
            f.stem, f.ty, c.total, c.valid, c.invalid, c.acceptable
        );
    }
    let _ = writeln!(
        s,
        "| **total** | | **{}** | **{}** | **{}** | **{}** | |\n",
        total.total, total.valid, total.invalid, total.acceptable
    );
    s.push_str("## Files\n\n");
    for f in files {
        let _ = writeln!(s, "### `{}.json` — {}\n", f.stem, f.title);
        for h in &f.header {
            let _ = writeln!(s, "- {h}");
        }
        let reqs: Vec<_> = f.reqs().into_iter().collect();
        let _ = writeln!(s, "- Requirements: {}.", reqs.join(", "));
        let errors: Vec<_> = f.errors().into_iter().map(|e| format!("`{e}`")).collect();
        if !errors.is_empty() {
            let _ = writeln!(s, "- Error codes expected: {}.", errors.join(", "));
        }
        if !f.notes.is_empty() {
            let flags: Vec<_> = f.notes.iter().map(|n| format!("`{}`", n.flag)).collect();
            let _ = writeln!(s, "- Flags: {}.", flags.join(", "));
        }
        let sources: Vec<_> = f
            .groups
            .iter()
            .map(|g| format!("{} ({})", g.source.0, g.source.1))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let _ = writeln!(s, "- Sources: {}.\n", sources.join("; "));
    }
    let all: BTreeSet<&str> = files.iter().flat_map(VFile::reqs).collect();
    let _ = writeln!(
        s,
        "## Requirements cited\n\n{}\n",
        all.iter().copied().collect::<Vec<_>>().join(", ")
    );
    s.push_str(
        "## Requirements not vector-testable\n\nEvery requirement of the specification is cited by at least one vector above, except these; each is \
         checked by the Rust tests instead (an entry `BW-<AREA>-*` stands for every requirement of that area, checked as the \
         entry says). `bitwrk-protocol/tests/traceability.rs` reads this list: it fails when a requirement \
         is neither cited by a vector nor listed here, and when a listed one is cited by a vector after all.\n\n",
    );
    for (id, why) in NOT_VECTOR_TESTABLE {
        assert!(
            !all.contains(id),
            "{id} is cited by a vector but listed as not vector-testable"
        );
        let _ = writeln!(s, "- {id}: {why}");
    }
    for (area, why) in NOT_VECTOR_TESTABLE_AREAS {
        let prefix = format!("BW-{area}-");
        assert!(
            !all.iter().any(|id| id.starts_with(&prefix)),
            "an ID of area {area} is cited by a vector but the area is listed as not vector-testable"
        );
        let _ = writeln!(s, "- BW-{area}-*: {why}");
    }
    s.push('\n');
    s.push_str(
        "## How to implement a runner

1. For every `*.json` file in this directory, read `type`. Refuse to run if you do not know the type: a runner
   that skips unknown files silently hides new vectors.
2. Optionally validate the file against the JSON Schema named in `schema` (draft 2020-12).
3. For every test in every group, feed the inputs to your implementation as described in the file's `header` (and
   in the per-file notes above). For `kind`-discriminated files, the `kind` field selects the operation.
4. Compare:
   - `result: \"valid\"`: the operation must succeed and every expected output field present in the case must match
     exactly (strings byte for byte; hex is lower case; amounts are decimal strings of signed 64-bit integers).
   - `result: \"invalid\"`: the operation must fail, and your error must map to the machine code in `error`. Grade a
     wrong code as a failure: the codes are the conformance contract.
   - `result: \"acceptable\"`: either outcome passes; report which one you chose. (No case currently uses it.)
   - Intermediate fields (`digestHex`, `preimagePrefixHex`, `publicKeyHex`, `hash160Hex`, `signatureHex`,
     `recoveredAddress`, …) let you find the step at which you diverge; a strict runner also compares them.
   - Scenario files (`matching.json`, `tx_trace.json`, `ledger.json`, `nonce.json`, `relation.json`,
     `deposit.json`, `market.json`, `deposit_address.json`) hold a list of `steps`, each with its own time, inputs, expected outcome (and
     `error` for a refused step) and the state after it; run them in order on one fresh object. The case's
     `result` and `error` describe the last step, the step under test. Every input is written out (signed forms
     with their signatures, addresses, random bytes), so a runner needs no signer.
5. Name failures `<file-stem>#<tcId>` and print the `comment` and `flags`; the file's `notes` explain each flag's
   bug class and effect.

The Rust runner is `bitwrk-protocol/tests/vectors.rs` (`cargo test -p bitwrk-protocol --test vectors`); filter with
e.g. `-- signature_verify#`.

## Invariants

Every file here satisfies, and `bitwrk-protocol/tests/vectors.rs` checks:

- it is valid JSON and valid against `schema/<stem>.schema.json` (`additionalProperties: false`, required fields);
- `tcId`s are unique within the file, start at 1 and are consecutive in file order; a `tcId` is never reused for a
  different case;
- `numberOfTests` equals the number of tests;
- `error` is present exactly when `result` is `invalid`;
- every flag used by a test has an entry in `notes`;
- every `req` ID exists in the specification (`**[BW-…]**` in `spec/*.md`);
- there is no file whose `type` the runner does not know.

Expected values are independent of `bitwrk-protocol`: they are literal values from the cited sources, or constructed by
the generator from the specification text, with libsecp256k1 as the oracle for keys, signing and recovery. The
generator refuses to write a vector on which `bitwrk-protocol` disagrees.

## Regenerating

```sh
cargo run -p bitwrk-protocol --example vectorgen -- spec/vectors
```

The output is deterministic; CI can regenerate and require a clean `git diff`.
",
    );
    s
}
