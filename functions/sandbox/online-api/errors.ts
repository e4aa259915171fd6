/**
 * The Online API's error body. `{code, error, error_description}` is what Flexiti documents for
 * `systems/init`; hyperswitch reads `{message, error}`. The sandbox answers both, so a client that
 * reads either form works against it.
 */
import type { components } from "../../../generated/flexiti-online-api.ts";
import type { FieldError } from "../../contract/errors.ts";

export type OnlineError = components["schemas"]["OnlineError"];

export function onlineError(
	status: number,
	error: string,
	description: string,
	fieldErrors?: FieldError[],
): OnlineError {
	return {
		code: status,
		error,
		error_description: description,
		message: description,
		...(fieldErrors && fieldErrors.length > 0 ? { field_errors: fieldErrors } : {}),
	};
}
