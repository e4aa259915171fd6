/**
 * The one error the SDK rejects with. `code` is what a storefront switches on: the SDK's own codes
 * for what happened in the browser, or Flexiti's own error code (`credit_exceeded`, `not_permitted`, …)
 * when Flexiti refused, or the edge's (`invalid_credentials`, `wrong_inputs`, …). `message` is developer
 * detail, in English: what a shopper reads is chosen by `code` (`<flexiti-checkout>` does, in its language).
 */

export type StorefrontErrorCode =
	/** The shopper closed the widget (its cancel button, the modal's close button, Escape). */
	| "cancelled"
	/** Flexiti said the account cannot make this purchase, or the application was declined. */
	| "declined"
	/** The application went to review: Flexiti will contact the applicant. */
	| "pending"
	/** The widget could not verify the shopper (wrong PIN): return to checkout. */
	| "not_verified"
	/** The checkout's client token expired or was replaced: ask the merchant's server for a fresh one. */
	| "expired"
	/** The edge could not be reached (after retries where a retry is safe). */
	| "network"
	/** The widget reported a failure (`flx-failure`), with Flexiti's HTTP status in `status`. */
	| "widget_failed"
	/** Flexiti's or the edge's own code. */
	| (string & {});

export interface FieldError {
	param: string;
	msg: string;
	value?: unknown;
}

export class FlexitiEdgeError extends Error {
	override readonly name = "FlexitiEdgeError";
	constructor(
		readonly code: StorefrontErrorCode,
		message: string,
		/** The HTTP status the edge or the widget answered, when there was one. */
		readonly status?: number,
		/** Which fields the edge or Flexiti refused, and why (`wrong_inputs`). */
		readonly fieldErrors?: FieldError[],
		/** The edge's `Retry-After`, in seconds, when it said when to ask again. */
		readonly retryAfter?: number,
	) {
		super(message);
	}
}
