/**
 * Admitting the order's one authorization (the Durable Object's `authorizeOnce`), and recording an
 * authorization the ledger rests on. Concurrent attempts share the one in flight; once there is an
 * authorization, a repeat gets Flexiti's answer to it again; an attempt whose outcome was not known
 * (answer lost, timeout, 5xx) stays reserved durably, and the next one first asks Flexiti whether it
 * happened, adopting it if it did. Nothing is sent while it cannot tell. (The calls themselves are in
 * `authorize-once.ts`.)
 */
import type { components as flexiti } from "../../../generated/flexiti-pos-api.ts";
import { edgeConfig } from "../core/config.ts";
import {
	callFlexiti,
	isFinalRefusal,
	parseAnswer,
	refusalOf,
	succeeded,
	successBody,
	type TokenSource,
} from "../flexiti/gateway.ts";
import { errorText, partsCarryToken, watchedTokens } from "../flexiti/token-guard.ts";
import type { ValidatedCall } from "../flexiti/validated-call.ts";
import {
	type Authorization,
	type AuthorizationOutcome,
	findAuthorization,
	outcomeOf,
	type PendingAuthorization,
	sendAuthorization,
} from "./authorize-once.ts";
import { isCancelled } from "./cancelled-order.ts";
import { type LedgerAuthorization, recordMovement } from "./ledger.ts";
import { type OrderRuntime, type OrderState, orderMerchantTokens } from "./order-state.ts";

/** Storage key of an authorization attempt whose outcome is not known yet. */
const PENDING_AUTHORIZATION = "authorization:pending";

/** Whether an attempt whose outcome is not known yet is reserved (nothing else may hold the shopper's credit). */
export async function authorizationPending(storage: DurableObjectStorage): Promise<boolean> {
	return (await storage.get(PENDING_AUTHORIZATION)) !== undefined;
}

/** An authorization for this order, as the forwarder validated it (a shopper's with the checkout's amount and reference). */
export interface AuthorizeRequest {
	/** Whose token it runs on: the checkout's customer token, or the client's merchant token. */
	by: "checkout" | "merchant";
	clientId: string;
	reference: string;
	call: ValidatedCall<"createAuthorization">;
}

/** Records an authorization on the order's state; false when the ledger already rests on another one. */
export function recordAuthorizationOn(state: OrderState, authorization: LedgerAuthorization, answer?: string): boolean {
	const known = state.ledger.authorization;
	if (known && known.authorization_id !== authorization.authorization_id) {
		// The ledger rests on one authorization; a second one for the same reference is the merchant's
		// to reconcile (GET /authorizations), never silently swapped in under the first one's captures.
		console.warn(
			JSON.stringify({ event: "second_authorization_ignored", authorization_id: authorization.authorization_id }),
		);
		return false;
	}
	state.ledger.authorization = authorization;
	if (answer !== undefined) state.authorizationAnswer = answer;
	// An auto-captured authorization comes with its capture: the ledger counts it like any other.
	for (const capture of capturesIn(answer)) {
		const { capture_id, amount, date } = capture;
		recordMovement(state.ledger, { kind: "capture", capture_id, amount, date }, authorization, Date.now());
	}
	if (authorization.account_number !== undefined) state.accountNumber ??= String(authorization.account_number);
	return true;
}

export interface AdmissionHooks {
	runtime: OrderRuntime;
	state(): OrderState | undefined;
	/** The Durable Object's `recordAuthorization`: records, persists and wakes held events. */
	record(clientId: string, reference: string, authorization: LedgerAuthorization, answer?: string): Promise<void>;
	customerTokens(): TokenSource;
	/** Whether the shopper may be paying on Flexiti's hosted page now (hosted-order.ts `sessionOpen`). */
	hostedSessionOpen(): boolean;
	/** Flexiti refused the authorization (declined, not verified, …): the merchant is told. */
	declined(amount: number, error: string, message: string): Promise<void>;
}

/**
 * The order's authorization, admitted once (see `admit`). What it answers was made with the merchant's
 * token when the caller is a merchant, or when the order asked Flexiti about an earlier attempt: it goes
 * through the same last guard as every forwarded merchant call (flexiti/token-guard.ts), and an answer
 * that carries the token is withheld (502) and never kept for a later caller.
 */
export async function admitAuthorization(
	hooks: AdmissionHooks,
	request: AuthorizeRequest,
): Promise<AuthorizationOutcome> {
	const { runtime } = hooks;
	const source = orderMerchantTokens(runtime, request.clientId);
	const { tokens: merchant, used } = watchedTokens(source);
	const guarded: AdmissionHooks = {
		...hooks,
		// An answer that carries the merchant's token is not kept (a later caller would get it from memory).
		record: (clientId, reference, authorization, answer) =>
			hooks.record(clientId, reference, authorization, answer && partsCarryToken([answer], used) ? undefined : answer),
	};
	const outcome = await admit(guarded, request, merchant);
	if (outcome.kind !== "answer" || !partsCarryToken([outcome.text ?? "", errorText(outcome.error)], used)) {
		return outcome;
	}
	console.error(JSON.stringify({ event: "merchant_token_in_answer_withheld", operation: "createAuthorization" }));
	return {
		kind: "refused",
		error: "upstream_error",
		message: "Flexiti's answer carried a merchant token and was withheld",
	};
}

