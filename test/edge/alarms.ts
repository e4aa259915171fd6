/**
 * A Durable Object's alarm run in a test, and its clock moved on (functions/edge/core/clock.ts): an
 * order's or a day's reconciliation's. Tests move time and run the alarm, then assert: no test sleeps
 * out a backoff or polls for what the alarm does, and none reaches into an object's private state.
 */
import { env, runInDurableObject } from "cloudflare:test";
import type { Clock } from "../../functions/edge/core/clock.ts";
import { orderByReference } from "../../functions/edge/orders/order-stubs.ts";
import { CLIENT_ID } from "./support.ts";

/** A Durable Object that keeps its time on a Clock and does its delayed work on its alarm. */
interface Clocked extends Rpc.DurableObjectBranded {
	readonly clock: Clock;
	alarm(): Promise<void>;
}

/** An order's Durable Object, by its reference (the first client's unless another is named). */
export function orderOf(reference: string, clientId: string = CLIENT_ID) {
	return orderByReference(env, clientId, reference).order;
}

/**
 * Runs the object's alarm to its end: everything due on its clock now is done — for an order, events
 * applied, a hosted session polled, the clock's events emitted, every due delivery attempted and its
 * outcome recorded — before this resolves, so a test asserts right after. The handler is called as
 * runDurableObjectAlarm calls it, but also when no alarm is scheduled: the one a request set for "now"
 * may be firing already (unscheduled while it runs), and that run is what the test must wait for. So
 * first the run in flight, if any, is joined (the objects run their alarm one at a time), as it may have
 * started before the test's last step; then one that starts after it.
 */
export async function settle<O extends Clocked>(stub: DurableObjectStub<O>): Promise<void> {
	await runInDurableObject(stub, async (instance: O, state) => {
		await instance.alarm();
		// As runDurableObjectAlarm does: the alarm is unscheduled, and the run sets the next one.
		await state.storage.deleteAlarm();
		await instance.alarm();
	});
}

/**
 * Moves the object's clock on by `ms` and nothing more: its alarm stays set, by the wall clock, for
 * what it was (a test runs it when it chooses, with runDurableObjectAlarm).
 */
export async function moveClock<O extends Clocked>(stub: DurableObjectStub<O>, ms: number): Promise<void> {
	await runInDurableObject(stub, (instance: O) => instance.clock.advance(ms));
}

/** Moves the object's clock on by `ms`, then settles it: what falls due by then has happened. */
export async function advance<O extends Clocked>(stub: DurableObjectStub<O>, ms: number): Promise<void> {
	await moveClock(stub, ms);
	await settle(stub);
}

/** The object's time now, on its clock (ms). */
export async function clockOf<O extends Clocked>(stub: DurableObjectStub<O>): Promise<number> {
	return runInDurableObject(stub, (instance: O) => instance.clock.now());
}

/** When the object's alarm is set for (by the wall clock); null when none is, or while it is going off. */
export async function alarmAt<O extends Clocked>(stub: DurableObjectStub<O>): Promise<number | null> {
	return runInDurableObject(stub, (_: O, state) => state.storage.getAlarm());
}

/**
 * Settles the object, moves its clock to the time its alarm is set for (an order's next delivery retry,
 * ledger retry, poll or expiry, as it scheduled it, jitter and all), and settles it again: that wake-up
 * has happened.
 */
export async function nextAlarm<O extends Clocked>(stub: DurableObjectStub<O>): Promise<void> {
	await settle(stub);
	const at = await alarmAt(stub);
	if (at === null) throw new Error("no alarm is set");
	await advance(stub, at - Date.now());
}
