/**
 * Load generation with autocannon's programmatic API: one request shape per run, a fixed number of
 * connections for a fixed time. Latencies are taken from every response (autocannon's own histogram
 * rounds to whole milliseconds and cannot be merged across runs), so several short runs of the same
 * side can be pooled into one result.
 */
import { Agent, request as httpRequest } from "node:http";
import autocannon from "autocannon";
import type { Credentials, LoadRequest, Scenario } from "./scenarios.ts";

/** One run for the load generator's own process (load-process.ts): which scenario, which side, how long. */
export interface LoadJob {
	id: number;
	origin: string;
	scenario: Scenario["name"];
	side: "edge" | "baseline";
	credentials: Credentials;
	connections: number;
	seconds: number;
	amount?: number;
	/** Requests per second at a fixed pace (open loop, `loadAtRate`) instead of `connections` closed loops. */
	rate?: number;
}

export interface LoadSettings {
	connections: number;
	/** Measured seconds per side and scenario, split over `rounds` runs. */
	durationSeconds: number;
	rounds: number;
	warmupSeconds: number;
	/** The open-loop rate of scenarios with a fixed-rate target: this % of the slower side's closed-loop throughput. */
	fixedRatePercent: number;
	/** Rounds of the open-loop runs, each as long as a closed-loop round: the p99 ratio is judged on their
	 * median, so more rounds than the closed loops. */
	fixedRateRounds: number;
}

/** What one run produced, before summarizing. */
export interface Run {
	seconds: number;
	latenciesMs: number[];
	errors: number;
	timeouts: number;
	statuses: Record<string, number>;
	/** Open loop only: requests the load generator itself sent more than LATE_MS after they were due. */
	lateSends?: number;
}

export interface LoadResult {
	requests: number;
	requestsPerSecond: number;
	p50Ms: number;
	p99Ms: number;
	errors: number;
	timeouts: number;
	non2xx: number;
	/** Responses per status code, to say what went wrong when something did. */
	statuses: Record<string, number>;
	/** Open loop only: requests the load generator sent more than LATE_MS late (its own stalls). */
	lateSends: number;
}

let running: autocannon.Instance | undefined;

/** Stops the load in progress (on Ctrl-C or the watchdog), so the process can clean up and exit. */
export function stopLoad(): void {
	running?.stop();
}

/** One request sent once, outside the load: it must succeed, or there is nothing to measure. */
export async function preflight(origin: string, request: LoadRequest): Promise<unknown> {
	const fresh = request.perRequest?.();
	const body = fresh?.body ?? request.body;
	const response = await fetch(`${origin}${request.path}`, {
		method: request.method,
		headers: {
			...request.headers,
			...(request.freshReferenceId ? { "x-reference-id": crypto.randomUUID() } : {}),
			...fresh?.headers,
		},
		...(body !== undefined ? { body } : {}),
	});
	const text = await response.text();
	if (!response.ok) {
		throw new Error(`${request.method} ${request.worker}${request.path}: ${response.status} ${text.slice(0, 500)}`);
	}
	return text ? JSON.parse(text) : null;
}

/** Loads `origin` with `request` for `seconds` (or, with `amount`, for that many requests). */
export async function load(
	origin: string,
	request: LoadRequest,
	connections: number,
	seconds: number,
	amount?: number,
): Promise<Run> {
	const latenciesMs: number[] = [];
	const statuses: Record<string, number> = {};
	const result = await new Promise<autocannon.Result>((resolve, reject) => {
		running = autocannon(
			{
				url: origin,
				connections,
				...(amount ? { amount } : { duration: seconds }),
				requests: [
					{
						method: request.method,
						path: request.path,
						headers: request.headers,
						...(request.body !== undefined ? { body: request.body } : {}),
						// Flexiti wants a new reference id per call, a webhook its own signature; making them is
						// load-generator work.
						...(request.freshReferenceId || request.perRequest
							? {
									setupRequest: (req: autocannon.Request) => {
										const fresh = request.perRequest?.();
										return {
											...req,
											headers: {
												...req.headers,
												...(request.freshReferenceId ? { "x-reference-id": crypto.randomUUID() } : {}),
												...fresh?.headers,
											},
											...(fresh ? { body: fresh.body } : {}),
										};
									},
								}
							: {}),
					},
				],
			},
			(error, done) => (error ? reject(error) : resolve(done)),
		);
		running.on("response", (_client, status, _bytes, ms) => {
			latenciesMs.push(ms);
			statuses[status] = (statuses[status] ?? 0) + 1;
		});
	}).finally(() => {
		running = undefined;
	});
	return { seconds: result.duration, latenciesMs, errors: result.errors, timeouts: result.timeouts, statuses };
}

/**
 * Open-loop load at a fixed rate, as wrk2 does it: request i is due at start + i / rate whether or not
 * earlier ones have been answered, and its latency runs from when it was due, not from when a free
 * connection sent it, so a slow answer that delays the next request is counted against that request
 * too (no coordinated omission). autocannon's `overallRate` sends each connection's share of a second
 * in a burst at the start of the second and times from the send, so it is not used here. Up to
 * OPEN_LOOP_SOCKETS requests are in flight at once; more wait for a socket, their wait counted.
 */
