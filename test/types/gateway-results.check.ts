// Type-level test, compiled by `tsc` in `npm run check`: a Flexiti gateway call's success body has the
// type the spec gives that operation's 2xx answer (generated/flexiti-pos-api.ts), ids that can pass
// 2^53 included, so no caller casts it. A `@ts-expect-error` that stops erroring fails the build.
import {
	callFlexiti,
	type FlexitiResult,
	type FlexitiSuccess,
	type FlexitiSuccessBody,
	isAnswerTo,
	successBody,
} from "../../functions/edge/flexiti/gateway.ts";
import type { components } from "../../generated/flexiti-pos-api.ts";

type Schemas = components["schemas"];

/** Exactly the same type (each assignable to the other, no `any`). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const same = <A, B>(_proof: Same<A, B> extends true ? true : never) => {};

same<FlexitiSuccessBody<"getAuthorization">, Schemas["Authorization"]>(true);
same<FlexitiSuccessBody<"listCaptures">, Schemas["CaptureList"]>(true);
same<FlexitiSuccessBody<"captureAuthorization">, Schemas["Capture"]>(true);
same<FlexitiSuccessBody<"initWidget">, Schemas["WidgetInitResponse"]>(true);
// An id past 2^53 is read as a bigint (lossless-json.ts): its type says so.
same<FlexitiSuccessBody<"getAuthorization">["authorization_id"], number | bigint>(true);
// @ts-expect-error an authorization's body is not a capture list
same<FlexitiSuccessBody<"getAuthorization">, Schemas["CaptureList"]>(true);

export async function typedCall(env: Parameters<typeof callFlexiti>[0], tokens: Parameters<typeof callFlexiti>[3]) {
	const call = { params: { client_id: "flexitidemo", authorization_id: "1" }, header: {} };
	const result = await callFlexiti(env, "getAuthorization", call, tokens);
	// @ts-expect-error a result is read only once it succeeded (`succeeded`)
	successBody(result);
	// @ts-expect-error the answer to getAuthorization is not the answer to listCaptures
	const listed: FlexitiResult<"listCaptures"> = result;
	return listed;
}

export function narrowed(result: FlexitiSuccess) {
	// @ts-expect-error an answer of any operation has no `redirection_url` until narrowed to initWidget's
	successBody(result).redirection_url;
	return isAnswerTo(result, "initWidget") ? successBody(result).redirection_url : undefined;
}
