/**
 * The Flexiti widget never runs on a merchant-scope token (issue 9, item 1): its redirection_url
 * embeds the token it was opened with and always ends up in a browser.
 */
import { describe, expect, it } from "vitest";
import type { FlexitiResult } from "../../functions/edge/flexiti/gateway.ts";
import { carriesToken } from "../../functions/edge/flexiti/token-guard.ts";
import {
	CLIENT_ID,
	flexitiViaEdge,
	MERCHANT_KEY,
	openCheckout,
	resetSandbox,
	sandboxCalls,
	sandboxTokens,
} from "./support.ts";

const client_id = CLIENT_ID;
const purchase = { flow: "purchase" as const, customer_identification: { account_number: 10000000000001 } };

describe("the widget flow's token", () => {
	it("a merchant's widget/init is refused, says to create a checkout, and never reaches Flexiti", async () => {
		await resetSandbox();
		const { response, error } = await flexitiViaEdge(MERCHANT_KEY).POST("/v2.5/client-id/{client_id}/widget/init", {
			params: { path: { client_id } },
			body: purchase,
		});
		expect(response.status).toBe(403);
		expect(error).toMatchObject({ error: "widget_needs_checkout", message: expect.stringContaining("/v1/checkouts") });
		expect(await sandboxCalls("initWidget")).toHaveLength(0);
	});

	it("a checkout's widget URL carries the checkout's customer token, not a merchant one", async () => {
		await resetSandbox();
		const checkout = await openCheckout();
		const { data } = await flexitiViaEdge(checkout.client_token).POST("/v2.5/client-id/{client_id}/widget/init", {
			params: { path: { client_id } },
			body: purchase,
		});
		const inUrl = new URL((data?.redirection_url ?? "").replace("#/", "")).pathname.split("/").at(-1);
		const issued = await sandboxTokens();
		expect(issued.find((t) => t.access_token === inUrl)?.scope).toBe("customer");
		for (const merchant of issued.filter((t) => t.scope === "merchant")) {
			expect(data?.redirection_url).not.toContain(merchant.access_token);
		}
	});
});

describe("carriesToken (the last guard before a merchant call's answer leaves)", () => {
	const token = {
		accessToken: "2d8f373a3c2b1e61baf5a7769930ff4f0e08cdb0",
		refreshToken: "r3fr3sh-t0k3n-value",
		expiresAt: 0,
	};
	const result = (text: string | undefined, headers: Record<string, string> = {}, error?: unknown): FlexitiResult => ({
		operationId: "initWidget",
		response: new Response(null, { status: text === undefined ? 409 : 200, headers }),
		...(text === undefined ? { error } : { text }),
		retriedWithFreshToken: false,
	});

	it("finds the token in a body, an error envelope, a header, or URL-encoded", () => {
		expect(carriesToken(result(`{"redirection_url":"https://x/#/widget/c/${token.accessToken}?a=b"}`), [token])).toBe(
			true,
		);
		expect(carriesToken(result(undefined, {}, { url: `/x?t=${token.refreshToken}`, error: "e" }), [token])).toBe(true);
		expect(carriesToken(result("{}", { location: `https://x/?t=${token.accessToken}` }), [token])).toBe(true);
		expect(carriesToken(result(encodeURIComponent(`a b ${token.refreshToken}`)), [token])).toBe(true);
	});

	it("passes an answer that carries no token", () => {
		expect(carriesToken(result('{"authorization_id":1}'), [token])).toBe(false);
		expect(carriesToken(result(undefined, {}, "<html>firewall</html>"), [token])).toBe(false);
		expect(carriesToken(result("{}"), [])).toBe(false);
	});
});
