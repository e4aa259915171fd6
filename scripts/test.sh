#!/bin/sh
# The whole test suite: the quality gates, then every test in workerd.
set -eu
cd "$(dirname "$0")/.."
sh scripts/check.sh
echo "== tests (vitest in workerd)"
vitest run
