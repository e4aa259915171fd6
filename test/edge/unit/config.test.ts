import { describe, expect, it } from "vitest";
import { ConfigError, type EdgeSettings, edgeConfig } from "../../../functions/edge/core/config.ts";
import { localSettings } from "../../support/local-settings.ts";

// The configuration parser on its own: plain settings in, a checked EdgeConfig or a ConfigError naming
// the setting out. Each case builds a fresh env object (edgeConfig caches per env object).
const settings = (overrides: Record<string, string | undefined> = {}) =>
	({
		FLEXITI_BASE_URL: "http://127.0.0.1:8788/flexiti/pos-api",
		...localSettings(),
		...overrides,
	}) satisfies EdgeSettings;

function configError(overrides: Record<string, string | undefined>): ConfigError {
	try {
		edgeConfig(settings(overrides));
	} catch (error) {
		if (error instanceof ConfigError) return error;
		throw error;
	}
	throw new Error("expected a ConfigError");
}

describe("edgeConfig", () => {
	it("parses the local settings (.dev.vars.example)", () => {
		const config = edgeConfig(settings());
		expect(config.clientIds).toEqual(["flexitidemo", "flexitidemo2"]);
		expect(config.merchantKeys).toHaveLength(2);
		expect(config.merchantKeys.every((key) => key.clientId === undefined)).toBe(true);
		expect(config.tokenEncryptionKey.byteLength).toBe(32);
		expect(config.storefrontOrigins.has("http://127.0.0.1:3000")).toBe(true);
		expect(config.webhookSecrets.shopify.map((s) => s.secret)).toEqual([
			"shpss_local_webhook_secret_not_for_production",
			"shpss_local_webhook_secret_rotated",
		]);
	});

	it("ties a webhook secret written <client_id>:<secret> to that client, and only to a configured one", () => {
		const config = edgeConfig(settings({ STANDARD_WEBHOOK_SECRETS: "flexitidemo2:whsec_a,unknown:whsec_b" }));
		expect(config.webhookSecrets.standard).toEqual([
			{ secret: "whsec_a", clientId: "flexitidemo2" },
			{ secret: "unknown:whsec_b" },
		]);
	});

	it("ties a merchant key written <client_id>:<digest> to that client", () => {
		const digest = "9011c43e26d3debfade5772378fc6e2177d94e448d066b690818514a0deb4068";
		const config = edgeConfig(settings({ MERCHANT_API_KEY_HASHES: `flexitidemo2:${digest},${digest}` }));
		expect(config.merchantKeys.map((key) => key.clientId)).toEqual(["flexitidemo2", undefined]);
		expect(configError({ MERCHANT_API_KEY_HASHES: `nobody:${digest}` }).message).toMatch(/names a client id/);
	});

	it("takes the defaults for settings left empty", () => {
		const config = edgeConfig(settings({ WEBHOOK_RETRY_BASE_MS: "", WEBHOOK_MAX_ATTEMPTS: undefined }));
		expect([config.webhookRetryBaseMs, config.webhookMaxAttempts]).toEqual([2000, 6]);
	});

	for (const [setting, value, problem] of [
		["FLEXITI_CLIENTS", undefined, /is not set/],
		["FLEXITI_CLIENTS", "not json", /must be JSON/],
		["FLEXITI_CLIENTS", "{}", /at least one client/],
		// `a:b`'s order `c` would be `a`'s order `b:c` (orders are named `<client_id>:<reference>`).
		["FLEXITI_CLIENTS", '{"a:b": "secret"}', /client id the edge cannot use, "a:b"/],
		["FLEXITI_CLIENTS", '{"a b": "secret"}', /letters, digits/],
		["MERCHANT_API_KEY_HASHES", "abc", /SHA-256 hex digests/],
		["TOKEN_ENCRYPTION_KEY", "!!", /must be base64/],
		["TOKEN_ENCRYPTION_KEY", "AAAA", /32 bytes/],
		["FLEXITI_BASE_URL", "not a url", /must be a URL/],
		["CHECKOUT_TTL_SECONDS", "-5", /positive integer/],
		["WEBHOOK_CLIENT_BY_SOURCE", '{"shop.example": "nobody"}', /client id that FLEXITI_CLIENTS does not have/],
	] as const) {
		it(`names ${setting} when it is ${value === undefined ? "missing" : JSON.stringify(value)}`, () => {
			const error = configError({ [setting]: value });
			expect(error.setting).toBe(setting);
			expect(error.message).toMatch(problem);
		});
	}
});

describe("EVENT_ENDPOINTS", () => {
	const secret = "whsec_bG9jYWwtZXZlbnRzLXNlY3JldC1ub3QtZm9yLXByb2R1Y3Rpb24=";

	it("lists each client's endpoints with their secrets (two while rotating) and optional types", () => {
		const config = edgeConfig(
			settings({
				EVENT_ENDPOINTS: JSON.stringify({
					flexitidemo: [
						{ url: "https://shop.example/flexiti", secrets: [secret, secret.replace("bG9j", "b2xk")] },
						{ url: "https://erp.example/hook", secrets: [secret], types: ["order.captured"] },
					],
				}),
			}),
		);
		const endpoints = config.eventEndpoints.get("flexitidemo");
		expect(endpoints?.map((e) => e.url)).toEqual(["https://shop.example/flexiti", "https://erp.example/hook"]);
		expect(endpoints?.[0]?.secrets).toHaveLength(2);
		expect(endpoints?.[1]?.types).toEqual(["order.captured"]);
	});

	it("empty: no endpoints (events are still kept on the order)", () => {
		expect(edgeConfig(settings({ EVENT_ENDPOINTS: "" })).eventEndpoints.size).toBe(0);
	});

	it.each([
		["not JSON", "{", "must be JSON"],
		["an unknown client", JSON.stringify({ nobody: [] }), "FLEXITI_CLIENTS does not have: nobody"],
		["a bad URL", JSON.stringify({ flexitidemo: [{ url: "ftp://x", secrets: [secret] }] }), "flexitidemo[0].url"],
		[
			"no secret",
			JSON.stringify({ flexitidemo: [{ url: "https://x.example", secrets: [] }] }),
			"flexitidemo[0].secrets",
		],
		[
			"a secret that is not whsec_",
			JSON.stringify({ flexitidemo: [{ url: "https://x.example", secrets: ["hunter2"] }] }),
			"whsec_",
		],
	])("%s is a ConfigError naming EVENT_ENDPOINTS and what is wrong", (_case, value, message) => {
		const error = configError({ EVENT_ENDPOINTS: value });
		expect(error.setting).toBe("EVENT_ENDPOINTS");
		expect(error.message).toContain(message);
	});
});
