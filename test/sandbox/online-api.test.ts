/**
 * Flexiti's Online API as the sandbox serves it: systems/init opens a hosted checkout page; what
 * the shopper does there (buy with PIN 2222, apply, cancel) becomes the notification and sends the
 * browser to the client's Success or Error URL; the payment calculator answers from the plans.
 * Every API answer is checked against spec/flexiti-online-api.yaml.
 */
import { exports } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import type { FlexitiOnlineComponents } from "../../functions/client/index.ts";
import { mintOnlineToken, onlineClient, submitHostedForm } from "../support/online-sandbox.ts";
import {
	DEMO,
	DEMO2,
	mintToken,
	resetSandbox,
	SANDBOX_ORIGIN,
	sandboxAdmin,
	sandboxClient,
} from "../support/sandbox.ts";

type OnlineError = FlexitiOnlineComponents["schemas"]["OnlineError"];
const JANE = 10000000000001;
const LOW_CREDIT = 10000000000005;
const SUCCESS_URL = "https://shop.example/flexiti/success?from=flexiti";
const ERROR_URL = "https://shop.example/flexiti/error";
const initPath = "/online/v2/client-id/{clientId}/systems/init" as const;
const byOrderId = "/online/client-id/{clientId}/notifications/order-id/{orderId}" as const;
const byMerchantOrderId = "/online/client-id/{clientId}/notifications/merchant-order-id/{merchantOrderId}" as const;

let token: string;
beforeEach(async () => {
	await resetSandbox();
	const configured = await sandboxAdmin("PUT", `/online/redirects/${DEMO.client_id}`, {
		success_url: SUCCESS_URL,
		error_url: ERROR_URL,
	});
	expect(configured.status).toBe(200);
	token = await mintOnlineToken(SANDBOX_ORIGIN);
});

async function startCheckout(body: Record<string, unknown> = {}) {
	const reference = `WEB-${crypto.randomUUID().slice(0, 8)}`;
	const { data, error } = await onlineClient(SANDBOX_ORIGIN, token).POST(initPath, {
		params: { path: { clientId: DEMO.client_id } },
		body: { flow: "apply/buy", lang: "en", amount_requested: 249.99, merchant_orderid: reference, ...body },
	});
	if (!data) throw new Error(`systems/init failed: ${JSON.stringify(error)}`);
	return { ...data, reference };
}

async function notification(orderId: string | number | bigint) {
	return onlineClient(SANDBOX_ORIGIN, token).GET(byOrderId, {
		params: { path: { clientId: DEMO.client_id, orderId: String(orderId) } },
	});
}

