/**
 * The smaller trust rules around a checkout (issue 9, items 8, 9 and 10): a shopper stays on its
 * checkout's account and its flow ends with the authorization; one live client token per checkout;
 * references per client; CORS only for what a shopper may call, `Vary: Origin` once; checkout ids
 * as the spec writes them; and the request log keeps no account number and no raw order reference,
 * whatever path was asked for.
 */
import { exports } from "cloudflare:workers";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import {
	CLIENT_ID,
	EDGE,
	edgeApi,
	edgeFetch,
	flexitiViaEdge,
	MERCHANT_KEY,
	openCheckout,
	resetSandbox,
	sandbox,
	sandboxCalls,
} from "./support.ts";

const JANE = 10000000000001;
const JEAN = 10000000000002;
const client_id = CLIENT_ID;
const SECOND_CLIENT = "flexitidemo2";

beforeEach(resetSandbox);

function openWidget(clientToken: string, account: number) {
	return flexitiViaEdge(clientToken).POST("/v2.5/client-id/{client_id}/widget/init", {
		params: { path: { client_id } },
		body: { flow: "purchase", customer_identification: { account_number: account } },
	});
}

/** A checkout authorized on Jane's account through the widget flow. */
async function authorizedCheckout() {
	const checkout = await openCheckout(120);
	const init = await openWidget(checkout.client_token, JANE);
	const url = new URL((init.data?.redirection_url ?? "").replace("#/", ""));
	await sandbox("POST", `/widget-api/sessions/${url.searchParams.get("widget_session_id")}/verify`, {
		access_token: url.pathname.split("/").at(-1),
		pin: "2222",
	});
	const authorized = await flexitiViaEdge(checkout.client_token).POST("/v2.5.1/client-id/{client_id}/authorization", {
		params: { path: { client_id } },
		body: {
			account_number: JANE,
			financing_option: { transaction_type: "promotional_purchase", plan_id: 4, term: 3 },
		},
	});
	expect(authorized.response.status).toBe(200);
	return { checkout, authorizationId: authorized.data?.authorization_id };
}

