/**
 * Money moved through the `/flexiti` forwarder (a merchant's capture, release, return or refund)
 * enters the ledger of the order it belongs to, as money moved by order events does — so the ledger
 * shows every movement that passed through the edge, and the webhooks' guards against capturing or
 * refunding too much count it. The forwarder calls `recordForwardedMovement` once Flexiti said yes.
 *
 * Which order: Flexiti's own record of the authorization names it (`reference`), so the edge asks
 * (`getAuthorization`) rather than trusting a body's `reference`, which a capture may omit or set
 * to anything. That answer also gives the ledger Flexiti's status of the authorization (closed after
 * a full capture). An account refund names only the account and the capture: the capture's
 * authorization is found in Flexiti's capture listing for that account.
 */

import type { FlexitiOperationId } from "../../../generated/flexiti-operations.ts";
import type { EdgeBindings } from "../core/env.ts";
import {
	callFlexiti,
	type FlexitiSuccess,
	isAnswerTo,
	merchantTokens,
	succeeded,
	successBody,
	type TokenSource,
} from "../flexiti/gateway.ts";
import { isCallTo, type ValidatedCall } from "../flexiti/validated-call.ts";
import type { ForwardedMovement } from "./ledger.ts";
import { orderByReference } from "./order-stubs.ts";

/** Pages of an account's captures read to find one capture's authorization, at most. */
const MAX_CAPTURE_PAGES = 5;

/** Enters a movement Flexiti accepted into its order's ledger; does nothing for calls that move no money. */
export async function recordForwardedMovement(
	env: EdgeBindings,
	clientId: string,
	call: ValidatedCall,
	result: FlexitiSuccess,
	waitUntil: (promise: Promise<unknown>) => void,
): Promise<void> {
	const movement = movementOf(result, call);
	if (!movement) return;
	const tokens = merchantTokens(env, clientId, waitUntil);
	const header = { "x-reference-id": call.header["x-reference-id"] ?? crypto.randomUUID() };
	const authorizationId =
		call.params.authorization_id ??
		(await authorizationOfCapture(
			env,
			clientId,
			call.params.account_number,
			"capture_id" in movement ? movement.capture_id : undefined,
			tokens,
			header,
		));
	if (!authorizationId) return;
	const read = await callFlexiti(
		env,
		"getAuthorization",
		{ params: { client_id: clientId, authorization_id: authorizationId }, header },
		tokens,
	);
	if (!succeeded(read)) throw new Error(`getAuthorization answered ${read.response.status}`);
	const authorization = successBody(read);
	if (!authorization.reference) return; // no order reference: not an order the edge can hold it to
	await orderByReference(env, clientId, authorization.reference).order.recordMovement(movement, {
		authorization_id: authorization.authorization_id,
		status: authorization.status,
	});
}

const movingMoney: ReadonlySet<FlexitiOperationId> = new Set([
	"captureAuthorization",
	"releaseAuthorization",
	"returnCapture",
	"refundAccount",
]);

/** Whether this operation can move money (the only ones whose answer `recordForwardedMovement` needs). */
export function movesMoney(operationId: FlexitiOperationId): boolean {
	return movingMoney.has(operationId);
}

/** What Flexiti's answer (and the request) says was moved; undefined for calls that move no money. */
export function movementOf(result: FlexitiSuccess, call: ValidatedCall): ForwardedMovement | undefined {
	const key = call.header["x-idempotency-key"] ?? crypto.randomUUID();
	if (isAnswerTo(result, "captureAuthorization")) {
		const { capture_id, amount, date } = successBody(result);
		return { kind: "capture", capture_id, amount, date };
	}
	if (isAnswerTo(result, "releaseAuthorization")) return { kind: "release", amount: successBody(result).amount, key };
	if (isAnswerTo(result, "returnCapture") && isCallTo(call, "returnCapture")) {
		const said = successBody(result);
		return {
			kind: "return",
			capture_id: Number(call.params.capture_id),
			// The sign of a return's amount is not documented: the ledger counts what was given back.
			amount: Math.abs(said.amount ?? call.body.amount ?? 0),
			...(said.return_id !== undefined ? { return_id: said.return_id } : {}),
			key,
		};
	}
	if (isAnswerTo(result, "refundAccount") && isCallTo(call, "refundAccount")) {
		// Flexiti's answer to a refund is empty: the request says what was refunded.
		const { capture_id, amount } = call.body;
		return { kind: "refund", capture_id, amount, key };
	}
	return undefined;
}

/** The authorization a capture belongs to, from Flexiti's listing of the account's captures. */
async function authorizationOfCapture(
	env: EdgeBindings,
	clientId: string,
	accountNumber: string | undefined,
	captureId: number | undefined,
	tokens: TokenSource,
	header: Record<string, string>,
): Promise<string | undefined> {
	if (!accountNumber || captureId === undefined) return undefined;
	for (let page = 1; page <= MAX_CAPTURE_PAGES; page += 1) {
		const listed = await callFlexiti(
			env,
			"listCaptures",
			{
				params: { client_id: clientId },
				query: { account_number: accountNumber, page_number: String(page), page_size: "100" },
				header,
			},
			tokens,
		);
		if (!succeeded(listed)) throw new Error(`listCaptures answered ${listed.response.status}`);
		const { items, total, page_size } = successBody(listed);
		const found = items.find((c) => c.capture_id === captureId);
		if (found) return String(found.authorization_id);
		if (page * page_size >= total) return undefined;
	}
	return undefined;
}
