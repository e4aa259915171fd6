import { exports } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import type { FlexitiClient } from "../../functions/client/index.ts";
import { flexitiOperations } from "../../generated/flexiti-operations.ts";
import { onlineOperations } from "../../generated/online-operations.ts";
import { mintOnlineToken, ONLINE_BASE_PATH } from "../support/online-sandbox.ts";
import {
	BASE_URL,
	DEMO,
	mintToken,
	recordedCalls,
	resetSandbox,
	SANDBOX_ORIGIN,
	sandboxAdmin,
	sandboxClient,
} from "../support/sandbox.ts";

const client_id = DEMO.client_id;
const JANE = 10000000000001;
const LOW_CREDIT = 10000000000005;
const LATE_PAYER = 10000000000004;

let merchant: FlexitiClient;

beforeEach(async () => {
	await resetSandbox();
	merchant = sandboxClient((await mintToken("merchant")).access_token);
});

async function availableCredit(accountNumber: number): Promise<number> {
	const response = await sandboxAdmin("GET", `/accounts/${accountNumber}`);
	return ((await response.json()) as { available_credit: number }).available_credit;
}

/** The in-store way to get a PIN: the customer's security question, under a request id. */
async function verifyInStore(accountNumber: number = JANE, answer = "maple") {
	const request_id = crypto.randomUUID();
	const { data, error } = await merchant.POST("/v2.5/client-id/{client_id}/account/{account_number}/verify", {
		params: { path: { client_id, account_number: accountNumber } },
		body: { format: "security_question", security_qid: 7, security_answer: answer, request_id },
	});
	return { request_id, verification_code: data?.verification_code, error };
}

async function authorize(
	amount: number,
	options: { accountNumber?: number; promotional?: boolean; auto_capture?: boolean } = {},
) {
	const accountNumber = options.accountNumber ?? JANE;
	const { request_id, verification_code } = await verifyInStore(accountNumber);
	return merchant.POST("/v2.5.1/client-id/{client_id}/authorization", {
		params: { path: { client_id } },
		body: {
			account_number: Number(accountNumber),
			financing_option:
				options.promotional === false
					? { transaction_type: "regular_purchase" }
					: { transaction_type: "promotional_purchase", plan_id: 4, term: 3 },
			amount,
			auto_capture: options.auto_capture ?? false,
			reference: "ORDER-1",
			verification_code: verification_code ?? 0,
			request_id,
			external_location_id: "00-12345",
			external_employee_id: "12345-SMITH",
		},
	});
}

function capture(authorizationId: number | bigint, amount: number, idempotencyKey?: string) {
	return merchant.POST("/v2.5/client-id/{client_id}/authorization/{authorization_id}/capture", {
		params: {
			path: { client_id, authorization_id: authorizationId },
			...(idempotencyKey ? { header: { "x-idempotency-key": idempotencyKey } } : {}),
		},
		body: { amount, reference: "ORDER-1" },
	});
}

function release(authorizationId: number | bigint, amount?: number) {
	return merchant.POST("/v2.5/client-id/{client_id}/authorization/{authorization_id}/release", {
		params: { path: { client_id, authorization_id: authorizationId } },
		body: amount === undefined ? {} : { amount },
	});
}

function returnCapture(
	authorizationId: number | bigint,
	captureId: number,
	body: { amount?: number; full_return?: boolean },
) {
	return merchant.POST("/v2.5/client-id/{client_id}/authorization/{authorization_id}/capture/{capture_id}/return", {
		params: { path: { client_id, authorization_id: authorizationId, capture_id: captureId } },
		body: { reference: "RETURN-1", ...body },
	});
}

function refund(accountNumber: number, captureId: number, amount: number) {
	return merchant.POST("/v2.5/client-id/{client_id}/accounts/{account_number}/refund", {
		params: { path: { client_id, account_number: accountNumber } },
		body: { capture_id: captureId, amount, reference: "REFUND-1" },
	});
}

