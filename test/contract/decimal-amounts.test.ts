/**
 * The edge's own request validation keeps the two-decimal rule the spec states as
 * `x-decimal-places: 2`, decimal-safely: 9.95 and 19.99 pass, a third decimal is refused and the
 * field error says why.
 */
import { describe, expect, it } from "vitest";
import { validateRequest } from "../../functions/contract/validate-request.ts";
import { edgeRequestSchemas } from "../../generated/edge-request-schemas.ts";
import { flexitiRequestSchemas } from "../../generated/flexiti-request-schemas.ts";

function parts(body: unknown, path: Record<string, string> = {}) {
	return { path, query: new URLSearchParams(), headers: new Headers({ "x-reference-id": crypto.randomUUID() }), body };
}
const capturePath = { client_id: "flexitidemo", authorization_id: "1001001" };

describe("amounts in requests", () => {
	it.each([9.95, 19.99, 1.12, 40.01, 0.07, 100])("accepts %s", (amount) => {
		expect(validateRequest(flexitiRequestSchemas.captureAuthorization, parts({ amount }, capturePath)).ok).toBe(true);
		expect(validateRequest(edgeRequestSchemas.createCheckout, parts({ reference: "WEB-1", amount })).ok).toBe(true);
	});

	it.each([10.001, 9.999, 0.005])("refuses %s: at most two decimals", (amount) => {
		expect(validateRequest(flexitiRequestSchemas.captureAuthorization, parts({ amount }, capturePath))).toEqual({
			ok: false,
			fieldErrors: [{ param: "amount", msg: "at most two decimals", value: amount }],
		});
		expect(validateRequest(edgeRequestSchemas.createCheckout, parts({ reference: "WEB-1", amount }))).toEqual({
			ok: false,
			fieldErrors: [{ param: "amount", msg: "at most two decimals", value: amount }],
		});
	});
});
