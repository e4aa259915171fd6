/**
 * How an order's events are stored: each under `event:<index>` in the order they arrived, with a
 * marker for its key beside it (`event-key:<key>` → its index) and, under `event-keys:marked`, how
 * many of the events have theirs. With the markers an ack deduplicates by asking storage for its keys
 * alone, so an order whose object was evicted (a real order's events come minutes or days apart, so
 * most acks find it so) is not read whole for an ack (see Order.receive).
 *
 * The count is what makes the markers trustworthy: an order stored before them, or one a version
 * without them wrote to since (a rollback), has fewer marked events than events, and is read whole
 * and marked (`loadOrderEvents`) before an ack may rely on them. A key past 512 characters is marked
 * by its SHA-256 instead: a Standard Webhooks `webhook-id` has no bound, and a storage key does (2 KiB).
 */
import { sha256Hex } from "../../contract/bytes.ts";
import type { LedgerEvent } from "./ledger.ts";

/** Storage keys of an order's events: `event:00000000`, … in arrival order. */
const EVENT_PREFIX = "event:";
const KEY_MARKER_PREFIX = "event-key:";
/** A longer key's marker: its SHA-256 (a separate prefix, so no plain key can be taken for a digest). */
const HASHED_MARKER_PREFIX = "event-key-sha256:";
/** How many of the order's events (from the first) have their key's marker. */
const MARKED = "event-keys:marked";
/** Keys up to this length are their own marker (the platforms' keys are some 20 to 80 characters). */
const LONGEST_PLAIN_KEY = 512;
/** The most keys one storage call takes. */
const KEYS_PER_CALL = 128;

/** The storage key of the order's event at this index (its place in arrival order). */
export function eventStorageKey(index: number): string {
	return `${EVENT_PREFIX}${String(index).padStart(8, "0")}`;
}

/** Each event key's marker, by key: worked out before anything reads or changes the order (it awaits). */
export async function keyMarkers(keys: readonly string[]): Promise<Map<string, string>> {
	const markers = new Map<string, string>();
	for (const key of keys) {
		markers.set(
			key,
			key.length <= LONGEST_PLAIN_KEY ? `${KEY_MARKER_PREFIX}${key}` : `${HASHED_MARKER_PREFIX}${await sha256Hex(key)}`,
		);
	}
	return markers;
}

/**
 * The order's events as its object loads: left in storage when every stored event has its marker
 * (`inStorage`: how many there are), else read (`events`), and any that lack a marker marked.
 */
export async function loadOrderEvents(
	storage: DurableObjectStorage,
): Promise<{ events: LedgerEvent[] } | { inStorage: number }> {
	const marked = (await storage.get<number>(MARKED)) ?? 0;
	if (marked === (await storedEventCount(storage))) return { inStorage: marked };
	const events = await loadEvents(storage);
	if (marked !== events.length) {
		const markers = await keyMarkers(events.map((e) => e.key));
		await writeEntries(storage, markerEntries(events, 0, markers));
	}
	return { events };
}

/** The order's events, in the order they arrived. */
export async function loadEvents(storage: DurableObjectStorage): Promise<LedgerEvent[]> {
	return [...(await storage.list<LedgerEvent>({ prefix: EVENT_PREFIX })).values()];
}

/** How many events the order has stored: the next one's index. */
async function storedEventCount(storage: DurableObjectStorage): Promise<number> {
	const [last] = (await storage.list({ prefix: EVENT_PREFIX, reverse: true, limit: 1 })).keys();
	return last === undefined ? 0 : Number(last.slice(EVENT_PREFIX.length)) + 1;
}

/** The keys among these the order has stored an event for (all its events marked; see above). */
export async function storedKeys(storage: DurableObjectStorage, markers: Map<string, string>): Promise<Set<string>> {
	const wanted = [...markers.values()];
	const found = new Set<string>();
	for (let i = 0; i < wanted.length; i += KEYS_PER_CALL) {
		for (const marker of (await storage.get(wanted.slice(i, i + KEYS_PER_CALL))).keys()) found.add(marker);
	}
	return new Set([...markers].filter(([, marker]) => found.has(marker)).map(([key]) => key));
}

/**
 * The entries that store new events from `index` on, each with its key's marker, and the count of
 * marked events they make (the markers come from `keyMarkers`, for these events' keys).
 */
export function newEventEntries(
	events: readonly LedgerEvent[],
	index: number,
	markers: Map<string, string>,
): Record<string, unknown> {
	const entries = markerEntries(events, index, markers);
	events.forEach((event, i) => {
		entries[eventStorageKey(index + i)] = event;
	});
	return entries;
}

/** The markers of these events, from `index` on, and the count of marked events through the last. */
function markerEntries(
	events: readonly LedgerEvent[],
	index: number,
	markers: Map<string, string>,
): Record<string, unknown> {
	const entries: Record<string, unknown> = {};
	events.forEach((event, i) => {
		const marker = markers.get(event.key);
		if (marker) entries[marker] = index + i;
	});
	entries[MARKED] = index + events.length;
	return entries;
}

/**
 * Writes the entries, however many (one storage call takes 128 keys): as calls made with no await
 * between them, which a Durable Object commits as one atomic write.
 */
export function writeEntries(storage: DurableObjectStorage, entries: Record<string, unknown>): Promise<void> {
	// An ack's few keys (the usual case) in one call, counted without copying them anywhere.
	let count = 0;
	for (const _ in entries) count++;
	if (count <= KEYS_PER_CALL) return storage.put(entries);
	const all = Object.entries(entries);
	const calls: Promise<void>[] = [];
	for (let i = 0; i < all.length; i += KEYS_PER_CALL) {
		calls.push(storage.put(Object.fromEntries(all.slice(i, i + KEYS_PER_CALL))));
	}
	return Promise.all(calls).then(() => undefined);
}
