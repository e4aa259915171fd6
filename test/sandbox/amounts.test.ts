/**
 * Amounts that binary floating point cannot divide by 0.01 (9.95 / 0.01 = 994.9999999999999) flow
 * through a whole purchase, and every answer conforms — for the edge's own validator and for Ajv,
 * which test/support/conformance.ts runs on each of them (issue 17: `multipleOf: 0.01` in the spec
 * made Ajv-based tools reject exactly these answers).
 */
import { beforeEach, expect, it } from "vitest";
import type { FlexitiClient } from "../../functions/client/index.ts";
import { DEMO, mintToken, resetSandbox, sandboxClient } from "../support/sandbox.ts";

const client_id = DEMO.client_id;
const JANE = 10000000000001;
let merchant: FlexitiClient;

beforeEach(async () => {
	await resetSandbox();
	merchant = sandboxClient((await mintToken("merchant")).access_token);
});

it("authorizes 19.99, captures 9.95 and 1.12, releases 8.92: every answer valid for Ajv and the edge", async () => {
	const request_id = crypto.randomUUID();
	const verified = await merchant.POST("/v2.5/client-id/{client_id}/account/{account_number}/verify", {
		params: { path: { client_id, account_number: JANE } },
		body: { format: "security_question", security_qid: 7, security_answer: "maple", request_id },
	});
	const authorized = await merchant.POST("/v2.5.1/client-id/{client_id}/authorization", {
		params: { path: { client_id } },
		body: {
			account_number: JANE,
			financing_option: { transaction_type: "regular_purchase" },
			amount: 19.99,
			auto_capture: false,
			reference: "ORDER-AMOUNTS",
			verification_code: verified.data?.verification_code ?? 0,
			request_id,
		},
	});
	const authorization_id = authorized.data?.authorization_id ?? 0;
	const path = { client_id, authorization_id };
	for (const amount of [9.95, 1.12]) {
		const { data } = await merchant.POST("/v2.5/client-id/{client_id}/authorization/{authorization_id}/capture", {
			params: { path },
			body: { amount, reference: "ORDER-AMOUNTS" },
		});
		expect(data?.amount).toBe(amount);
	}
	const { data: authorization } = await merchant.GET("/v2.5.1/client-id/{client_id}/authorization/{authorization_id}", {
		params: { path },
	});
	expect(authorization).toMatchObject({ amount: 19.99, captured_amount: 11.07 });
	const released = await merchant.POST("/v2.5/client-id/{client_id}/authorization/{authorization_id}/release", {
		params: { path },
		body: { amount: 8.92 },
	});
	expect(released.response.status).toBe(200);
});
