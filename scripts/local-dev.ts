/**
 * The machinery of `npm start`: one `wrangler dev` per Worker, each with its own persistence
 * directory, a check that each port is free before anything starts, and a readiness probe that
 * turns "a Worker died while starting" into one clear message.
 *
 * Why one state directory per Worker: two `wrangler dev` processes that persist to the same
 * directory open the same workerd SQLite files; on a first start (no state yet) both create them at
 * once and one dies with `SQLITE_BUSY: database is locked`. Apart, they never touch each other's files.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { redactPath } from "../functions/edge/core/redact.ts";

export interface DevWorker {
	/** How the Worker is called in messages: "edge", "sandbox". */
	name: string;
	/** The wrangler config of the Worker. */
	config: string;
	port: number;
	/** The environment variable that moves this Worker to another port. */
	portSetting: string;
	/** Extra `wrangler dev` arguments (vars). */
	args?: string[];
}

export interface DevSession {
	/** Resolves once every Worker answers HTTP; rejects with a message that says which failed and why. */
	ready: Promise<void>;
	/** Resolves with the exit code once every Worker has stopped. */
	stopped: Promise<number>;
	stop(code?: number): void;
}

export const HOST = "127.0.0.1";

/**
 * A setting's value with every local address of one of `npm start`'s Workers (`127.0.0.1:<port>` or
 * `localhost:<port>` after `//`) moved to the port that Worker listens on this time: `moved` maps each
 * default port (8787, 8788, 3000) to the one in use. Other addresses, and other ports, are left alone.
 */
export function followPorts(value: string, moved: Record<number, number>): string {
	return value.replace(/(\/\/(?:127\.0\.0\.1|localhost)):(\d+)(?!\d)/g, (whole, host: string, port: string) => {
		const now = moved[Number(port)];
		return now === undefined ? whole : `${host}:${now}`;
	});
}

/** A message that tells a person what to do; printed without a stack trace. */
export class StartError extends Error {}

/** Refuses a port that something already listens on, naming the port and the setting that moves it. */
export async function assertPortFree(worker: DevWorker): Promise<void> {
	const server = createServer();
	const failure = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
		server.once("error", resolve);
		server.listen(worker.port, HOST, () => server.close(() => resolve(undefined)));
	});
	if (failure?.code === "EADDRINUSE") throw new StartError(portTakenMessage(worker));
	if (failure)
		throw new StartError(`Cannot listen on ${HOST}:${worker.port} for the ${worker.name}: ${failure.message}`);
}

function portTakenMessage(worker: DevWorker): string {
	return (
		`Port ${worker.port} (the ${worker.name}) is already in use on ${HOST}: another \`npm start\` may be running.\n` +
		`Stop it, or start on another port: ${worker.portSetting}=${worker.port + 10} npm start`
	);
}

/**
 * Starts every Worker under `wrangler dev`, persisting to `<stateDir>/<name>`, and prints their output
 * prefixed with their name. If one stops (or never answers within `startTimeoutMs`), all are stopped.
 */
