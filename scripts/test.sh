#!/bin/sh
# The whole test suite: the quality gates and every test (workerd projects, the projects that start
# processes, and the browser one), closing with one plain "N passed, N failed" line.
#
# Without arguments the parts run side by side, since no part keeps a 2-core machine busy on its own (a
# run one part after another used about one core in two; CI took 9.5 minutes so, on two cores):
#   - the gates (scripts/check.sh) in the background from the start; they read the sources and write nothing;
#   - meanwhile chromium, installed if missing (scripts/ensure-chromium.sh), before any test starts;
#   - then two vitest runs: the browser project (its files one at a time, as before) beside all the others.
# The other vitest run prints as it goes; the browser run's output and the gates' follow, each whole, once
# all have ended. The run fails naming every part that failed.
#
# With arguments (`npm test -- test/sandbox/purchases.test.ts`, `npm test -- -t "capture"`,
# `npm test -- --project sandbox`) it is the fast loop: no gates, and the arguments go to `vitest run`,
# so only those files, names or projects run.
set -eu
cd "$(dirname "$0")/.."
mkdir -p .cache
# One results file per vitest run: two runs side by side (a test of this script among them) must not share one.
results=".cache/test-results-$$"

# vitest run with the JSON results beside the default reporter; $1 names the results file.
vitest_run() {
	out="$1"
	shift
	vitest run --reporter=default --reporter=json --outputFile.json="$out" "$@"
}

# "tests: N passed, N failed, N skipped" over the results files given (those that exist), and the files
# that failed outside any test (a hook, an import: their tests count as skipped, not failed).
summary() {
	node -e '
const fs = require("node:fs");
const files = process.argv.slice(1).filter((file) => fs.existsSync(file));
const results = files.map((file) => JSON.parse(fs.readFileSync(file, "utf8")));
const sum = (key) => results.reduce((total, r) => total + r[key], 0);
const outside = results
	.flatMap((r) => r.testResults)
	.filter((f) => f.status === "failed" && !f.assertionResults.some((t) => t.status === "failed"));
const also = outside.length > 0 ? `; ${outside.length} file(s) failed outside their tests: ${outside.map((f) => f.name.replace(process.cwd() + "/", "")).join(", ")}` : "";
console.log(`tests: ${sum("numPassedTests")} passed, ${sum("numFailedTests")} failed, ${sum("numPendingTests") + sum("numTodoTests")} skipped${also}`);
' "$@"
	rm -f "$@"
}

if [ "$#" -gt 0 ]; then
	# The browser tests need chromium; a run that names no browser test does not.
	case "$*" in *browser*) sh scripts/ensure-chromium.sh ;; esac
	echo "== tests (vitest: workerd and a headless Chromium)"
	status=0
	vitest_run "$results.json" "$@" || status=$?
	summary "$results.json"
	exit "$status"
fi

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
began=$(date +%s)
# Each background part writes its exit status to $logs/<part>.status when it ends, and when that was
# (seconds after the start) to $logs/<part>.seconds.
in_background() {
	part="$1"
	shift
	(
		status=0
		"$@" >"$logs/$part.log" 2>&1 || status=$?
		echo "$(($(date +%s) - began))" >"$logs/$part.seconds"
		echo "$status" >"$logs/$part.status"
	) &
}

# The gates are no test's prerequisite, so they yield the CPU to the tests (nice): they use what the tests
# leave idle rather than slow the start of the tests, which decide when the run ends.
in_background gates nice -n 5 sh scripts/check.sh
chromium=0
sh scripts/ensure-chromium.sh || chromium=$?
failed=""
if [ "$chromium" = "0" ]; then
	# The edge's static assets, built once here: each vitest run's configuration builds them when stale,
	# and two runs starting together would both rebuild the same directory.
	node scripts/build-assets.ts
	echo "== tests (vitest: the workerd projects and those that start processes; the browser tests run beside them, their output follows)"
	in_background browser vitest_run "$results-browser.json" --project browser
	status=0
	# A run of these projects has stalled, rarely (3 of about 15 on this machine in one day), between two
	# workerd projects: the first project's Miniflare never finished disposing (its workerd idle, vitest
	# waiting on it, nothing failed). A run that has not ended in VITEST_STALL_SECONDS (default 600; one
	# takes 3 to 5 minutes) is stopped, with every process it started, and made once more; a run that
	# ends, passed or failed, is never repeated.
	limit="${VITEST_STALL_SECONDS:-600}"
	timeout --kill-after=15 "$limit" vitest run --reporter=default --reporter=json --outputFile.json="$results.json" \
		--project '!browser' || status=$?
	if [ "$status" = "124" ] || [ "$status" = "137" ]; then
		echo "== the vitest run did not end in $limit s (stalled): stopped, and run once more"
		status=0
		timeout --kill-after=15 "$limit" vitest run --reporter=default --reporter=json \
			--outputFile.json="$results.json" --project '!browser' || status=$?
	fi
	echo "(this vitest run ended $(($(date +%s) - began)) s after the start)"
	[ "$status" = "0" ] || failed="$failed tests"
else
	failed="$failed chromium"
fi
wait

if [ -f "$logs/browser.status" ]; then
	echo "== tests (vitest: the browser project, beside the others; ended $(cat "$logs/browser.seconds") s after the start)"
	cat "$logs/browser.log"
	[ "$(cat "$logs/browser.status")" = "0" ] || failed="$failed browser-tests"
fi
echo "== quality gates (beside the tests; ended $(cat "$logs/gates.seconds") s after the start)"
cat "$logs/gates.log"
[ "$(cat "$logs/gates.status")" = "0" ] || failed="$failed gates"
summary "$results.json" "$results-browser.json"
if [ -n "$failed" ]; then
	echo "== failed:$failed" >&2
	exit 1
fi
