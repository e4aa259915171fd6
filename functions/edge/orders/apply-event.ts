/**
 * Applying one order-system event to the order's money, from Flexiti's own view of the authorization
 * read just before (the plan is in `plan-event.ts`): the plan is durable before any money moves, each
 * call carries its idempotency key, a business refusal is final, and anything else is retried with
 * growing, jittered delays until the dead letter. Also the merchant's replay of a dead letter.
 */
import { instantOf } from "../../contract/formats.ts";
import { add, subtract, sum } from "../../contract/money.ts";
import { edgeConfig } from "../core/config.ts";
import {
	callFlexiti,
	type FlexitiResult,
	isFinalRefusal,
	refusalOf,
	succeeded,
	successBody,
} from "../flexiti/gateway.ts";
import { followAuthorization, type LedgerEvent, recordDone, setStatus } from "./ledger.ts";
import { capturedAtAuthorization } from "./order-authorization.ts";
import { type OrderRuntime, type OrderState, orderMerchantTokens, type Persist } from "./order-state.ts";
import { accountRefundInstead, planEvent } from "./plan-event.ts";
import { storeTotalToPlan } from "./store-total.ts";

/** Applies one event; true when the order's money or the event's outcome changed. */
export async function applyEvent(
	runtime: OrderRuntime,
	state: OrderState,
	event: LedgerEvent,
	persist: Persist,
): Promise<boolean> {
	const { env } = runtime;
	const now = runtime.now();
	const authorization = state.ledger.authorization;
	if (!authorization) {
		if (event.status !== "held") setStatus(event, "held", now, "waiting for the authorization");
		return false;
	}
	const tokens = orderMerchantTokens(runtime, state.clientId);
	const header = { "x-reference-id": state.flowReferenceId };
	try {
		if (!event.calls || event.replanRest) {
			// Decide from Flexiti's own view of the authorization, read now.
			const truth = await callFlexiti(
				env,
				"getAuthorization",
				{ params: { client_id: state.clientId, authorization_id: String(authorization.authorization_id) }, header },
				tokens,
			);
			if (!succeeded(truth)) return failed(runtime, event, truth, now);
			const refunded: Record<number, number> = {};
			for (const r of state.ledger.refunds) refunded[r.capture_id] = add(refunded[r.capture_id] ?? 0, r.amount);
			const authorizationNow = successBody(truth);
			followAuthorization(state.ledger, authorizationNow);
			const toPlan = storeTotalToPlan(event.replanRest ? restOf(event) : event, state.ledger);
			const plan = planEvent(
				toPlan,
				authorizationNow,
				state.clientId,
				now,
				refunded,
				state.shipping,
				capturedAtAuthorization(state),
				shippedInFull(state, event),
			);
			if (plan.kind === "hold") {
				if (event.status !== "held") setStatus(event, "held", now, plan.reason);
				return false;
			}
			delete event.replanRest;
			if (plan.kind === "nothing" || plan.kind === "refuse") {
				setStatus(event, plan.kind === "nothing" ? "applied" : "refused", now, plan.outcome);
				return true;
			}
			// A replayed rest replaces what was never sent (the calls planned after the refused one: a refusal
			// stops the plan) and comes after the calls made or refused, which stay on the record.
			const kept = (event.calls ?? []).filter((call) => call.status !== "pending");
			event.calls = [...kept, ...plan.calls.map((call) => ({ ...call, status: "pending" as const }))];
			if (plan.note) event.note = plan.note;
			// The plan is durable before any money moves: after a restart the same calls are re-sent
			// with the same keys, never re-planned from a state that already counts some of them.
			await persist(state, [event]);
		}
		for (let call = nextPending(event); call; call = nextPending(event)) {
			const result = await callFlexiti(
				env,
				call.operationId,
				{ params: call.params, header: { ...header, "x-idempotency-key": call.idempotencyKey }, body: call.body },
				tokens,
			);
			if (succeeded(result)) {
				recordDone(state.ledger, event, call, successBody(result), runtime.now());
				continue;
			}
			if (isFinalRefusal(result.response.status)) {
				call.status = "refused";
				call.result = errorCode(result);
				const instead = accountRefundInstead(call, authorization.account_number, state.clientId, call.result);
				if (instead) {
					// Past Flexiti's return window: the same amount as an account refund, planned durably first.
					event.calls.push({ ...instead, status: "pending" });
					await persist(state, [event]);
					continue;
				}
				setStatus(event, "refused", runtime.now(), `Flexiti refused ${call.operationId}: ${call.result}`);
				return true;
			}
			return failed(runtime, event, result, now);
		}
		const summary = [
			...event.calls.map((c) => `${c.operationId} ${c.amount}: ${c.result ?? c.status}`),
			...(event.note ? [event.note] : []),
		].join("; ");
		setStatus(event, "applied", runtime.now(), summary);
		return true;
	} catch (error) {
		return retryLater(runtime, event, now, error instanceof Error ? error.message : "unknown error");
	}
}

