import { beforeAll, describe, expect, it } from "vitest";
import type { FlexitiClient } from "../../functions/client/index.ts";
import { sandboxHandlers } from "../../functions/sandbox/operations/index.ts";
import { flexitiOperations } from "../../generated/flexiti-operations.ts";
import {
	BASE_URL,
	conformingFetch,
	DEMO,
	mintToken,
	recordedCalls,
	resetSandbox,
	sandboxClient,
} from "../support/sandbox.ts";

const client_id = DEMO.client_id;
let merchant: FlexitiClient;
let token: string;

beforeAll(async () => {
	await resetSandbox();
	token = (await mintToken("merchant")).access_token;
	merchant = sandboxClient(token);
});

describe("every operation of the spec is served", () => {
	it("has a handler for each operation in the generated table (the token endpoint speaks OAuth)", () => {
		expect([...Object.keys(sandboxHandlers), "createToken"].sort()).toEqual(Object.keys(flexitiOperations).sort());
	});

	it.each(Object.entries(flexitiOperations))("routes %s through the pipeline", async (operationId, entry) => {
		const path = entry.path.replace(/\{(\w+)\}/g, (_, name: string) => (name === "client_id" ? client_id : "1"));
		const response = await conformingFetch(new Request(`${BASE_URL}${path}`, { method: entry.method }));
		// Unauthenticated: 401 from the pipeline (400 from the OAuth endpoint), never a route miss.
		expect(response.status).toBe(operationId === "createToken" ? 400 : 401);
	});
});

describe("requests that break the spec get 409 wrong_inputs naming the field, and change nothing", () => {
	it("a capture without amount", async () => {
		const { error, response } = await merchant.POST(
			"/v2.5/client-id/{client_id}/authorization/{authorization_id}/capture",
			// @ts-expect-error amount is required by the spec
			{ params: { path: { client_id, authorization_id: 1000001 } }, body: { reference: "X" } },
		);
		expect(response.status).toBe(409);
		expect(error).toEqual({
			url: "/flexiti/pos-api/v2.5/client-id/flexitidemo/authorization/1000001/capture",
			message: "Some inputs are wrong or missing!",
			error: "wrong_inputs",
			field_errors: [{ param: "amount", msg: "required", value: null }],
		});
	});

	it("an authorization with a negative amount, an unknown transaction type and a too-long reference", async () => {
		const { error } = await merchant.POST("/v2.5.1/client-id/{client_id}/authorization", {
			params: { path: { client_id } },
			body: {
				account_number: 10000000000001,
				// @ts-expect-error not a purchase type
				financing_option: { transaction_type: "layaway" },
				amount: -5,
				auto_capture: false,
				reference: "R".repeat(41),
			},
		});
		expect(error).toMatchObject({ error: "wrong_inputs" });
		const fields = Object.fromEntries(
			(typeof error === "object" ? (error.field_errors ?? []) : []).map((f) => [f.param, f.msg]),
		);
		expect(fields).toMatchObject({
			amount: "out of range",
			"financing_option.transaction_type": "invalid value",
			reference: "length",
		});
	});

	it("a capture of a fraction of a cent: at most two decimals", async () => {
		const { error } = await merchant.POST("/v2.5/client-id/{client_id}/authorization/{authorization_id}/capture", {
			params: { path: { client_id, authorization_id: 1000001 } },
			body: { amount: 10.001 },
		});
		expect(error).toMatchObject({
			error: "wrong_inputs",
			field_errors: [{ param: "amount", msg: "at most two decimals", value: 10.001 }],
		});
	});

	it("a widget init with no way to identify the customer", async () => {
		const { error } = await merchant.POST("/v2.5/client-id/{client_id}/widget/init", {
			params: { path: { client_id } },
			body: { flow: "purchase", customer_identification: {} },
		});
		expect(error).toMatchObject({ error: "wrong_inputs", field_errors: [{ param: "customer_identification" }] });
	});

	it("a search with a malformed date of birth and a missing last name", async () => {
		const { error } = await merchant.GET("/v2.5/client-id/{client_id}/customers/search", {
			// @ts-expect-error last_name is required
			params: { path: { client_id }, query: { first_name: "Jane", dob: "12/04/1985" } },
		});
		expect(error).toMatchObject({
			error: "wrong_inputs",
			field_errors: expect.arrayContaining([
				{ param: "last_name", msg: "required", value: null },
				{ param: "dob", msg: "wrong format", value: "12/04/1985" },
			]),
		});
	});

	it("an account number that is not a number, in the path", async () => {
		const { error } = await merchant.POST(
			"/v2.5.1/client-id/{client_id}/accounts/{account_number}/calculate-interest",
			{
				// Deliberately not a number: what a client without types could send.
				params: { path: { client_id, account_number: "12AB" as unknown as number } },
				body: { amount: 10 },
			},
		);
		expect(error).toMatchObject({ field_errors: [{ param: "account_number", msg: "wrong type", value: "12AB" }] });
	});

	it("a body that is not JSON", async () => {
		const response = await conformingFetch(
			new Request(`${BASE_URL}/v2.5/client-id/${client_id}/customers/driverslicense`, {
				method: "POST",
				headers: {
					authorization: `Bearer ${token}`,
					"x-reference-id": crypto.randomUUID(),
					"content-type": "application/json",
				},
				body: "{not json",
			}),
		);
		expect(response.status).toBe(409);
		expect(await response.json()).toMatchObject({ field_errors: [{ param: "body", msg: "invalid JSON" }] });
	});

	it.each(["9007199254740993", "9007199254740993.0", "9.007199254740993e15"])(
		"a refund whose capture id is past 2^53 (%s): refused quoting every digit, not the number JSON.parse rounds it to",
		async (captureId) => {
			const response = await conformingFetch(
				new Request(`${BASE_URL}/v2.5/client-id/${client_id}/accounts/10000000000001/refund`, {
					method: "POST",
					headers: {
						authorization: `Bearer ${token}`,
						"x-reference-id": crypto.randomUUID(),
						"content-type": "application/json",
					},
					body: `{"capture_id":${captureId},"amount":10}`,
				}),
			);
			expect(response.status).toBe(409);
			expect(await response.text()).toContain('{"param":"capture_id","msg":"out of range","value":9007199254740993}');
		},
	);

	it("a call without x-reference-id", async () => {
		const response = await conformingFetch(
			new Request(`${BASE_URL}/v2.5.1/client-id/${client_id}/captures`, {
				headers: { authorization: `Bearer ${token}` },
			}),
		);
		expect(await response.json()).toMatchObject({
			error: "wrong_inputs",
			field_errors: [{ param: "x-reference-id", msg: "required", value: null }],
		});
	});

	it("none of these reached an operation: nothing was captured or authorized", async () => {
		const captures = await merchant.GET("/v2.5.1/client-id/{client_id}/captures", { params: { path: { client_id } } });
		expect(captures.data?.total).toBe(0);
		const calls = await recordedCalls("createAuthorization");
		expect(calls.every((c) => c.status === 409 || c.status === 401)).toBe(true);
	});

	it("echoes x-reference-id", async () => {
		const referenceId = crypto.randomUUID();
		const { response } = await merchant.GET("/v2.5.1/client-id/{client_id}/captures", {
			params: { path: { client_id }, header: { "x-reference-id": referenceId } },
		});
		expect(response.headers.get("x-reference-id")).toBe(referenceId);
	});
});
