/**
 * The three Workers of the bench, each served by Wrangler in this process on an ephemeral loopback
 * port with in-memory state (persist: false), so the bench never clashes with `npm start` (8787/8788)
 * nor leaves state behind, and no dev registry (nothing else can bind to them).
 */
import { readFileSync } from "node:fs";
import { parseEnv } from "node:util";
import { unstable_startWorker } from "wrangler";

type DevWorker = Awaited<ReturnType<typeof unstable_startWorker>>;
type Binding = { type: "plain_text" | "secret_text"; value: string };

export interface BenchWorkers {
	/** The local Flexiti sandbox: its origin (Flexiti's base path is `${sandbox}/flexiti/pos-api`). */
	sandbox: string;
	edge: string;
	passthrough: string;
}

const started: DevWorker[] = [];

/** Starts sandbox, edge and pass-through; the two relays point at the sandbox. */
export async function startWorkers(): Promise<BenchWorkers> {
	const sandbox = await start("functions/sandbox/wrangler.toml", {});
	const flexitiBaseUrl = `${sandbox}/flexiti/pos-api`;
	// Same local settings `npm start` uses, read from the example file (not .dev.vars, which a
	// developer may have edited); explicit bindings win over whatever .dev.vars holds.
	const secrets = Object.fromEntries(
		Object.entries(localSettings()).map(([name, value]) => [name, { type: "secret_text", value } satisfies Binding]),
	);
	const [edge, passthrough] = await Promise.all([
		start("wrangler.toml", { ...secrets, FLEXITI_BASE_URL: { type: "plain_text", value: flexitiBaseUrl } }),
		start("bench/wrangler.toml", { UPSTREAM_BASE_URL: { type: "plain_text", value: flexitiBaseUrl } }),
	]);
	return { sandbox, edge, passthrough };
}

/** The public local-only settings of .dev.vars.example (secrets included, as Wrangler would load them). */
export function localSettings(): Record<string, string> {
	const parsed = parseEnv(readFileSync(".dev.vars.example", "utf8"));
	return Object.fromEntries(Object.entries(parsed).map(([name, value]) => [name, value ?? ""]));
}

/** Disposes every worker started so far (safe to call twice, and after a failed start). */
export async function stopWorkers(): Promise<void> {
	const workers = started.splice(0);
	await Promise.allSettled(workers.map((worker) => worker.dispose()));
}

async function start(config: string, bindings: Record<string, Binding>): Promise<string> {
	// Option names as in test/browser/widget.test.ts (checked against wrangler's resolveDevConfig).
	// logLevel "error": the edge's per-request log lines would otherwise be printed by this process,
	// which is also the load generator.
	const worker = await unstable_startWorker({
		config,
		bindings,
		dev: {
			server: { hostname: "127.0.0.1", port: 0 },
			inspector: false,
			persist: false,
			watch: false,
			liveReload: false,
			logLevel: "error",
		},
	});
	started.push(worker);
	await worker.ready;
	return (await worker.url).origin;
}