async function admit(
	hooks: AdmissionHooks,
	request: AuthorizeRequest,
	merchant: TokenSource,
): Promise<AuthorizationOutcome> {
	const { runtime } = hooks;
	const { env, storage } = runtime;
	const { clientId, reference, call } = request;
	const { body } = call;
	const known = hooks.state()?.ledger.authorization;
	if (known) return repeatedAuthorization(hooks, known, body, clientId, merchant, call.header);

	const pending = await storage.get<PendingAuthorization>(PENDING_AUTHORIZATION);
	if (pending) {
		const found = await findAuthorization(env, clientId, reference, pending, merchant, call.header);
		if (found === "unknown") return { kind: "answer", status: 503 };
		if (found) return adopt(hooks, clientId, reference, found, body);
		// Not listed: made, it would be by now, unless Flexiti may still be at it (then ask again later).
		const waitMs = (pending.unknownSince ?? pending.since) + unknownOutcomeGraceMs(runtime) - runtime.now();
		if (waitMs > 0) return { kind: "outcome_pending", retryAfterSeconds: Math.ceil(waitMs / 1000) };
		await storage.delete(PENDING_AUTHORIZATION);
	}
	// A lost attempt that did happen was adopted above (and a held cancel releases it); nothing new is sent.
	const current = hooks.state();
	if (current && isCancelled(current.ledger)) {
		return {
			kind: "refused",
			error: "not_permitted",
			message: `Order ${reference} was cancelled by the order system: it takes no authorization`,
		};
	}

	const refusal = refusalBeforeSending(current, request, hooks.hostedSessionOpen());
	if (refusal) return refusal;

	const attempt: PendingAuthorization = { since: runtime.now(), accountNumber: String(body.account_number) };
	// Durable before it is sent: if this object is evicted mid-call, the next attempt still asks first.
	await storage.put(PENDING_AUTHORIZATION, attempt);
	const tokens = request.by === "checkout" ? hooks.customerTokens() : merchant;
	const sent = await sendAuthorization(env, call, tokens);
	if ("tokenless" in sent) {
		await storage.delete(PENDING_AUTHORIZATION);
		return { kind: "token_unavailable" };
	}
	if (!sent.known) {
		// It may have happened: look now, so the caller gets the authorization rather than an error. Not
		// listed yet proves nothing (Flexiti may still be making it): the attempt stays reserved, and the
		// next one asks again, sending anew only past the grace.
		const found = await findAuthorization(env, clientId, reference, attempt, merchant, call.header);
		if (found && found !== "unknown") return adopt(hooks, clientId, reference, found, body);
		// The grace runs from now, not from the send: a send that took its whole timeout, and a slow look,
		// would otherwise have used it up before anyone could retry.
		await storage.put(PENDING_AUTHORIZATION, { ...attempt, unknownSince: runtime.now() });
		return sent.result
			? outcomeOf(sent.result)
			: { kind: "upstream_failure", code: sent.failure ?? "upstream_unreachable" };
	}
	await storage.delete(PENDING_AUTHORIZATION);
	if (succeeded(sent.result)) {
		const authorization = successBody(sent.result);
		await hooks.record(clientId, reference, ledgerAuthorization(authorization), sent.result.text);
	} else if (isFinalRefusal(sent.result.response.status)) {
		const { code, message } = refusalOf(sent.result.error);
		const error = code ?? String(sent.result.response.status);
		await hooks.declined(body.amount, error, message ?? error);
	}
	return outcomeOf(sent.result);
}

/**
 * Why a new authorization is not sent for this order, if it is not: a hosted checkout's shopper pays on
 * Flexiti's page, not through the widget; while a hosted session is open, whoever asks (a merchant at a
 * till too) would make a second hold on the shopper's credit if the shopper also paid there; and a
 * checkout's authorization must be for the account the checkout is for (checked here, by the one writer,
 * and not only by an isolate's cached view of the checkout).
 */