export function startDevWorkers(
	workers: DevWorker[],
	{ stateDir, startTimeoutMs = 90_000 }: { stateDir: string; startTimeoutMs?: number },
): DevSession {
	let stopping = false;
	let exitCode = 0;
	let isReady = false;
	const children = new Map<string, ChildProcess>();
	const recent = new Map<string, string[]>();

	let failStart: (error: Error) => void = () => {};
	const failed = new Promise<never>((_, reject) => {
		failStart = reject;
	});
	failed.catch(() => {});

	const exits = workers.map((worker) => {
		const child = spawn(
			"wrangler",
			[
				"dev",
				"-c",
				worker.config,
				"--ip",
				HOST,
				"--port",
				String(worker.port),
				"--inspector-port",
				"0",
				"--persist-to",
				join(stateDir, worker.name),
				"--show-interactive-dev-session=false",
				...(worker.args ?? []),
			],
			{
				stdio: ["ignore", "pipe", "pipe"],
				// Its own dev registry: Workers of another checkout (or another test run) never see these.
				env: { ...process.env, FORCE_COLOR: "0", WRANGLER_REGISTRY_PATH: join(stateDir, "registry") },
			},
		);
		children.set(worker.name, child);
		const lines: string[] = [];
		recent.set(worker.name, lines);
		for (const stream of [child.stdout, child.stderr]) {
			stream?.on("data", (chunk: Buffer) => {
				for (const line of chunk.toString().split("\n")) {
					// Once we asked them to stop, what wrangler and esbuild print while shutting down is noise.
					if (!line.trim() || stopping) continue;
					const shown = redactedAccessLine(line);
					console.log(`[${worker.name}] ${shown}`);
					lines.push(shown);
					if (lines.length > 40) lines.shift();
				}
			});
		}
		return new Promise<void>((resolve) => {
			child.on("exit", (code, signal) => {
				if (!stopping) {
					const why = isReady
						? `The ${worker.name} stopped (wrangler exited with ${code ?? signal}).`
						: startFailureMessage(worker, code ?? signal ?? "unknown", lines);
					// Before readiness the caller reports it (session.ready rejects); after, nobody else will.
					if (isReady) console.error(`\n${why} Stopping the other Workers.`);
					failStart(new StartError(why));
					stop(code || 1);
				}
				resolve();
			});
		});
	});

	// SIGINT, as Ctrl-C would: wrangler then shuts workerd and esbuild down in order (SIGTERM leaves esbuild
	// printing a deadlock trace).
	function stop(code = 0): void {
		if (stopping) return;
		stopping = true;
		exitCode = code;
		for (const child of children.values()) if (child.exitCode === null) child.kill("SIGINT");
	}

	const ready = Promise.race([
		Promise.all(workers.map((worker) => answersHttp(worker, () => stopping))).then(() => {
			isReady = true;
		}),
		failed,
		new Promise<never>((_, reject) =>
			setTimeout(() => {
				if (isReady || stopping) return;
				const message = `The Workers did not answer within ${startTimeoutMs / 1000} s (${workers
					.map((worker) => `${worker.name} on ${HOST}:${worker.port}`)
					.join(", ")}); see their output above.`;
				reject(new StartError(message));
				stop(1);
			}, startTimeoutMs).unref(),
		),
	]);

	return {
		ready,
		stop,
		stopped: Promise.all(exits).then(() => exitCode),
	};
}

/** Polls until the Worker answers any HTTP request (the sandbox has no health route; any status will do). */
async function answersHttp(worker: DevWorker, stopped: () => boolean): Promise<void> {
	while (!stopped()) {
		try {
			const response = await fetch(`http://${HOST}:${worker.port}/healthz`, { signal: AbortSignal.timeout(2_000) });
			await response.body?.cancel();
			return;
		} catch {
			await new Promise((resolve) => setTimeout(resolve, 200));
		}
	}
}

function startFailureMessage(worker: DevWorker, exit: number | string, lines: string[]): string {
	const output = lines.join("\n");
	if (/EADDRINUSE|address already in use/i.test(output)) return portTakenMessage(worker);
	const cause = lines.filter((line) => /error|failed|✘/i.test(line)).slice(-3);
	return (
		`The ${worker.name} failed to start (wrangler exited with ${exit}).` +
		(cause.length > 0 ? `\nWhat it said:\n  ${cause.join("\n  ")}` : " Its output is above.")
	);
}

/**
 * Wrangler's own line per request (`[wrangler:info] GET /path?query 200 OK (3ms)`) with its path as the
 * edge's request log keeps it (account and card numbers to their last 4, e-mails dropped, an order's
 * reference not shown) and its query left out: a shopper's account number stands in both, and a
 * developer's terminal is a log too.
 */
export function redactedAccessLine(line: string): string {
	const access = /^(\[wrangler:\w+\] [A-Z]+ )(\S+)( .*)?$/.exec(line);
	if (!access) return line;
	const [, before = "", target = "", after = ""] = access;
	const query = target.indexOf("?");
	const path = query === -1 ? target : target.slice(0, query);
	// An order's reference (`/v1/orders/{reference}`) may be a name or an e-mail: the request log hashes it.
	const shown = redactPath(path).replace(/^(\/v1\/orders\/)[^/]+/i, "$1[reference]");
	return `${before}${shown}${query === -1 ? "" : "?…"}${after}`;
}