describe("authorization", () => {
	it("authorizes with the PIN from /verify and takes the amount from available credit", async () => {
		const { data } = await authorize(1000);
		expect(data).toMatchObject({
			status: "opened",
			amount: 1000,
			remaining_authorization_amount: 1000,
			captured_amount: 0,
		});
		expect(await availableCredit(JANE)).toBe(4000);
	});

	it("refuses more than the available credit: credit_exceeded", async () => {
		const { error, response } = await authorize(200, { accountNumber: LOW_CREDIT });
		expect(response.status).toBe(409);
		expect(error).toMatchObject({ error: "credit_exceeded" });
		expect(await availableCredit(LOW_CREDIT)).toBe(150);
	});

	it("refuses an account that may not purchase (status A)", async () => {
		const { error } = await authorize(10, { accountNumber: LATE_PAYER });
		expect(error).toMatchObject({ error: "user_not_able_to_purchase" });
	});

	it("refuses a wrong PIN and a PIN used twice: not_verified", async () => {
		const { request_id, verification_code } = await verifyInStore();
		const body = {
			account_number: JANE,
			financing_option: { transaction_type: "regular_purchase" as const },
			amount: 10,
			auto_capture: true,
			request_id,
		};
		const path = "/v2.5.1/client-id/{client_id}/authorization" as const;
		const params = { path: { client_id } };
		const wrong = await merchant.POST(path, { params, body: { ...body, verification_code: 1 } });
		expect(wrong.error).toMatchObject({ error: "not_verified" });
		const first = await merchant.POST(path, { params, body: { ...body, verification_code: verification_code ?? 0 } });
		expect(first.response.status).toBe(200);
		const replay = await merchant.POST(path, { params, body: { ...body, verification_code: verification_code ?? 0 } });
		expect(replay.error).toMatchObject({ error: "not_verified" });
	});

	it("refuses a plan the account does not have: plan_term_not_available", async () => {
		const { request_id, verification_code } = await verifyInStore();
		const { error } = await merchant.POST("/v2.5.1/client-id/{client_id}/authorization", {
			params: { path: { client_id } },
			body: {
				account_number: JANE,
				financing_option: { transaction_type: "promotional_purchase", plan_id: 2, term: 12 },
				amount: 10,
				auto_capture: false,
				verification_code: verification_code ?? 0,
				request_id,
			},
		});
		expect(error).toMatchObject({ error: "plan_term_not_available" });
	});

	it("auto-captures the whole amount and closes the authorization", async () => {
		const { data } = await authorize(250, { auto_capture: true });
		expect(data).toMatchObject({ status: "closed", captured_amount: 250, remaining_authorization_amount: 0 });
		expect(data?.captures).toHaveLength(1);
	});
});

describe("capture and release", () => {
	it("partial captures, then a final capture of the rest, close the authorization", async () => {
		const id = (await authorize(300)).data?.authorization_id ?? 0;
		const first = await capture(id, 100.1);
		expect(first.data).toMatchObject({
			amount: 100.1,
			remaining_authorization_amount: 199.9,
			authorization_status: "opened",
		});
		const second = await capture(id, 199.9);
		expect(second.data).toMatchObject({ remaining_authorization_amount: 0, authorization_status: "closed" });
	});

	it("refuses to capture more than remains: auth_amount_exceeded", async () => {
		const id = (await authorize(100)).data?.authorization_id ?? 0;
		await capture(id, 60);
		const { error, response } = await capture(id, 40.01);
		expect(response.status).toBe(409);
		expect(error).toMatchObject({ error: "auth_amount_exceeded" });
	});

	it("refuses a release after full capture: authorization_ended", async () => {
		const id = (await authorize(100)).data?.authorization_id ?? 0;
		await capture(id, 100);
		const { error } = await release(id);
		expect(error).toMatchObject({ error: "authorization_ended" });
	});

	it("releases what was not captured and gives the credit back", async () => {
		const id = (await authorize(500)).data?.authorization_id ?? 0;
		await capture(id, 200);
		expect(await availableCredit(JANE)).toBe(4500);
		const { data } = await release(id);
		expect(data).toMatchObject({ amount: 300, remaining_authorization_amount: 0, authorization_status: "closed" });
		expect(await availableCredit(JANE)).toBe(4800);
		expect((await capture(id, 1)).error).toMatchObject({ error: "authorization_ended" });
	});

	it("a partial release over the remaining amount is auth_amount_exceeded", async () => {
		const id = (await authorize(50)).data?.authorization_id ?? 0;
		expect((await release(id, 50.01)).error).toMatchObject({ error: "auth_amount_exceeded" });
		expect((await release(id, 20)).data).toMatchObject({ remaining_authorization_amount: 30 });
	});

	it("an unknown authorization is not_found", async () => {
		const { error, response } = await capture(99999999, 1);
		expect(response.status).toBe(404);
		expect(error).toMatchObject({ error: "not_found" });
	});

	it("replays the first response for the same x-idempotency-key, capturing once", async () => {
		const id = (await authorize(100)).data?.authorization_id ?? 0;
		const first = await capture(id, 30, "order-1-capture-1");
		const again = await capture(id, 30, "order-1-capture-1");
		expect(again.response.headers.get("x-idempotent-replay")).toBe("true");
		expect(again.data).toEqual(first.data);
		const authorization = await merchant.GET("/v2.5.1/client-id/{client_id}/authorization/{authorization_id}", {
			params: { path: { client_id, authorization_id: id } },
		});
		expect(authorization.data).toMatchObject({ captured_amount: 30, remaining_authorization_amount: 70 });
	});
});