function refusalBeforeSending(
	state: OrderState | undefined,
	request: AuthorizeRequest,
	hostedSessionOpen: boolean,
): AuthorizationOutcome | undefined {
	if (request.by === "checkout" && state?.channel === "hosted") {
		return {
			kind: "refused",
			error: "checkout_hosted",
			message: "This checkout is paid on Flexiti's hosted checkout (its redirection_url), not through the widget",
		};
	}
	if (hostedSessionOpen) {
		return {
			kind: "refused",
			error: "checkout_hosted",
			message: `Order ${request.reference} is being paid on Flexiti's hosted checkout, whose session is open: another authorization could hold the shopper's credit twice`,
		};
	}
	const account = String(request.call.body.account_number);
	if (request.by === "checkout" && state?.accountNumber !== undefined && state.accountNumber !== account) {
		return { kind: "refused", error: "account_mismatch", message: "This checkout is for another Flexiti account" };
	}
	return undefined;
}

/**
 * How long an attempt whose outcome was not known stays reserved while Flexiti lists no such
 * authorization: three of the edge's timeouts for one call (`Inferred`: Flexiti documents neither
 * how long it may still complete a request whose caller gave up, nor how soon its listings show it).
 */
function unknownOutcomeGraceMs(runtime: OrderRuntime): number {
	return 3 * edgeConfig(runtime.env).upstreamTimeoutMs;
}

/** An authorization exists: the same request gets it again; a different one is refused. */
async function repeatedAuthorization(
	hooks: AdmissionHooks,
	known: LedgerAuthorization,
	body: flexiti["schemas"]["AuthorizationRequest"],
	clientId: string,
	merchant: TokenSource,
	header: Record<string, string>,
): Promise<AuthorizationOutcome> {
	const refused = forAnotherAuthorization(known, body);
	if (refused) return refused;
	const answer = hooks.state()?.authorizationAnswer;
	if (answer) return { kind: "answer", status: 200, text: answer };
	// Recorded before answers were kept: Flexiti's own view of it.
	const params = { client_id: clientId, authorization_id: String(known.authorization_id) };
	try {
		return outcomeOf(await callFlexiti(hooks.runtime.env, "getAuthorization", { params, header }, merchant));
	} catch {
		return { kind: "answer", status: 503 };
	}
}

/**
 * The order's authorization, as the request being admitted is refused if it asks for another one: another
 * amount, account or plan (a second tab where the shopper chose another plan is not told it has it).
 * What Flexiti's answer did not say is not compared.
 */
function forAnotherAuthorization(
	known: LedgerAuthorization,
	body: flexiti["schemas"]["AuthorizationRequest"],
): AuthorizationOutcome | undefined {
	const option = body.financing_option;
	const differs = (had: number | string | undefined, asked: number | string | undefined) =>
		had !== undefined && String(had) !== String(asked);
	const other =
		known.amount !== body.amount
			? "amount"
			: differs(known.account_number, body.account_number)
				? "account"
				: differs(known.transaction_type, option.transaction_type) ||
						differs(known.plan_id, option.plan_id) ||
						differs(known.term, option.term)
					? "plan"
					: undefined;
	if (!other) return undefined;
	return {
		kind: "refused",
		error: "not_permitted",
		message: `This order already has authorization ${known.authorization_id} for another ${other}`,
	};
}

/**
 * The attempt whose answer was lost did happen: this is the order's authorization. The request being
 * admitted gets it only if it asked for the same (it may be a later one, for another amount).
 */
async function adopt(
	hooks: AdmissionHooks,
	clientId: string,
	reference: string,
	found: Authorization,
	body: flexiti["schemas"]["AuthorizationRequest"],
): Promise<AuthorizationOutcome> {
	const text = JSON.stringify(found);
	await hooks.runtime.storage.delete(PENDING_AUTHORIZATION);
	await hooks.record(clientId, reference, ledgerAuthorization(found), text);
	const known = hooks.state()?.ledger.authorization ?? ledgerAuthorization(found);
	const refused = forAnotherAuthorization(known, body);
	if (refused) return refused;
	const answer = hooks.state()?.authorizationAnswer ?? text;
	return { kind: "answer", status: 200, text: answer, adopted: true };
}

/** The ledger's view of a Flexiti authorization. */
export function ledgerAuthorization(authorization: Authorization): LedgerAuthorization {
	return {
		authorization_id: authorization.authorization_id,
		amount: authorization.amount,
		status: authorization.status,
		account_number: authorization.account_number,
		transaction_type: authorization.transaction_type,
		...(authorization.plan_id !== undefined ? { plan_id: authorization.plan_id } : {}),
		...(authorization.term !== undefined ? { term: authorization.term } : {}),
	};
}

/** Whether the order's authorization was captured as it was made (`auto_capture`, the checkout's or the caller's). */
export function capturedAtAuthorization(state: OrderState): boolean {
	return state.autoCapture || capturesIn(state.authorizationAnswer).length > 0;
}

/** The captures Flexiti's answer to an authorization lists (an auto-captured one has its capture). */
function capturesIn(answer: string | undefined): flexiti["schemas"]["Capture"][] {
	if (answer === undefined) return [];
	try {
		return parseAnswer("createAuthorization", answer).captures ?? [];
	} catch {
		return [];
	}
}
