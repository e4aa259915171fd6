/**
 * The edge's tests run the local Flexiti sandbox beside the edge, as an auxiliary Worker bound to
 * the edge's `FLEXITI` service binding. Auxiliary Workers must be plain JavaScript, so the sandbox
 * is bundled here (with esbuild, as wrangler would) when the test configuration loads: the sandbox
 * with every answer checked against the spec (checked-sandbox.ts).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseEnv } from "node:util";
import { buildSync } from "esbuild";

const root = resolve(import.meta.dirname, "../..");

/**
 * The bundle's path. Written only when its contents change, and whole (a new file renamed over the old):
 * vitest runs side by side (npm test runs two; test/node/npm-test-args.test.ts starts more) each load this
 * configuration, and one must never read a bundle another is writing.
 */
export function buildSandbox(): string {
	const outfile = resolve(root, ".cache/test/sandbox.js");
	const [bundle] = buildSync({
		entryPoints: [resolve(root, "test/support/checked-sandbox.ts")],
		outfile,
		write: false,
		bundle: true,
		format: "esm",
		platform: "neutral",
		target: "es2024",
		conditions: ["workerd", "worker", "browser"],
		external: ["cloudflare:*"],
		logLevel: "error",
	}).outputFiles;
	if (!bundle) throw new Error("esbuild wrote no sandbox bundle");
	if (readOr(outfile) !== bundle.text) {
		mkdirSync(dirname(outfile), { recursive: true });
		const partial = `${outfile}.${process.pid}.partial`;
		writeFileSync(partial, bundle.contents);
		renameSync(partial, outfile);
	}
	return outfile;
}

function readOr(path: string): string | undefined {
	try {
		return readFileSync(path, "utf8");
	} catch {
		return undefined;
	}
}

/** The local-only settings of .dev.vars.example, which the tests use as the edge's vars and secrets. */
export function localSettings(): Record<string, string> {
	return parseEnv(readFileSync(resolve(root, ".dev.vars.example"), "utf8")) as Record<string, string>;
}
