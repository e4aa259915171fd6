/**
 * The order's one alarm, shared by everything that must happen later (a ledger retry now; deliveries
 * and clocks beside it): each asks to be woken at a time, and the alarm is moved only earlier, so one
 * concern never pushes another's wake-up back.
 */
import { eventsToApply, type LedgerEvent, nextWakeUp } from "./ledger.ts";
import type { OrderState, Persist } from "./order-state.ts";

/** Wake the order at `at` (ms, by the wall clock: Clock's `wallTime`), unless it is already due to wake earlier. */
export async function wakeAt(storage: DurableObjectStorage, at: number): Promise<void> {
	const current = await storage.getAlarm();
	if (current === null || current > at) await storage.setAlarm(at);
}

/**
 * Applies what can be applied now and returns when the ledger next needs to wake (a retry), if ever.
 * Applying one event can unblock an earlier held one (a refund waiting for a capture): a few passes.
 */
export async function applyDueEvents(
	state: OrderState,
	apply: (event: LedgerEvent) => Promise<boolean>,
	persist: Persist,
	now: () => number,
): Promise<number | undefined> {
	for (let pass = 0; pass < 3; pass++) {
		let changed = false;
		for (const event of eventsToApply(state.ledger, now())) {
			changed = (await apply(event)) || changed;
			await persist(state, [event]);
		}
		if (!changed) break;
	}
	return nextWakeUp(state.ledger);
}
