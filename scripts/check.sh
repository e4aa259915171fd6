#!/bin/sh
# The quality gates: generated code up to date, spec lint, import rules, type-check (which also compiles the
# type-level tests in test/types), lint and format.
# They read the sources and write nothing, so they run side by side (one after another they took 72 s on a
# loaded 2-core machine, most of it the type-check); each gate's output is printed whole, in this order,
# once all have ended, and the run fails naming every gate that failed.
set -eu
cd "$(dirname "$0")/.."
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

gates="generated spec imports types lint"
title() {
	case "$1" in
	generated) echo "generated/ up to date" ;;
	spec) echo "spec lint (redocly)" ;;
	imports) echo "imports (dependency-cruiser: no circles, runtime never imports scripts/, Workers apart, edge layers downward; rules in .dependency-cruiser.cjs)" ;;
	types) echo "type-check (tsc, strict: each Worker, the SDK, the tests, scripts and bench on its own tsconfig.json)" ;;
	lint) echo "lint and format (biome)" ;;
	esac
}
run_gate() {
	case "$1" in
	generated) node scripts/generate.ts --check ;;
	spec) redocly lint --format=stylish spec/*.yaml ;;
	imports) depcruise functions generated scripts test bench --config .dependency-cruiser.cjs ;;
	types) node scripts/typecheck.ts ;;
	lint) biome ci . ;;
	esac
}

for gate in $gates; do
	(
		status=0
		run_gate "$gate" >"$logs/$gate.log" 2>&1 || status=$?
		echo "$status" >"$logs/$gate.status"
	) &
done
wait

failed=""
for gate in $gates; do
	echo "== $(title "$gate")"
	cat "$logs/$gate.log"
	[ "$(cat "$logs/$gate.status")" = "0" ] || failed="$failed $gate"
done
if [ -n "$failed" ]; then
	echo "== failed:$failed" >&2
	exit 1
fi
