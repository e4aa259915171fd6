/**
 * The other role of an order's Durable Object class: the link from a store's order id to the checkout's
 * reference (order-stubs.ts `orderLink` names one such object per store order), learned from the first
 * signed payload that carries both, and the events of that store order that came before it
 * (unlinked-events.ts), handed to the order once the link is learned. Storage and calls only; the
 * Durable Object's RPC methods are one line each over these.
 */
import type { Clock } from "../core/clock.ts";
import type { EdgeBindings } from "../core/env.ts";
import { orderByReference } from "./order-stubs.ts";
import {
	dropExpiredUnlinked,
	type HoldResult,
	heldUnlinked,
	holdUnlinked,
	UNLINKED_HOLD_MS,
	type UnlinkedEvent,
} from "./unlinked-events.ts";

/** Storage key of the checkout reference the store's order belongs to. */
const LINK = "link";

export class OrderLink {
	constructor(
		private readonly storage: DurableObjectStorage,
		private readonly env: EdgeBindings,
		private readonly clock: Clock,
	) {}

	/** The checkout reference the store's order belongs to, once learned. */
	reference(): Promise<string | undefined> {
		return this.storage.get<string>(LINK);
	}

	/**
	 * Remembers the checkout reference, and hands that order the events that came before the link,
	 * deduplicated there by key. They are dropped here only once the order has stored them: a failure is
	 * the sender's retry, and an order not known yet gets them with the next payload that links it.
	 */
	async linkTo(reference: string): Promise<void> {
		if ((await this.reference()) !== reference) await this.storage.put(LINK, reference);
		const held = await heldUnlinked(this.storage);
		const [first] = held.events;
		if (!first) return;
		const { order } = orderByReference(this.env, first.clientId, reference);
		const result = await order.receive(held.events.map((event) => ({ ...event, reference })));
		if (result.known) await this.storage.delete(held.keys);
	}

	/** Keeps events until the link is learned; the reference instead when it was learned meanwhile. */
	async holdUntilLinked(events: UnlinkedEvent[]): Promise<HoldResult | { linked: string }> {
		const linked = await this.reference();
		if (linked !== undefined) return { linked };
		const now = this.clock.now();
		const result = await holdUnlinked(this.storage, events, now);
		if ("held" in result && result.held > 0 && (await this.storage.getAlarm()) === null) {
			await this.storage.setAlarm(this.clock.wallTime(now + UNLINKED_HOLD_MS));
		}
		return result;
	}

	/** The alarm: events that waited too long for their link are not a Flexiti order's. */
	async dropExpired(): Promise<void> {
		const next = await dropExpiredUnlinked(this.storage, this.clock.now());
		if (next !== undefined) await this.storage.setAlarm(this.clock.wallTime(next));
	}
}
