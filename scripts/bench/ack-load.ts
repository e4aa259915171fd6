/**
 * Orders to ack at an edge, and the acks: the bench's webhook scenario opens its checkouts here, and
 * its diagnostics (ack-heap.ts, ack-gc.ts, ack-stages.ts, ack-trace.ts) also send signed
 * `order.cancelled` events to them round-robin, a few at a time, each with its own id.
 */
import { Webhook } from "standardwebhooks";
import { signedOrderCancel } from "./scenarios.ts";
import { localSettings } from "./workers.ts";

/** The merchant key of .dev.vars.example (its digest is in MERCHANT_API_KEY_HASHES there). */
export const LOCAL_MERCHANT_KEY = "fe_local_merchant_key_not_for_production";

/** Opens `count` checkouts at the edge; their references. */
export async function openOrders(edge: string, count: number, prefix: string): Promise<string[]> {
	const references: string[] = [];
	for (let i = 0; i < count; i++) {
		const reference = `${prefix}-${i}-${crypto.randomUUID().slice(0, 6)}`;
		const opened = await fetch(`${edge}/v1/checkouts`, {
			method: "POST",
			headers: { authorization: `Bearer ${LOCAL_MERCHANT_KEY}`, "content-type": "application/json" },
			body: JSON.stringify({ reference, amount: 10 }),
		});
		if (!opened.ok) throw new Error(`opening a checkout: ${opened.status} ${await opened.text()}`);
		references.push(reference);
	}
	return references;
}

/**
 * A sender of acks to `origin` (the edge, or the bare receiver with any references): `send(count)`
 * posts that many, `concurrency` at a time, and fails on any answer but 200.
 */
export function ackSender(origin: string, references: readonly string[], concurrency = 4) {
	const webhook = new Webhook((localSettings().STANDARD_WEBHOOK_SECRETS ?? "").split(",")[0] ?? "");
	let sent = 0;
	const ack = async (n: number) => {
		const id = `msg_diag_${n}_${crypto.randomUUID()}`;
		const signed = signedOrderCancel(webhook, id, references[n % references.length] ?? "");
		const answer = await fetch(`${origin}/v1/webhooks/standard`, { method: "POST", ...signed });
		await answer.arrayBuffer();
		if (answer.status !== 200) throw new Error(`ack ${n}: ${answer.status}`);
	};
	return async function send(count: number): Promise<void> {
		const end = sent + count;
		await Promise.all(
			Array.from({ length: concurrency }, async () => {
				while (sent < end) await ack(sent++);
			}),
		);
	};
}
