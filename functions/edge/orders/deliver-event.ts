/**
 * One attempt to deliver an event to one merchant endpoint, signed with Standard Webhooks (the
 * `standardwebhooks` package): `webhook-id` is the event's id (the same on every attempt, so the
 * receiver deduplicates), `webhook-timestamp` the attempt's time, and `webhook-signature` one `v1,`
 * signature per secret of the endpoint — two while a secret is rotated, and the receiver accepts either.
 * No redirects are followed: an endpoint answers itself or the attempt counts as rejected.
 */
import { Webhook } from "standardwebhooks";
import type { EdgeConfig, EventEndpoint } from "../core/config.ts";
import { retryAfterMs } from "../core/retry-after.ts";
import {
	type AttemptResult,
	dueDeliveries,
	endpointOf,
	type HasOutbox,
	type OutboxEvent,
	recordAttempt,
} from "./outbox.ts";

/** The three Standard Webhooks headers for this event, signed now with each of the endpoint's secrets. */
export function signedHeaders(event: Pick<OutboxEvent, "id" | "body">, secrets: readonly string[], at: Date) {
	const signatures = secrets.map((secret) => new Webhook(secret).sign(event.id, at, event.body));
	return {
		"webhook-id": event.id,
		"webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
		"webhook-signature": signatures.join(" "),
	};
}

export async function deliverEvent(
	event: OutboxEvent,
	endpoint: EventEndpoint,
	timeoutMs: number,
): Promise<AttemptResult> {
	let response: Response;
	try {
		response = await fetch(endpoint.url, {
			method: "POST",
			headers: {
				"content-type": "application/json",
				"user-agent": "flexiti-edge",
				// The wall clock's time, not the order's (core/clock.ts): the receiver checks it against its own.
				...signedHeaders(event, endpoint.secrets, new Date()),
			},
			body: event.body,
			redirect: "manual",
			signal: AbortSignal.timeout(timeoutMs),
		});
	} catch (error) {
		const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
		return { kind: "retry", error: timedOut ? `no answer within ${timeoutMs} ms` : "could not connect" };
	}
	// The body is not read: only the status matters, and a large answer must not cost the order's time.
	await response.body?.cancel();
	const status = response.status;
	if (status >= 200 && status < 300) return { kind: "delivered", status };
	if (status >= 500 || status === 408 || status === 409 || status === 429) {
		// An endpoint that says when to come back (a 429, a 503 in maintenance) is not asked before then.
		const after = retryAfterMs(response);
		return {
			kind: "retry",
			status,
			error: `the endpoint answered ${status}`,
			...(after ? { retryAfterMs: after } : {}),
		};
	}
	return { kind: "rejected", status, error: `the endpoint answered ${status}` };
}

/**
 * Sends an outbox's due deliveries — an order's and a day's reconciliation's alike: all at once (a slow
 * endpoint does not hold up the others), each attempt recorded on its delivery (outbox.ts: backoff, then
 * failed) and saved as it comes, at the owner's time (`now`: an order's clock). One sender per outbox: a delivery it is sending already (an alarm run
 * directly in a test beside the scheduled one) is not sent a second time.
 */
export class OutboxSender {
	private readonly sending = new Set<string>();

	async deliverDue(
		owner: HasOutbox,
		clientId: string,
		config: Pick<EdgeConfig, "eventEndpoints" | "eventDeliveryTimeoutMs" | "eventRetryBaseMs">,
		save: (event: OutboxEvent) => Promise<void>,
		now: () => number,
	): Promise<void> {
		const due = dueDeliveries(owner, now()).filter(({ delivery }) => !this.sending.has(delivery.id));
		await Promise.all(
			due.map(async ({ event, delivery }) => {
				this.sending.add(delivery.id);
				try {
					const endpoint = endpointOf(config, clientId, delivery.endpoint);
					const result: AttemptResult = endpoint
						? await deliverEvent(event, endpoint, config.eventDeliveryTimeoutMs)
						: { kind: "rejected", status: 0, error: "the endpoint is no longer in EVENT_ENDPOINTS" };
					recordAttempt(delivery, result, now(), config.eventRetryBaseMs);
					await save(event);
				} finally {
					this.sending.delete(delivery.id);
				}
			}),
		);
	}
}
