#!/bin/sh
# The whole test suite: the quality gates, then every test (workerd projects, then the browser one).
set -eu
cd "$(dirname "$0")/.."
sh scripts/check.sh
sh scripts/ensure-chromium.sh
echo "== tests (vitest: workerd and a headless Chromium)"
vitest run