describe("systems/init and the hosted checkout page", () => {
	it("opens a page on the sandbox for the amount; there is no notification until the shopper acts", async () => {
		const checkout = await startCheckout();
		expect(checkout.online_order_id).toEqual(expect.any(Number));
		const url = new URL(checkout.redirection_url);
		expect(url.origin).toBe(SANDBOX_ORIGIN);
		const page = await exports.default.fetch(checkout.redirection_url);
		expect(page.status).toBe(200);
		expect(page.headers.get("content-security-policy")).toContain("default-src 'none'");
		const html = await page.text();
		expect(html).toContain("$249.99");
		expect(html).toContain('target="_top"');
		expect((await notification(checkout.online_order_id)).response.status).toBe(404);
		// Without the key in the URL Flexiti handed out, there is no page.
		expect((await exports.default.fetch(`${url.origin}${url.pathname}?key=wrong`)).status).toBe(404);
	});

	it("a purchase with the PIN: Success URL with orderId and auth_token; the notification names a POS authorization", async () => {
		const checkout = await startCheckout();
		const wrong = await submitHostedForm(checkout.redirection_url, {
			action: "buy",
			account_number: String(JANE),
			pin: "1111",
		});
		expect(wrong.status).toBe(200);
		expect(await wrong.text()).toContain("Wrong PIN");
		expect((await notification(checkout.online_order_id)).response.status).toBe(404);

		const paid = await submitHostedForm(checkout.redirection_url, {
			action: "buy",
			account_number: String(JANE),
			pin: "2222",
		});
		expect(paid.status).toBe(303);
		const redirect = new URL(paid.headers.get("location") ?? "");
		expect(`${redirect.origin}${redirect.pathname}`).toBe("https://shop.example/flexiti/success");
		expect(redirect.searchParams.get("from")).toBe("flexiti");
		expect(redirect.searchParams.get("orderId")).toBe(String(checkout.online_order_id));
		// As in Flexiti's 2017 proof of concept: a bearer token on the URL (the edge must never pass it on).
		const authToken = redirect.searchParams.get("auth_token") ?? "";
		expect(authToken).toMatch(/^[0-9a-f]{40}$/);

		const { data } = await notification(checkout.online_order_id);
		expect(data).toMatchObject({ flow: "apply/buy", purchase: { status: "Success", amount: 249.99 } });
		const byReference = await onlineClient(SANDBOX_ORIGIN, token).GET(byMerchantOrderId, {
			params: { path: { clientId: DEMO.client_id, merchantOrderId: checkout.reference } },
		});
		expect(byReference.data).toEqual(data);

		// The purchase is a POS API authorization (not captured), referenced by the merchant's order id.
		const merchant = (await mintToken("merchant")).access_token;
		const pos = sandboxClient(merchant);
		const authorization = await pos.GET("/v2.5.1/client-id/{client_id}/authorization/{authorization_id}", {
			params: { path: { client_id: DEMO.client_id, authorization_id: Number(data?.transaction_id) } },
		});
		expect(authorization.data).toMatchObject({ amount: 249.99, reference: checkout.reference });
		const captured = await pos.POST("/v2.5/client-id/{client_id}/authorization/{authorization_id}/capture", {
			params: { path: { client_id: DEMO.client_id, authorization_id: Number(data?.transaction_id) } },
			body: { amount: 249.99 },
		});
		expect(captured.response.status).toBe(200);

		// The page is done: it cannot be used again.
		expect((await exports.default.fetch(checkout.redirection_url)).status).toBe(410);
		expect((await submitHostedForm(checkout.redirection_url, { action: "cancel" })).status).toBe(410);
	});

	it("cancel and a declined purchase go to the Error URL with a Failed notification", async () => {
		const cancelled = await startCheckout();
		const cancel = await submitHostedForm(cancelled.redirection_url, { action: "cancel" });
		expect(cancel.status).toBe(303);
		expect(cancel.headers.get("location")).toMatch(/^https:\/\/shop\.example\/flexiti\/error\?orderId=\d+&auth_token=/);
		expect((await notification(cancelled.online_order_id)).data?.purchase?.status).toBe("Failed");

		const overLimit = await startCheckout();
		const declined = await submitHostedForm(overLimit.redirection_url, {
			action: "buy",
			account_number: String(LOW_CREDIT),
			pin: "2222",
		});
		expect(declined.headers.get("location")).toMatch(/^https:\/\/shop\.example\/flexiti\/error/);
		expect((await notification(overLimit.online_order_id)).data?.purchase?.status).toBe("Failed");
	});

	it("apply/buy for a new customer: the application, then the purchase on the new account", async () => {
		const checkout = await startCheckout({ fname: "Nova", lname: "Applicant", dob: "1990-04-02" });
		const page = await (await exports.default.fetch(checkout.redirection_url)).text();
		expect(page).toContain('value="Nova"');
		const done = await submitHostedForm(checkout.redirection_url, {
			action: "apply",
			first_name: "Nova",
			last_name: "Applicant",
			dob: "1990-04-02",
		});
		expect(done.headers.get("location")).toMatch(/^https:\/\/shop\.example\/flexiti\/success/);
		const { data } = await notification(checkout.online_order_id);
		expect(data).toMatchObject({ apply: { apply_status: "SUCCESS" }, purchase: { status: "Success" } });
		expect(data?.apply?.customer_id).toEqual(expect.any(Number));
	});

	it("apply-only (the path without /v2): declined and approved decisions", async () => {
		const apply = async (lname: string) => {
			const { data } = await onlineClient(SANDBOX_ORIGIN, token).POST("/online/client-id/{clientId}/systems/init", {
				params: { path: { clientId: DEMO.client_id } },
				body: { flow: "Apply", lang: "fr", amount_requested: 1000 },
			});
			if (!data) throw new Error("no session");
			const page = await (await exports.default.fetch(data.redirection_url)).text();
			expect(page).toContain('lang="fr"');
			expect(page).not.toContain('id="pay"');
			const done = await submitHostedForm(data.redirection_url, {
				action: "apply",
				first_name: "Ada",
				last_name: lname,
				dob: "1985-01-02",
			});
			return { location: done.headers.get("location") ?? "", body: (await notification(data.online_order_id)).data };
		};
		const declined = await apply("Declined");
		expect(declined.location).toMatch(/flexiti\/error/);
		expect(declined.body).toMatchObject({ flow: "apply", apply: { apply_status: "DECLINED" } });
		const approved = await apply("Lovelace");
		expect(approved.location).toMatch(/flexiti\/success/);
		expect(approved.body?.apply?.apply_status).toBe("SUCCESS");
		expect(approved.body?.purchase).toBeUndefined();
	});

	it("reads merchant_order_id (hyperswitch's spelling) as the merchant order id too", async () => {
		const { data } = await onlineClient(SANDBOX_ORIGIN, token).POST(initPath, {
			params: { path: { clientId: DEMO.client_id } },
			body: { flow: "buy", lang: "en", amount_requested: 20, merchant_order_id: "HS-42" },
		});
		if (!data) throw new Error("no session");
		await submitHostedForm(data.redirection_url, { action: "buy", account_number: String(JANE), pin: "2222" });
		const { data: found } = await onlineClient(SANDBOX_ORIGIN, token).GET(byMerchantOrderId, {
			params: { path: { clientId: DEMO.client_id, merchantOrderId: "HS-42" } },
		});
		expect(found).toMatchObject({ flow: "buy", merchant_orderid: "HS-42", purchase: { status: "Success" } });
	});
});

