/**
 * `npm run deploy -- --env <staging|production> [--dry-run] [--skip-gates]`: deploys the edge to one
 * of wrangler.toml's environments, only after
 *   1. the quality gates (scripts/check.sh; --skip-gates where they just ran, as in `npm test`),
 *   2. the static assets (API reference pages) built from spec/,
 *   3. `wrangler deploy --dry-run` of that environment (config and bundle; no account needed),
 *   4. the bundle-size check (gzipped, as Cloudflare counts it) against BUNDLE_BUDGET_KIB,
 *   5. the environment's KV namespace created (`npm run setup`), then `wrangler deploy --env <env>`.
 * With --dry-run it stops before step 5: CI runs that for every environment.
 */
import { execFileSync } from "node:child_process";
import { edgeBundleSize } from "./bench/bundle.ts";
import { buildAssets } from "./build-assets.ts";
import { envArgument, KV_ID_PLACEHOLDER, orderIndexD1Id, tokensKvId } from "./environments.ts";

/** The edge's gzipped bundle budget (BENCHMARKS.md); Cloudflare's own limit is 3 MiB (free) / 10 MiB. */
const BUNDLE_BUDGET_KIB = 100;

const args = process.argv.slice(2);
const dryRun = args.includes("--dry-run");

try {
	const env = envArgument(args, "deploy");
	if (!args.includes("--skip-gates")) step("quality gates", () => run("sh", ["scripts/check.sh"]));
	step("static assets", () => buildAssets());
	step(`wrangler deploy --dry-run --env ${env}, bundle size`, () => {
		const size = edgeBundleSize("wrangler.toml", env);
		const kib = size.gzipBytes / 1024;
		console.log(
			`bundle: ${(size.bytes / 1024).toFixed(1)} KiB, ${kib.toFixed(1)} KiB gzipped (budget ${BUNDLE_BUDGET_KIB} KiB)`,
		);
		if (kib > BUNDLE_BUDGET_KIB) throw new Error(`The bundle is over its budget: ${kib.toFixed(1)} KiB gzipped.`);
	});
	if (dryRun) {
		console.log(`Dry run: ${env} would deploy; nothing was uploaded.`);
	} else {
		if (tokensKvId(env) === KV_ID_PLACEHOLDER) {
			throw new Error(`The ${env} environment has no KV namespace yet: run npm run setup -- --env ${env} first.`);
		}
		if (orderIndexD1Id(env) === KV_ID_PLACEHOLDER) {
			throw new Error(`The ${env} environment has no D1 database yet: run npm run setup -- --env ${env} first.`);
		}
		step(`wrangler deploy --env ${env}`, () => run("wrangler", ["deploy", "--env", env]));
	}
} catch (error) {
	console.error(`\n${error instanceof Error ? error.message : String(error)}`);
	process.exit(1);
}

function step(name: string, action: () => void): void {
	console.log(`== ${name}`);
	action();
}

function run(command: string, commandArgs: string[]): void {
	execFileSync(command, commandArgs, { stdio: "inherit" });
}
