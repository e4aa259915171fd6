#!/bin/sh
# The whole test suite: the quality gates, then every test (workerd projects, then the browser one),
# closing with one plain "N passed, N failed" line.
#
# With arguments (`npm test -- test/sandbox/purchases.test.ts`, `npm test -- -t "capture"`,
# `npm test -- --project sandbox`) it is the fast loop: no gates, and the arguments go to `vitest run`,
# so only those files, names or projects run.
set -eu
cd "$(dirname "$0")/.."
if [ "$#" -eq 0 ]; then
	sh scripts/check.sh
	sh scripts/ensure-chromium.sh
else
	# The browser tests need chromium; a run that names no browser test does not.
	case "$*" in *browser*) sh scripts/ensure-chromium.sh ;; esac
fi
echo "== tests (vitest: workerd and a headless Chromium)"
# One results file per run: two runs side by side (a test of this script among them) must not share it.
results=".cache/test-results-$$.json"
mkdir -p .cache
status=0
vitest run --reporter=default --reporter=json --outputFile.json="$results" "$@" || status=$?
if [ -f "$results" ]; then
	node -e '
const r = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
' "$results"
	rm -f "$results"
fi
exit "$status"
