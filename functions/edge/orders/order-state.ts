/**
 * An order's state as its Durable Object holds it, and how it is stored: the order under one key and
 * each order-system event under its own, so acknowledging a webhook writes one small event, not the
 * order's whole history. The modules beside `order.ts` (checkout, customer token, authorization,
 * event application, alarm) take this state and a `Persist` function; the Durable Object is the one writer.
 */
import type { components } from "../../../generated/edge-api.ts";
import type { FlexitiId } from "../../contract/lossless-json.ts";
import type { CheckoutChannel } from "../core/config.ts";
import type { EdgeBindings } from "../core/env.ts";
import type { FlexitiToken } from "../flexiti/flexiti-token.ts";
import { merchantTokens, type TokenSource } from "../flexiti/gateway.ts";
import type { TokenCache } from "../flexiti/token-cache.ts";
import { emptyLedger, type Ledger, type LedgerAuthorization, type LedgerCapture, type LedgerEvent } from "./ledger.ts";
import type { PlatformOrder } from "./order-event.ts";
import type { OutboxEvent } from "./outbox-event.ts";
import { eventStorageKey, loadOrderEvents } from "./stored-events.ts";
import { takeUnsaved } from "./unsaved.ts";

export interface OrderState {
	checkoutId: string;
	clientId: string;
	reference: string;
	amount: number;
	lang: "en" | "fr";
	autoCapture: boolean;
	/** The x-reference-id of this checkout's whole Flexiti flow. */
	flowReferenceId: string;
	/** SHA-256 digests of the client tokens handed out, with their expiry (ms). */
	clientTokens: { digest: string; expiresAt: number }[];
	customerToken?: FlexitiToken;
	widgetSessionId?: string;
	/** How the shopper pays; absent: `widget` (orders from before channels). */
	channel?: CheckoutChannel;
	/** Hosted checkouts: the merchant's page the shopper goes on to after Flexiti's. */
	returnUrl?: string;
	/** The store's order this order is (the first one whose payload reached it: platform-order.ts). */
	platformOrder?: PlatformOrder;
	/** Hosted checkouts: the current session at Flexiti, and what the order learned of it. */
	hosted?: HostedSession;
	/** The Flexiti account this checkout is for, once known (widget opened for it, or authorized on it). */
	accountNumber?: string;
	/** Flexiti's answer to the authorization the ledger rests on, as sent: what a repeated attempt gets. */
	authorizationAnswer?: string;
	/** The order's shipping with its taxes, when an order payload said (captured with the first shipment). */
	shipping?: number;
	ledger: Ledger;
	createdAt: number;
	/** When the ledger got its authorization (ms): the aging clock starts there. */
	authorizedAt?: number;
	/** The last merchant event's sequence number (they start at 1). */
	eventSequence?: number;
	/** The events for the merchant, oldest first (stored one key each, like the ledger's events). */
	outbox?: OutboxEvent[];
	/** The checkout expiry (ms) already reported as checkout.expired. */
	expiryNotified?: number;
	/** order.authorization_aging was sent. */
	agingNotified?: boolean;
}

/** A hosted checkout's session at Flexiti (Online API), as the order keeps it (rules in hosted-checkout.ts). */
export interface HostedSession {
	/** Flexiti's `online_order_id`, exact (a `bigint` past 2^53). */
	onlineOrderId: FlexitiId;
	/** The hosted page (no credential in it): what the storefront opens. */
	redirectionUrl: string;
	/** The language Flexiti built the page in (absent on sessions stored before the edge kept it). */
	lang?: "en" | "fr";
	openedAt: number;
	/** Notification reads made by the alarm so far (the backoff grows with them). */
	polls: number;
	/** When the alarm reads the notification next; absent once final, or after the last read at expiry. */
	nextPollAt?: number;
	/** Set once, by whichever signal (redirect or poll) learned it first. */
	outcome?: "authorized" | "declined";
}

/** The checkout as the merchant and the shopper see it (no secrets, no tokens): the edge spec's `Checkout`. */
export type CheckoutView = components["schemas"]["Checkout"];

/** Writes the order and the events that changed, in one atomic write. */
export type Persist = (state: OrderState, changedEvents?: readonly LedgerEvent[]) => Promise<void>;

