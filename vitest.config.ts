import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { buildAssets } from "./scripts/build-assets.ts";
import { buildSandbox, localSettings } from "./test/support/build-sandbox.ts";

// Tests run inside workerd (miniflare underneath) against the real bindings of each Worker's
// wrangler.toml: one project per Worker, so each test file talks to the Worker it is about.
// The edge's wrangler.toml serves static assets (the API reference pages) from dist/assets.
buildAssets();

export default defineConfig({
	test: {
		// The edge's one-line request logs are asserted on in test/edge/secrets.test.ts; elsewhere they are noise.
		onConsoleLog: (log) => !log.startsWith('{"event":"request"'),
		projects: [
			{
				plugins: [
					cloudflareTest({
						wrangler: { configPath: "./wrangler.toml" },
						miniflare: {
							bindings: {
								...localSettings(),
								// One more secret per source, each tied to the second client (`<client_id>:<secret>`).
								SHOPIFY_WEBHOOK_SECRETS: `${localSettings().SHOPIFY_WEBHOOK_SECRETS},flexitidemo2:shpss_second_client_secret`,
								STANDARD_WEBHOOK_SECRETS: `${localSettings().STANDARD_WEBHOOK_SECRETS},flexitidemo2:whsec_c2Vjb25kLWNsaWVudC1zZWNyZXQtMTIzNDU2Nzg=`,
								// One more merchant key, tied to the second client only (`<client_id>:<digest>` of fe_local_second_client_key).
								MERCHANT_API_KEY_HASHES: `${localSettings().MERCHANT_API_KEY_HASHES},flexitidemo2:9011c43e26d3debfade5772378fc6e2177d94e448d066b690818514a0deb4068`,
								STOREFRONT_ORIGINS: "https://shop.example",
								UPSTREAM_TIMEOUT_MS: "1500",
								// Order events retry quickly in tests; production waits seconds to minutes.
								WEBHOOK_RETRY_BASE_MS: "20",
								WEBHOOK_MAX_ATTEMPTS: "3",
							},
							serviceBindings: { FLEXITI: "flexiti-sandbox" },
							workers: [
								{
									name: "flexiti-sandbox",
									modules: true,
									scriptPath: buildSandbox(),
									compatibilityDate: "2026-11-02",
									durableObjects: { SANDBOX_WORLD: { className: "SandboxWorld", useSQLite: true } },
								},
							],
						},
					}),
				],
				test: { name: "edge", include: ["test/*.test.ts", "test/edge/**/*.test.ts"] },
			},
			{
				plugins: [cloudflareTest({ wrangler: { configPath: "./functions/sandbox/wrangler.toml" } })],
				test: { name: "sandbox", include: ["test/sandbox/**/*.test.ts"] },
			},
			// A real browser (Debian's chromium via playwright-core) against the sandbox served by
			// wrangler on loopback: these drive pages, so they run in Node, not in workerd.
			{
				test: { name: "browser", include: ["test/browser/**/*.test.ts"], environment: "node", testTimeout: 60_000 },
			},
			// `npm start` itself, started from an empty state directory on ephemeral ports.
			{
				test: { name: "start", include: ["test/start/**/*.test.ts"], environment: "node", testTimeout: 60_000 },
			},
			// The packed clients installed into a scratch project, as a merchant's server uses them.
			{
				test: { name: "package", include: ["test/package/**/*.test.ts"], environment: "node", testTimeout: 60_000 },
			},
		],
	},
});
