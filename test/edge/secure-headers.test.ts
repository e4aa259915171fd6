import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { CLIENT_ID, flexitiViaEdge, MERCHANT_KEY, openCheckout } from "./support.ts";

// Every answer of the edge carries hono/secure-headers' headers, errors included; CORS still decides
// cross-origin reads for the storefront (its origin comes from STOREFRONT_ORIGINS in vitest.config.ts).
describe("security headers", () => {
	for (const [what, path] of [
		["a success", "/healthz"],
		["an error", "/nowhere"],
	] as const) {
		it(`are on ${what}`, async () => {
			const response = await exports.default.fetch(`http://edge.test${path}`);
			expect(response.headers.get("x-content-type-options")).toBe("nosniff");
			expect(response.headers.get("x-frame-options")).toBe("DENY");
			expect(response.headers.get("referrer-policy")).toBe("no-referrer");
			expect(response.headers.get("strict-transport-security")).toMatch(/max-age=\d+/);
			expect(response.headers.get("content-security-policy")).toBe("default-src 'none'; frame-ancestors 'none'");
			expect(response.headers.get("cross-origin-resource-policy")).toBeNull();
		});
	}

	it("keep every API answer out of caches (it may carry a token or a customer's data), unless its route says otherwise", async () => {
		// An outside probe found a checkout's creation (its client token) and widget/init without no-store.
		const created = await exports.default.fetch("http://edge.test/v1/checkouts", {
			method: "POST",
			headers: { authorization: `Bearer ${MERCHANT_KEY}`, "content-type": "application/json" },
			body: JSON.stringify({ reference: `NS-${crypto.randomUUID().slice(0, 8)}`, amount: 10 }),
		});
		expect(created.status).toBe(201);
		expect(created.headers.get("cache-control")).toBe("no-store");
		const checkout = await openCheckout(20);
		const widget = await flexitiViaEdge(checkout.client_token).POST("/v2.5/client-id/{client_id}/widget/init", {
			params: { path: { client_id: CLIENT_ID } },
			body: { flow: "purchase", customer_identification: { account_number: 10000000000001 } },
		});
		expect(widget.response.status).toBe(200);
		expect(widget.response.headers.get("cache-control")).toBe("no-store");
		const refused = await exports.default.fetch("http://edge.test/v1/orders/nothing-here", {
			headers: { authorization: `Bearer ${MERCHANT_KEY}` },
		});
		expect(refused.headers.get("cache-control")).toBe("no-store");
	});

	it("leave a storefront's CORS preflight working", async () => {
		const response = await exports.default.fetch("http://edge.test/v1/checkouts/abc", {
			method: "OPTIONS",
			headers: {
				origin: "https://shop.example",
				"access-control-request-method": "GET",
				"access-control-request-headers": "authorization",
			},
		});
		expect(response.status).toBe(204);
		expect(response.headers.get("access-control-allow-origin")).toBe("https://shop.example");
		expect(response.headers.get("x-content-type-options")).toBe("nosniff");
	});
});
