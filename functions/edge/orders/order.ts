/**
 * One Durable Object per order (keyed by client id and the merchant's order reference): the
 * strongly consistent home of its checkout — amount, reference, the shopper's client-token digests,
 * the checkout's own customer-scope Flexiti token, the widget session — and of its ledger, which
 * turns order-system events into captures, releases and refunds exactly once.
 * Being the only writer, it needs no locks: no two requests race on an order's money or token.
 * This class is storage and RPC only; each concern lives in its own module, given the state and
 * `save` as its persist function: checkout.ts, customer-token.ts, order-authorization.ts,
 * hosted-order.ts, apply-event.ts, order-alarm.ts; the merchant's events in outbox.ts (written by `save` with the
 * change they report), deliver-event.ts and order-clock.ts; its row in the order index, indexed-row.ts.
 */

import { DurableObject } from "cloudflare:workers";
import type { components } from "../../../generated/edge-api.ts";
import { Clock } from "../core/clock.ts";
import { edgeConfig } from "../core/config.ts";
import type { EdgeBindings } from "../core/env.ts";
import { OneAtATime } from "../core/one-at-a-time.ts";
import type { FlexitiToken } from "../flexiti/flexiti-token.ts";
import { TokenCache } from "../flexiti/token-cache.ts";
import { applyEvent, replayEvent } from "./apply-event.ts";
import type { AuthorizationOutcome } from "./authorize-once.ts";
import { cancelForUnknownOrder } from "./cancelled-order.ts";
import {
	authenticateCheckout,
	type CheckoutAccount,
	type CheckoutSession,
	checkoutConflict,
	checkoutExpiresAt,
	checkoutView,
	claimAccount,
	type OpenCheckout,
	type OpenResult,
	openCheckout,
	recordWidgetSession,
} from "./checkout.ts";
import { CustomerToken } from "./customer-token.ts";
import { OutboxSender } from "./deliver-event.ts";
import { EventsInStorage } from "./events-in-storage.ts";
import { attachSession, pollDue, reusableSession, scheduleNextPoll } from "./hosted-checkout.ts";
import { HostedOrder, type HostedReturn } from "./hosted-order.ts";
import { IndexedRow } from "./indexed-row.ts";
import {
	type FlexitiAuthorizationView,
	type ForwardedMovement,
	holdUntilAuthorized,
	type LedgerAuthorization,
	type LedgerEvent,
	ledgerView,
	nextWakeUp,
	receive,
	recordMovement,
} from "./ledger.ts";
import {
	type EventDetails,
	eventForVerdict,
	eventsForChange,
	eventsForMoney,
	type LedgerMark,
	type MerchantEventType,
	markLedger,
	moneyAt,
	toldElsewhere,
} from "./merchant-events.ts";
import { applyDueEvents, wakeAt } from "./order-alarm.ts";
import {
	type AuthorizeRequest,
	admitAuthorization,
	authorizationPending,
	recordAuthorizationOn,
} from "./order-authorization.ts";
import { dueClockEvents, nextClockAt } from "./order-clock.ts";
import type { OrderEvent } from "./order-event.ts";
import { OrderLink } from "./order-link.ts";
import {
	type CheckoutView,
	loadOrder,
	type OrderRuntime,
	type OrderState,
	orderEntries,
	orderWithoutCheckout,
	type ReconciliationView,
	reconciliationView,
} from "./order-state.ts";
import { emit, nextDeliveryAt, outboxView, redeliver } from "./outbox.ts";
import { bindPlatformOrder } from "./platform-order.ts";
import { withTotalAboveAuthorization } from "./store-total.ts";
import { keyMarkers, newEventEntries, writeEntries } from "./stored-events.ts";
import type { HoldResult, UnlinkedEvent } from "./unlinked-events.ts";
import { markUnsaved } from "./unsaved.ts";

export type { CheckoutSession, OpenCheckout, OpenResult } from "./checkout.ts";

export type { AuthorizeRequest } from "./order-authorization.ts";
export type { CheckoutView, OrderState } from "./order-state.ts";

