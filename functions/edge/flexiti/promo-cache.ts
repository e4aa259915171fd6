/**
 * The "as low as" figures a product page shows, kept at the edge: a product page is viewed far more
 * often than its price changes, so Flexiti is asked once per client, amount and language per
 * freshness period, however many views there are.
 *
 * - Two layers: the isolate's memory, then Cloudflare's Cache API (shared by the isolates of a
 *   location; note that on a `*.workers.dev` address the Cache API stores nothing, so there only
 *   memory caches — give the edge a custom domain).
 * - One call at a time per key in an isolate (single flight).
 * - Stale-while-revalidate: past its freshness an answer is still served (for up to a day) while
 *   one refresh runs in the background; and stale-if-error: a refresh that fails keeps it served
 *   (Flexiti down does not take the message off pages that had one), asking again after a pause.
 * - A page never waits on Flexiti longer than the timeout: the lookup answers "no message" and the
 *   call goes on in the background, filling the cache for the next view. A failed call is remembered
 *   briefly, so a Flexiti outage is not hammered by every page view.
 */

/** What a product page advertises: the lowest monthly payment and over how many months. */
export interface PromoPlan {
	monthlyPayment: number;
	months: number;
}

/** A plan, or none (Flexiti does not advertise one for this price): both are answers worth caching. */
export type PromoAnswer = PromoPlan | null;

export type PromoSource = "memory" | "cache" | "stale" | "flexiti" | "timeout" | "unavailable";

export interface PromoCacheDeps {
	/** Cloudflare's Cache API (`caches.default`), or none. */
	cache?: Cache;
	now: () => number;
	freshMs: number;
	timeoutMs: number;
	waitUntil: (promise: Promise<unknown>) => void;
	/** Asks Flexiti; throws when Flexiti could not answer (down, 5xx, no token). */
	fetchAnswer: () => Promise<PromoAnswer>;
}

interface Entry {
	answer: PromoAnswer;
	fetchedAt: number;
	/** A remembered failure: no message until `fetchedAt + FAILURE_MS`, and never served as stale. */
	failed?: boolean;
	/** A stale answer whose refresh failed then: served as it is, and not refreshed again before FAILURE_MS. */
	refreshFailedAt?: number;
}

/** Past freshness, an answer is served (while refreshed) for this much longer at most. */
const STALE_MS = 24 * 60 * 60 * 1000;
/** A failed call is not repeated for this long (per key and isolate). */
const FAILURE_MS = 30 * 1000;
const MAX_MEMORY_ENTRIES = 2000;

export class PromoCache {
	private readonly memory = new Map<string, Entry>();
	private readonly inFlight = new Map<string, Promise<Entry>>();

	async lookup(key: string, deps: PromoCacheDeps): Promise<{ answer: PromoAnswer; source: PromoSource }> {
		const now = deps.now();
		let entry = this.memory.get(key);
		let source: PromoSource = "memory";
		if (!entry && deps.cache) {
			entry = await readShared(deps.cache, key);
			if (entry) this.remember(key, entry);
			source = "cache";
		}
		if (entry?.failed && now - entry.fetchedAt < FAILURE_MS) return { answer: null, source: "unavailable" };
		if (entry && !entry.failed) {
			const age = now - entry.fetchedAt;
			if (age < deps.freshMs) return { answer: entry.answer, source };
			if (age < deps.freshMs + STALE_MS) {
				const pausing = entry.refreshFailedAt !== undefined && now - entry.refreshFailedAt < FAILURE_MS;
				if (!pausing) deps.waitUntil(this.refresh(key, deps).catch(() => {}));
				return { answer: entry.answer, source: "stale" };
			}
		}
		// Nothing usable: ask Flexiti, but wait no longer than the timeout.
		const refresh = this.refresh(key, deps);
		deps.waitUntil(refresh.catch(() => {}));
		const timeout = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), deps.timeoutMs));
		const fresh = await Promise.race([refresh, timeout]);
		if (fresh === "timeout") return { answer: null, source: "timeout" };
		return fresh.failed ? { answer: null, source: "unavailable" } : { answer: fresh.answer, source: "flexiti" };
	}

	/** For tests: this isolate's memory forgotten. */
	clearMemory(): void {
		this.memory.clear();
	}

	/** One Flexiti call per key at a time in this isolate; its result is stored in both layers. */
	private refresh(key: string, deps: PromoCacheDeps): Promise<Entry> {
		let pending = this.inFlight.get(key);
		if (!pending) {
			pending = (async () => {
				let entry: Entry;
				try {
					entry = { answer: await deps.fetchAnswer(), fetchedAt: deps.now() };
				} catch {
					// An answer still within its stale day stays served (stale-if-error); else no message.
					const had = this.memory.get(key);
					const now = deps.now();
					entry =
						had && !had.failed && now - had.fetchedAt < deps.freshMs + STALE_MS
							? { ...had, refreshFailedAt: now }
							: { answer: null, fetchedAt: now, failed: true };
				}
				this.remember(key, entry);
				if (deps.cache && !entry.failed) await writeShared(deps.cache, key, entry, deps.freshMs + STALE_MS);
				return entry;
			})().finally(() => this.inFlight.delete(key));
			this.inFlight.set(key, pending);
		}
		return pending;
	}

	private remember(key: string, entry: Entry): void {
		this.memory.delete(key);
		this.memory.set(key, entry);
		// Oldest first out: a Map keeps insertion order.
		if (this.memory.size > MAX_MEMORY_ENTRIES) this.memory.delete(this.memory.keys().next().value as string);
	}
}

/** The Cache API keys by URL; this host is never fetched, it only names entries. */
function cacheUrl(key: string): string {
	return `https://promo-cache.flexiti-edge.invalid/${encodeURIComponent(key)}`;
}

async function readShared(cache: Cache, key: string): Promise<Entry | undefined> {
	try {
		const response = await cache.match(cacheUrl(key));
		return response ? ((await response.json()) as Entry) : undefined;
	} catch {
		return undefined;
	}
}

async function writeShared(cache: Cache, key: string, entry: Entry, keepMs: number): Promise<void> {
	try {
		await cache.put(
			cacheUrl(key),
			Response.json(entry, { headers: { "cache-control": `max-age=${Math.ceil(keepMs / 1000)}` } }),
		);
	} catch {
		// A cache that cannot store is a cache miss next time, nothing worse.
	}
}

/** The isolate's promo cache. */
export const promoCache = new PromoCache();
