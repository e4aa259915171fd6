/** The events tests' receiver (test/events/event-receiver.js) and the endpoints' secrets. */
import { env, runInDurableObject } from "cloudflare:test";
import type { Order } from "../../functions/edge/orders/order.ts";
import { orderByReference } from "../../functions/edge/orders/order-stubs.ts";
import { CLIENT_ID } from "../edge/support.ts";
import { readLedger } from "../edge/webhooks-support.ts";
import { TEST_EVENT_ENDPOINTS } from "./test-endpoints.ts";

const endpoints = JSON.parse(TEST_EVENT_ENDPOINTS) as Record<string, { url: string; secrets: string[] }[]>;
export const SECRET_A = endpoints.flexitidemo?.[0]?.secrets[0] ?? "";
export const SECRETS_B = endpoints.flexitidemo?.[1]?.secrets ?? [];

export interface Received {
	path: string;
	headers: Record<string, string>;
	body: string;
	answer: number | "hang";
}

const RECEIVER = "http://receiver.test";

/** Forgets what the endpoints at these paths received and their scripts (the first client's, by default). */
export async function resetReceiver(paths: string[] = ["/a", "/b"]): Promise<void> {
	await fetch(`${RECEIVER}/control/reset?${paths.map((p) => `path=${encodeURIComponent(p)}`).join("&")}`, {
		method: "POST",
	});
}

/** Everything the endpoint at `path` received. */
export async function receivedAt(path: string): Promise<Received[]> {
	return (await (await fetch(`${RECEIVER}/control/log?path=${path}`)).json()) as Received[];
}

/** The next answers of the endpoint at `path` (then 200). */
export async function script(path: string, answers: (number | "hang")[], hangMs?: number): Promise<void> {
	await fetch(`${RECEIVER}/control/script`, {
		method: "POST",
		body: JSON.stringify({ path, answers, ...(hangMs ? { hang_ms: hangMs } : {}) }),
	});
}

/** What the endpoint at `path` received for this order (by the reference in the body). */
export async function received(path: string, reference: string): Promise<Received[]> {
	const all = (await (await fetch(`${RECEIVER}/control/log?path=${path}`)).json()) as Received[];
	return all.filter((r) => (JSON.parse(r.body) as { data: { reference: string } }).data.reference === reference);
}

/** The first client's order of this reference. */
function orderOf(reference: string) {
	return orderByReference(env, CLIENT_ID, reference).order;
}

/**
 * Runs the order's alarm to its end: everything due on the order's clock now is done — events applied,
 * a hosted session polled, the clock's events emitted, every due delivery attempted and its outcome
 * recorded — before this resolves, so a test asserts right after. The handler is called as
 * runDurableObjectAlarm calls it, but also when no alarm is scheduled: the one a request set for "now"
 * may be firing already (unscheduled while it runs), and that run is what the test must wait for. So
 * first the run in flight, if any, is joined (the Order runs one at a time), as it may have started
 * before the test's last step; then one that starts after it.
 */
export async function settle(reference: string): Promise<void> {
	await runInDurableObject(orderOf(reference), async (instance: Order, state) => {
		await instance.alarm();
		// As runDurableObjectAlarm does: the alarm is unscheduled, and the run sets the next one.
		await state.storage.deleteAlarm();
		await instance.alarm();
	});
}

/**
 * Moves the order's clock on by `ms` and nothing more: its alarm stays set by the wall clock for what
 * it was (a test runs it when it chooses, with runDurableObjectAlarm).
 */
export async function moveClock(reference: string, ms: number): Promise<void> {
	await runInDurableObject(orderOf(reference), (instance: Order) => instance.clock.advance(ms));
}

/** Moves the order's clock on by `ms`, then settles it: what falls due by then has happened. */
export async function advance(reference: string, ms: number): Promise<void> {
	await moveClock(reference, ms);
	await settle(reference);
}

/**
 * Settles the order, moves its clock to the time its alarm is set for (the next delivery retry, poll
 * or expiry, as the order scheduled it, jitter and all), and settles it again: that wake-up has happened.
 */
export async function nextAlarm(reference: string): Promise<void> {
	await settle(reference);
	const at = await runInDurableObject(orderOf(reference), (_: Order, state) => state.storage.getAlarm());
	if (at === null) throw new Error(`the order ${reference} has no alarm set`);
	await advance(reference, at - Date.now());
}

export async function merchantEvents(reference: string) {
	return (await readLedger(reference))?.merchant_events ?? [];
}
