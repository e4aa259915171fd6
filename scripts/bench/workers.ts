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

/** The bench's edges (and the pass-throughs, which make the same calls where asked) get limits far
 * above its load: it measures their cost, not their limits. */
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

const running: LocalWorker[] = [];
let stateDir: string | undefined;
let stopping: Promise<void> | undefined;

/** What a Worker needs running before it starts: its upstream. */
const upstreamOf: Partial<Record<BenchWorker, BenchWorker>> = {
	edge: "sandbox",
	passthrough: "sandbox",
	edgeFast: "stub",
	passthroughFast: "stub",
	edgeProfiled: "stub",
};

/**
 * Starts the Workers the selected scenarios need (and their upstreams; the sandbox always, which the
 * bench's preparation uses): sandbox and stub, an edge and a pass-through in front of each, the bare
 * receiver; one at a time, so that each Worker's processes are known (for their CPU time). Workers
 * not needed are left out, so a subset of scenarios starts quickly.
 */
export async function startWorkers(needed: ReadonlySet<BenchWorker>): Promise<Partial<BenchWorkers>> {
	benchRuntime();
	const wanted = new Set<BenchWorker>(["sandbox"]);
	for (const name of needed) {
		wanted.add(name);
		const upstream = upstreamOf[name];
		if (upstream) wanted.add(upstream);
	}
	const started: Partial<BenchWorkers> = {};
	const sandbox = await start("sandbox", "functions/sandbox/wrangler.toml", {});
	started.sandbox = sandbox;
	const stub = wanted.has("stub")
		? await start("stub", "bench/stub.wrangler.toml", {
				EXAMPLES: { type: "plain_text", value: JSON.stringify(specExamples()) },
			})
		: "";
	if (stub) started.stub = stub;
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
	const passthroughBindings = (base: string) => ({
		...unlimited,
		UPSTREAM_BASE_URL: { type: "plain_text", value: base } satisfies Binding,
	});
	const plan: [BenchWorker, string, Record<string, Binding>, { inspector?: boolean; minify?: boolean }?][] = [
		["edge", "wrangler.toml", edgeBindings(flexitiBaseUrl)],
		["passthrough", "bench/wrangler.toml", passthroughBindings(flexitiBaseUrl)],
		// BENCH_EDGE_MINIFY=0: unminified, so that a native profile with V8's perf map names its functions.
		["edgeFast", "wrangler.toml", edgeBindings(stubBaseUrl), { minify: process.env.BENCH_EDGE_MINIFY !== "0" }],
		["passthroughFast", "bench/wrangler.toml", passthroughBindings(stubBaseUrl)],
		["bare", "bench/bare.wrangler.toml", {}],
		// Unminified (wrangler.toml minifies): the profile attributes samples by function name.
		["edgeProfiled", "wrangler.toml", edgeBindings(stubBaseUrl), { inspector: true, minify: false }],
	];
	for (const [name, config, bindings, options] of plan) {
		if (wanted.has(name)) started[name] = await start(name, config, bindings, options);
	}
	return started;
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
		await Promise.allSettled(running.splice(0).map((worker) => worker.dispose()));
		if (stateDir) rmSync(stateDir, { recursive: true, force: true, maxRetries: 3 });
		stateDir = undefined;
	})();
	return stopping;
}

/**
 * What every bench Worker runs with, whoever starts it (the load bench, micro.ts): state in memory, no
 * local observability collector. Before the first Worker starts.
 */
export function benchRuntime(): void {
	useMemoryForState();
	withoutLocalObservability();
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

/**
 * Wrangler's local dev streams every invocation's tail events (onset, logs, spans, outcome; a Durable
 * Object call is an invocation of its own) to Miniflare's observability collector, a Worker in the same
 * workerd process that turns each event into JavaScript objects for the local explorer. A native
 * profile of the webhook ack put it at 11 % of the edge's CPU and 6 % of the bare receiver's, and it
 * runs between requests on the same thread. A deployed Worker has no such collector in its isolate
 * (Workers Logs are gathered by the platform), so the bench turns it off for every Worker
 * (X_LOCAL_OBSERVABILITY, Wrangler's switch for it); `X_LOCAL_OBSERVABILITY=true npm run bench` keeps it.
 */
function withoutLocalObservability(): void {
	process.env.X_LOCAL_OBSERVABILITY ??= "false";
}

async function start(
	name: BenchWorker,
	config: string,
	bindings: Record<string, Binding>,
	options: { inspector?: boolean; minify?: boolean } = {},
): Promise<string> {
	const before = workerdProcesses();
	// Past Wrangler's dev proxy, which nothing deployed has (see local-worker.ts), unless asked for.
	const direct = process.env.BENCH_VIA_PROXY !== "1";
	const { origin, worker, inspectorUrl } = await startLocalWorker(config, bindings, { ...options, direct });
	running.push(worker);
	processesOf[name] = [...(await settledProcesses(origin))].filter((pid) => !before.has(pid));
	if (name === "edgeProfiled") edgeInspector = inspectorUrl;
	return origin;
}

/**
 * The workerd processes once a Worker has answered a request and no process has come or gone for a
 * second. Wrangler starts some of a Worker's processes (its proxy's) after `ready`, and restarts one
 * when it learns the Worker's address: without this wait they were counted as the next Worker's,
 * and a side's CPU per request went to the other side.
 */
export async function settledProcesses(origin: string): Promise<Set<number>> {
	await fetch(origin).then(
		(response) => response.arrayBuffer(),
		() => undefined,
	);
	let last = workerdProcesses();
	for (let stableFor = 0, waited = 0; stableFor < 1000 && waited < 15_000; waited += 250) {
		await new Promise((resolve) => setTimeout(resolve, 250));
		const now = workerdProcesses();
		stableFor = now.size === last.size && [...now].every((pid) => last.has(pid)) ? stableFor + 250 : 0;
		last = now;
	}
	return last;
}
