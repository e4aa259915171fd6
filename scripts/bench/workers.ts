/**
 * The three Workers of the bench, each served by Wrangler in this process on an ephemeral loopback
 * port with in-memory state (persist: false), so the bench never clashes with `npm start` (8787/8788)
 * nor leaves state behind, and no dev registry (nothing else can bind to them).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { parseEnv } from "node:util";
import { type Binding, type LocalWorker, startLocalWorker } from "../local-worker.ts";
import { workerdProcesses } from "./process-cpu.ts";
import { specExamples } from "./spec-examples.ts";

export interface BenchWorkers {
	/** The local Flexiti sandbox: its origin (Flexiti's base path is `${sandbox}/flexiti/pos-api`). */
	sandbox: string;
	edge: string;
	passthrough: string;
	/** A receiver that verifies nothing and answers 200: the webhook baseline. */
	bare: string;
	/** The fast upstream (answers each operation with the spec's example at once), and the edge and
	 * pass-through in front of it. */
	stub: string;
	edgeFast: string;
	passthroughFast: string;
	/** Another edge in front of the stub, with an inspector, only for the CPU profile: an inspector
	 * slows workerd down, so the measured edges have none. */
	edgeProfiled: string;
}

export type BenchWorker = keyof BenchWorkers;

/** The workerd processes each Worker's start spawned, for its CPU time. */
export const processesOf: Partial<Record<BenchWorker, number[]>> = {};
/** The profiled edge's inspector. */
export let edgeInspector: URL | undefined;

/** The bench's edges get limits far above its load: it measures their cost, not their limits. */
const unlimited = Object.fromEntries(
	(
		[
			["MERCHANT_LIMITER", "1401"],
			["CHECKOUT_CREATION_LIMITER", "1402"],
			["CHECKOUT_LIMITER", "1403"],
			["SHOPPER_IP_LIMITER", "1404"],
		] as const
	).map(([name, namespace_id]) => [
		name,
		{ type: "ratelimit", namespace_id, simple: { limit: 1_000_000_000, period: 60 } } satisfies Binding,
	]),
);

const started: LocalWorker[] = [];
let stateDir: string | undefined;
let stopping: Promise<void> | undefined;

/**
 * Starts sandbox and stub, and an edge and a pass-through in front of each, and the bare receiver;
 * one at a time, so that each Worker's processes are known (for their CPU time).
 */
export async function startWorkers(): Promise<BenchWorkers> {
	useMemoryForState();
	const sandbox = await start("sandbox", "functions/sandbox/wrangler.toml", {});
	const stub = await start("stub", "bench/stub.wrangler.toml", {
		EXAMPLES: { type: "plain_text", value: JSON.stringify(specExamples()) },
	});
	const flexitiBaseUrl = `${sandbox}/flexiti/pos-api`;
	const stubBaseUrl = `${stub}/flexiti/pos-api`;
	// Same local settings `npm start` uses, read from the example file (not .dev.vars, which a
	// developer may have edited); explicit bindings win over whatever .dev.vars holds.
	const secrets = Object.fromEntries(
		Object.entries(localSettings()).map(([name, value]) => [name, { type: "secret_text", value } satisfies Binding]),
	);
	const edgeBindings = (base: string) => ({
		...secrets,
		...unlimited,
		FLEXITI_BASE_URL: { type: "plain_text", value: base } satisfies Binding,
	});
	const edge = await start("edge", "wrangler.toml", edgeBindings(flexitiBaseUrl));
	const passthrough = await start("passthrough", "bench/wrangler.toml", {
		UPSTREAM_BASE_URL: { type: "plain_text", value: flexitiBaseUrl },
	});
	const edgeFast = await start("edgeFast", "wrangler.toml", edgeBindings(stubBaseUrl));
	const passthroughFast = await start("passthroughFast", "bench/wrangler.toml", {
		UPSTREAM_BASE_URL: { type: "plain_text", value: stubBaseUrl },
	});
	const bare = await start("bare", "bench/bare.wrangler.toml", {});
	const edgeProfiled = await start("edgeProfiled", "wrangler.toml", edgeBindings(stubBaseUrl), { inspector: true });
	return { sandbox, edge, passthrough, bare, stub, edgeFast, passthroughFast, edgeProfiled };
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

async function start(
	name: BenchWorker,
	config: string,
	bindings: Record<string, Binding>,
	options: { inspector?: boolean } = {},
): Promise<string> {
	const before = workerdProcesses();
	const { origin, worker, inspectorUrl } = await startLocalWorker(config, bindings, options);
	started.push(worker);
	processesOf[name] = [...workerdProcesses()].filter((pid) => !before.has(pid));
	if (name === "edgeProfiled") edgeInspector = inspectorUrl;
	return origin;
}