describe("a shopper's widget flow", () => {
	it("opening the widget again for another account (a mistyped number) moves the checkout to it; the first is refused after", async () => {
		// Found by an outside probe: the first number typed, even one with no account, bound the checkout for
		// good (403 account_mismatch for the right one), and the order could no longer be paid with Flexiti.
		const checkout = await openCheckout();
		const shopper = flexitiViaEdge(checkout.client_token);
		expect((await openWidget(checkout.client_token, 10000000000009)).response.status).toBe(200); // no such account
		expect((await openWidget(checkout.client_token, JANE)).response.status).toBe(200);
		const plans = (account: number) =>
			shopper.POST("/v2.5.1/client-id/{client_id}/accounts/{account_number}/calculate-interest", {
				params: { path: { client_id, account_number: account } },
				body: { amount: 100 },
			});
		expect((await plans(JANE)).response.status).toBe(200);
		const mistyped = await plans(10000000000009);
		expect(mistyped.response.status).toBe(403);
		expect(mistyped.error).toMatchObject({ error: "account_mismatch" });
	});

	it("names no account before its widget is opened: a fresh client token reads no customer's name or credit", async () => {
		// Found by an outside probe: calculate-interest answered Jane's and Jean's names and available credit.
		const checkout = await openCheckout();
		const before = (await sandboxCalls("calculateInterest")).length;
		const read = await flexitiViaEdge(checkout.client_token).POST(
			"/v2.5.1/client-id/{client_id}/accounts/{account_number}/calculate-interest",
			{ params: { path: { client_id, account_number: JEAN } }, body: { amount: 100 } },
		);
		expect(read.response.status).toBe(403);
		expect(read.error).toMatchObject({ error: "account_mismatch", message: expect.stringContaining("widget") });
		expect(await sandboxCalls("calculateInterest")).toHaveLength(before);
	});

	it("with its widget opened for an account, a shopper's plans carry no customer: no name, credit or risk category", async () => {
		// An outside probe: the number alone opens a widget, and calculate-interest then answered the customer's
		// full name, available credit and category to any client token (every sandbox account, one after another).
		const checkout = await openCheckout();
		expect((await openWidget(checkout.client_token, JEAN)).response.status).toBe(200);
		const plans = await flexitiViaEdge(checkout.client_token).POST(
			"/v2.5.1/client-id/{client_id}/accounts/{account_number}/calculate-interest",
			{ params: { path: { client_id, account_number: JEAN } }, body: { amount: 100 } },
		);
		expect(plans.response.status).toBe(200);
		expect(plans.data).not.toHaveProperty("customer");
		expect(JSON.stringify(plans.data)).not.toMatch(/Tremblay|available_credit|category_type/);
		expect(plans.data?.promotional_purchase).toBeDefined();
		// The merchant's server, with its key, still reads the customer (at the till, after the PIN).
		const merchant = await flexitiViaEdge(MERCHANT_KEY).POST(
			"/v2.5.1/client-id/{client_id}/accounts/{account_number}/calculate-interest",
			{ params: { path: { client_id, account_number: JEAN } }, body: { amount: 100 } },
		);
		expect(merchant.data?.customer?.last_name).toBe("Tremblay");
	});

	it("a widget opened for a FlexitiCard names no account: the checkout keeps its own, or takes the first one named", async () => {
		// A review found the card's widget had cleared the checkout's account, after which any account could be named.
		const plans = (token: string, account: number) =>
			flexitiViaEdge(token).POST("/v2.5.1/client-id/{client_id}/accounts/{account_number}/calculate-interest", {
				params: { path: { client_id, account_number: account } },
				body: { amount: 100 },
			});
		const openCard = (token: string) =>
			flexitiViaEdge(token).POST("/v2.5/client-id/{client_id}/widget/init", {
				params: { path: { client_id } },
				body: { flow: "purchase", customer_identification: { vcc_number: "5555000000000001" } },
			});
		const bound = await openCheckout();
		expect((await openWidget(bound.client_token, JANE)).response.status).toBe(200);
		expect((await openCard(bound.client_token)).response.status).toBe(200);
		expect((await plans(bound.client_token, JEAN)).response.status).toBe(403);
		expect((await plans(bound.client_token, JANE)).response.status).toBe(200);
		const card = await openCheckout();
		expect((await openCard(card.client_token)).response.status).toBe(200);
		expect((await plans(card.client_token, JANE)).response.status).toBe(200);
		const other = await plans(card.client_token, JEAN);
		expect(other.response.status).toBe(403);
		expect(other.error).toMatchObject({ error: "account_mismatch" });
	});

	it("once authorized, the checkout stays on the authorized account", async () => {
		const { checkout } = await authorizedCheckout();
		const other = await flexitiViaEdge(checkout.client_token).POST(
			"/v2.5.1/client-id/{client_id}/accounts/{account_number}/calculate-interest",
			{ params: { path: { client_id, account_number: JEAN } }, body: { amount: 100 } },
		);
		expect(other.response.status).toBe(403);
		expect(other.error).toMatchObject({ error: "account_mismatch" });
	});

	it("ends with the authorization: widget/init and the customer token are refused (403 checkout_authorized)", async () => {
		const { checkout, authorizationId } = await authorizedCheckout();
		const before = (await sandboxCalls("initWidget")).length;
		const widget = await openWidget(checkout.client_token, JANE);
		expect(widget.response.status).toBe(403);
		expect(widget.error).toMatchObject({
			error: "checkout_authorized",
			message: expect.stringContaining(String(authorizationId)),
		});
		expect(await sandboxCalls("initWidget")).toHaveLength(before);
		const token = await edgeApi(checkout.client_token).POST("/v1/checkouts/{checkout_id}/token", {
			params: { path: { checkout_id: checkout.checkout_id } },
		});
		expect(token.response.status).toBe(403);
		expect(token.error).toMatchObject({ error: "checkout_authorized" });
		expect(token.data).toBeUndefined();
	});
});

