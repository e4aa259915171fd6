/**
 * How an order's events are stored: each under `event:<index>` in the order they arrived and, for
 * orders opened since the edge stores them (`OrderState.eventKeys`), a marker for each event's key
 * beside it, `event-key:<key>` → its index. With the markers an ack deduplicates by asking storage
 * for its keys alone, so an order whose object was evicted (a real order's events come minutes or
 * days apart, so most acks find it so) is not read whole for an ack (see Order.receive). A key past 512 characters is marked by its SHA-256 instead:
 * a Standard Webhooks `webhook-id` has no bound, and a storage key does (2 KiB).
 */
import { sha256Hex } from "../../contract/bytes.ts";
import type { LedgerEvent } from "./ledger.ts";

/** Storage keys of an order's events: `event:00000000`, … in arrival order. */
export const EVENT_PREFIX = "event:";
const KEY_MARKER_PREFIX = "event-key:";
/** A longer key's marker: its SHA-256 (a separate prefix, so no plain key can be taken for a digest). */
const HASHED_MARKER_PREFIX = "event-key-sha256:";

/** The storage key of the order's event at this index (its place in arrival order). */
export function eventStorageKey(index: number): string {
	return `${EVENT_PREFIX}${String(index).padStart(8, "0")}`;
}

/** Keys up to this length are their own marker (the platforms' keys are some 20 to 80 characters). */
const LONGEST_PLAIN_KEY = 512;

/** Each event key's marker, by key: worked out before anything reads or changes the order (it awaits). */
export async function keyMarkers(keys: readonly string[]): Promise<Map<string, string>> {
	const distinct = [...new Set(keys)];
	const markers = await Promise.all(
		distinct.map(async (key) =>
			key.length <= LONGEST_PLAIN_KEY ? `${KEY_MARKER_PREFIX}${key}` : `${HASHED_MARKER_PREFIX}${await sha256Hex(key)}`,
		),
	);
	return new Map(distinct.map((key, i) => [key, markers[i] ?? ""]));
}

/** The order's events, in the order they arrived. */
export async function loadEvents(storage: DurableObjectStorage): Promise<LedgerEvent[]> {
	return [...(await storage.list<LedgerEvent>({ prefix: EVENT_PREFIX })).values()];
}

/** How many events the order has stored: the next one's index. */
export async function storedEventCount(storage: DurableObjectStorage): Promise<number> {
	const [last] = (await storage.list({ prefix: EVENT_PREFIX, reverse: true, limit: 1 })).keys();
	return last === undefined ? 0 : Number(last.slice(EVENT_PREFIX.length)) + 1;
}

/** The keys among these the order has stored an event for (an order with markers; see above). */
export async function storedKeys(storage: DurableObjectStorage, markers: Map<string, string>): Promise<Set<string>> {
	const found = await storage.get([...markers.values()]);
	return new Set([...markers].filter(([, marker]) => found.has(marker)).map(([key]) => key));
}

/**
 * The entries that store new events from `index` on, each with its key's marker (the markers come
 * from `keyMarkers`, for these events' keys).
 */
export function newEventEntries(
	events: readonly LedgerEvent[],
	index: number,
	markers: Map<string, string>,
): Record<string, unknown> {
	const entries: Record<string, unknown> = {};
	events.forEach((event, i) => {
		entries[eventStorageKey(index + i)] = event;
		const marker = markers.get(event.key);
		if (marker) entries[marker] = index + i;
	});
	return entries;
}
