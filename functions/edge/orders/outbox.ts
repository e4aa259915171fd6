/**
 * The order's outbox: every event for the merchant is written here in the same storage write as the
 * order change that causes it (the Durable Object's `save` writes both), so a change never happens
 * without its event and an event never goes out for a change that was not saved. The order's alarm
 * delivers each event to each endpoint configured for the client when it happened, retrying with
 * exponential backoff and jitter for the retry window, then marks the delivery failed; the merchant
 * can redeliver one. Plain data and pure transitions; sending is in deliver-event.ts.
 */
import type { components } from "../../../generated/edge-api.ts";
import type { EdgeConfig, EventEndpoint } from "../core/config.ts";
import { type EventDetails, type MerchantEventType, merchantEventBody, merchantEventId } from "./merchant-events.ts";
import type { OrderState } from "./order-state.ts";
import type { Delivery, OutboxEvent } from "./outbox-event.ts";
import { markUnsaved } from "./unsaved.ts";

export type { Delivery, DeliveryStatus, OutboxEvent } from "./outbox-event.ts";

/**
 * Adds an event to the order's outbox, with one delivery per endpoint of the client that wants this
 * type. It is saved by the next `save` of the order — the one that saves the change it reports.
 */
export function emit(
	state: OrderState,
	type: MerchantEventType,
	details: EventDetails,
	config: Pick<EdgeConfig, "eventEndpoints" | "eventRetryWindowMs">,
	now: number,
): OutboxEvent {
	state.outbox ??= [];
	const sequence = (state.eventSequence ?? 0) + 1;
	state.eventSequence = sequence;
	const event = outboxEvent(
		merchantEventId(state, sequence),
		sequence,
		type,
		JSON.stringify(merchantEventBody(state, type, sequence, now, details)),
		state.clientId,
		config,
		now,
	);
	state.outbox.push(event);
	markUnsaved(state, event);
	return event;
}

/**
 * An event with one pending delivery per endpoint of the client that wants its type. The order's
 * outbox (`emit`) and the reconciliation's outbox (functions/edge/reconciliation/) both make theirs here.
 */
export function outboxEvent(
	id: string,
	sequence: number,
	type: MerchantEventType,
	body: string,
	clientId: string,
	config: Pick<EdgeConfig, "eventEndpoints" | "eventRetryWindowMs">,
	now: number,
): OutboxEvent {
	const endpoints = (config.eventEndpoints.get(clientId) ?? []).filter(
		(endpoint) => !endpoint.types || endpoint.types.includes(type),
	);
	return {
		id,
		sequence,
		type,
		createdAt: now,
		body,
		deliveries: endpoints.map((endpoint, n) => ({
			id: `${sequence}.${n + 1}`,
			endpoint: endpoint.url,
			status: "pending",
			attempts: 0,
			retryUntil: now + config.eventRetryWindowMs,
			nextAttemptAt: now,
		})),
	};
}

/** Whatever keeps an outbox: an order, a day's reconciliation. */
export interface HasOutbox {
	outbox?: OutboxEvent[];
}

/** Deliveries due now, with their events. */
export function dueDeliveries(state: HasOutbox, now: number): { event: OutboxEvent; delivery: Delivery }[] {
	const due: { event: OutboxEvent; delivery: Delivery }[] = [];
	for (const event of state.outbox ?? []) {
		for (const delivery of event.deliveries) {
			if ((delivery.status === "pending" || delivery.status === "retrying") && (delivery.nextAttemptAt ?? 0) <= now) {
				due.push({ event, delivery });
			}
		}
	}
	return due;
}

/** When the outbox next needs the alarm, if ever. */
export function nextDeliveryAt(state: HasOutbox): number | undefined {
	const times = (state.outbox ?? []).flatMap((event) =>
		event.deliveries.filter((d) => d.status === "pending" || d.status === "retrying").map((d) => d.nextAttemptAt ?? 0),
	);
	return times.length > 0 ? Math.min(...times) : undefined;
}