describe("a checkout's client tokens", () => {
	it("re-creating the checkout revokes the earlier client token", async () => {
		const reference = `WEB-${crypto.randomUUID().slice(0, 8)}`;
		const first = await openCheckout(50, reference);
		const read = (token: string) =>
			edgeApi(token).GET("/v1/checkouts/{checkout_id}", { params: { path: { checkout_id: first.checkout_id } } });
		expect((await read(first.client_token)).response.status).toBe(200);
		const again = await openCheckout(50, reference);
		expect(again.checkout_id).toBe(first.checkout_id);
		expect((await read(first.client_token)).response.status).toBe(401);
		expect((await openWidget(first.client_token, JANE)).response.status).toBe(401);
		expect((await read(again.client_token)).response.status).toBe(200);
	});

	it("references are per client: the same reference under another client is another order", async () => {
		const reference = `WEB-${crypto.randomUUID().slice(0, 8)}`;
		const first = await edgeApi(MERCHANT_KEY).POST("/v1/checkouts", { body: { reference, amount: 20 } });
		const second = await edgeApi(MERCHANT_KEY).POST("/v1/checkouts", {
			body: { reference, amount: 30, client_id: SECOND_CLIENT },
		});
		expect(first.response.status).toBe(201);
		expect(second.response.status).toBe(201);
		expect(second.data?.checkout_id).not.toBe(first.data?.checkout_id);
		expect(second.data).toMatchObject({ client_id: SECOND_CLIENT, amount: 30, reference });
		expect(first.data).toMatchObject({ client_id: CLIENT_ID, amount: 20, reference });
		// Within one client, the reference is still one order: another amount is a conflict.
		const conflict = await edgeApi(MERCHANT_KEY).POST("/v1/checkouts", {
			body: { reference, amount: 31, client_id: SECOND_CLIENT },
		});
		expect(conflict.response.status).toBe(409);
		expect(conflict.error).toMatchObject({ error: "checkout_conflict" });
	});

	it("an upper-case checkout id is not a checkout (404), for the merchant and the shopper", async () => {
		const checkout = await openCheckout();
		const upper = checkout.checkout_id.toUpperCase();
		expect(upper).not.toBe(checkout.checkout_id);
		const merchant = await edgeApi(MERCHANT_KEY).GET("/v1/checkouts/{checkout_id}", {
			params: { path: { checkout_id: upper } },
		});
		expect(merchant.response.status).toBe(404);
		const shopper = await edgeFetch(
			new Request(`${EDGE}/v1/checkouts/${upper}`, { headers: { authorization: `Bearer ${checkout.client_token}` } }),
		);
		expect([403, 404]).toContain(shopper.status);
		const forged = await edgeFetch(
			new Request(`${EDGE}/v1/checkouts/${upper}`, {
				headers: { authorization: `Bearer cst_${upper}_${checkout.client_token.slice(-43)}` },
			}),
		);
		expect(forged.status).toBe(401);
	});
});

describe("CORS", () => {
	const ORIGIN = "https://shop.example";
	const preflight = (path: string, method: string) =>
		exports.default.fetch(
			new Request(`${EDGE}${path}`, {
				method: "OPTIONS",
				headers: { origin: ORIGIN, "access-control-request-method": method },
			}),
		);

	it("answers only for what a shopper may call under /flexiti", async () => {
		const shopperOps = [
			["POST", `/flexiti/v2.5/client-id/${client_id}/widget/init`],
			["POST", `/flexiti/v2.5.1/client-id/${client_id}/authorization`],
		];
		const merchantOps = [
			["POST", `/flexiti/v2.5/client-id/${client_id}/authorization/1/capture`],
			["GET", `/flexiti/v2.5/client-id/${client_id}/customers/lookup`],
			["GET", `/flexiti/v2.5.1/client-id/${client_id}/authorizations`],
			["POST", `/flexiti/v2.5/client-id/${client_id}/account/${JANE}/verify`],
			["POST", "/flexiti/v2.5/oauth/token"],
		];
		for (const [method = "", path = ""] of shopperOps) {
			const answer = await preflight(path, method);
			expect(answer.headers.get("access-control-allow-origin"), path).toBe(ORIGIN);
		}
		for (const [method = "", path = ""] of merchantOps) {
			const answer = await preflight(path, method);
			expect(answer.headers.get("access-control-allow-origin"), path).toBeNull();
			expect(answer.headers.get("access-control-allow-methods"), path).toBeNull();
		}
		// An actual merchant call from a page (a key it should never hold) gets no CORS grant either.
		const capture = await edgeFetch(
			new Request(`${EDGE}/flexiti/v2.5/client-id/${client_id}/customers/lookup?account_number=${JANE}`, {
				headers: { origin: ORIGIN, authorization: `Bearer ${MERCHANT_KEY}` },
			}),
		);
		expect(capture.headers.get("access-control-allow-origin")).toBeNull();
	});

	it("sends Vary: Origin once on the shopper routes", async () => {
		const checkout = await openCheckout();
		const paths = [
			["GET", `/v1/checkouts/${checkout.checkout_id}`],
			["POST", `/v1/checkouts/${checkout.checkout_id}/token`],
			["GET", `/flexiti/v2.5/client-id/${client_id}/terms-and-conditions`],
		];
		for (const [method = "", path = ""] of paths) {
			const response = await edgeFetch(
				new Request(`${EDGE}${path}`, {
					method,
					headers: { origin: ORIGIN, authorization: `Bearer ${checkout.client_token}` },
				}),
			);
			expect(response.headers.get("access-control-allow-origin"), path).toBe(ORIGIN);
			const vary = (response.headers.get("vary") ?? "").split(",").map((v) => v.trim().toLowerCase());
			expect(
				vary.filter((v) => v === "origin"),
				path,
			).toHaveLength(1);
		}
	});

	it("grants a storefront's refusals too (its page reads why), never another origin, and sends Vary: Origin without one", async () => {
		const path = `${EDGE}/flexiti/v2.5/client-id/${client_id}/terms-and-conditions`;
		const expired = `Bearer cst_${"0".repeat(64)}_${"A".repeat(43)}`;
		const refused = await edgeFetch(new Request(path, { headers: { origin: ORIGIN, authorization: expired } }));
		expect(refused.status).toBe(401);
		expect(refused.headers.get("access-control-allow-origin")).toBe(ORIGIN);
		expect(refused.headers.get("access-control-expose-headers")).toBe("x-reference-id, retry-after");

		const checkout = await openCheckout();
		const bearer = `Bearer ${checkout.client_token}`;
		const stranger = await edgeFetch(
			new Request(path, { headers: { origin: "https://elsewhere.example", authorization: bearer } }),
		);
		expect(stranger.status).toBe(200);
		expect(stranger.headers.get("access-control-allow-origin")).toBeNull();
		const server = await edgeFetch(new Request(path, { headers: { authorization: bearer } }));
		expect(server.status).toBe(200);
		expect(server.headers.get("access-control-allow-origin")).toBeNull();
		for (const answer of [refused, stranger, server]) {
			expect(answer.headers.get("vary")?.toLowerCase()).toContain("origin");
		}
	});
});