/**
 * Whether a shipment of the whole order (a fulfillment with no amount), applied already, covers this
 * parcel: one the store made before it (a parcel's event delivered after the whole order's). A parcel
 * made after it (an item added and shipped later) is not covered; without the store's times, it is.
 */
function shippedInFull(state: OrderState, event: LedgerEvent): boolean {
	return state.ledger.events.some(
		(other) =>
			other !== event &&
			other.type === "fulfilled" &&
			other.amount === undefined &&
			other.status === "applied" &&
			!(instantOf(event.occurredAt ?? "") > instantOf(other.occurredAt ?? "")),
	);
}

/** Puts a dead-lettered (or refused) event back in line, for another full set of attempts. */
export function replayEvent(
	state: OrderState | undefined,
	eventId: string,
	now: number,
): LedgerEvent | "not_found" | "not_replayable" {
	const event = state?.ledger.events.find((e) => e.id === eventId);
	if (!state || !event) return "not_found";
	if (event.status !== "dead_letter" && event.status !== "refused") return "not_replayable";
	event.attempts = 0;
	delete event.nextAttemptAt;
	if (event.status === "refused") {
		const sent = (event.calls ?? []).some((c) => c.status !== "pending");
		if (!sent)
			delete event.calls; // the edge refused it before sending anything: plan afresh, its keys unused
		// Flexiti took or refused part of the plan: the rest is planned afresh, from Flexiti's state when it
		// is applied (another event may have refunded that capture meanwhile), under keys of its own. Never
		// re-sent as first planned, nor under a key Flexiti already answered: it answers a key's first
		// request only (a refusal too, for all the record shows), so the replay would meet the old refusal.
		else event.replanRest = true;
	}
	setStatus(event, "pending", now, "replayed by the merchant");
	return event;
}

/**
 * What is left of a replayed event whose plan went through in part: the amount not yet moved, under
 * keys of its own (`:replay<n>`), so that none repeats a call Flexiti already took or refused.
 */
function restOf(event: LedgerEvent): LedgerEvent {
	const moved = (event.calls ?? []).filter((call) => call.status === "done").map((call) => call.amount);
	return {
		...event,
		id: `${event.id}:replay${event.history.length}`,
		...(event.amount !== undefined ? { amount: subtract(event.amount, sum(moved)) } : {}),
		// withShipping kept: the plan adds the order's shipping to its first capture only, so a part that
		// was captured took it, and a plan Flexiti refused whole still owes it.
	};
}

/** Flexiti did not take it: a business refusal is final; anything else is retried. */
function failed(runtime: OrderRuntime, event: LedgerEvent, result: FlexitiResult, now: number): boolean {
	if (isFinalRefusal(result.response.status)) {
		setStatus(event, "refused", now, `Flexiti refused: ${errorCode(result)}`);
		return true;
	}
	return retryLater(runtime, event, now, `Flexiti answered ${result.response.status}`);
}

/** Retries with growing, jittered delays; after the last attempt the event waits in the dead letter. */
function retryLater(runtime: OrderRuntime, event: LedgerEvent, now: number, reason: string): boolean {
	const { webhookRetryBaseMs, webhookMaxAttempts } = edgeConfig(runtime.env);
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

function nextPending(event: LedgerEvent) {
	return event.calls?.find((c) => c.status === "pending");
}

function errorCode(result: FlexitiResult): string {
	return refusalOf(result.error).code ?? String(result.response.status);
}
