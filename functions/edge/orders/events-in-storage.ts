/**
 * An order's events while they are in storage only. An order loaded from storage with every event's
 * key marked (stored-events.ts) leaves its events there: its acks ask storage whether their keys are
 * new and store the new events after the others, and the events are read into memory only when
 * something besides an ack needs them (`toMemory`, which every other call of the order makes first).
 */
import { type LedgerEvent, newEvents, setStatus } from "./ledger.ts";
import type { OrderEvent } from "./order-event.ts";
import type { OrderState } from "./order-state.ts";
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
		if (this.count !== stored) return undefined;
		const { added, duplicates } = newEvents(events, now, (key) => known.has(key));
		if (added.length === 0) return { accepted: [], duplicates };
		holdUntilAuthorized(state, added, now);
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
			// Another caller read them meanwhile, and they are in memory now.
			if (this.count === undefined) return;
			// An ack beside the stored events wrote one while they were being read: read them again, or the
			// next event would be given that one's place.
			if (events.length !== this.count) {
				if (attempt >= 5) throw new Error("the order's stored events keep changing while read");
				continue;
			}
			state.ledger.events = events;
			this.count = undefined;
		}
	}
}

/** Nothing can move before the authorization exists: new events wait for it (recordAuthorization wakes them). */
export function holdUntilAuthorized(state: OrderState, added: readonly LedgerEvent[], now: number): void {
	if (state.ledger.authorization) return;
	for (const event of added) {
		if (event.status === "pending") setStatus(event, "held", now, "waiting for the authorization");
	}
}
