/**
 * A platform order's events that came before the payload tying its order id to a checkout: Shopify's
 * `fulfillments/create` and `refunds/create` carry only `order_id`, and Shopify does not promise to
 * deliver them after the order's own `orders/create` (one webhook each, retried independently). They
 * wait on the order id's link object (order-stubs.ts `orderLink`) until the link is learned, and then go
 * to the order as if they had come just then; an order id never linked is not a Flexiti order's (most of
 * a store's orders are not), so its events are dropped after `UNLINKED_HOLD_MS`. Pure storage, over the
 * link object's own keys; the Durable Object calls these.
 */
import type { OrderEvent } from "./order-event.ts";

/** An event of a platform order whose checkout reference is not known yet. */
export type UnlinkedEvent = Omit<OrderEvent, "reference">;

/**
 * How long an order id's events wait for its link. Its order payload normally comes seconds after
 * them; a platform that failed to deliver it retries for up to two days (Shopify: 8 times over 4 hours;
 * WooCommerce: 5 times), so a week leaves room for a merchant who fixes a broken endpoint and resends.
 */
export const UNLINKED_HOLD_MS = 7 * 24 * 60 * 60 * 1000;

/** An order id has a few fulfillments and refunds: more than this is not an order's traffic. */
export const MAX_UNLINKED_EVENTS = 100;

const PREFIX = "unlinked:";

interface HeldEntry {
	event: UnlinkedEvent;
	heldAt: number;
}

export type HoldResult = { held: number; duplicates: number } | { full: true };

/** Keeps the events not kept yet (by key); refuses when the order id already holds too many. */
export async function holdUnlinked(
	storage: DurableObjectStorage,
	events: UnlinkedEvent[],
	now: number,
): Promise<HoldResult> {
	const fresh = new Map<string, UnlinkedEvent>();
	for (const event of events) fresh.set(`${PREFIX}${event.key}`, event);
	const kept = await storage.get<HeldEntry>([...fresh.keys()]);
	for (const key of kept.keys()) fresh.delete(key);
	if (fresh.size === 0) return { held: 0, duplicates: events.length };
	const count = (await storage.list({ prefix: PREFIX, limit: MAX_UNLINKED_EVENTS + 1 })).size;
	if (count + fresh.size > MAX_UNLINKED_EVENTS) return { full: true };
	const entries: Record<string, HeldEntry> = {};
	for (const [key, event] of fresh) entries[key] = { event, heldAt: now };
	await storage.put(entries);
	return { held: fresh.size, duplicates: events.length - fresh.size };
}

/** Every held event, oldest first, with the keys to delete once they are delivered. */
export async function heldUnlinked(
	storage: DurableObjectStorage,
): Promise<{ events: UnlinkedEvent[]; keys: string[] }> {
	const held = [...(await storage.list<HeldEntry>({ prefix: PREFIX })).entries()].sort(
		([, a], [, b]) => a.heldAt - b.heldAt,
	);
	return { events: held.map(([, entry]) => entry.event), keys: held.map(([key]) => key) };
}

/** Drops the events held longer than `UNLINKED_HOLD_MS`; when the next one falls due, if any are left. */
export async function dropExpiredUnlinked(storage: DurableObjectStorage, now: number): Promise<number | undefined> {
	const held = await storage.list<HeldEntry>({ prefix: PREFIX });
	const expired = [...held].filter(([, entry]) => now - entry.heldAt >= UNLINKED_HOLD_MS).map(([key]) => key);
	if (expired.length > 0) await storage.delete(expired);
	const left = [...held].filter(([key]) => !expired.includes(key)).map(([, entry]) => entry.heldAt);
	return left.length > 0 ? Math.min(...left) + UNLINKED_HOLD_MS : undefined;
}