export class Order extends DurableObject<EdgeBindings> {
	/**
	 * The order's time: every expiry, backoff and retry reads it, and the alarm is set by it. The wall
	 * clock in production; a test moves it on (core/clock.ts) so days pass without sleeping them out.
	 */
	readonly clock = new Clock();
	private state: OrderState | undefined;
	/** The order's events while they are in storage only (see events-in-storage.ts). */
	private readonly eventsInStorage: EventsInStorage;
	/** The authorization attempt in flight: concurrent attempts wait for it and get its answer. */
	private readonly authorizing = new OneAtATime<AuthorizationOutcome>();
	private readonly runtime: OrderRuntime;
	private readonly customerTokens: CustomerToken;
	/** The order's row in the order index (D1). */
	private readonly indexedRow: IndexedRow;
	/** Its hosted checkout at Flexiti, if it is one (see hosted-order.ts). */
	private readonly hosted: HostedOrder;
	/** The alarm run in flight, if any. */
	private readonly alarmRun = new OneAtATime<void>();
	/** The ledger as each order event being applied found it (what its own events will tell). */
	private readonly marksOfApplications = new Set<LedgerMark>();
	/** Sends the outbox's due deliveries, each once at a time. */
	private readonly sender = new OutboxSender();
	/** Its role when it names a store's order rather than a checkout's (order-link.ts). */
	private readonly link: OrderLink;
	private readonly persist = (state: OrderState, changedEvents: readonly LedgerEvent[] = []) =>
		this.save(state, changedEvents);

	constructor(ctx: DurableObjectState, env: EdgeBindings) {
		super(ctx, env);
		this.runtime = {
			env,
			storage: ctx.storage,
			waitUntil: (promise) => ctx.waitUntil(promise),
			now: this.clock.now,
			tokens: new TokenCache(),
		};
		this.eventsInStorage = new EventsInStorage(ctx.storage);
		this.link = new OrderLink(ctx.storage, env, this.clock);
		this.customerTokens = new CustomerToken(this.runtime, () => this.requireState(), this.persist);
		this.indexedRow = new IndexedRow(ctx.storage, env.ORDER_INDEX, this.clock.now);
		this.hosted = new HostedOrder(this.runtime, {
			state: () => this.state,
			recordAuthorization: (...args) => this.recordAuthorization(...args),
			emit: (state, type, details) => this.emit(state, type, details),
			save: (state) => this.save(state),
			schedule: () => this.schedule(),
		});
		ctx.blockConcurrencyWhile(async () => {
			const stored = await loadOrder(ctx.storage);
			this.state = stored?.state;
			this.eventsInStorage.count = stored?.eventsInStorage;
			await this.indexedRow.load();
		});
	}

	/** Opens the order's checkout, or hands out a new client token for the same one (revoking the old). */
	async open(input: OpenCheckout): Promise<OpenResult> {
		await this.eventsInMemory();
		const conflict = checkoutConflict(this.state, input) ?? (await this.beside(input));
		if (conflict) return { ok: false, conflict };
		// Flexiti's session first, for a hosted checkout: if it cannot be opened, the order is left as it was.
		// One flow reference id from the first call to Flexiti on (x-reference-id ties a flow's calls together).
		const flowReferenceId = this.state?.flowReferenceId ?? crypto.randomUUID();
		const started = await this.hosted.startIfNeeded(input, flowReferenceId);
		if (started && !started.ok) return { ok: false, unavailable: { error: started.error, message: started.message } };
		const config = edgeConfig(this.env);
		const sessionTtlMs = config.checkoutTtlSeconds * 1000;
		const now = this.clock.now();
		const open = reusableSession(this.state, now, sessionTtlMs);
		// An open session's page was built in one language, and a second session could be paid twice: the
		// checkout keeps the page's language rather than say one the shopper will not see.
		const lang = open ? (open.lang ?? this.state?.lang ?? input.lang) : input.lang;
		const opened = openCheckout(this.state, { ...input, lang }, now, flowReferenceId);
		if ("conflict" in opened) return { ok: false, conflict: opened.conflict };
		if (started && !open) attachSession(opened.state, started, now, config.hostedPollBaseMs);
		await this.save(opened.state);
		await this.schedule(); // the checkout's expiry
		return { ok: true, checkout: checkoutView(opened.state, now) };
	}