describe("returns and refunds", () => {
	async function capturedPurchase(amount: number, promotional = true) {
		const authorization = (await authorize(amount, { promotional })).data;
		const captured = (await capture(authorization?.authorization_id ?? 0, amount)).data;
		return { authorizationId: authorization?.authorization_id ?? 0, captureId: captured?.capture_id ?? 0 };
	}

	it("returns part of a promotional capture, then refuses more than remains: capture_amount_exceeded", async () => {
		const { authorizationId, captureId } = await capturedPurchase(400);
		const { data } = await returnCapture(authorizationId, captureId, { amount: 150 });
		expect(data).toMatchObject({ amount: 150, remaining_capture_amount: 250, capture_id: captureId });
		expect(await availableCredit(JANE)).toBe(4750);
		const over = await returnCapture(authorizationId, captureId, { amount: 250.01 });
		expect(over.error).toMatchObject({ error: "capture_amount_exceeded" });
		const full = await returnCapture(authorizationId, captureId, { full_return: true });
		expect(full.data).toMatchObject({ amount: 250, remaining_capture_amount: 0 });
	});

	it("refuses a return more than 100 days after the capture: return_date_exceeded", async () => {
		const { authorizationId, captureId } = await capturedPurchase(100);
		await sandboxAdmin("POST", "/clock/advance", { days: 101 });
		merchant = sandboxClient((await mintToken("merchant")).access_token); // the old one expired meanwhile
		const { error } = await returnCapture(authorizationId, captureId, { amount: 10 });
		expect(error).toMatchObject({ error: "return_date_exceeded" });
	});

	it("refuses to return a regular purchase: wrong_transaction_type", async () => {
		const { authorizationId, captureId } = await capturedPurchase(100, false);
		expect((await returnCapture(authorizationId, captureId, { amount: 10 })).error).toMatchObject({
			error: "wrong_transaction_type",
		});
	});

	it("refunds to the account up to what was captured: refunds_limit_exceeded_amount", async () => {
		const { captureId } = await capturedPurchase(120, false);
		const first = await refund(JANE, captureId, 100);
		expect(first.response.status).toBe(200);
		expect(first.data).toEqual({});
		expect((await refund(JANE, captureId, 20.01)).error).toMatchObject({ error: "refunds_limit_exceeded_amount" });
		expect((await refund(JANE, captureId, 20)).response.status).toBe(200);
	});
});

describe("look-ups", () => {
	it("lists authorizations and captures of this merchant, filtered and paged", async () => {
		const a = (await authorize(10)).data?.authorization_id ?? 0;
		await authorize(20, { auto_capture: true });
		await capture(a, 5);
		const opened = await merchant.GET("/v2.5.1/client-id/{client_id}/authorizations", {
			params: { path: { client_id }, query: { authorization_status: "opened" } },
		});
		expect(opened.data?.items.map((i) => i.authorization_id)).toEqual([a]);
		const captures = await merchant.GET("/v2.5.1/client-id/{client_id}/captures", {
			params: { path: { client_id }, query: { page_size: 1 } },
		});
		expect(captures.data).toMatchObject({ total: 2, page_size: 1 });
		expect(captures.data?.items).toHaveLength(1);
	});
});

