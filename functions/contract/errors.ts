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

/** Flexiti's message for a request that breaks the spec (409 `wrong_inputs`, with one field error per field). */
export const WRONG_INPUTS_MESSAGE = "Some inputs are wrong or missing!";