/** What the order's modules need from its Durable Object besides state: bindings, storage, background work. */
export interface OrderRuntime {
	env: EdgeBindings;
	storage: DurableObjectStorage;
	waitUntil(promise: Promise<unknown>): void;
	/** The order's time (its Clock): when things happen and when retries fall due. */
	now(): number;
	/**
	 * The order's own Flexiti tokens (memory, then KV, then the broker), not the isolate's: a token
	 * being loaded is shared by whoever asks meanwhile, and workerd refuses one Durable Object awaiting
	 * I/O that another one (or a request of the Worker's) started.
	 */
	tokens: TokenCache;
}

/** The merchant-scope tokens of the order's client, through the order's own token cache (see `tokens`). */
export function orderMerchantTokens(runtime: OrderRuntime, clientId: string): TokenSource {
	return merchantTokens(runtime.env, clientId, (promise) => runtime.waitUntil(promise), undefined, runtime.tokens);
}

/** Storage key of the order itself. */
const ORDER_KEY = "order";
/** Storage keys of the merchant events: `outbox:0000000001`, … by sequence. */
const OUTBOX_PREFIX = "outbox:";

/**
 * The stored order, or undefined for an order never opened. Its events stay in storage (`ledger.events`
 * is empty, `eventsInStorage` says how many there are) until something besides an ack needs them,
 * unless their keys' markers are not all stored (see stored-events.ts): then they are read with it.
 */
export async function loadOrder(
	storage: DurableObjectStorage,
): Promise<{ state: OrderState; eventsInStorage?: number } | undefined> {
	const stored = await storage.get<OrderState>(ORDER_KEY);
	if (!stored) return undefined;
	const outbox = [...(await storage.list<OutboxEvent>({ prefix: OUTBOX_PREFIX })).values()];
	const ledger = stored.ledger ?? emptyLedger();
	const events = await loadOrderEvents(storage);
	if ("inStorage" in events) {
		return { state: { ...stored, ledger: { ...ledger, events: [] }, outbox }, eventsInStorage: events.inStorage };
	}
	return { state: { ...stored, ledger: { ...ledger, events: events.events }, outbox } };
}

/**
 * The entries that write the order (unless `order` is false: only its events changed), these events
 * and every merchant event emitted or changed since the last write: one `storage.put`, so a change and
 * the event that reports it are saved together.
 */
export function orderEntries(
	state: OrderState,
	changedEvents: readonly LedgerEvent[] = [],
	{ order = true }: { order?: boolean } = {},
): Record<string, unknown> {
	const entries: Record<string, unknown> = {};
	if (order) {
		const { outbox: _outbox, ...record } = state;
		entries[ORDER_KEY] = { ...record, ledger: { ...state.ledger, events: [] } };
	}
	for (const event of changedEvents) {
		entries[eventStorageKey(state.ledger.events.indexOf(event))] = event;
	}
	for (const event of takeUnsaved<OutboxEvent>(state)) {
		entries[`${OUTBOX_PREFIX}${String(event.sequence).padStart(10, "0")}`] = event;
	}
	return entries;
}

/** What reconciliation with Flexiti compares of an order (functions/edge/reconciliation/compare.ts reads it). */
export interface ReconciliationView {
	reference: string;
	/** The authorization the ledger rests on. */
	authorization?: Pick<LedgerAuthorization, "authorization_id" | "amount">;
	/** When the ledger got it (ISO). */
	authorizedAt?: string;
	captures: Pick<LedgerCapture, "capture_id" | "amount" | "date">[];
}

export function reconciliationView({ ledger, authorizedAt, reference }: OrderState): ReconciliationView {
	const { authorization } = ledger;
	return {
		reference,
		...(authorization
			? { authorization: { authorization_id: authorization.authorization_id, amount: authorization.amount } }
			: {}),
		...(authorizedAt !== undefined ? { authorizedAt: new Date(authorizedAt).toISOString() } : {}),
		captures: ledger.captures.map(({ capture_id, amount, date }) => ({ capture_id, amount, date })),
	};
}

/** An order the edge learns of from an authorization made by the merchant, with no checkout of its own. */
export function orderWithoutCheckout(id: string, clientId: string, reference: string, amount: number): OrderState {
	return {
		checkoutId: id,
		clientId,
		reference,
		amount,
		lang: "en",
		autoCapture: false,
		flowReferenceId: crypto.randomUUID(),
		clientTokens: [],
		ledger: emptyLedger(),
		createdAt: Date.now(),
	};
}
