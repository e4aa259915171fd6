/**
 * One Durable Object per order (keyed by client id and the merchant's order reference): the
 * strongly consistent home of its checkout — amount, reference, the shopper's client-token digests,
 * the checkout's own customer-scope Flexiti token, the widget session — and of its ledger, which
 * turns order-system events into captures, releases and refunds exactly once.
 * Being the only writer, it needs no locks: no two requests race on an order's money or token.
 */

import { DurableObject } from "cloudflare:workers";
import type { components } from "../../../generated/edge-api.ts";
import type { components as flexiti } from "../../../generated/flexiti-pos-api.ts";
import { constantTimeEqual } from "../../contract/constant-time.ts";
import { add } from "../../contract/money.ts";
import { edgeConfig } from "../core/config.ts";
import type { EdgeBindings } from "../core/env.ts";
import {
	callFlexiti,
	type FlexitiCall,
	type FlexitiResult,
	merchantTokens,
	resultBody,
	type TokenSource,
} from "../flexiti/call-flexiti.ts";
import { type FlexitiToken, flexitiTokenEndpoint, type MintToken } from "../flexiti/flexiti-token.ts";
import { REFRESH_AHEAD_MS, renew, usable } from "../flexiti/token-broker.ts";
import { upstreamSend, withRetries } from "../flexiti/upstream.ts";
import {
	type Authorization,
	type AuthorizationOutcome,
	findAuthorization,
	outcomeOf,
	type PendingAuthorization,
	sendAuthorization,
} from "./authorize-once.ts";
import {
	emptyLedger,
	eventsToApply,
	type Ledger,
	type LedgerAuthorization,
	type LedgerEvent,
	ledgerView,
	nextWakeUp,
	receive,
	recordDone,
	setStatus,
} from "./ledger.ts";
import type { OrderEvent } from "./order-event.ts";
import { planEvent } from "./plan-event.ts";

type CheckoutStatus = CheckoutView["status"];

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
	/** The Flexiti account this checkout is for, once known (widget opened for it, or authorized on it). */
	accountNumber?: string;
	/** Flexiti's answer to the authorization the ledger rests on, as sent: what a repeated attempt gets. */
	authorizationAnswer?: string;
	ledger: Ledger;
	createdAt: number;
}

/** The checkout as the merchant and the shopper see it (no secrets, no tokens): the edge spec's `Checkout`. */
export type CheckoutView = components["schemas"]["Checkout"];

/** A shopper's checkout as its client token unlocks it. */
export interface CheckoutSession {
	checkout: CheckoutView;
	flowReferenceId: string;
	/** The Flexiti account the checkout is for, once known: shopper calls may name no other. */
	accountNumber?: string;
	/** Present while it needs no refresh; otherwise ask `customerToken()`. */
	customerToken?: FlexitiToken;
}

/** What opening a checkout needs: the order's facts, and the digest of the client token handed out. */
export type OpenCheckout = Pick<
	OrderState,
	"checkoutId" | "clientId" | "reference" | "amount" | "lang" | "autoCapture"
> & {
	tokenDigest: string;
	expiresAt: number;
};

export type OpenResult = { ok: true; checkout: CheckoutView } | { ok: false; conflict: string };

/** Storage keys of an order's events: `event:00000000`, … in arrival order. */
const EVENT_PREFIX = "event:";
/** Storage key of an authorization attempt whose outcome is not known yet. */
const PENDING_AUTHORIZATION = "authorization:pending";

/** An authorization for this order, as the forwarder validated it (a shopper's with the checkout's amount and reference). */
export interface AuthorizeRequest {
	/** Whose token it runs on: the checkout's customer token, or the client's merchant token. */
	by: "checkout" | "merchant";
	clientId: string;
	reference: string;
	call: FlexitiCall;
}

export class Order extends DurableObject<EdgeBindings> {
	private state: OrderState | undefined;
	private customerTokenLoad: Promise<FlexitiToken> | undefined;
	/** The authorization attempt in flight: concurrent attempts wait for it and get its answer. */
	private authorizing: Promise<AuthorizationOutcome> | undefined;

