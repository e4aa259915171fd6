/**
 * An order-system event, whatever system sent it, once its signature is verified and its payload
 * understood: what happened to which order, and the key that makes applying it idempotent.
 */
export type OrderEventType = "fulfilled" | "cancelled" | "refunded" | "noted";

/**
 * How an event that must not move money is recorded on its order, decided when it was read:
 * `ignored` (nothing to do, kept so a merchant can see it arrived), `attention` (the merchant must
 * act: a refund the edge cannot attribute, a cancelled shipment), `refused` (it would move money
 * wrongly: another currency than CAD, an unusable payload).
 */
export interface EventVerdict {
	status: "ignored" | "attention" | "refused";
	reason: string;
}

/** An order in the merchant's store (Shopify's order id; WooCommerce's, unique only on its site). */
export interface PlatformOrder {
	source: "shopify" | "woocommerce";
	/** What the id is unique within: "" for Shopify (ids are global), the site's URL for WooCommerce. */
	scope: string;
	id: string;
}

export interface OrderEvent {
	/** Identifies this event for exactly-once: the delivery id, or a key for the money it describes. */
	key: string;
	deliveryId: string;
	source: "shopify" | "woocommerce" | "standard";
	/** The source's own name for it (`orders/fulfilled`, `order.updated`, `order.refunded`, …). */
	topic: string;
	/** `noted`: an event that moves no money (an unhandled topic, a shipment still pending), recorded only. */
	type: OrderEventType;
	clientId: string;
	/** The checkout's merchant reference. */
	reference: string;
	/** For fulfilled: what to capture (absent: everything left); for refunded: what to give back. */
	amount?: number;
	/** For refunded: the Flexiti capture to refund against, when the sender knows it. */
	captureId?: number;
	/** Present: recorded with this status and reason, never applied. */
	verdict?: EventVerdict;
	/**
	 * The signed payload itself says the order was paid with Flexiti (its gateway or payment method):
	 * a cancel for such an order is held even before the edge knows the order, so that whatever gets
	 * authorized for it later is released.
	 */
	paidWithFlexiti?: boolean;
	/** For fulfilled: add the order's shipping (learned from its order payload) when this is its first capture. */
	withShipping?: boolean;
	/** What the order's shipping costs, taxes included, when its payload says (Shopify's shipping_lines). */
	shipping?: number;
	/** The store's own order the payload was about, when it named one (see platform-order.ts). */
	platformOrder?: PlatformOrder;
	/** The store order's total as its payload says it now (see StoreTotal). */
	storeTotal?: StoreTotal;
	/** When the store says it happened (a Shopify fulfillment's `created_at`, an order payload's `updated_at`). */
	occurredAt?: string;
}

/**
 * What the store says its order comes to now: after the merchant's edits (an item taken off an order
 * authorized but not yet shipped), returns and refunds. A whole order's shipment (`fulfilled` with no
 * amount) of an order without refunds captures it, less what is captured (see store-total.ts).
 */
export interface StoreTotal {
	/** The store's net for the order now: after edits, returns and refunds. */
	amount: number;
	/** The store's order had refunds (then its total is not what a shipment plans by: store-total.ts). */
	refunded: boolean;
	/** The order was paid with Flexiti alone (no gift card beside it): its total is Flexiti's to hold. */
	flexitiAlone: boolean;
}
