/** The events tests' receiver (test/events/event-receiver.js) and the endpoints' secrets. */
import { sandbox } from "../edge/support.ts";
import { readLedger } from "../edge/webhooks-support.ts";
import { TEST_EVENT_ENDPOINTS } from "./test-endpoints.ts";

const endpoints = JSON.parse(TEST_EVENT_ENDPOINTS) as Record<string, { url: string; secrets: string[] }[]>;
export const SECRET_A = endpoints.flexitidemo?.[0]?.secrets[0] ?? "";
export const SECRETS_B = endpoints.flexitidemo?.[1]?.secrets ?? [];

export interface Received {
	path: string;
	headers: Record<string, string>;
	body: string;
	answer: number | "hang" | `${number}:${number}`;
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

/** The next answers of the endpoint at `path` (then 200): a status, `"hang"`, or `"429:120"` (with `Retry-After`). */
export async function script(path: string, answers: Received["answer"][], hangMs?: number): Promise<void> {
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

export async function merchantEvents(reference: string) {
	return (await readLedger(reference))?.merchant_events ?? [];
}

/**
 * Runs `attempt` with a fault injected at the sandbox until the fault was really in place. The sandbox
 * is shared with the other files of this project, which run beside this one and clear every fault when
 * they finish (`DELETE /sandbox/faults`): an attempt whose fault was cleared before it struck tested
 * nothing, and `attempt` says so (false) by reading what the sandbox recorded; it is then made again.
 */
export async function withFault(
	fault: Record<string, unknown>,
	attempt: (faultId: string) => Promise<boolean>,
): Promise<void> {
	for (let round = 0; round < 5; round++) {
		const armed = (await (await sandbox("POST", "/sandbox/faults", fault)).json()) as { fault: { id: string } };
		const struck = await attempt(armed.fault.id).finally(() => sandbox("DELETE", "/sandbox/faults"));
		if (struck) return;
	}
	throw new Error("the injected fault was cleared by another test file five times in a row");
}

/**
 * Waits until the injected fault has been taken by its call, which the sandbox answers the moment it
 * happens (no polling): the slow call is now held at Flexiti. False when the fault was cleared first
 * or not taken within a few seconds.
 */
export async function heldAtFlexiti(faultId: string): Promise<boolean> {
	const response = await sandbox("GET", `/sandbox/faults/${faultId}/struck?timeout_ms=5000`);
	return ((await response.json()) as { struck: boolean }).struck;
}
