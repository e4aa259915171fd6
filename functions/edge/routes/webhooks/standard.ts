/**
 * Order events from any other system, signed with Standard Webhooks (verified by
 * standard-signature.ts): the event of the spec's vocabulary, as the order's ledger takes it.
 */
import type { components } from "../../../../generated/edge-api.ts";
import type { OrderEvent } from "../../orders/order-event.ts";

type StandardOrderEvent = components["schemas"]["StandardOrderEvent"];

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
