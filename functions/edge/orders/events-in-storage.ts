/**
 * An order's events while they are in storage only. An order loaded from storage with every event's
 * key marked (stored-events.ts) leaves its events there: its acks ask storage whether their keys are
 * new and store the new events after the others, and the events are read into memory only when
 * something besides an ack needs them (`toMemory`, which every other call of the order makes first).
 */
import { holdUntilAuthorized, newEvents } from "./ledger.ts";
import type { OrderEvent } from "./order-event.ts";
import type { OrderState } from "./order-state.ts";
import { ofThisPlatformOrder } from "./platform-order.ts";
import { loadEvents, newEventEntries, storedKeys, writeEntries } from "./stored-events.ts";

export class EventsInStorage {
	/** How many events are in storage only (`ledger.events` is empty meanwhile); undefined once in memory. */
	count: number | undefined;

	constructor(private readonly storage: DurableObjectStorage) {}

	/**
	 * Whether these events can be stored beside the order's stored ones without reading them: they
	 * change nothing but the events (no new shipping) and, arriving pending or held, not the order's
	 * index row either (a refused or dead-lettered event is counted there).
	 */
	canAppend(state: OrderState, events: readonly OrderEvent[]): boolean {
		return (
			this.count !== undefined &&
			ofThisPlatformOrder(state, events) &&
			events.every((e) => e.verdict === undefined && (e.shipping === undefined || e.shipping === state.shipping))
		);
	}

	/**
	 * `receive` beside the stored events: keys already stored are duplicates, the new events are written
	 * after the stored ones with their keys' markers, in one write (with the alarm at `alarmAt`, if
	 * given). Undefined when the count changed while the keys were read (another ack stored events,
	 * perhaps these, or they came into memory): the caller asks again.
	 */
	async append(
		state: OrderState,
		events: readonly OrderEvent[],
		markers: Map<string, string>,
		now: number,
		alarmAt?: number,
	): Promise<{ accepted: string[]; duplicates: number } | undefined> {
		const stored = this.count;
		if (stored === undefined) return undefined;
		const known = await storedKeys(this.storage, markers);
		// The input gate lets no other call in while storage is read, so the count holds today; checked all
		// the same, since a wrong count would give a new event another's place.
		if (this.count !== stored) return undefined;
		const { added, duplicates } = newEvents(events, now, (key) => known.has(key));
		if (added.length === 0) return { accepted: [], duplicates };
		holdUntilAuthorized(state.ledger, added, now);
		this.count = stored + added.length;
		const written = writeEntries(this.storage, newEventEntries(added, stored, markers));
		if (alarmAt !== undefined) void this.storage.setAlarm(alarmAt);
		await written;
		return { accepted: added.map((e) => e.id), duplicates };
	}

	/** Reads the order's events into its ledger, if they are in storage only. */
	async toMemory(state: OrderState | undefined): Promise<void> {
		for (let attempt = 1; this.count !== undefined && state; attempt++) {
			const events = await loadEvents(this.storage);
			// As in `append`, guards the input gate makes unreachable today: another caller read them meanwhile
			// (they are in memory now), or an ack beside them wrote one while they were read (read again, or
			// the next event would be given that one's place).
			if (this.count === undefined) return;
			if (events.length !== this.count) {
				if (attempt >= 5) throw new Error("the order's stored events keep changing while read");
				continue;
			}
			state.ledger.events = events;
			this.count = undefined;
		}
	}
}
