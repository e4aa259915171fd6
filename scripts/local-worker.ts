/**
 * Starts one of the project's Workers locally with Wrangler (the machinery of `wrangler dev`), for the
 * bench and the browser tests: an ephemeral 127.0.0.1 port, in-memory state, no inspector, no file
 * watching, and no dev registry, so it never clashes with `npm start` (8787/8788).
 */
import { appendFileSync } from "node:fs";
import { unstable_DevEnv, type unstable_startWorker } from "wrangler";

export type Binding =
	| { type: "plain_text" | "secret_text"; value: string }
	| { type: "ratelimit"; namespace_id: string; simple: { limit: number; period: 10 | 60 } };
export type LocalWorker = Awaited<ReturnType<typeof unstable_startWorker>>;

export async function startLocalWorker(
	config: string,
	bindings: Record<string, Binding> = {},
	/** With an inspector (the bench's CPU profile): its URL comes back as `inspectorUrl`. */
	/** `port`: 0 (default) is any free port; a fixed one only when another Worker must know the origin first. */
	/** `minify: false` overrides the config's `minify` (the profiled edge: its profile reads the bundle's module comments). */
	/** `entrypoint`: another main module than the config's (a bench's wrapper of the same Worker and bindings). */
	/** `direct`: `origin` is the Worker's own address, past Wrangler's dev proxy (see `directOrigin`). */
	options: { inspector?: boolean; port?: number; minify?: boolean; entrypoint?: string; direct?: boolean } = {},
): Promise<{ origin: string; worker: LocalWorker; inspectorUrl?: URL }> {
	// Option names checked against wrangler's cli.js (resolveDevConfig): its .d.ts takes StartDevWorkerInput
	// from a package that is not installed, so tsc does not check them. logLevel "error": a Worker's own
	// log lines would otherwise be printed by this process. (unstable_startWorker is `new DevEnv()` and
	// its `startWorker`: made here, so that its errors are listened to before anything starts.)
	const devEnv = new unstable_DevEnv();
	const failure = startFailure(devEnv);
	const starting = devEnv.startWorker({
		config,
		bindings,
		...(options.minify !== undefined ? { build: { minify: options.minify } } : {}),
		...(options.entrypoint ? { entrypoint: options.entrypoint } : {}),
		dev: {
			server: { hostname: "127.0.0.1", port: options.port ?? 0 },
			inspector: options.inspector ? { hostname: "127.0.0.1", port: 0 } : false,
			persist: false,
			watch: false,
			liveReload: false,
			logLevel: "error",
			// A Worker's log lines as logLevel "error" shows them (errors only), without Wrangler's own
			// handler: it source-maps every line and hands it to its logger, which then drops all but
			// errors. That cost ~0.7 ms of this process's CPU per line (BENCHMARKS.md, session 5): on two
			// cores, a Worker that logs each request paid for it in throughput, one that does not did not.
			structuredLogsHandler: ({ level, message }: { level: string; message: string }) => {
				if (level === "error") console.error(message);
				// BENCH_GC_LOG=<file> with MINIFLARE_WORKERD_V8_FLAGS=--trace-gc (or --trace-gc-nvp, a JSON object per
				// collection: scripts/bench/ack-gc.ts): V8's garbage collections (which
				// workerd prints as plain lines) go to that file, each with its process and isolate.
				else if (process.env.BENCH_GC_LOG && /: (Scavenge|Mark-Compact|Mark-Sweep|Minor|GC: \{)/.test(message))
					appendFileSync(process.env.BENCH_GC_LOG, `${message}\n`);
			},
		},
	});
	let worker: LocalWorker | undefined;
	let direct: string | undefined;
	try {
		worker = await Promise.race([starting, failure.reason]);
		// Awaited beside `ready`: should the Worker fail to start, its address is not waited for.
		[, direct] = await Promise.all([
			Promise.race([worker.ready, failure.reason]),
			options.direct ? directOrigin(worker) : undefined,
		]);
	} catch (error) {
		await devEnv.teardown().catch(() => undefined); // the runtime's processes, whatever did start
		throw error;
	} finally {
		failure.stop();
	}
	const inspectorUrl = options.inspector ? await worker.inspectorUrl : undefined;
	const origin = direct ?? (await worker.url).origin;
	return { origin, worker, ...(inspectorUrl ? { inspectorUrl } : {}) };
}

/**
 * Why the Worker cannot start, as soon as Wrangler says: its `ready` never settles when the runtime
 * fails to start (a port already taken, say) — it only emits the error on its DevEnv, and a test that
 * waited on it hung until its hook's timeout, with nothing said. `reason` rejects with Wrangler's
 * message; `stop` once started (later errors are Wrangler's to report, as in `wrangler dev`).
 */
function startFailure(devEnv: InstanceType<typeof unstable_DevEnv>): { reason: Promise<never>; stop(): void } {
	type DevEnvError = Error | { source?: string; reason?: string; cause?: unknown };
	let onError: (error: DevEnvError) => void = () => undefined;
	const reason = new Promise<never>((_, reject) => {
		onError = (error) => {
			const cause = error instanceof Error ? undefined : error.cause;
			const what = error instanceof Error ? error.message : `${error.source ?? "wrangler"}: ${error.reason ?? ""}`;
			reject(new Error(`the Worker did not start: ${what}${cause instanceof Error ? ` (${cause.message})` : ""}`));
		};
	});
	reason.catch(() => undefined); // awaited only while starting
	devEnv.once("error", onError);
	return { reason, stop: () => devEnv.off("error", onError) };
}

/**
 * The Worker's own address. `wrangler dev` serves a Worker through a proxy Worker in a workerd process
 * of its own (it holds requests while the Worker reloads), which copies every request and response:
 * about 1.1 ms of CPU per request on the bench's machine, more than the bare webhook receiver's own
 * 0.9 ms, and a second single-threaded server, with its own pauses, in front of both sides of every
 * comparison. Nothing deployed has it. The address comes with each `reloadComplete`, which Wrangler's
 * DevEnv re-emits for its callers; listened for as soon as the Worker is created, before its bundle is
 * built, so the first cannot be missed.
 */
function directOrigin(worker: LocalWorker): Promise<string> {
	type ReloadComplete = { proxyData: { userWorkerUrl: { protocol: string; hostname: string; port: string } } };
	const devEnv = worker.raw as unknown as {
		once(event: "reloadComplete", listener: (event: ReloadComplete) => void): void;
	};
	return new Promise((resolve, reject) => {
		const late = setTimeout(() => reject(new Error("the Worker's runtime did not report its address in 60 s")), 60_000);
		late.unref(); // never what keeps the process alive
		devEnv.once("reloadComplete", ({ proxyData: { userWorkerUrl: url } }) => {
			clearTimeout(late);
			resolve(`${url.protocol}//${url.hostname}:${url.port}`);
		});
	});
}