export async function loadAtRate(origin: string, request: LoadRequest, rate: number, seconds: number): Promise<Run> {
	const agent = new Agent({ keepAlive: true, maxSockets: OPEN_LOOP_SOCKETS });
	const latenciesMs: number[] = [];
	const statuses: Record<string, number> = {};
	let errors = 0;
	let lateSends = 0;
	const total = Math.max(1, Math.round(rate * seconds));
	// As text: the tests compile this module beside the Workers types, whose URL is not node:http's.
	const url = new URL(request.path, origin).href;
	const inFlight: Promise<void>[] = [];
	const start = performance.now();
	for (let i = 0; i < total; i++) {
		const due = start + (i * 1000) / rate;
		const wait = due - performance.now();
		if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
		// Timed from `due` either way; counted here when the generator itself was late (its process
		// descheduled or busy), so that a stall of the generator is told from one of the Worker.
		if (performance.now() - due > LATE_MS) lateSends += 1;
		const fresh = request.perRequest?.();
		const headers = {
			...request.headers,
			...(request.freshReferenceId ? { "x-reference-id": crypto.randomUUID() } : {}),
			...fresh?.headers,
		};
		const body = fresh?.body ?? request.body;
		inFlight.push(
			new Promise<void>((resolve) => {
				const sent = httpRequest(url, { method: request.method, headers, agent }, (response) => {
					response.resume();
					response.on("end", () => {
						latenciesMs.push(performance.now() - due);
						const status = String(response.statusCode);
						statuses[status] = (statuses[status] ?? 0) + 1;
						resolve();
					});
				});
				sent.on("error", () => {
					errors += 1;
					resolve();
				});
				sent.end(body);
			}),
		);
	}
	await Promise.all(inFlight);
	const elapsed = (performance.now() - start) / 1000;
	agent.destroy();
	return { seconds: elapsed, latenciesMs, errors, timeouts: 0, statuses, lateSends };
}

/** Sockets the open-loop load may use at once: far more than its rate ever needs, so none waits for one. */
const OPEN_LOOP_SOCKETS = 64;
/** How late (ms) a send must be to count as the load generator's own stall. */
export const LATE_MS = 10;

/** Pools runs of the same side: throughput over their total time, percentiles over all responses. */
export function summarize(runs: Run[]): LoadResult {
	const latencies = runs.flatMap((run) => run.latenciesMs).sort((a, b) => a - b);
	const seconds = runs.reduce((sum, run) => sum + run.seconds, 0);
	const statuses: Record<string, number> = {};
	for (const run of runs) {
		for (const [code, count] of Object.entries(run.statuses)) statuses[code] = (statuses[code] ?? 0) + count;
	}
	const non2xx = Object.entries(statuses)
		.filter(([code]) => !code.startsWith("2"))
		.reduce((sum, [, count]) => sum + count, 0);
	return {
		requests: latencies.length,
		requestsPerSecond: seconds > 0 ? latencies.length / seconds : 0,
		p50Ms: percentile(latencies, 0.5),
		p99Ms: percentile(latencies, 0.99),
		errors: runs.reduce((sum, run) => sum + run.errors, 0),
		timeouts: runs.reduce((sum, run) => sum + run.timeouts, 0),
		non2xx,
		statuses,
		lateSends: runs.reduce((sum, run) => sum + (run.lateSends ?? 0), 0),
	};
}

/**
 * The p99 ratio of two sides measured in paired runs (run i of each side ran next to each other): the
 * ratio in each pair, their median (the judged figure), and the ratio of the pooled p99s. At a fixed
 * rate one stall of 100–300 ms in one run (another process, the bench host's garbage collection:
 * BENCHMARKS.md, session 6) holds up every request due meanwhile and sets the pooled p99 of whichever
 * side was running (pooled ratios of 0.20× and 5.1× in runs of the same code). A cost of the edge's
 * own shows in every pair, so in the median too; a stall falls in one pair and moves the median by one place.
 */
export function p99RatioOfPairs(edge: Run[], baseline: Run[]): { median: number; pairs: number[]; pooled: number } {
	const pairs = edge.map((run, i) => {
		const beside = baseline[i];
		return beside ? summarize([run]).p99Ms / summarize([beside]).p99Ms : Number.NaN;
	});
	return { median: median(pairs), pairs, pooled: summarize(edge).p99Ms / summarize(baseline).p99Ms };
}

function median(values: readonly number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	const middle = Math.floor(sorted.length / 2);
	if (sorted.length === 0) return Number.NaN;
	return sorted.length % 2 === 1
		? (sorted[middle] ?? Number.NaN)
		: ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2;
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: number[], p: number): number {
	if (sorted.length === 0) return Number.NaN;
	return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? Number.NaN;
}
