import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

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
