/**
 * An order's hosted checkout at Flexiti (Online API), as its Durable Object runs it: opening the
 * session when the checkout is created, and learning the session's outcome once — whether the
 * shopper's return through the edge or the alarm's poll asks first. The rules over the session's
 * state are in hosted-checkout.ts; what an authorized purchase is at the POS API, in
 * hosted-authorization.ts; the Online API calls, in flexiti/hosted-session.ts.
 */
import type { FlexitiId } from "../../contract/lossless-json.ts";
import { edgeConfig } from "../core/config.ts";
import type { EdgeBindings } from "../core/env.ts";
import { OneAtATime } from "../core/one-at-a-time.ts";
import { type HostedSessionStart, readNotification, startHostedSession } from "../flexiti/hosted-session.ts";
import type { OpenCheckout } from "./checkout.ts";
import { hostedPurchaseAuthorization } from "./hosted-authorization.ts";
import { outcomeOf, reusableSession } from "./hosted-checkout.ts";
import type { LedgerAuthorization } from "./ledger.ts";
import type { EventDetails, MerchantEventType } from "./merchant-events.ts";
import type { OrderRuntime, OrderState } from "./order-state.ts";
import { orderLink } from "./order-stubs.ts";

/** Where a hosted checkout's shopper goes on to, and what to tell the page. */
export interface HostedReturn {
	checkoutId: string;
	reference: string;
	returnUrl?: string;
	status: "authorized" | "declined" | "pending";
}

/** The link from Flexiti's online order id to the order (order-stubs.ts `orderLink`), for the return redirect. */
export function hostedSessionLink(env: EdgeBindings, clientId: string, onlineOrderId: FlexitiId | string) {
	return orderLink(env, clientId, "flexiti-online", "online_order_id", String(onlineOrderId));
}

/** What the hosted checkout needs of its order's Durable Object. */
export interface HostedOrderHooks {
	state(): OrderState | undefined;
	/** Records a POS API authorization into the ledger (checkout.authorized once, as for the widget). */
	recordAuthorization(
		clientId: string,
		reference: string,
		authorization: LedgerAuthorization,
		answer: string,
	): Promise<void>;
	emit(state: OrderState, type: MerchantEventType, details: EventDetails): void;
	save(state: OrderState): Promise<void>;
	/** Moves the order's alarm earlier if anything needs it sooner. */
	schedule(): Promise<void>;
}

export class HostedOrder {
	/** The session being opened at Flexiti: concurrent creations of the checkout share it. */
	private readonly starting = new OneAtATime<HostedSessionStart>();
	/** The outcome being learned (redirect or poll): concurrent signals share one read. */
	private readonly learning = new OneAtATime<void>();

	constructor(
		private readonly runtime: OrderRuntime,
		private readonly order: HostedOrderHooks,
	) {}

	/**
	 * Whether the shopper may be paying on Flexiti's hosted page now: a session being opened, or one open
	 * without an outcome (an authorization or a widget checkout beside it could be a second hold).
	 */
	sessionOpen(): boolean {
		return (
			this.starting.current !== undefined ||
			reusableSession(this.order.state(), this.runtime.now(), this.sessionTtlMs()) !== undefined
		);
	}

	/** Flexiti's sessions do not outlive the checkout (Inferred, hosted-checkout.ts). */
	private sessionTtlMs(): number {
		return edgeConfig(this.runtime.env).checkoutTtlSeconds * 1000;
	}

	/**
	 * A new session at Flexiti for a hosted checkout being created, unless the order is authorized or
	 * has a session to hand out again; linked to the order's reference for the return redirect.
	 * Undefined when none is needed; Flexiti's refusal as it came (the order is then left as it was).
	 */
	async startIfNeeded(input: OpenCheckout, flowReferenceId: string): Promise<HostedSessionStart | undefined> {
		const state = this.order.state();
		const { env } = this.runtime;
		if (input.channel !== "hosted" || state?.ledger.authorization) return undefined;
		if (reusableSession(state, this.runtime.now(), this.sessionTtlMs())) return undefined;
		// The run lasts until the session is linked: a creation arriving meanwhile (the link is a call to
		// another Durable Object, and the order takes requests while it waits) shares this session instead
		// of finding none started and none attached, and opening a second one at Flexiti. The caller
		// attaches it with no wait in between.
		return this.starting.run(async () => {
			const started = await startHostedSession(
				env,
				{
					clientId: input.clientId,
					amount: input.amount,
					reference: input.reference,
					lang: input.lang,
					referenceId: flowReferenceId,
				},
				(promise) => this.runtime.waitUntil(promise),
				this.runtime.tokens,
			);
			if (started.ok) await hostedSessionLink(env, input.clientId, started.onlineOrderId).linkTo(input.reference);
			return started;
		});
	}

	/**
	 * The shopper came back through the edge: the outcome learned now (the same once-only path as the
	 * alarm's poll), and where the shopper goes on to.
	 */
	async afterReturn(): Promise<HostedReturn | null> {
		// A read already in flight (the alarm's poll) may have left before the shopper paid: the redirect
		// proves there is an outcome now, so when that read learned nothing, read again.
		const earlier = this.learning.current;
		await this.learn();
		const learned = this.order.state();
		if (earlier && !learned?.ledger.authorization && !learned?.hosted?.outcome) await this.learn();
		const state = this.order.state();
		if (!state) return null;
		const outcome = state.ledger.authorization ? "authorized" : state.hosted?.outcome;
		return {
			checkoutId: state.checkoutId,
			reference: state.reference,
			...(state.returnUrl ? { returnUrl: state.returnUrl } : {}),
			status: outcome ?? "pending",
		};
	}

	/** One read of the session's notification at a time; whoever comes meanwhile shares it. */
	learn(): Promise<void> {
		return this.learning.run(() => this.readOutcome());
	}

	/**
	 * Reads Flexiti's notification and records a final one: an authorization into the ledger, a decline
	 * as checkout.declined. The session's outcome is set once, and checked after every wait, so no
	 * signal records it twice.
	 */
	private async readOutcome(): Promise<void> {
		const state = this.order.state();
		const session = state?.hosted;
		if (!state || !session || session.outcome || state.ledger.authorization) return;
		const read = await readNotification(
			this.runtime.env,
			state.clientId,
			session.onlineOrderId,
			state.flowReferenceId,
			(promise) => this.runtime.waitUntil(promise),
			this.runtime.tokens,
		);
		if (read.kind !== "final" || state.hosted !== session || session.outcome) return;
		const outcome = outcomeOf(read.notification);
		if (outcome.kind === "authorized") {
			const found = await hostedPurchaseAuthorization(this.runtime, state, outcome.transactionId);
			if (found.kind === "unknown" || state.hosted !== session || session.outcome) return;
			if (found.kind === "found") {
				session.outcome = "authorized";
				delete session.nextPollAt;
				await this.order.recordAuthorization(state.clientId, state.reference, found.authorization, found.answer);
				await this.order.save(state);
				return;
			}
			console.warn(JSON.stringify({ event: "hosted_authorization_mismatch", transaction_id: outcome.transactionId }));
			session.outcome = "declined";
			delete session.nextPollAt;
			this.order.emit(state, "checkout.declined", {
				amount: state.amount,
				error: "authorization_mismatch",
				outcome: found.message,
			});
		} else {
			session.outcome = "declined";
			delete session.nextPollAt;
			this.order.emit(state, "checkout.declined", {
				amount: state.amount,
				error: outcome.error,
				outcome: outcome.message,
			});
		}
		await this.order.save(state);
		await this.order.schedule();
	}
}
