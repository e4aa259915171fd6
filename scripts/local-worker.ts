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
	/** `direct`: `origin` is the Worker's own address, past Wrangler's dev proxy (see `reloadOf`). */
	options: { inspector?: boolean; port?: number; minify?: boolean; entrypoint?: string; direct?: boolean } = {},
): Promise<{ origin: string; worker: LocalWorker; inspectorUrl?: URL }> {
	// Option names checked against wrangler's cli.js (resolveDevConfig): its .d.ts takes StartDevWorkerInput
	// from a package that is not installed, so tsc does not check them. logLevel "error": a Worker's own
	// log lines would otherwise be printed by this process. (unstable_startWorker is `new DevEnv()` and
	// its `startWorker`: made here, so that its errors are listened to before anything starts.)
	const devEnv = new unstable_DevEnv() as DevEnv;
	const failure = startFailure(devEnv);
	const firstReload = reloadOf(devEnv);
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
	let worker: LocalWorker;
	let reloaded: ReloadComplete;
	try {
		worker = await Promise.race([starting, failure.reason]);
		// Started: the proxy is ready, and the Worker's own runtime has loaded it (its first reload).
		[, reloaded] = await Promise.all([
			Promise.race([worker.ready, failure.reason]),
			Promise.race([firstReload, failure.reason]),
		]);
	} catch (error) {
		await devEnv.teardown().catch(() => undefined); // the runtime's processes, whatever did start
		throw notStarted(error);
	} finally {
		failure.stop();
	}
	const url = reloaded.proxyData.userWorkerUrl;
	const direct = options.direct ? `${url.protocol}//${url.hostname}:${url.port}` : undefined;
	const inspectorUrl = options.inspector ? await worker.inspectorUrl : undefined;
	const origin = direct ?? (await worker.url).origin;
	return { origin, worker, ...(inspectorUrl ? { inspectorUrl } : {}) };
}

/** Wrangler's DevEnv as this module listens to it (the events `wrangler dev` itself waits on). */
type DevEnv = InstanceType<typeof unstable_DevEnv> & {
	once(event: "error" | "buildFailed", listener: (error: DevEnvError) => void): void;
	off(event: "error" | "buildFailed", listener: (error: DevEnvError) => void): void;
	once(event: "reloadComplete", listener: (event: ReloadComplete) => void): void;
};
type DevEnvError = Error | { source?: string; reason?: string; cause?: unknown };
/** What the DevEnv says each time the Worker's runtime has (re)loaded it: among others, its own address. */
type ReloadComplete = { proxyData: { userWorkerUrl: { protocol: string; hostname: string; port: string } } };

/**
 * Why the Worker cannot start, as soon as Wrangler says. Its `ready` never settles when the runtime
 * fails to start (a port already taken, say): the DevEnv only emits "error" (or "buildFailed", for
 * the bundle or the config), and a test that waited on `ready` hung until its hook's timeout, with
 * nothing said. `reason` rejects with Wrangler's message; `stop` once started (later errors are
 * Wrangler's to report, as in `wrangler dev`, whose own start waits on the same two events).
 */
function startFailure(devEnv: DevEnv): { reason: Promise<never>; stop(): void } {
	let onError: (error: DevEnvError) => void = () => undefined;
	const reason = new Promise<never>((_, reject) => {
		onError = (error) => reject(notStarted(error));
	});
	reason.catch(() => undefined); // awaited only while starting
	devEnv.once("error", onError);
	devEnv.once("buildFailed", onError);
	return {
		reason,
		stop: () => {
			devEnv.off("error", onError);
			devEnv.off("buildFailed", onError);
		},
	};
}

/** Why the Worker did not start, as one message: Wrangler's, with its cause's (a build's errors, say). */
function notStarted(error: unknown): Error {
	if (error instanceof Error && error.message.startsWith("the Worker did not start")) return error;
	const event = error as DevEnvError;
	const what = event instanceof Error ? event.message : `${event?.source ?? "wrangler"}: ${event?.reason ?? ""}`;
	const cause = (event as { cause?: unknown } | undefined)?.cause;
	return new Error(`the Worker did not start: ${what}${cause instanceof Error ? ` (${cause.message})` : ""}`, {
		cause: error,
	});
}

/**
 * The first `reloadComplete`: the Worker's runtime has loaded it (`ready` is the dev proxy's), and it
 * names the Worker's own address. `wrangler dev` serves a Worker through a proxy Worker in a workerd
 * process of its own (it holds requests while the Worker reloads), which copies every request and
 * response: about 1.1 ms of CPU per request on the bench's machine, more than the bare webhook
 * receiver's own 0.9 ms, and a second single-threaded server, with its own pauses, in front of both
 * sides of every comparison; nothing deployed has it, so `direct` goes past it. Listened for before
 * the Worker is started, so the first cannot be missed.
 */
function reloadOf(devEnv: DevEnv): Promise<ReloadComplete> {
	const reload = new Promise<ReloadComplete>((resolve, reject) => {
		const late = setTimeout(() => reject(new Error("the Worker's runtime did not load it in 60 s")), 60_000);
		late.unref(); // never what keeps the process alive
		devEnv.once("reloadComplete", (event) => {
			clearTimeout(late);
			resolve(event);
		});
	});
	reload.catch(() => undefined); // a start that failed first never awaits it
	return reload;
}
