// Type-level test, compiled by `tsc` in `npm run check`: a call the forwarder validated has the request
// body the spec gives its operation (generated/flexiti-pos-api.ts), so the orders read it without a cast,
// and a call of any operation is narrowed to one (`isCallTo`) before its body is read. A
// `@ts-expect-error` that stops erroring fails the build.

import { type FlexitiRequestBody, isCallTo, type ValidatedCall } from "../../functions/edge/flexiti/validated-call.ts";
import type { AuthorizeRequest } from "../../functions/edge/orders/order-authorization.ts";
import type { FlexitiOperationId } from "../../generated/flexiti-operations.ts";
import type { components } from "../../generated/flexiti-pos-api.ts";

type Schemas = components["schemas"];

/** Exactly the same type (each assignable to the other, no `any`). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const same = <A, B>(_proof: Same<A, B> extends true ? true : never) => {};

same<FlexitiRequestBody<"createAuthorization">, Schemas["AuthorizationRequest"]>(true);
same<FlexitiRequestBody<"refundAccount">, Schemas["RefundRequest"]>(true);
same<FlexitiRequestBody<"initWidget">, Schemas["WidgetInitRequest"]>(true);
// A body the spec does not require may be absent; an operation that takes none has none.
same<FlexitiRequestBody<"releaseAuthorization">, Schemas["ReleaseRequest"] | undefined>(true);
same<FlexitiRequestBody<"getAuthorization">, undefined>(true);
// @ts-expect-error a capture's body is not an authorization's
same<FlexitiRequestBody<"captureAuthorization">, Schemas["AuthorizationRequest"]>(true);

/**
 * Every value a request body can hold, down to its leaves. No request body declares an id that may
 * pass 2^53 (the generator types one `number | bigint`; validation then carries it as a bigint, and
 * refuses an integer past 2^53 anywhere else: validate-request.ts), so the orders read request bodies'
 * numbers as numbers. If the spec adds one, this fails: make its readers take the bigint, then update it.
 */
type Leaves<T> = T extends readonly (infer Item)[]
	? Leaves<Item>
	: T extends object
		? { [Key in keyof T]-?: Leaves<T[Key]> }[keyof T]
		: T;
same<Extract<Leaves<FlexitiRequestBody<Exclude<FlexitiOperationId, "createToken">>>, bigint>, never>(true);
// The check can fail: an answer's body does carry such an id.
// @ts-expect-error Flexiti's authorization answer has an id typed number | bigint
same<Extract<Leaves<Schemas["Authorization"]>, bigint>, never>(true);

export function narrowed(call: ValidatedCall) {
	// @ts-expect-error a call of any operation does not have an authorization's body until narrowed to one
	const unnarrowed: Schemas["AuthorizationRequest"] = call.body;
	const authorization: Schemas["AuthorizationRequest"] | undefined = isCallTo(call, "createAuthorization")
		? call.body
		: undefined;
	return [unnarrowed, authorization];
}

export function orderTakesOnlyAuthorizations(capture: ValidatedCall<"captureAuthorization">): AuthorizeRequest {
	// @ts-expect-error the order admits authorizations: a capture's call is not one
	return { by: "merchant", clientId: "flexitidemo", reference: "order-1", call: capture };
}

export const getWithoutBody: ValidatedCall<"getAuthorization"> = {
	operationId: "getAuthorization",
	params: { client_id: "flexitidemo", authorization_id: "1" },
	header: {},
	// @ts-expect-error getAuthorization takes no body
	body: { amount: 1 },
};

export const authorizationWithoutAmount: ValidatedCall<"createAuthorization"> = {
	operationId: "createAuthorization",
	params: { client_id: "flexitidemo" },
	header: {},
	// @ts-expect-error an authorization's body has an amount and an account number
	body: { reference: "order-1" },
};