	constructor(ctx: DurableObjectState, env: EdgeBindings) {
		super(ctx, env);
		ctx.blockConcurrencyWhile(async () => {
			const stored = await ctx.storage.get<OrderState>("order");
			if (!stored) return;
			// Events are stored one key each (see save), in the order they arrived.
			const events = [...(await ctx.storage.list<LedgerEvent>({ prefix: EVENT_PREFIX })).values()];
			this.state = { ...stored, ledger: { ...(stored.ledger ?? emptyLedger()), events } };
		});
	}

	/** Opens the order's checkout, or hands out a new client token for the same one (revoking the old). */
	async open(input: OpenCheckout): Promise<OpenResult> {
		const now = Date.now();
		if (this.state && (this.state.amount !== input.amount || this.state.clientId !== input.clientId)) {
			return { ok: false, conflict: `order ${input.reference} already has a checkout for another amount` };
		}
		const state: OrderState = this.state ?? {
			checkoutId: input.checkoutId,
			clientId: input.clientId,
			reference: input.reference,
			amount: input.amount,
			lang: input.lang,
			autoCapture: input.autoCapture,
			flowReferenceId: crypto.randomUUID(),
			clientTokens: [],
			ledger: emptyLedger(),
			createdAt: now,
		};
		// One live client token per checkout: a new one revokes the earlier ones (another tab, a leaked page).
		state.clientTokens = [{ digest: input.tokenDigest, expiresAt: input.expiresAt }];
		await this.save(state);
		return { ok: true, checkout: view(state, now) };
	}

	/**
	 * The checkout, if this client-token digest is one of its live ones — with what a shopper's call
	 * needs next (the flow's reference id, and the customer token while it needs no refresh), so the
	 * common call costs one round trip to the order.
	 */
	async authenticate(tokenDigest: string): Promise<CheckoutSession | null> {
		const now = Date.now();
		let live = false;
		for (const token of this.state?.clientTokens ?? []) {
			live = (constantTimeEqual(tokenDigest, token.digest) && token.expiresAt > now) || live;
		}
		if (!live || !this.state) return null;
		const token = this.state.customerToken;
		return {
			checkout: view(this.state, now),
			flowReferenceId: this.state.flowReferenceId,
			...(this.state.accountNumber ? { accountNumber: this.state.accountNumber } : {}),
			...(token && token.expiresAt - now > REFRESH_AHEAD_MS ? { customerToken: token } : {}),
		};
	}

	async checkout(): Promise<CheckoutView | null> {
		return this.state ? view(this.state, Date.now()) : null;
	}

	/**
	 * The checkout's own customer-scope token (Flexiti ties a widget flow to one token): minted on first
	 * use, refreshed with its refresh token from five minutes before expiry, and never shared.
	 * (A result, not an exception: errors lose their class across RPC.)
	 */
	async customerToken(): Promise<{ token: FlexitiToken } | { unavailable: string }> {
		try {
			return { token: await this.liveCustomerToken() };
		} catch (error) {
			return { unavailable: error instanceof Error ? error.message : "unknown" };
		}
	}

	private async liveCustomerToken(): Promise<FlexitiToken> {
		const state = this.requireState();
		const current = state.customerToken;
		const now = Date.now();
		if (current && current.expiresAt - now > REFRESH_AHEAD_MS) return current;
		this.customerTokenLoad ??= this.loadCustomerToken(state, current).finally(() => {
			this.customerTokenLoad = undefined;
		});
		try {
			return await this.customerTokenLoad;
		} catch (error) {
			if (current && usable(current, Date.now())) return current;
			throw error;
		}
	}

	/** Flexiti rejected this token (401): forget it, so the next call gets a new one. */
	async dropCustomerToken(accessToken: string): Promise<void> {
		const state = this.requireState();
		if (state.customerToken?.accessToken !== accessToken) return;
		delete state.customerToken;
		await this.save(state);
	}

	/** The shopper opened the Flexiti widget; when it was for a known account, the checkout is for that account. */
	async recordWidgetSession(widgetSessionId: string, accountNumber?: string): Promise<void> {
		const state = this.requireState();
		state.widgetSessionId = widgetSessionId;
		if (accountNumber !== undefined) state.accountNumber ??= accountNumber;
		await this.save(state);
	}