/** What one attempt came to. */
export type AttemptResult =
	| { kind: "delivered"; status: number }
	/** 5xx, 408, 409, 429, a timeout, no connection: worth another attempt (not before its `Retry-After`). */
	| { kind: "retry"; status?: number; error: string; retryAfterMs?: number }
	/** Any other answer (a 4xx, a redirect): the endpoint does not want it; retrying will not change that. */
	| { kind: "rejected"; status: number; error: string };

/** The longest wait between two attempts. */
const MAX_RETRY_DELAY_MS = 12 * 3_600_000;

/** The delay before attempt `attempts + 1`: `base × 5^(attempts-1)`, at most 12 hours, jittered to 75–125%. */
export function retryDelay(attempts: number, baseMs: number, random: () => number = Math.random): number {
	const delay = Math.min(baseMs * 5 ** Math.max(0, attempts - 1), MAX_RETRY_DELAY_MS);
	return Math.round(delay * (0.75 + random() / 2));
}

/** Records an attempt's result on the delivery: delivered, retried later, or failed (rejected, or out of window). */
export function recordAttempt(
	delivery: Delivery,
	result: AttemptResult,
	now: number,
	baseMs: number,
	random: () => number = Math.random,
): void {
	delivery.attempts += 1;
	delivery.lastAttemptAt = now;
	if (result.status !== undefined) delivery.lastStatus = result.status;
	if (result.kind === "delivered") {
		delivery.status = "delivered";
		delivery.deliveredAt = now;
		delete delivery.lastError;
		delete delivery.nextAttemptAt;
		return;
	}
	delivery.lastError = result.error;
	// The schedule's delay, or longer when the endpoint asked for it (at most the schedule's longest step).
	const asked = result.kind === "retry" ? Math.min(result.retryAfterMs ?? 0, MAX_RETRY_DELAY_MS) : 0;
	const next = now + Math.max(retryDelay(delivery.attempts, baseMs, random), asked);
	if (result.kind === "rejected" || next > delivery.retryUntil) {
		delivery.status = "failed";
		delete delivery.nextAttemptAt;
		return;
	}
	delivery.status = "retrying";
	delivery.nextAttemptAt = next;
}

/**
 * Puts a delivery back in line now, for a fresh retry window: the event to save, or undefined when the
 * outbox has no such delivery.
 */
export function redeliver(
	state: HasOutbox,
	deliveryId: string,
	now: number,
	retryWindowMs: number,
): OutboxEvent | undefined {
	for (const event of state.outbox ?? []) {
		const delivery = event.deliveries.find((d) => d.id === deliveryId);
		if (!delivery) continue;
		delivery.status = "pending";
		delivery.nextAttemptAt = now;
		delivery.retryUntil = now + retryWindowMs;
		return event;
	}
	return undefined;
}

/** The endpoint a delivery goes to, as configured now (undefined once it was removed from EVENT_ENDPOINTS). */
export function endpointOf(config: Pick<EdgeConfig, "eventEndpoints">, clientId: string, url: string) {
	return (config.eventEndpoints.get(clientId) ?? []).find((endpoint: EventEndpoint) => endpoint.url === url);
}

/** The outbox as the merchant reads it (`GET /v1/orders/{reference}`, a day's reconciliation events). */
export function outboxView(state: HasOutbox): components["schemas"]["MerchantEventRecord"][] {
	const iso = (ms: number) => new Date(ms).toISOString();
	return (state.outbox ?? []).map((event) => ({
		id: event.id,
		sequence: event.sequence,
		type: event.type,
		created_at: new Date(event.createdAt).toISOString(),
		deliveries: event.deliveries.map((d) => ({
			id: d.id,
			endpoint: d.endpoint,
			status: d.status,
			attempts: d.attempts,
			...(d.lastStatus !== undefined ? { last_status: d.lastStatus } : {}),
			...(d.lastError !== undefined ? { last_error: d.lastError } : {}),
			...(d.lastAttemptAt !== undefined ? { last_attempt_at: iso(d.lastAttemptAt) } : {}),
			...(d.nextAttemptAt !== undefined ? { next_attempt_at: iso(d.nextAttemptAt) } : {}),
			...(d.deliveredAt !== undefined ? { delivered_at: iso(d.deliveredAt) } : {}),
		})),
	}));
}
