#!/bin/sh
# The whole test suite: the quality gates, then every test (workerd projects, then the browser one),
# closing with one plain "N passed, N failed" line.
set -eu
cd "$(dirname "$0")/.."
sh scripts/check.sh
sh scripts/ensure-chromium.sh
echo "== tests (vitest: workerd and a headless Chromium)"
status=0
vitest run --reporter=default --reporter=json --outputFile.json=.cache/test-results.json || status=$?
node -e '
const r = JSON.parse(require("node:fs").readFileSync(".cache/test-results.json", "utf8"));
console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
'
exit "$status"
