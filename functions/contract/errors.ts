import type { components } from "../../generated/flexiti-pos-api.ts";

export type FlexitiErrorEnvelope = components["schemas"]["ErrorEnvelope"];
export type FieldError = components["schemas"]["FieldError"];

/** Flexiti's error body: the path called, a human message, a snake_case code, and field errors for 409s. */
export function errorEnvelope(
	url: string,
	error: string,
	message: string,
	fieldErrors?: FieldError[],
): FlexitiErrorEnvelope {
	return { url, message, error, ...(fieldErrors && fieldErrors.length > 0 ? { field_errors: fieldErrors } : {}) };
}

/** A JSON response carrying Flexiti's error envelope. */
export function errorResponse(
	status: number,
	url: string,
	error: string,
	message: string,
	init: { fieldErrors?: FieldError[]; headers?: HeadersInit } = {},
): Response {
	return Response.json(errorEnvelope(url, error, message, init.fieldErrors), {
		status,
		...(init.headers ? { headers: init.headers } : {}),
	});
}

/** Flexiti's answer to a request that breaks the spec: 409 `wrong_inputs` naming each field. */
export function wrongInputs(url: string, fieldErrors: FieldError[]): Response {
	return errorResponse(409, url, "wrong_inputs", "Some inputs are wrong or missing!", { fieldErrors });
}
