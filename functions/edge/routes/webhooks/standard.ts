/**
 * Order events from any other system, signed with Standard Webhooks (the `standardwebhooks` package
 * does the verifying: `webhook-id`, `webhook-timestamp` within five minutes, `v1,` signatures, `whsec_` secrets).
 */
import { Webhook, WebhookVerificationError } from "standardwebhooks";
import type { components } from "../../../../generated/edge-api.ts";
import type { OrderEvent } from "../../orders/order-event.ts";

type StandardOrderEvent = components["schemas"]["StandardOrderEvent"];

export type StandardVerification<Secret> = { ok: true; secret: Secret } | { ok: false; reason: string };

/** Verified against each configured secret (rotation); the library compares signatures in constant time. */
export function verifyStandardWebhook<Secret extends { secret: string }>(
	body: string,
	headers: Headers,
	secrets: readonly Secret[],
): StandardVerification<Secret> {
	const signed = {
		"webhook-id": headers.get("webhook-id") ?? "",
		"webhook-timestamp": headers.get("webhook-timestamp") ?? "",
		"webhook-signature": headers.get("webhook-signature") ?? "",
	};
	// The library says only "Missing required headers"; say which, so the sender knows what to add.
	const missing = Object.keys(signed).filter((name) => signed[name as keyof typeof signed] === "");
	if (missing.length > 0)
		return { ok: false, reason: `the ${missing.join(", ")} header${missing.length > 1 ? "s are" : " is"} missing` };
	let reason = "no secret matched";
	for (const candidate of secrets) {
		try {
			// The route parses the body itself, as every request body is read (signed-json.ts): the library's
			// own JSON.parse of it would be a second parse per delivery.
			verifierFor(candidate.secret).verify(body, signed, { jsonParse: false });
			return { ok: true, secret: candidate };
		} catch (error) {
			reason = error instanceof WebhookVerificationError ? error.message : "unverifiable";
		}
	}
	return { ok: false, reason };
}

/** One verifier per secret, made once per isolate (each decodes its secret's base64). */
const verifiers = new Map<string, Webhook>();

function verifierFor(secret: string): Webhook {
	let verifier = verifiers.get(secret);
	if (!verifier) {
		verifier = new Webhook(secret);
		verifiers.set(secret, verifier);
	}
	return verifier;
}

const types = { "order.fulfilled": "fulfilled", "order.cancelled": "cancelled", "order.refunded": "refunded" } as const;

/** The event for `clientId`: the signing secret's client, else the event's `client_id`, else the first client. */
export function standardEvents(deliveryId: string, event: StandardOrderEvent, clientId: string): OrderEvent[] {
	return [
		{
			key: `standard:${deliveryId}`,
			deliveryId,
			source: "standard",
			topic: event.type,
			type: types[event.type],
			clientId,
			reference: event.data.reference,
			...(event.data.amount !== undefined ? { amount: event.data.amount } : {}),
			...(event.data.capture !== undefined ? { captureId: event.data.capture } : {}),
			// The sender opened the checkout with this reference: its orders are Flexiti's by construction.
			paidWithFlexiti: true,
		},
	];
}