describe("errors", () => {
	it("a body that breaks the spec is a 409 wrong_inputs naming each field; no session is opened", async () => {
		const client = onlineClient(SANDBOX_ORIGIN, token);
		const { error, response } = await client.POST(initPath, {
			params: { path: { clientId: DEMO.client_id } },
			// @ts-expect-error flow is missing and the amount is not a number: what a wrong caller sends
			body: { lang: "en", amount_requested: "lots" },
		});
		expect(response.status).toBe(409);
		expect(error).toMatchObject({ code: 409, error: "wrong_inputs" });
		expect((error as OnlineError).field_errors?.map((e) => e.param).sort()).toEqual(["amount_requested", "flow"]);
		const calls = await (await sandboxAdmin("GET", "/calls?operation=initHostedCheckout")).json();
		expect((calls as { calls: { status: number }[] }).calls.map((c) => c.status)).toEqual([409]);
	});

	it("no token, another client's token, and an unknown session", async () => {
		const anonymous = await onlineClient(SANDBOX_ORIGIN).GET(byOrderId, {
			params: { path: { clientId: DEMO.client_id, orderId: "1" } },
		});
		expect(anonymous.response.status).toBe(401);
		const other = await mintOnlineToken(SANDBOX_ORIGIN, DEMO2);
		const checkout = await startCheckout();
		const foreign = await onlineClient(SANDBOX_ORIGIN, other).GET(byOrderId, {
			params: { path: { clientId: DEMO.client_id, orderId: String(checkout.online_order_id) } },
		});
		expect(foreign.response.status).toBe(401);
		const unknown = await notification(999);
		expect(unknown.response.status).toBe(404);
	});
});

describe("payment-calculator", () => {
	const calculator = "/online/v2/client-id/{clientId}/systems/payment-calculator" as const;

	it('answers the lowest monthly payment of the advertised plans, as "as low as" text in English and French', async () => {
		const client = onlineClient(SANDBOX_ORIGIN, token);
		const en = await client.GET(calculator, {
			params: { path: { clientId: DEMO.client_id }, query: { clientId: DEMO.client_id, price: 499, lang: "en" } },
		});
		const fr = await client.GET(calculator, {
			params: { path: { clientId: DEMO.client_id }, query: { price: 499, lang: "fr" } },
		});
		expect(en.data?.paymentPlan).toEqual(fr.data?.paymentPlan);
		const { monthlyPayment, months } = en.data?.paymentPlan ?? { monthlyPayment: "", months: "" };
		expect(en.data?.htmlRender).toBe(
			`<span class="flexiti-calculator">As low as $${monthlyPayment}/month for ${months} months</span>`,
		);
		expect(fr.data?.htmlRender).toContain(`À partir de ${monthlyPayment.replace(".", ",")} $/mois`);

		// The same figure calculate-interest gives for these plans and this amount (Jane's plans: 1, 4, 5).
		const merchant = (await mintToken("merchant")).access_token;
		const plans = await sandboxClient(merchant).POST(
			"/v2.5.1/client-id/{client_id}/accounts/{account_number}/calculate-interest",
			{ params: { path: { client_id: DEMO.client_id, account_number: JANE } }, body: { amount: 499 } },
		);
		const lowest = Math.min(
			...(plans.data?.promotional_purchase ?? []).flatMap((p) => (p.terms ?? []).map((t) => t.term_amount ?? Infinity)),
		);
		expect(Number(monthlyPayment)).toBe(lowest);
	});

	it("a missing or wrong price is a 409 naming price", async () => {
		const { error, response } = await onlineClient(SANDBOX_ORIGIN, token).GET(calculator, {
			// @ts-expect-error price is required
			params: { path: { clientId: DEMO.client_id }, query: { lang: "en" } },
		});
		expect(response.status).toBe(409);
		expect((error as OnlineError).field_errors).toEqual([{ param: "price", msg: "required", value: null }]);
	});
});
