#!/bin/sh
# The quality gates, in the order that fails fastest: generated code up to date, spec lint, import rules,
# type-check (which also compiles the type-level tests in test/types), lint and format.
set -eu
cd "$(dirname "$0")/.."
echo "== generated/ up to date"
node scripts/generate.ts --check
echo "== spec lint (redocly)"
redocly lint --format=stylish spec/*.yaml
echo "== imports (dependency-cruiser: no circles, runtime never imports scripts/, Workers apart, edge layers downward; rules in .dependency-cruiser.cjs)"
depcruise functions generated scripts test bench --config .dependency-cruiser.cjs
echo "== type-check (tsc, strict: each Worker, the SDK, the tests, scripts and bench on its own tsconfig.json)"
node scripts/typecheck.ts
echo "== lint and format (biome)"
biome ci .
