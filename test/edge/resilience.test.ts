import { beforeEach, describe, expect, it } from "vitest";
import {
	CLIENT_ID,
	flexitiViaEdge,
	MERCHANT_KEY,
	openCheckout,
	resetSandbox,
	sandbox,
	sandboxCalls,
} from "./support.ts";

const client_id = CLIENT_ID;
const merchant = () => flexitiViaEdge(MERCHANT_KEY);
/** A shopper's widget/init (a POST Flexiti has no idempotency key for); widget flows run on a checkout's token. */
const initWidget = async () =>
	flexitiViaEdge((await openCheckout()).client_token).POST("/v2.5/client-id/{client_id}/widget/init", {
		params: { path: { client_id } },
		body: { flow: "purchase", customer_identification: { account_number: 10000000000001 } },
	});

beforeEach(resetSandbox);

const listCaptures = () =>
	merchant().GET("/v2.5.1/client-id/{client_id}/captures", { params: { path: { client_id } } });

/** An open in-store authorization of `amount` on Jane Doe's account, made through the edge. */
async function authorization(amount: number): Promise<number | bigint> {
	const request_id = crypto.randomUUID();
	const verify = await merchant().POST("/v2.5/client-id/{client_id}/account/{account_number}/verify", {
		params: { path: { client_id, account_number: 10000000000001 } },
		body: { format: "security_question", security_qid: 7, security_answer: "maple", request_id },
	});
	const { data } = await merchant().POST("/v2.5.1/client-id/{client_id}/authorization", {
		params: { path: { client_id } },
		body: {
			account_number: 10000000000001,
			financing_option: { transaction_type: "regular_purchase" },
			amount,
			auto_capture: false,
			verification_code: verify.data?.verification_code ?? 0,
			request_id,
		},
	});
	return data?.authorization_id ?? 0;
}

const capture = (authorizationId: number | bigint, amount: number) =>
	merchant().POST("/v2.5/client-id/{client_id}/authorization/{authorization_id}/capture", {
		params: { path: { client_id, authorization_id: authorizationId } },
		body: { amount },
	});

describe("retries where a repeat is safe", () => {
	it("a GET that meets 503 twice succeeds on the third attempt", async () => {
		await sandbox("POST", "/sandbox/faults", { operation: "listCaptures", count: 2, status: 503 });
		const { response } = await listCaptures();
		expect(response.status).toBe(200);
		expect((await sandboxCalls("listCaptures")).map((c) => c.status)).toEqual([503, 503, 200]);
	});

	it("a GET told 429 waits Retry-After and succeeds", async () => {
		await sandbox("POST", "/sandbox/faults", { operation: "listCaptures", status: 429, retry_after: 0 });
		expect((await listCaptures()).response.status).toBe(200);
	});

	it("a capture that meets 503 twice is retried with the same idempotency key and captured once", async () => {
		const id = await authorization(80);
		await sandbox("POST", "/sandbox/faults", { operation: "captureAuthorization", count: 2, status: 503 });
		const { data } = await capture(id, 80);
		expect(data).toMatchObject({ amount: 80, authorization_status: "closed" });
		const calls = await sandboxCalls("captureAuthorization");
		expect(calls.map((c) => c.status)).toEqual([503, 503, 200]);
		expect(new Set(calls.map((c) => c.idempotency_key)).size).toBe(1);
	});

	it("a capture whose answer is lost is retried and replayed by Flexiti, not captured twice", async () => {
		const id = await authorization(50);
		await sandbox("POST", "/sandbox/faults", { operation: "captureAuthorization", kind: "drop" });
		const { data } = await capture(id, 50);
		expect(data).toMatchObject({ amount: 50, remaining_authorization_amount: 0 });
		const { data: after } = await merchant().GET("/v2.5.1/client-id/{client_id}/authorization/{authorization_id}", {
			params: { path: { client_id, authorization_id: id } },
		});
		expect(after).toMatchObject({ captured_amount: 50 });
		expect(after?.captures).toHaveLength(1);
	});
});

describe("no retry where a repeat could do the thing twice", () => {
	it("a POST without an idempotency key that meets 503 is answered 503 upstream_unavailable after one attempt", async () => {
		await sandbox("POST", "/sandbox/faults", { operation: "initWidget", count: 3, status: 503 });
		const { response, error } = await initWidget();
		expect(response.status).toBe(503);
		expect(error).toMatchObject({ error: "upstream_unavailable" });
		expect(await sandboxCalls("initWidget")).toHaveLength(1);
	});

	it("a Flexiti that does not answer in time is a 504 upstream_timeout, never a 500", async () => {
		await sandbox("POST", "/sandbox/faults", { operation: "initWidget", kind: "slow", delay_ms: 3000 });
		const { response, error } = await initWidget();
		expect(response.status).toBe(504);
		expect(error).toMatchObject({ error: "upstream_timeout" });
	});

	it("Flexiti's own business refusals pass through as Flexiti answered them", async () => {
		const id = await authorization(20);
		const { response, error } = await capture(id, 25);
		expect(response.status).toBe(409);
		expect(error).toMatchObject({ error: "auth_amount_exceeded" });
		expect(await sandboxCalls("captureAuthorization")).toHaveLength(1);
	});
});
