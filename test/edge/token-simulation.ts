/**
 * A simulation of many isolates asking for one client's merchant token (issue 14, item 1): the real
 * token cache code, run N times side by side in one workerd, against
 *   - a shared Workers KV whose writes become visible to reads only after a lag (KV is eventually
 *     consistent: up to about 60 s elsewhere), and
 *   - a simulated Flexiti token endpoint with the sandbox's rules (a refresh token works once, and
 *     not after its access token expired), which counts every grant,
 * on a simulated clock: nothing sleeps, five token lifetimes take seconds.
 *
 * Isolates start spread over the first two minutes and are recycled every half hour (their memory
 * is lost, as when Cloudflare evicts an isolate), each sending a request every two seconds.
 */
import type { FlexitiToken, Grant, Scope } from "../../functions/edge/flexiti/flexiti-token.ts";
import { TokenRefused } from "../../functions/edge/flexiti/flexiti-token.ts";

/** A clock the simulation moves: `sleep` resolves when the clock passes its time. */
export class SimClock {
	now: number;
	private timers: { at: number; resolve: () => void }[] = [];

	constructor(start: number) {
		this.now = start;
	}

	sleep(ms: number): Promise<void> {
		return new Promise((resolve) => this.timers.push({ at: this.now + ms, resolve }));
	}

	/** Moves to `to`, waking sleepers in time order and letting what they started run. */
	async advanceTo(to: number): Promise<void> {
		for (;;) {
			this.timers.sort((a, b) => a.at - b.at);
			const next = this.timers[0];
			if (!next || next.at > to) break;
			this.timers.shift();
			this.now = Math.max(this.now, next.at);
			next.resolve();
			await settle();
		}
		this.now = to;
		await settle();
	}
}

/** Lets promise chains that need no simulated time (KV reads, WebCrypto) run to their end. */
export async function settle(): Promise<void> {
	// workerd's WebCrypto answers within the microtask queue; a timer per step would take hours.
	for (let i = 0; i < 50; i++) await null;
}

/** Workers KV as another location sees it: a write shows only `lagMs` later; expirations honoured. */
export class LaggingKv {
	private writes = new Map<string, { value: string | null; visibleAt: number; expiresAt: number }[]>();

	constructor(
		private readonly clock: SimClock,
		private readonly lagMs: number,
	) {}

	async get(key: string): Promise<string | null> {
		const visible = (this.writes.get(key) ?? []).filter((w) => w.visibleAt <= this.clock.now).at(-1);
		if (!visible || visible.expiresAt <= this.clock.now) return null;
		return visible.value;
	}

	async put(key: string, value: string, options?: { expiration?: number }): Promise<void> {
		const expiresAt = options?.expiration ? options.expiration * 1000 : Number.POSITIVE_INFINITY;
		this.record(key, value, expiresAt);
	}

	async delete(key: string): Promise<void> {
		this.record(key, null, Number.POSITIVE_INFINITY);
	}

	private record(key: string, value: string | null, expiresAt: number) {
		const list = this.writes.get(key) ?? [];
		list.push({ value, visibleAt: this.clock.now + this.lagMs, expiresAt });
		this.writes.set(key, list);
	}

	asKv(): KVNamespace {
		return this as unknown as KVNamespace;
	}
}

export interface GrantCounts {
	/** client_credentials grants answered with a token */
	mints: number;
	/** refresh_token grants answered with a token */
	refreshes: number;
	/** refresh_token grants refused (the refresh token was spent by someone else, or expired) */
	refusedRefreshes: number;
	/** client_credentials grants made right after the same caller's refused refresh */
	fallbacks: number;
}

/** Flexiti's token endpoint as the sandbox implements it, answering after `latencyMs` of simulated time. */
export class SimulatedTokenEndpoint {
	readonly counts: GrantCounts = { mints: 0, refreshes: 0, refusedRefreshes: 0, fallbacks: 0 };
	/** When the first token was issued (requests after this should never wait on a mint). */
	firstIssuedAt: number | undefined;
	private issued = new Map<string, { expiresAt: number; spent: boolean }>();
	private serial = 0;

	constructor(
		private readonly clock: SimClock,
		readonly ttlMs: number,
		private readonly latencyMs = 300,
	) {}

	/** A mint function for one caller (an isolate, or the broker), so fallbacks can be told apart. */
	forCaller() {
		let lastRefused = false;
		return async (_clientId: string, _scope: Scope, grant: Grant): Promise<FlexitiToken> => {
			await this.clock.sleep(this.latencyMs);
			if (grant.type === "refresh_token") {
				const previous = this.issued.get(grant.refreshToken);
				if (!previous || previous.spent || previous.expiresAt <= this.clock.now) {
					this.counts.refusedRefreshes++;
					lastRefused = true;
					throw new TokenRefused("invalid_grant");
				}
				previous.spent = true;
				this.counts.refreshes++;
			} else {
				this.counts.mints++;
				if (lastRefused) this.counts.fallbacks++;
			}
			lastRefused = false;
			this.serial++;
			const token = {
				accessToken: `access-${this.serial}`,
				refreshToken: `refresh-${this.serial}`,
				expiresAt: this.clock.now + this.ttlMs,
			};
			this.issued.set(token.refreshToken, { expiresAt: token.expiresAt, spent: false });
			this.firstIssuedAt ??= this.clock.now;
			return token;
		};
	}
}