describe("the request log", () => {
	const lines: string[] = [];
	beforeAll(() => {
		vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
			lines.push(args.map(String).join(" "));
		});
	});
	afterAll(() => vi.restoreAllMocks());

	const requestLines = () => lines.filter((line) => line.includes('"event":"request"'));

	it("keeps no full account number, even on paths that match no route (upper case, mistyped)", async () => {
		const paths = [
			`/flexiti/v2.5/client-id/${client_id}/ACCOUNT/${JANE}/calculate-interest`,
			`/FLEXITI/V2.5/CLIENT-ID/${client_id}/accounts/${JANE}/refund`,
			`/flexiti/v2.5/client-id/${client_id}/acount/${JANE}`,
			`/v1/nothing/${JANE}/5555000000000001`,
		];
		for (const path of paths) {
			await edgeFetch(
				new Request(`${EDGE}${path}`, { method: "POST", headers: { authorization: `Bearer ${MERCHANT_KEY}` } }),
			);
		}
		const logged = requestLines().join("\n");
		expect(requestLines().length).toBeGreaterThanOrEqual(paths.length);
		expect(logged).not.toContain(String(JANE));
		expect(logged).not.toContain("5555000000000001");
		// A path that reached no route keeps only the routes' words: not even the last 4 digits.
		expect(logged).toContain("/accounts/[redacted]/refund");
		expect(logged).not.toContain("0001");
	});

	it("hashes order references, including an e-mail used as one, on every ledger path and casing", async () => {
		const reference = "jane.doe+order-77@example.com";
		for (const path of [
			`/v1/orders/${encodeURIComponent(reference)}`,
			`/V1/ORDERS/${encodeURIComponent(reference)}`,
			`/v1/orders/${encodeURIComponent(reference)}/events/e1/replay`,
		]) {
			await edgeFetch(
				new Request(`${EDGE}${path}`, {
					method: path.endsWith("replay") ? "POST" : "GET",
					headers: { authorization: `Bearer ${MERCHANT_KEY}` },
				}),
			);
		}
		const logged = requestLines().join("\n");
		expect(logged).not.toContain("jane.doe");
		expect(logged).not.toContain("example.com");
		expect(logged).toMatch(/\/v1\/orders\/ref:[0-9a-f]{16}"/i);
	});
});