	/**
	 * Why a checkout of this channel cannot be opened beside what the order is doing, if it cannot: a
	 * widget checkout beside an open hosted session, or a hosted session beside an authorization in
	 * flight (or whose answer was lost): either could make a second hold on the shopper's credit.
	 */
	private async beside(input: OpenCheckout): Promise<string | undefined> {
		if (this.state?.ledger.authorization) return undefined; // the one there is: nothing more is sent
		if (input.channel !== "hosted" && this.hosted.sessionOpen()) {
			return `order ${input.reference} is being paid on Flexiti's hosted checkout, whose session is open`;
		}
		if (input.channel === "hosted" && (await this.authorizationUnderWay())) {
			return `an authorization for order ${input.reference} is under way: no hosted checkout beside it`;
		}
		return undefined;
	}

	/** An authorization in flight, or one whose answer was lost (reserved until it is known). */
	private async authorizationUnderWay(): Promise<boolean> {
		return this.authorizing.current !== undefined || (await authorizationPending(this.ctx.storage));
	}

	/** The checkout, if this client-token digest is one of its live ones (see checkout.ts). */
	async authenticate(tokenDigest: string): Promise<CheckoutSession | null> {
		return authenticateCheckout(this.state, tokenDigest, this.clock.now());
	}

	/**
	 * The checkout's account as a shopper's call naming `accountNumber` finds it: taken as the checkout's
	 * when its widget named none (checkout.ts `claimAccount`). Null for a client token not live here.
	 */
	async accountFor(tokenDigest: string, accountNumber: string): Promise<CheckoutAccount | null> {
		const state = this.state;
		if (!state || !authenticateCheckout(state, tokenDigest, this.clock.now())) return null;
		if (claimAccount(state, accountNumber)) await this.save(state);
		return {
			widgetOpened: state.widgetSessionId !== undefined,
			...(state.accountNumber !== undefined ? { accountNumber: state.accountNumber } : {}),
		};
	}

	async checkout(): Promise<CheckoutView | null> {
		await this.eventsInMemory();
		return this.state ? checkoutView(this.state, this.clock.now()) : null;
	}

	/**
	 * The checkout's own customer-scope token (see customer-token.ts).
	 * (A result, not an exception: errors lose their class across RPC.)
	 */
	async customerToken(): Promise<{ token: FlexitiToken } | { unavailable: string }> {
		await this.eventsInMemory();
		try {
			return { token: await this.customerTokens.live() };
		} catch (error) {
			return { unavailable: error instanceof Error ? error.message : "unknown" };
		}
	}

	/** Flexiti rejected this token (401): forget it, so the next call gets a new one. */
	async dropCustomerToken(accessToken: string): Promise<void> {
		await this.eventsInMemory();
		await this.customerTokens.drop(accessToken);
	}

	/** Flexiti's hosted checkout sent the shopper back through the edge: its outcome, and where the shopper goes on to. */
	async returnFromHosted(): Promise<HostedReturn | null> {
		await this.eventsInMemory();
		return this.hosted.afterReturn();
	}

	/** The shopper opened the Flexiti widget; when it was for a known account, the checkout is for that account. */
	async recordWidgetSession(widgetSessionId: string, accountNumber?: string): Promise<void> {
		await this.eventsInMemory();
		const state = this.requireState();
		const settled = Boolean(state.ledger.authorization) || (await this.authorizationUnderWay());
		recordWidgetSession(state, widgetSessionId, accountNumber, settled);
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
		await this.eventsInMemory();
		const state = this.state ?? orderWithoutCheckout(this.ctx.id.toString(), clientId, reference, authorization.amount);
		const first = !state.ledger.authorization;
		const before = markLedger(state.ledger);
		if (!recordAuthorizationOn(state, authorization, answer)) return;
		if (first) {
			state.authorizedAt = this.clock.now();
			this.emit(state, "checkout.authorized", { amount: authorization.amount, ledger: moneyAt(before, state.ledger) });
		}
		// Captured at once (`auto_capture`): that capture is told as every other is, after the authorization.
		for (const change of eventsForMoney(before, state.ledger)) this.emit(state, change.type, change.details);
		for (const applying of this.marksOfApplications) toldElsewhere(applying, before, state.ledger);
		await this.save(state);
		await this.schedule(state.ledger.events.some((e) => e.status === "held") ? this.clock.now() : undefined);
	}