	/**
	 * An authorization with this order's reference was made through the edge (by its shopper or by the
	 * merchant): the ledger rests on it from now on, and events waiting for it can be applied.
	 */
	async recordAuthorization(
		clientId: string,
		reference: string,
		authorization: LedgerAuthorization,
		answer?: string,
	): Promise<void> {
		const state = this.state ?? this.orderWithoutCheckout(clientId, reference, authorization.amount);
		const known = state.ledger.authorization;
		if (known && known.authorization_id !== authorization.authorization_id) {
			// The ledger rests on one authorization; a second one for the same reference is the merchant's
			// to reconcile (GET /authorizations), never silently swapped in under the first one's captures.
			console.warn(
				JSON.stringify({ event: "second_authorization_ignored", authorization_id: authorization.authorization_id }),
			);
			return;
		}
		state.ledger.authorization = authorization;
		if (answer !== undefined) state.authorizationAnswer = answer;
		if (authorization.account_number !== undefined) state.accountNumber ??= String(authorization.account_number);
		await this.save(state);
		if (state.ledger.events.some((e) => e.status === "held")) await this.ctx.storage.setAlarm(Date.now());
	}

	/**
	 * The one place an authorization for this order is admitted. Concurrent attempts share the one in
	 * flight; once there is an authorization, a repeat gets Flexiti's answer to it again; an attempt
	 * whose outcome was not known (answer lost, timeout, 5xx) stays reserved durably, and the next one
	 * first asks Flexiti whether it happened, adopting it if it did. Nothing is sent while it cannot tell.
	 */
	authorizeOnce(request: AuthorizeRequest): Promise<AuthorizationOutcome> {
		this.authorizing ??= this.admitAuthorization(request).finally(() => {
			this.authorizing = undefined;
		});
		return this.authorizing;
	}

	private async admitAuthorization(request: AuthorizeRequest): Promise<AuthorizationOutcome> {
		const { clientId, reference, call } = request;
		const body = call.body as flexiti["schemas"]["AuthorizationRequest"];
		const merchant = merchantTokens(this.env, clientId, (promise) => this.ctx.waitUntil(promise));
		const known = this.state?.ledger.authorization;
		if (known) return this.repeatedAuthorization(known, body, clientId, merchant, call.header);

		const pending = await this.ctx.storage.get<PendingAuthorization>(PENDING_AUTHORIZATION);
		if (pending) {
			const found = await findAuthorization(this.env, clientId, reference, pending, merchant, call.header);
			if (found === "unknown") return { kind: "answer", status: 503 };
			if (found) return this.adopt(clientId, reference, found);
			await this.ctx.storage.delete(PENDING_AUTHORIZATION);
		}

		const attempt: PendingAuthorization = { since: Date.now(), accountNumber: String(body.account_number) };
		// Durable before it is sent: if this object is evicted mid-call, the next attempt still asks first.
		await this.ctx.storage.put(PENDING_AUTHORIZATION, attempt);
		const tokens = request.by === "checkout" ? this.customerTokens() : merchant;
		const sent = await sendAuthorization(this.env, call, tokens);
		if ("tokenless" in sent) {
			await this.ctx.storage.delete(PENDING_AUTHORIZATION);
			return { kind: "token_unavailable" };
		}
		if (!sent.known) {
			// It may have happened: look now, so the caller gets the authorization rather than an error.
			const found = await findAuthorization(this.env, clientId, reference, attempt, merchant, call.header);
			if (found && found !== "unknown") return this.adopt(clientId, reference, found);
			if (found === undefined) await this.ctx.storage.delete(PENDING_AUTHORIZATION);
			return sent.result
				? outcomeOf(sent.result)
				: { kind: "upstream_failure", code: sent.failure ?? "upstream_unreachable" };
		}
		await this.ctx.storage.delete(PENDING_AUTHORIZATION);
		if (sent.result.response.ok) {
			const authorization = resultBody(sent.result) as Authorization;
			await this.recordAuthorization(clientId, reference, ledgerAuthorization(authorization), sent.result.text);
		}
		return outcomeOf(sent.result);
	}

