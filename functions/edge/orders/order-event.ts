/**
 * An order-system event, whatever system sent it, once its signature is verified and its payload
 * understood: what happened to which order, and the key that makes applying it idempotent.
 */
export type OrderEventType = "fulfilled" | "cancelled" | "refunded";

export interface OrderEvent {
	/** Identifies this event for exactly-once: the delivery id, or a key for the money it describes. */
	key: string;
	deliveryId: string;
	source: "shopify" | "woocommerce" | "standard";
	/** The source's own name for it (`orders/fulfilled`, `order.updated`, `order.refunded`, …). */
	topic: string;
	type: OrderEventType;
	clientId: string;
	/** The checkout's merchant reference. */
	reference: string;
	/** For fulfilled: what to capture (absent: everything left); for refunded: what to give back. */
	amount?: number;
	/** For refunded: the Flexiti capture to refund against, when the sender knows it. */
	captureId?: number;
}