	/** Money moved through `/flexiti` for this order (see forwarded-movement.ts): into the ledger, once. */
	async recordMovement(movement: ForwardedMovement, authorization: FlexitiAuthorizationView): Promise<void> {
		await this.eventsInMemory();
		const state = this.state;
		if (!state) return;
		const before = markLedger(state.ledger);
		if (!recordMovement(state.ledger, movement, authorization, this.clock.now())) return;
		// Told to the merchant's systems as a webhook's movement is, once: the ledger enters it once, and
		// an order event being applied meanwhile (its calls await Flexiti) does not tell it again.
		for (const change of eventsForMoney(before, state.ledger)) this.emit(state, change.type, change.details);
		for (const applying of this.marksOfApplications) toldElsewhere(applying, before, state.ledger);
		await this.save(state);
		await this.schedule();
	}

	/** The one place an authorization for this order is admitted (see order-authorization.ts). */
	async authorizeOnce(request: AuthorizeRequest): Promise<AuthorizationOutcome> {
		await this.eventsInMemory();
		// Shared only by attempts for the same amount, account and plan: another waits, then is judged
		// against the authorization the first one made (refused as another one, not given it).
		const { amount, account_number, financing_option: plan } = request.call.body;
		const attempt = [amount, account_number, plan.transaction_type, plan.plan_id, plan.term].join(":");
		return this.authorizing.run(
			() =>
				admitAuthorization(
					{
						runtime: this.runtime,
						state: () => this.state,
						record: (...args) => this.recordAuthorization(...args),
						customerTokens: () => this.customerTokens.source(),
						hostedSessionOpen: () => this.hosted.sessionOpen(),
						declined: async (amount, error, outcome) => {
							const state = this.state;
							if (!state) return;
							this.emit(state, "checkout.declined", { amount, error, outcome });
							await this.save(state);
							await this.schedule();
						},
					},
					request,
				),
			attempt,
		);
	}

	/**
	 * Order-system events for this order, verified and normalized: stored durably (the webhook is
	 * acknowledged after this returns), deduplicated by key, and applied right after by the alarm.
	 * An order the edge never saw is not a Flexiti order: nothing is stored.
	 */
	async receive(events: OrderEvent[]): Promise<{ known: boolean; accepted: string[]; duplicates: number }> {
		// Worked out first: nothing below awaits between reading the order and writing what it changes.
		const markers = await keyMarkers(events.map((e) => e.key));
		// An order whose events are still in storage (evicted since, or only ever acked) asks storage
		// whether the keys are new, and writes the new events: its history is not read for an ack.
		if (this.state && this.eventsInStorage.canAppend(this.state, events)) {
			const now = this.clock.now();
			// Applied right after, by the alarm (see below), once there is an authorization.
			const alarmAt = this.state.ledger.authorization ? this.clock.wallTime(now) : undefined;
			const appended = await this.eventsInStorage.append(this.state, events, markers, now, alarmAt);
			// Undefined: another call stored events or read them into memory meanwhile; ask again.
			return appended ? { known: true, ...appended } : this.receive(events);
		}
		await this.eventsInMemory();
		// The order's own record changes only when it is new or its shipping does: otherwise an ack writes
		// just its new events (a small key each), not the order beside them.
		let orderChanged = false;
		if (!this.state) {
			// Cancelled before the edge knew it: held under the reference (see cancelled-order.ts).
			const cancel = cancelForUnknownOrder(events);
			if (!cancel) return { known: false, accepted: [], duplicates: 0 };
			this.state = orderWithoutCheckout(this.ctx.id.toString(), cancel.clientId, cancel.reference, 0);
			orderChanged = true;
		}
		const state = this.state;
		const now = this.clock.now();
		const { ledger } = state;
		const before = ledger.events.length;
		const platform = bindPlatformOrder(state, events);
		if (platform.bound) orderChanged = true;
		const result = receive(ledger, withTotalAboveAuthorization(platform.events, ledger), now);
		for (const { shipping } of events) {
			if (shipping === undefined || shipping === state.shipping) continue;
			state.shipping = shipping;
			orderChanged = true;
		}
		if (result.accepted.length === 0) {
			if (orderChanged) await this.save(state); // its store order or shipping, learned from a redelivery
			return { known: true, ...result };
		}
		const accepted = ledger.events.slice(before);
		// Refused or for the merchant to act on as read: told now, in the same write (the alarm delivers it).
		for (const told of accepted.map(eventForVerdict)) {
			if (!told) continue;
			this.emit(state, told.type, told.details);
			orderChanged = true;
		}
		holdUntilAuthorized(ledger, accepted, now);
		const written = this.save(state, accepted, {
			order: orderChanged,
			also: newEventEntries(accepted, before, markers),
		});
		// Applied right after, by the alarm: set in the same atomic write, so the ack waits for one write
		// only. Now is always safe (an earlier alarm is due anyway; the alarm sets its own next time).
		if (ledger.authorization || orderChanged) void this.ctx.storage.setAlarm(this.clock.wallTime(now));
		await written;
		return { known: true, ...result };
	}