	/** An authorization exists: the same request gets it again; a different one is refused. */
	private async repeatedAuthorization(
		known: LedgerAuthorization,
		body: flexiti["schemas"]["AuthorizationRequest"],
		clientId: string,
		merchant: ReturnType<typeof merchantTokens>,
		header: Record<string, string>,
	): Promise<AuthorizationOutcome> {
		const account = known.account_number === undefined ? undefined : String(known.account_number);
		if (known.amount !== body.amount || (account !== undefined && account !== String(body.account_number))) {
			return {
				kind: "refused",
				error: "not_permitted",
				message: `This order already has authorization ${known.authorization_id} for another amount or account`,
			};
		}
		const answer = this.state?.authorizationAnswer;
		if (answer) return { kind: "answer", status: 200, text: answer };
		// Recorded before answers were kept: Flexiti's own view of it.
		const params = { client_id: clientId, authorization_id: String(known.authorization_id) };
		try {
			return outcomeOf(await callFlexiti(this.env, "getAuthorization", { params, header }, merchant));
		} catch {
			return { kind: "answer", status: 503 };
		}
	}

	/** The attempt whose answer was lost did happen: this is the order's authorization. */
	private async adopt(clientId: string, reference: string, found: Authorization): Promise<AuthorizationOutcome> {
		const text = JSON.stringify(found);
		await this.ctx.storage.delete(PENDING_AUTHORIZATION);
		await this.recordAuthorization(clientId, reference, ledgerAuthorization(found), text);
		const answer = this.state?.authorizationAnswer ?? text;
		return { kind: "answer", status: 200, text: answer, adopted: true };
	}

	/** This checkout's own customer token, as a token source. */
	private customerTokens(): TokenSource {
		return {
			get: () => this.liveCustomerToken(),
			drop: (token) => this.dropCustomerToken(token.accessToken),
		};
	}

	/**
	 * Order-system events for this order, verified and normalized: stored durably (the webhook is
	 * acknowledged after this returns), deduplicated by key, and applied right after by the alarm.
	 * An order the edge never saw is not a Flexiti order: nothing is stored.
	 */
	async receive(events: OrderEvent[]): Promise<{ known: boolean; accepted: string[]; duplicates: number }> {
		if (!this.state) return { known: false, accepted: [], duplicates: 0 };
		const now = Date.now();
		const { ledger } = this.state;
		const result = receive(ledger, events, now);
		if (result.accepted.length === 0) return { known: true, ...result };
		const accepted = ledger.events.filter((e) => result.accepted.includes(e.id));
		if (ledger.authorization) {
			await this.save(this.state, accepted);
			await this.ctx.storage.setAlarm(now);
		} else {
			// Nothing can move before the authorization exists: hold now, in the same write; recordAuthorization wakes them.
			for (const event of accepted) setStatus(event, "held", now, "waiting for the authorization");
			await this.save(this.state, accepted);
		}
		return { known: true, ...result };
	}

	/** The ledger for the merchant: authorization, captures, releases, refunds, and every event's outcome. */
	async ledger(): Promise<components["schemas"]["OrderLedger"] | null> {
		if (!this.state) return null;
		return { reference: this.state.reference, client_id: this.state.clientId, ...ledgerView(this.state.ledger) };
	}

	/** Puts a dead-lettered (or refused) event back in line, for another full set of attempts. */
	async replay(eventId: string): Promise<"replayed" | "not_found" | "not_replayable"> {
		const event = this.state?.ledger.events.find((e) => e.id === eventId);
		if (!this.state || !event) return "not_found";
		if (event.status !== "dead_letter" && event.status !== "refused") return "not_replayable";
		event.attempts = 0;
		delete event.nextAttemptAt;
		if (event.status === "refused") {
			const done = (event.calls ?? []).some((c) => c.status === "done");
			if (!done)
				delete event.calls; // nothing moved: plan afresh from Flexiti's state
			// Some of the plan went through: re-send only what was refused, as new requests to Flexiti
			// (a new key, since Flexiti remembers only successes), for the amounts first planned.
			else
				for (const call of event.calls ?? []) {
					if (call.status !== "refused") continue;
					call.status = "pending";
					call.idempotencyKey = `${call.idempotencyKey}:replay${event.history.length}`;
					delete call.result;
				}
		}
		setStatus(event, "pending", Date.now(), "replayed by the merchant");
		await this.save(this.state, [event]);
		await this.ctx.storage.setAlarm(Date.now());
		return "replayed";
	}

