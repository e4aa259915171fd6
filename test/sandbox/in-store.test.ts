import { beforeEach, describe, expect, it } from "vitest";
import type { FlexitiClient } from "../../functions/client/index.ts";
import { DEMO, DEMO2, mintToken, resetSandbox, sandboxAdmin, sandboxClient } from "../support/sandbox.ts";

const client_id = DEMO.client_id;
const JANE = 10000000000001;
const JEAN_QC = 10000000000002;
const FROZEN = 10000000000003;
const LOW_CREDIT = 10000000000005;

let merchant: FlexitiClient;
beforeEach(async () => {
	await resetSandbox();
	merchant = sandboxClient((await mintToken("merchant")).access_token);
});

const verifyPath = "/v2.5/client-id/{client_id}/account/{account_number}/verify" as const;
const verify = (account_number: number, body: Parameters<FlexitiClient["POST"]>[1] extends infer _ ? object : never) =>
	merchant.POST(verifyPath, {
		params: { path: { client_id, account_number } },
		body: body as { format: "sms" },
	});

describe("customers/search and customers/lookup", () => {
	it("finds a person's accounts by name and date of birth, ignoring case", async () => {
		const { data } = await merchant.GET("/v2.5/client-id/{client_id}/customers/search", {
			params: { path: { client_id }, query: { first_name: "jane", last_name: "DOE", dob: "1985-04-12" } },
		});
		expect(data).toHaveLength(1);
		expect(data?.[0]).toMatchObject({
			account_number: JANE,
			account_status: "N",
			available_credit: "5000.00",
			card_ending_in: "0001",
		});
	});

	it("answers not_found for nobody", async () => {
		const { response, error } = await merchant.GET("/v2.5/client-id/{client_id}/customers/search", {
			params: { path: { client_id }, query: { first_name: "No", last_name: "Body", dob: "1990-01-01" } },
		});
		expect(response.status).toBe(404);
		expect(error).toMatchObject({ error: "not_found" });
	});

	it("looks up by FlexitiCard number, with the security question and offers", async () => {
		const { data } = await merchant.GET("/v2.5/client-id/{client_id}/customers/lookup", {
			params: { path: { client_id }, query: { vcc_number: "5555000000000001" } },
		});
		expect(data).toMatchObject({
			account_number: JANE,
			security_qid: { id: 7, text: "What is the name of the street you grew up on?" },
		});
		expect(data?.offer_types?.map((o) => o.plan_id)).toEqual([1, 4, 5]);
	});

	it("needs exactly one identifier", async () => {
		const { error, response } = await merchant.GET("/v2.5/client-id/{client_id}/customers/lookup", {
			params: { path: { client_id }, query: { vcc_number: "5555000000000001", account_number: JANE } },
		});
		expect(response.status).toBe(409);
		expect(error).toMatchObject({ error: "wrong_inputs" });
	});

	it("refuses a frozen account: user_not_active", async () => {
		const { error } = await merchant.GET("/v2.5/client-id/{client_id}/customers/lookup", {
			params: { path: { client_id }, query: { account_number: FROZEN } },
		});
		expect(error).toMatchObject({ error: "user_not_active" });
	});

	it("is merchant-only: a customer token gets 403", async () => {
		const customer = sandboxClient((await mintToken("customer")).access_token);
		const { response } = await customer.GET("/v2.5/client-id/{client_id}/customers/lookup", {
			params: { path: { client_id }, query: { account_number: JANE } },
		});
		expect(response.status).toBe(403);
	});
});

describe("account/{n}/verify", () => {
	it("sends a PIN by SMS", async () => {
		const { data } = await verify(JANE, { format: "sms", request_id: "r-1" });
		expect(data).toEqual({ verification_code: "verification_sent_to_sms" });
	});

	it("refuses SMS without a valid mobile number: 400 sms_not_valid_phone", async () => {
		const { error, response } = await verify(LOW_CREDIT, { format: "sms", request_id: "r-1" });
		expect(response.status).toBe(400);
		expect(error).toMatchObject({ error: "sms_not_valid_phone" });
	});

	it("answers the security question with a PIN in the response", async () => {
		const { data } = await verify(JANE, {
			format: "security_question",
			security_qid: 7,
			security_answer: "Maple",
			request_id: "r",
		});
		expect(data?.verification_code).toEqual(expect.any(Number));
	});

	it("counts wrong answers: secret_answer_mismatch, then tries_exceed after 3 in 48 hours", async () => {
		const wrong = { format: "security_question", security_qid: 7, security_answer: "oak", request_id: "r" };
		for (let i = 0; i < 3; i++)
			expect((await verify(JANE, wrong)).error).toMatchObject({ error: "secret_answer_mismatch" });
		const right = { ...wrong, security_answer: "maple" };
		expect((await verify(JANE, right)).error).toMatchObject({ error: "tries_exceed" });
		await sandboxAdmin("POST", "/clock/advance", { days: 2.1 });
		merchant = sandboxClient((await mintToken("merchant")).access_token);
		expect((await verify(JANE, right)).data?.verification_code).toEqual(expect.any(Number));
	});

	it("checks the question id: piw_mismatch", async () => {
		const { error } = await verify(JANE, { format: "security_question", security_qid: 4, security_answer: "maple" });
		expect(error).toMatchObject({ error: "piw_mismatch" });
	});

	it("allows merchant_override only for merchants set up for it", async () => {
		expect((await verify(JANE, { format: "merchant_override" })).error).toMatchObject({
			error: "merchant_override_is_not_allowed",
		});
		const other = sandboxClient((await mintToken("merchant", DEMO2)).access_token);
		const { data } = await other.POST(verifyPath, {
			params: { path: { client_id: DEMO2.client_id, account_number: JANE } },
			body: { format: "merchant_override" },
		});
		expect(data?.verification_code).toEqual(expect.any(Number));
	});
});