	/** Reads the order's events into memory, if an ack left them in storage (see events-in-storage.ts). */
	private eventsInMemory(): Promise<void> {
		return this.eventsInStorage.toMemory(this.state);
	}

	/** This object names a store's order (see orderLink): the checkout reference it belongs to (order-link.ts). */
	linkTo(reference: string): Promise<void> {
		return this.link.linkTo(reference);
	}

	/** Keeps this store order's events until its link is learned (order-link.ts). */
	holdUntilLinked(events: UnlinkedEvent[]): Promise<HoldResult | { linked: string }> {
		return this.link.holdUntilLinked(events);
	}

	/** The checkout reference a store's order belongs to, once learned. */
	linkedReference(): Promise<string | undefined> {
		return this.link.reference();
	}

	/** The ledger for the merchant: authorization, captures, releases, refunds, and every event's outcome. */
	async ledger(): Promise<components["schemas"]["OrderLedger"] | null> {
		await this.eventsInMemory();
		if (!this.state) return null;
		return {
			reference: this.state.reference,
			client_id: this.state.clientId,
			...ledgerView(this.state.ledger),
			merchant_events: outboxView(this.state),
		};
	}

	/** What reconciliation with Flexiti compares (reconciliationView); null for an order never opened. */
	async reconciliationView(): Promise<ReconciliationView | null> {
		return this.state ? reconciliationView(this.state) : null;
	}

	/** Puts a dead-lettered (or refused) event back in line, for another full set of attempts. */
	async replay(eventId: string): Promise<"replayed" | "not_found" | "not_replayable"> {
		await this.eventsInMemory();
		const replayed = replayEvent(this.state, eventId, this.clock.now());
		if (typeof replayed === "string" || !this.state) return replayed as "not_found" | "not_replayable";
		await this.save(this.state, [replayed]);
		await this.wakeAt(this.clock.now());
		return "replayed";
	}

	/** Sends one event to one endpoint again, now, for a fresh retry window (same webhook-id, same body). */
	async redeliver(deliveryId: string): Promise<"redelivered" | "not_found"> {
		await this.eventsInMemory();
		if (!this.state) return "not_found";
		const event = redeliver(this.state, deliveryId, this.clock.now(), edgeConfig(this.env).eventRetryWindowMs);
		if (!event) return "not_found";
		markUnsaved(this.state, event);
		await this.save(this.state);
		await this.schedule(this.clock.now());
		return "redelivered";
	}

	/**
	 * Applies what can be applied now, reports what the clock says, delivers the merchant's events that
	 * are due; wakes up again for the next of any of these.
	 */
	override alarm(): Promise<void> {
		// One run at a time: a run started while another is in flight (a test's runDurableObjectAlarm
		// beside the scheduled one) shares it instead of applying the same events twice.
		return this.alarmRun.run(() => this.runAlarm());
	}