	/** Applies what can be applied now; wakes up again for the next retry, if any. */
	override async alarm(): Promise<void> {
		const state = this.state;
		if (!state) return;
		// Applying one event can unblock an earlier held one (a refund waiting for a capture): a few passes.
		for (let pass = 0; pass < 3; pass++) {
			let changed = false;
			for (const event of eventsToApply(state.ledger, Date.now())) {
				changed = (await this.apply(state, event)) || changed;
				await this.save(state, [event]);
			}
			if (!changed) break;
		}
		const wakeUp = nextWakeUp(state.ledger);
		if (wakeUp !== undefined) await this.ctx.storage.setAlarm(wakeUp);
	}

	/** Applies one event; true when the order's money or the event's outcome changed. */
	private async apply(state: OrderState, event: LedgerEvent): Promise<boolean> {
		const now = Date.now();
		const authorization = state.ledger.authorization;
		if (!authorization) {
			if (event.status !== "held") setStatus(event, "held", now, "waiting for the authorization");
			return false;
		}
		const tokens = merchantTokens(this.env, state.clientId, (promise) => this.ctx.waitUntil(promise));
		const header = { "x-reference-id": state.flowReferenceId };
		try {
			if (!event.calls) {
				// Decide from Flexiti's own view of the authorization, read now.
				const truth = await callFlexiti(
					this.env,
					"getAuthorization",
					{ params: { client_id: state.clientId, authorization_id: String(authorization.authorization_id) }, header },
					tokens,
				);
				if (!truth.response.ok) return this.failed(event, truth, now);
				const refunded: Record<number, number> = {};
				for (const r of state.ledger.refunds) refunded[r.capture_id] = add(refunded[r.capture_id] ?? 0, r.amount);
				const authorizationNow = resultBody(truth) as flexiti["schemas"]["Authorization"];
				const plan = planEvent(event, authorizationNow, state.clientId, now, refunded);
				if (plan.kind === "hold") {
					if (event.status !== "held") setStatus(event, "held", now, plan.reason);
					return false;
				}
				if (plan.kind === "nothing" || plan.kind === "refuse") {
					setStatus(event, plan.kind === "nothing" ? "applied" : "refused", now, plan.outcome);
					return true;
				}
				event.calls = plan.calls.map((call) => ({ ...call, status: "pending" }));
				// The plan is durable before any money moves: after a restart the same calls are re-sent
				// with the same keys, never re-planned from a state that already counts some of them.
				await this.save(state, [event]);
			}
			for (const call of event.calls.filter((c) => c.status === "pending")) {
				const result = await callFlexiti(
					this.env,
					call.operationId,
					{ params: call.params, header: { ...header, "x-idempotency-key": call.idempotencyKey }, body: call.body },
					tokens,
				);
				if (result.response.ok) {
					recordDone(state.ledger, event, call, resultBody(result), Date.now());
					continue;
				}
				if (isBusinessRefusal(result.response.status)) {
					call.status = "refused";
					call.result = errorCode(result);
					setStatus(event, "refused", Date.now(), `Flexiti refused ${call.operationId}: ${call.result}`);
					return true;
				}
				return this.failed(event, result, now);
			}
			const summary = event.calls.map((c) => `${c.operationId} ${c.amount}: ${c.result ?? c.status}`).join("; ");
			setStatus(event, "applied", Date.now(), summary);
			return true;
		} catch (error) {
			return this.retryLater(event, now, error instanceof Error ? error.message : "unknown error");
		}
	}

