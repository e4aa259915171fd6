/**
 * A call of one operation whose parameters and body the forwarder validated against that operation's
 * schemas (routes/forward-operation.ts), typed as the spec types its request (generated/flexiti-pos-api.ts),
 * so that the orders read a forwarded body without casting it: the request side of what
 * `FlexitiResult<Op>` and `isAnswerTo` (gateway.ts) are for Flexiti's answers. Types only: a validated
 * call is the same object the gateway sends (`FlexitiCall`), with its operation id.
 */
import type { FlexitiOperationId } from "../../../generated/flexiti-operations.ts";
import type { operations } from "../../../generated/flexiti-pos-api.ts";
import type { FlexitiCall } from "./operation-request.ts";

/**
 * The JSON body an operation takes, as the spec types it; `undefined` where it takes none (a GET) or
 * may go without one. Its runtime values are its type's: the body reader keeps an integer past 2^53
 * exact, as a bigint (contract/read-json-body.ts), and validation admits one only where the spec
 * declares an id that may pass 2^53, which the generated type says is `number | bigint`
 * (contract/validate-request.ts). No request body declares one today, so no field is a `bigint`;
 * test/types/validated-calls.check.ts fails the build if the spec adds one, for its readers to handle.
 */
export type FlexitiRequestBody<Op extends FlexitiOperationId> =
	| JsonBody<NonNullable<operations[Op]["requestBody"]>>
	| (undefined extends operations[Op]["requestBody"] ? undefined : never);
type JsonBody<Request> = Request extends { content: { "application/json": infer Body } } ? Body : never;

/** A validated call of `Op` (of any operation by default: narrowed to one by `isCallTo`). */
export type ValidatedCall<Op extends FlexitiOperationId = FlexitiOperationId> = {
	[Each in Op]: FlexitiCall & { operationId: Each; body: FlexitiRequestBody<Each> };
}[Op];

/** Whether this is a call of that operation: its body then has that operation's request type. */
export function isCallTo<Op extends FlexitiOperationId>(
	call: ValidatedCall,
	operationId: Op,
): call is Extract<ValidatedCall, { operationId: Op }> {
	return call.operationId === operationId;
}