/** One isolate's view: a request asks it for the token. */
export interface SimIsolate {
	get(): Promise<{ token: FlexitiToken; source: string }>;
}

export interface SimWorld {
	clock: SimClock;
	kv: LaggingKv;
	endpoint: SimulatedTokenEndpoint;
	/** Collects background work (`ctx.waitUntil`). */
	waitUntil: (promise: Promise<unknown>) => void;
}

export interface SimulationSettings {
	isolates: number;
	kvLagMs: number;
	lifetimes: number;
	/** Flexiti's token lifetime (1200 s). */
	ttlMs?: number;
	/** How long before expiry a token is refreshed (the edge's refresh-ahead). */
	refreshLeadMs: number;
	/** A new isolate, with empty memory; called at each (re)start. */
	newIsolate: (world: SimWorld) => SimIsolate;
	/** Called once per simulated step, after the requests of that step were sent (alarms). */
	onStep?: (world: SimWorld) => void;
}

export interface SimulationResult extends GrantCounts {
	isolates: number;
	kvLagMs: number;
	lifetimes: number;
	requests: number;
	/** Requests sent after the first token existed that waited for a mint or refresh. */
	waitedOnMint: number;
	/** Requests answered with a token that had already expired, or with no token at all. */
	failed: number;
	/** mints + refreshes per token lifetime */
	perLifetime: number;
	/** What one chain of refreshes needs over the run: the first mint, then one refresh per `refreshLeadMs`-shortened lifetime. */
	oneChain: number;
}

const STEP_MS = 500;
const REQUEST_EVERY_STEPS = 4; // each isolate: a request every 2 s
const START_SPREAD_MS = 120_000;
const ISOLATE_LIFETIME_MS = 30 * 60_000;

export async function simulate(settings: SimulationSettings): Promise<SimulationResult> {
	const ttlMs = settings.ttlMs ?? 1_200_000;
	const clock = new SimClock(Date.UTC(2026, 11, 1));
	const start = clock.now;
	const background: Promise<unknown>[] = [];
	const world: SimWorld = {
		clock,
		kv: new LaggingKv(clock, settings.kvLagMs),
		endpoint: new SimulatedTokenEndpoint(clock, ttlMs),
		waitUntil: (promise) => background.push(promise.catch(() => {})),
	};
	const startsAt = (i: number) => start + Math.floor((i * START_SPREAD_MS) / settings.isolates);
	const isolates: (SimIsolate | undefined)[] = Array.from({ length: settings.isolates }, () => undefined);
	const result = { requests: 0, waitedOnMint: 0, failed: 0 };
	const inFlight = new Set<Promise<void>>();
	const end = start + settings.lifetimes * ttlMs;

	for (let step = 0; clock.now < end; step++) {
		for (let i = 0; i < settings.isolates; i++) {
			const age = clock.now - startsAt(i);
			if (age < 0) continue;
			// A recycled isolate starts with empty memory, as after an eviction.
			if (isolates[i] === undefined || (age > 0 && age % ISOLATE_LIFETIME_MS === 0)) {
				isolates[i] = settings.newIsolate(world);
			}
			if ((step + i) % REQUEST_EVERY_STEPS !== 0) continue;
			const isolate = isolates[i] as SimIsolate;
			const sentAt = clock.now;
			const tokenExisted = world.endpoint.firstIssuedAt !== undefined;
			result.requests++;
			const request = isolate
				.get()
				.then(({ token, source }) => {
					if (token.expiresAt <= clock.now) result.failed++;
					if (tokenExisted && source === "minted") result.waitedOnMint++;
					void sentAt;
				})
				.catch(() => {
					result.failed++;
				});
			inFlight.add(request);
			void request.finally(() => inFlight.delete(request));
		}
		settings.onStep?.(world);
		await clock.advanceTo(clock.now + STEP_MS);
	}
	await clock.advanceTo(clock.now + 10_000);
	await Promise.all([...inFlight, ...background]);
	const counts = world.endpoint.counts;
	return {
		isolates: settings.isolates,
		kvLagMs: settings.kvLagMs,
		lifetimes: settings.lifetimes,
		...counts,
		...result,
		perLifetime: (counts.mints + counts.refreshes) / settings.lifetimes,
		oneChain: 1 + Math.floor((settings.lifetimes * ttlMs) / (ttlMs - settings.refreshLeadMs)),
	};
}

/** The results as a Markdown table, for BENCHMARKS.md. */
export function markdownTable(results: SimulationResult[]): string {
	const header =
		"| isolates | KV lag | requests | mints | refreshes | refused refreshes | fallbacks | mints + refreshes per lifetime | one chain needs | requests that waited on a mint | failed |";
	const rule = "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |";
	const rows = results.map(
		(r) =>
			`| ${r.isolates} | ${r.kvLagMs / 1000} s | ${r.requests} | ${r.mints} | ${r.refreshes} | ${r.refusedRefreshes} | ${r.fallbacks} | ${r.perLifetime.toFixed(2)} | ${r.oneChain} | ${r.waitedOnMint} | ${r.failed} |`,
	);
	return [header, rule, ...rows].join("\n");
}
