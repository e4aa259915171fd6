/** An event in the order's outbox, with one delivery per endpoint (see outbox.ts). */
import type { components } from "../../../generated/edge-api.ts";

export type DeliveryStatus = "pending" | "retrying" | "delivered" | "failed";

export interface Delivery {
	/** `<sequence>.<n>`: names it for a redelivery. */
	id: string;
	/** The endpoint's URL; its secrets are read at each attempt, so a rotation applies to retries too. */
	endpoint: string;
	status: DeliveryStatus;
	attempts: number;
	/** Retries stop after this (ms): the retry window from the event, or from the merchant's redelivery. */
	retryUntil: number;
	nextAttemptAt?: number;
	lastAttemptAt?: number;
	lastStatus?: number;
	lastError?: string;
	deliveredAt?: number;
}

export interface OutboxEvent {
	id: string;
	sequence: number;
	type: components["schemas"]["MerchantEventType"];
	createdAt: number;
	/** The body exactly as every attempt sends it. */
	body: string;
	deliveries: Delivery[];
}
