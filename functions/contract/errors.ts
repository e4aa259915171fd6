import type { components } from "../../generated/flexiti-pos-api.ts";
import { stringifyJson } from "./lossless-json.ts";

export type FlexitiErrorEnvelope = components["schemas"]["ErrorEnvelope"];
export type FieldError = components["schemas"]["FieldError"];

/**
 * How much of a refused value a field error echoes (spec: `FieldError.value`): enough to recognise
 * it, never a caller's megabyte back at them (or into whatever logs the answer).
 */
export const MAX_ECHOED_VALUE_CHARS = 100;

/** Flexiti's error body: the path called, a human message, a snake_case code, and field errors for 409s. */
export function errorEnvelope(
	url: string,
	error: string,
	message: string,
	fieldErrors?: FieldError[],
): FlexitiErrorEnvelope {
	return {
		url,
		message,
		error,
		...(fieldErrors && fieldErrors.length > 0 ? { field_errors: fieldErrors.map(truncateValue) } : {}),
	};
}

/**
 * A string value longer than `MAX_ECHOED_VALUE_CHARS` is cut to that many characters and `…`; an
 * array or object whose JSON is longer becomes that JSON, cut the same way. Short values stay as given.
 */
function truncateValue(fieldError: FieldError): FieldError {
	const { value } = fieldError;
	if (value === null || value === undefined || typeof value === "number" || typeof value === "boolean") {
		return fieldError;
	}
	// stringifyJson: a bigint (an integer past 2^53, read exactly) is its digits, as in the answer.
	const text = typeof value === "string" ? value : stringifyJson(value);
	if (text.length <= MAX_ECHOED_VALUE_CHARS) return fieldError;
	return {
		...fieldError,
		value: `${[...text.slice(0, 2 * MAX_ECHOED_VALUE_CHARS)].slice(0, MAX_ECHOED_VALUE_CHARS).join("")}…`,
	};
}

/** Flexiti's message for a request that breaks the spec (409 `wrong_inputs`, with one field error per field). */
export const WRONG_INPUTS_MESSAGE = "Some inputs are wrong or missing!";
