#!/usr/bin/env bash
# Browser tests of the reference client's UI in headless Chromium
# (ref-client/tests/browser.rs). Installs Chromium and its WebDriver from
# Debian, then runs the tests with BITWRK_CHROMEDRIVER set; screenshots go
# to target/browser-artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_INCREMENTAL=0
apt-get update
apt-get install -y chromium chromium-driver
export BITWRK_CHROMEDRIVER="${BITWRK_CHROMEDRIVER:-$(command -v chromedriver)}"
export BITWRK_CHROMIUM="${BITWRK_CHROMIUM:-$(command -v chromium)}"
# `--workspace`: the same feature set as the README's test command, so the
# test binary that command built is reused instead of rebuilding the crates.
cargo test --workspace --test browser -- --test-threads=1