	private async runAlarm(): Promise<void> {
		await this.eventsInMemory();
		const state = this.state;
		if (!state) return this.link.dropExpired(); // a link object's alarm
		const config = edgeConfig(this.env);
		await applyDueEvents(
			state,
			async (event) => {
				const before = markLedger(state.ledger, event);
				this.marksOfApplications.add(before);
				let changed: boolean;
				try {
					changed = await applyEvent(this.runtime, state, event, this.persist);
				} finally {
					this.marksOfApplications.delete(before);
				}
				// Emitted before applyDueEvents saves the event: the change and its report in one write.
				for (const change of eventsForChange(before, state.ledger, event))
					this.emit(state, change.type, change.details);
				return changed;
			},
			this.persist,
			this.clock.now,
		);
		// The hosted session's poll before the clock: checkout.expired only once Flexiti had nothing to say.
		if (pollDue(state, this.clock.now())) {
			await this.hosted.learn();
			scheduleNextPoll(state, this.clock.now(), config.hostedPollBaseMs, checkoutExpiresAt(state));
			await this.save(state);
		}
		const clockEvents = dueClockEvents(state, this.clock.now(), config.authorizationAgingDays);
		for (const due of clockEvents) this.emit(state, due.type, due.details);
		if (clockEvents.length > 0) await this.save(state);
		await this.deliverDue(state);
		await this.indexedRow.write(state);
		const next = this.nextWakeUp(state);
		if (next !== undefined) await this.ctx.storage.setAlarm(this.clock.wallTime(next));
	}

	/** The due deliveries, each result saved with the order as it comes. */
	private deliverDue(state: OrderState): Promise<void> {
		return this.sender.deliverDue(
			state,
			state.clientId,
			edgeConfig(this.env),
			(event) => {
				markUnsaved(state, event);
				return this.save(state);
			},
			this.clock.now,
		);
	}

	/** The earliest of what needs the alarm: a ledger retry, an event received meanwhile, the clock, a delivery. */
	private nextWakeUp(state: OrderState, extra?: number): number | undefined {
		const config = edgeConfig(this.env);
		const arrived = state.ledger.events.some((e) => e.status === "pending") ? this.clock.now() : undefined;
		const times = [
			nextWakeUp(state.ledger),
			arrived,
			nextClockAt(state, config.authorizationAgingDays),
			nextDeliveryAt(state),
			state.hosted?.outcome ? undefined : state.hosted?.nextPollAt,
			this.indexedRow.dueAt(state),
			extra,
		].filter((t) => t !== undefined);
		return times.length > 0 ? Math.min(...times) : undefined;
	}

	/** Moves the alarm earlier if anything needs it sooner (outside the alarm itself). */
	private async schedule(extra?: number): Promise<void> {
		if (!this.state) return;
		const next = this.nextWakeUp(this.state, extra);
		if (next !== undefined) await this.wakeAt(next);
	}

	/** Wakes the order at `at` on its clock (order-alarm.ts: only ever earlier). */
	private wakeAt(at: number): Promise<void> {
		return wakeAt(this.ctx.storage, this.clock.wallTime(at));
	}

	/** Adds a merchant event to the outbox; the caller's next save writes it with the change it reports. */
	private emit(state: OrderState, type: MerchantEventType, details: EventDetails): void {
		emit(state, type, details, edgeConfig(this.env), this.clock.now());
	}

	private requireState(): OrderState {
		if (!this.state) throw new Error("no checkout for this order");
		return this.state;
	}

	/**
	 * Persists the order and the events that changed, in one atomic write. Events live under their
	 * own keys, so acknowledging a webhook writes one small event, not the order's whole history;
	 * `order: false` leaves the order's own record as stored (only its events changed).
	 */
	private async save(
		state: OrderState,
		changedEvents: readonly LedgerEvent[] = [],
		{ order = true, also = {} }: { order?: boolean; also?: Record<string, unknown> } = {},
	): Promise<void> {
		this.state = state;
		const written = writeEntries(this.ctx.storage, { ...orderEntries(state, changedEvents, { order }), ...also });
		// The order's index row now reads differently: the alarm writes it. Set in the same atomic
		// write as the change (no await in between), so a crash before the row is written still leaves
		// the alarm that writes it. (Setting it to now is always safe: the alarm computes its next time.)
		if (this.indexedRow.stale(state)) void this.ctx.storage.setAlarm(Date.now()); // now, by the wall clock
		await written;
	}
}
