/**
 * The three Workers of the bench, each served by Wrangler in this process on an ephemeral loopback
 * port with in-memory state (persist: false), so the bench never clashes with `npm start` (8787/8788)
 * nor leaves state behind, and no dev registry (nothing else can bind to them).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { parseEnv } from "node:util";
import { type Binding, type LocalWorker, startLocalWorker } from "../local-worker.ts";

export interface BenchWorkers {
	/** The local Flexiti sandbox: its origin (Flexiti's base path is `${sandbox}/flexiti/pos-api`). */
	sandbox: string;
	edge: string;
	passthrough: string;
	/** A receiver that verifies nothing and answers 200: the webhook baseline. */
	bare: string;
}

const started: LocalWorker[] = [];
let stateDir: string | undefined;
let stopping: Promise<void> | undefined;

/** Starts sandbox, edge and pass-through; the two relays point at the sandbox. */
export async function startWorkers(): Promise<BenchWorkers> {
	useMemoryForState();
	const sandbox = await start("functions/sandbox/wrangler.toml", {});
	const flexitiBaseUrl = `${sandbox}/flexiti/pos-api`;
	// Same local settings `npm start` uses, read from the example file (not .dev.vars, which a
	// developer may have edited); explicit bindings win over whatever .dev.vars holds.
	const secrets = Object.fromEntries(
		Object.entries(localSettings()).map(([name, value]) => [name, { type: "secret_text", value } satisfies Binding]),
	);
	const [edge, passthrough, bare] = await Promise.all([
		start("wrangler.toml", { ...secrets, FLEXITI_BASE_URL: { type: "plain_text", value: flexitiBaseUrl } }),
		start("bench/wrangler.toml", { UPSTREAM_BASE_URL: { type: "plain_text", value: flexitiBaseUrl } }),
		start("bench/bare.wrangler.toml", {}),
	]);
	return { sandbox, edge, passthrough, bare };
}

/** The public local-only settings of .dev.vars.example (secrets included, as Wrangler would load them). */
export function localSettings(): Record<string, string> {
	const parsed = parseEnv(readFileSync(".dev.vars.example", "utf8"));
	return Object.fromEntries(Object.entries(parsed).map(([name, value]) => [name, value ?? ""]));
}

/** Disposes every worker started so far and removes their state (safe to call twice, and after a failed start). */
export function stopWorkers(): Promise<void> {
	// Ctrl-C and the main flow's `finally` may both ask: they share one stop, and the state directory
	// goes only once every workerd using it has exited.
	stopping ??= (async () => {
		await Promise.allSettled(started.splice(0).map((worker) => worker.dispose()));
		if (stateDir) rmSync(stateDir, { recursive: true, force: true, maxRetries: 3 });
		stateDir = undefined;
	})();
	return stopping;
}

/**
 * With persist: false, Miniflare still keeps Durable Object and KV state (SQLite) in directories
 * under os.tmpdir(). On a disk-backed /tmp the sandbox's one Durable Object, which saves its whole
 * world after every call, then waits on disk writes and throughput halves and wobbles with whatever
 * else uses the disk. A private directory on tmpfs (/dev/shm, where there is one) keeps that state in
 * memory and is removed afterwards.
 */
function useMemoryForState(): void {
	if (stateDir || !existsSync("/dev/shm")) return;
	const dir = mkdtempSync(join("/dev/shm", "flexiti-bench-"));
	stateDir = dir;
	process.env.TMPDIR = dir;
	// Wrangler has its own SIGINT handling, which may exit before stopWorkers gets this far.
	process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
}

async function start(config: string, bindings: Record<string, Binding>): Promise<string> {
	const { origin, worker } = await startLocalWorker(config, bindings);
	started.push(worker);
	return origin;
}