describe("accounts/{n}/calculate-interest (v2.5.1)", () => {
	it("offers the account's plans with their monthly amounts", async () => {
		const { data } = await merchant.POST("/v2.5.1/client-id/{client_id}/accounts/{account_number}/calculate-interest", {
			params: { path: { client_id, account_number: JANE } },
			body: { amount: 234.45 },
		});
		expect(data).toMatchObject({
			account_number: JANE,
			amount: 234.45,
			customer: { category_type: "preferred" },
		});
		const emp = data?.promotional_purchase?.find((p) => p.plan_id === 4);
		expect(emp?.plan_name).toBe("EMP - Regular Interest");
		expect(emp?.terms?.map((t) => t.term)).toEqual([3, 6, 12]);
		const noInterest = data?.promotional_purchase?.find((p) => p.plan_id === 5);
		expect(noInterest?.terms?.[0]).toMatchObject({ term: 6, term_amount: 39.08 });
		expect(data?.regular_purchase?.verify).toBe(false); // over $200
	});
});

describe("accounts/{n}/close", () => {
	it("closes a QC account", async () => {
		const { data } = await merchant.POST("/v2.5/client-id/{client_id}/accounts/{account_number}/close", {
			params: { path: { client_id, account_number: JEAN_QC } },
		});
		expect(data).toEqual({});
		const account = await (await sandboxAdmin("GET", `/accounts/${JEAN_QC}`)).json();
		expect(account).toMatchObject({ status: "C" });
	});

	it("refuses an account outside Quebec", async () => {
		const { response } = await merchant.POST("/v2.5/client-id/{client_id}/accounts/{account_number}/close", {
			params: { path: { client_id, account_number: JANE } },
		});
		expect(response.status).toBe(409);
	});
});

describe("transactions (v2.5.1)", () => {
	async function pin(account = JANE) {
		const request_id = crypto.randomUUID();
		const { data } = await verify(account, {
			format: "security_question",
			security_qid: 7,
			security_answer: "maple",
			request_id,
		});
		return { request_id, verification_code: data?.verification_code ?? 0 };
	}
	const post = (body: object, key?: string) =>
		merchant.POST("/v2.5.1/client-id/{client_id}/transactions", {
			params: { path: { client_id }, ...(key ? { header: { "x-idempotency-key": key } } : {}) },
			body: body as { transaction_type: "deposit"; amount: number; verification_code: number; account_number: number },
		});

	it("posts an in-store payment with the PIN and raises available credit", async () => {
		const { data } = await post({
			transaction_type: "instore_payment",
			amount: 50,
			account_number: JANE,
			...(await pin()),
		});
		expect(data).toMatchObject({ transaction_type: "instore_payment", amount: 50, account_number: JANE });
	});

	it("refuses a wrong PIN: wrong_verification_code", async () => {
		const { request_id } = await pin();
		const { error } = await post({
			transaction_type: "deposit",
			amount: 5,
			account_number: JANE,
			request_id,
			verification_code: 1,
		});
		expect(error).toMatchObject({ error: "wrong_verification_code" });
	});

	it("limits payments to $10,000 a day: limit_payment_amount_24", async () => {
		expect(
			(await post({ transaction_type: "deposit", amount: 9000, vcc_number: "5555000000000001", ...(await pin()) }))
				.response.status,
		).toBe(200);
		const { error } = await post({
			transaction_type: "deposit",
			amount: 1000.01,
			account_number: JANE,
			...(await pin()),
		});
		expect(error).toMatchObject({ error: "limit_payment_amount_24" });
	});

	it("processes the same x-idempotency-key once", async () => {
		const body = { transaction_type: "deposit", amount: 25, account_number: JANE, ...(await pin()) };
		const first = await post(body, "till-7-0001");
		const second = await post(body, "till-7-0001");
		expect(second.data).toEqual(first.data);
		expect(second.response.headers.get("x-idempotent-replay")).toBe("true");
	});
});
