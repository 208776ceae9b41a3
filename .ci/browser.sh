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
cargo test -p ref-client --test browser -- --test-threads=1