	/** Flexiti did not take it: a business refusal is final; anything else is retried. */
	private failed(event: LedgerEvent, result: FlexitiResult, now: number): boolean {
		if (isBusinessRefusal(result.response.status)) {
			setStatus(event, "refused", now, `Flexiti refused: ${errorCode(result)}`);
			return true;
		}
		return this.retryLater(event, now, `Flexiti answered ${result.response.status}`);
	}

	/** Retries with growing, jittered delays; after the last attempt the event waits in the dead letter. */
	private retryLater(event: LedgerEvent, now: number, reason: string): boolean {
		const { webhookRetryBaseMs, webhookMaxAttempts } = edgeConfig(this.env);
		event.attempts += 1;
		if (event.attempts >= webhookMaxAttempts) {
			setStatus(event, "dead_letter", now, `gave up after ${event.attempts} attempts: ${reason}`);
			return true;
		}
		const delay = webhookRetryBaseMs * 4 ** (event.attempts - 1);
		event.nextAttemptAt = now + Math.min(delay * (0.5 + Math.random() / 2), 60 * 60 * 1000);
		setStatus(event, "retrying", now, reason);
		return false;
	}

	private orderWithoutCheckout(clientId: string, reference: string, amount: number): OrderState {
		return {
			checkoutId: this.ctx.id.toString(),
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

	private async loadCustomerToken(state: OrderState, current: FlexitiToken | undefined): Promise<FlexitiToken> {
		const mint = this.mint();
		const token = current
			? await renew(state.clientId, "customer", current, mint)
			: await mint(state.clientId, "customer", { type: "client_credentials" }, state.flowReferenceId);
		state.customerToken = token;
		await this.save(state);
		return token;
	}

	private mint(): MintToken {
		const config = edgeConfig(this.env);
		return flexitiTokenEndpoint(config, withRetries(upstreamSend(this.env, config)));
	}

	private requireState(): OrderState {
		if (!this.state) throw new Error("no checkout for this order");
		return this.state;
	}

	/**
	 * Persists the order and the events that changed, in one atomic write. Events live under their
	 * own keys, so acknowledging a webhook writes one small event, not the order's whole history.
	 */
	private async save(state: OrderState, changedEvents: readonly LedgerEvent[] = []): Promise<void> {
		this.state = state;
		const entries: Record<string, unknown> = { order: { ...state, ledger: { ...state.ledger, events: [] } } };
		for (const event of changedEvents) {
			entries[`${EVENT_PREFIX}${String(state.ledger.events.indexOf(event)).padStart(8, "0")}`] = event;
		}
		await this.ctx.storage.put(entries);
	}
}

function ledgerAuthorization(authorization: Authorization): LedgerAuthorization {
	return {
		authorization_id: authorization.authorization_id,
		amount: authorization.amount,
		status: authorization.status,
		account_number: authorization.account_number,
		transaction_type: authorization.transaction_type,
	};
}

function view(state: OrderState, now: number): CheckoutView {
	const expiresAt = Math.max(0, ...state.clientTokens.map((t) => t.expiresAt));
	const authorizationId = state.ledger.authorization?.authorization_id;
	const status: CheckoutStatus = authorizationId
		? "authorized"
		: expiresAt <= now
			? "expired"
			: state.widgetSessionId
				? "widget_started"
				: "open";
	return {
		checkout_id: state.checkoutId,
		client_id: state.clientId,
		reference: state.reference,
		amount: state.amount,
		lang: state.lang,
		auto_capture: state.autoCapture,
		status,
		...(state.widgetSessionId ? { widget_session_id: state.widgetSessionId } : {}),
		...(authorizationId ? { authorization_id: authorizationId } : {}),
		expires_at: new Date(expiresAt).toISOString(),
	};
}

/** 4xx answers other than "try again" ones are Flexiti's final word on this request. */
function isBusinessRefusal(status: number): boolean {
	return status >= 400 && status < 500 && status !== 401 && status !== 408 && status !== 429;
}

function errorCode(result: FlexitiResult): string {
	const body = result.error as { error?: unknown } | undefined;
	return typeof body?.error === "string" ? body.error : String(result.response.status);
}
