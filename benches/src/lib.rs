//! Criterion benchmarks for the BitWrk protocol core; see `README.md`.
//! The benchmarks live under `benches/`; this library is empty.
