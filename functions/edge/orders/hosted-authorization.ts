/**
 * The one place a hosted purchase meets the POS API. Inferred (no public source says how Online API
 * orders are captured, released or refunded; the Flexiti facts §5 E infer it): the notification's
 * `transaction_id` is the id of a POS API authorization, so the order's ledger rests on
 * `GET /authorization/{transaction_id}` and its captures, releases and refunds then go through the same
 * POS API transaction endpoints (`authorization/{id}/capture`, `…/release`, `accounts/{n}/refund`) as a
 * widget order's. Should Flexiti say otherwise, this function is what changes.
 */
import type { FlexitiId } from "../../contract/lossless-json.ts";
import { callFlexiti, succeeded, successBody } from "../flexiti/gateway.ts";
import type { LedgerAuthorization } from "./ledger.ts";
import { ledgerAuthorization } from "./order-authorization.ts";
import { type OrderRuntime, orderMerchantTokens } from "./order-state.ts";

export type HostedAuthorization =
	| { kind: "found"; authorization: LedgerAuthorization; answer: string }
	/** Flexiti has no such authorization for this order (another reference): never recorded. */
	| { kind: "mismatch"; message: string }
	/** Flexiti could not say now: the next signal asks again. */
	| { kind: "unknown" };

export async function hostedPurchaseAuthorization(
	runtime: OrderRuntime,
	order: { clientId: string; reference: string; flowReferenceId: string },
	transactionId: FlexitiId,
): Promise<HostedAuthorization> {
	const tokens = orderMerchantTokens(runtime, order.clientId);
	try {
		const result = await callFlexiti(
			runtime.env,
			"getAuthorization",
			{
				params: { client_id: order.clientId, authorization_id: String(transactionId) },
				header: { "x-reference-id": order.flowReferenceId },
			},
			tokens,
		);
		if (!succeeded(result)) {
			if (result.response.status === 404) {
				return { kind: "mismatch", message: `Flexiti has no authorization ${transactionId}` };
			}
			return { kind: "unknown" };
		}
		const authorization = successBody(result);
		if (authorization.reference && authorization.reference !== order.reference) {
			return { kind: "mismatch", message: `authorization ${transactionId} is for another order` };
		}
		return {
			kind: "found",
			answer: result.text,
			authorization: ledgerAuthorization(authorization),
		};
	} catch {
		return { kind: "unknown" };
	}
}
