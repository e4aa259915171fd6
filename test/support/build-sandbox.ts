/**
 * The edge's tests run the local Flexiti sandbox beside the edge, as an auxiliary Worker bound to
 * the edge's `FLEXITI` service binding. Auxiliary Workers must be plain JavaScript, so the sandbox
 * is bundled here (with esbuild, as wrangler would) when the test configuration loads: the sandbox
 * with every answer checked against the spec (checked-sandbox.ts).
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseEnv } from "node:util";
import { buildSync } from "esbuild";

const root = resolve(import.meta.dirname, "../..");

export function buildSandbox(): string {
	const outfile = resolve(root, ".cache/test/sandbox.js");
	buildSync({
		entryPoints: [resolve(root, "test/support/checked-sandbox.ts")],
		outfile,
		bundle: true,
		format: "esm",
		platform: "neutral",
		target: "es2024",
		conditions: ["workerd", "worker", "browser"],
		external: ["cloudflare:*"],
		logLevel: "error",
	});
	return outfile;
}

/** The local-only settings of .dev.vars.example, which the tests use as the edge's vars and secrets. */
export function localSettings(): Record<string, string> {
	return parseEnv(readFileSync(resolve(root, ".dev.vars.example"), "utf8")) as Record<string, string>;
}