describe("faults injected through /sandbox/faults", () => {
	it("answers 503 for the next N calls of an operation, then serves again", async () => {
		await sandboxAdmin("POST", "/faults", { operation: "listCaptures", count: 2, status: 503 });
		const list = () => merchant.GET("/v2.5.1/client-id/{client_id}/captures", { params: { path: { client_id } } });
		expect((await list()).response.status).toBe(503);
		expect((await list()).response.status).toBe(503);
		expect((await list()).response.status).toBe(200);
	});

	it("answers 429 with Retry-After", async () => {
		await sandboxAdmin("POST", "/faults", { operation: "listCaptures", status: 429, retry_after: 3 });
		const { response, error } = await merchant.GET("/v2.5.1/client-id/{client_id}/captures", {
			params: { path: { client_id } },
		});
		expect(response.status).toBe(429);
		expect(response.headers.get("retry-after")).toBe("3");
		expect(error).toMatchObject({ error: "rate_limited" });
	});

	it("is slow when asked, and says the moment its call has taken it (the call then being held)", async () => {
		const armed = await sandboxAdmin("POST", "/faults", { operation: "listCaptures", kind: "slow", delay_ms: 300 });
		const { fault } = (await armed.json()) as { fault: { id: string } };
		const pending = async () => ((await (await sandboxAdmin("GET", "/faults")).json()) as { faults: unknown[] }).faults;
		expect(await pending()).toMatchObject([{ id: fault.id, operation: "listCaptures", kind: "slow", remaining: 1 }]);
		// Asked before the call: the answer waits for it.
		const struck = sandboxAdmin("GET", `/faults/${fault.id}/struck`);
		const started = Date.now();
		let answered = false;
		const call = merchant
			.GET("/v2.5.1/client-id/{client_id}/captures", { params: { path: { client_id } } })
			.finally(() => {
				answered = true;
			});
		expect(await (await struck).json()).toEqual({ struck: true });
		// It struck when the call arrived, not when the call was answered; it has left the list.
		expect(answered).toBe(false);
		expect(await pending()).toEqual([]);
		const { response } = await call;
		expect(response.status).toBe(200);
		expect(Date.now() - started).toBeGreaterThanOrEqual(290);
		// Asked again afterwards: at once.
		expect(await (await sandboxAdmin("GET", `/faults/${fault.id}/struck`)).json()).toEqual({ struck: true });
	});

	it("says a fault did not strike when it is cleared first, when it is unknown, or when its wait runs out", async () => {
		const arm = async () =>
			(
				(await (await sandboxAdmin("POST", "/faults", { operation: "listCaptures" })).json()) as {
					fault: { id: string };
				}
			).fault.id;
		const cleared = await arm();
		const waiting = sandboxAdmin("GET", `/faults/${cleared}/struck`);
		await sandboxAdmin("DELETE", "/faults");
		expect(await (await waiting).json()).toEqual({ struck: false });
		expect(await (await sandboxAdmin("GET", `/faults/${cleared}/struck`)).json()).toEqual({ struck: false });
		expect(await (await sandboxAdmin("GET", "/faults/fault-unknown/struck")).json()).toEqual({ struck: false });
		const untaken = await arm();
		const started = Date.now();
		expect(await (await sandboxAdmin("GET", `/faults/${untaken}/struck?timeout_ms=200`)).json()).toEqual({
			struck: false,
		});
		expect(Date.now() - started).toBeGreaterThanOrEqual(190);
		const reset = sandboxAdmin("GET", `/faults/${untaken}/struck`);
		await resetSandbox();
		expect(await (await reset).json()).toEqual({ struck: false });
	});

	it("loses a capture's response after applying it; the retry with the same key gets the capture", async () => {
		const id = (await authorize(100)).data?.authorization_id ?? 0;
		await sandboxAdmin("POST", "/faults", { operation: "captureAuthorization", kind: "drop" });
		const lost = await capture(id, 100, "capture-key-1");
		expect(lost.response.status).toBe(503);
		const retried = await capture(id, 100, "capture-key-1");
		expect(retried.response.status).toBe(200);
		expect(retried.data).toMatchObject({ amount: 100, authorization_status: "closed" });
		const calls = await recordedCalls("captureAuthorization");
		expect(calls.map((c) => [c.status, c.idempotency_key])).toEqual([
			[503, "capture-key-1"],
			[200, "capture-key-1"],
		]);
	});

	it("stalls an answer after its headers when asked: the capture is made, its body comes only after the delay", async () => {
		const id = (await authorize(100)).data?.authorization_id ?? 0;
		const token = (await mintToken("merchant")).access_token;
		const armed = await sandboxAdmin("POST", "/faults", {
			operation: "captureAuthorization",
			kind: "stall",
			delay_ms: 1000,
		});
		expect(armed.status).toBe(201);
		const started = Date.now();
		// Not the typed client: it reads the body before it hands back the headers.
		const response = await exports.default.fetch(
			new Request(`${BASE_URL}/v2.5/client-id/${client_id}/authorization/${id}/capture`, {
				method: "POST",
				headers: {
					authorization: `Bearer ${token}`,
					"x-reference-id": crypto.randomUUID(),
					"content-type": "application/json",
				},
				body: JSON.stringify({ amount: 100 }),
			}),
		);
		expect(response.status).toBe(200);
		let bodyArrived = false;
		const body = response.json().finally(() => {
			bodyArrived = true;
		});
		// The headers are here and the capture is made at Flexiti, while the body is still held.
		expect(await recordedCalls("captureAuthorization")).toMatchObject([{ status: 200 }]);
		expect(bodyArrived).toBe(false);
		expect(await body).toMatchObject({ amount: 100, authorization_status: "closed" });
		expect(Date.now() - started).toBeGreaterThanOrEqual(990);
	});

	/** Every operation of both specs, at its URL in the sandbox (path parameters filled with this client and 1). */
	const everyOperation = [
		...Object.entries(flexitiOperations).map(([id, entry]) => [id, entry.method, `${BASE_URL}${entry.path}`]),
		...Object.entries(onlineOperations).map(([id, entry]) => [
			id,
			entry.method,
			`${SANDBOX_ORIGIN}${ONLINE_BASE_PATH}${entry.path}`,
		]),
	].map(([id, method, url]) => ({
		id,
		method,
		url: url?.replace(/\{(\w+)\}/g, (_, name: string) => (/^client_?id$/i.test(name) ? client_id : "1")),
	}));

	it.each(everyOperation)("strikes $id on its own call, whichever code serves it", async ({ id, method, url }) => {
		const armed = await sandboxAdmin("POST", "/faults", { operation: id, status: 502 });
		const { fault } = (await armed.json()) as { fault: { id: string } };
		const response = await exports.default.fetch(
			new Request(url ?? "", { method, body: method === "GET" ? null : "" }),
		);
		expect(response.status).toBe(502);
		expect(await (await sandboxAdmin("GET", `/faults/${fault.id}/struck?timeout_ms=0`)).json()).toEqual({
			struck: true,
		});
		// Recorded as that operation's call (beforeEach's createToken call is a 200 before it).
		expect((await recordedCalls(id ?? "")).at(-1)?.status).toBe(502);
	});

	it("keeps a token endpoint's fault for that endpoint: the POS API's does not strike the Online API's, nor the reverse", async () => {
		const arm = async (operation: string) =>
			((await (await sandboxAdmin("POST", "/faults", { operation, status: 503 })).json()) as { fault: { id: string } })
				.fault.id;
		const online = await arm("createOnlineToken");
		expect((await mintToken("merchant")).access_token).toEqual(expect.any(String));
		const pos = await arm("createToken");
		await expect(mintOnlineToken(SANDBOX_ORIGIN)).rejects.toThrow(/503|service_unavailable/);
		expect(await (await sandboxAdmin("GET", `/faults/${online}/struck?timeout_ms=0`)).json()).toEqual({ struck: true });
		expect(await (await sandboxAdmin("GET", `/faults/${pos}/struck?timeout_ms=0`)).json()).toEqual({ struck: false });
		expect(await mintOnlineToken(SANDBOX_ORIGIN)).toEqual(expect.any(String));
		await expect(mintToken("merchant")).rejects.toThrow(/token mint failed/);
		expect((await recordedCalls("createOnlineToken")).map((c) => c.status)).toEqual([503, 200]);
		expect((await recordedCalls("createToken")).map((c) => c.status)).toEqual([200, 200, 503]);
	});

	it("serves the Online API's token endpoint with its own spec: merchant scope only", async () => {
		const response = await exports.default.fetch(
			new Request(`${SANDBOX_ORIGIN}${ONLINE_BASE_PATH}/oauth/token`, {
				method: "POST",
				headers: { "content-type": "application/x-www-form-urlencoded", "x-reference-id": crypto.randomUUID() },
				body: new URLSearchParams({ ...DEMO, grant_type: "client_credentials", scope: "customer" }),
			}),
		);
		expect(response.status).toBe(409);
		expect(await response.json()).toMatchObject({
			error: "wrong_inputs",
			field_errors: [{ param: "scope", msg: "invalid value", value: "customer" }],
		});
	});

	it("rejects a fault for an operation the spec does not have", async () => {
		const response = await sandboxAdmin("POST", "/faults", { operation: "teleport" });
		expect(response.status).toBe(400);
	});

	it("resets to the seeded world", async () => {
		await authorize(1000);
		await resetSandbox();
		expect(await availableCredit(JANE)).toBe(5000);
	});
});
