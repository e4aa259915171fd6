import { createHash } from "node:crypto";
import { availableParallelism } from "node:os";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";
import { buildAssets } from "./scripts/build-assets.ts";
import { CREATION_TEST_KEY, TEST_LIMITS } from "./test/edge-limits/test-limits.ts";
import { TEST_EVENT_ENDPOINTS } from "./test/events/test-endpoints.ts";
import { buildSandbox, localSettings } from "./test/support/build-sandbox.ts";

/** One more merchant key, tied to the second client only (`<client_id>:<digest>` of fe_local_second_client_key). */
const MERCHANT_KEY_HASHES = `${localSettings().MERCHANT_API_KEY_HASHES},flexitidemo2:9011c43e26d3debfade5772378fc6e2177d94e448d066b690818514a0deb4068`;

/** The four rate limits of wrangler.toml with the given limits (one number for all, or one each). */
function limits(limit: number | typeof TEST_LIMITS) {
	const namespaces = {
		MERCHANT_LIMITER: "1401",
		CHECKOUT_CREATION_LIMITER: "1402",
		CHECKOUT_LIMITER: "1403",
		SHOPPER_IP_LIMITER: "1404",
	};
	return Object.fromEntries(
		Object.entries(namespaces).map(([name, namespace_id]) => [
			name,
			{
				namespace_id,
				simple: {
					limit: typeof limit === "number" ? limit : limit[name as keyof typeof TEST_LIMITS],
					period: 60 as const,
				},
			},
		]),
	);
}

/** The edge's outbound fetches (event deliveries) go to a recording receiver Worker (test/events/event-receiver.js). */
const eventReceiver = {
	outboundService: "event-receiver",
	workers: [
		{
			name: "event-receiver",
			modules: true,
			scriptPath: "./test/events/event-receiver.js",
			compatibilityDate: "2026-11-02",
		},
	],
};

/** The edge as wrangler.toml declares it, the local sandbox bound as FLEXITI, with these rate limits. */
function edgeWorker(
	ratelimits: ReturnType<typeof limits>,
	settings: Record<string, string> = {},
	outbound?: typeof eventReceiver,
) {
	return {
		wrangler: { configPath: "./wrangler.toml" },
		miniflare: {
			ratelimits,
			bindings: {
				...localSettings(),
				// One more secret per source, each tied to the second client (`<client_id>:<secret>`).
				SHOPIFY_WEBHOOK_SECRETS: `${localSettings().SHOPIFY_WEBHOOK_SECRETS},flexitidemo2:shpss_second_client_secret`,
				STANDARD_WEBHOOK_SECRETS: `${localSettings().STANDARD_WEBHOOK_SECRETS},flexitidemo2:whsec_c2Vjb25kLWNsaWVudC1zZWNyZXQtMTIzNDU2Nzg=`,
				MERCHANT_API_KEY_HASHES: MERCHANT_KEY_HASHES,
				STOREFRONT_ORIGINS: "https://shop.example",
				UPSTREAM_TIMEOUT_MS: "1500",
				// Order events retry quickly in tests; production waits seconds to minutes. (Not in the events
				// project: its tests move the order's clock to each retry, so they keep wrangler.toml's schedule.)
				WEBHOOK_RETRY_BASE_MS: "20",
				WEBHOOK_MAX_ATTEMPTS: "3",
				// No merchant event endpoints, but in the events project (its own receiver).
				EVENT_ENDPOINTS: "",
				...settings,
			},
			serviceBindings: { FLEXITI: "flexiti-sandbox" },
			...(outbound ? { outboundService: outbound.outboundService } : {}),
			workers: [
				...(outbound?.workers ?? []),
				{
					name: "flexiti-sandbox",
					modules: true,
					scriptPath: buildSandbox(),
					compatibilityDate: "2026-11-02",
					durableObjects: { SANDBOX_WORLD: { className: "SandboxWorld", useSQLite: true } },
				},
			],
		},
	};
}

// Tests run inside workerd (miniflare underneath) against the real bindings of each Worker's
// wrangler.toml: one project per Worker, so each test file talks to the Worker it is about.
// The edge's wrangler.toml serves static assets (the API reference pages) from dist/assets.
buildAssets();

/**
 * The workerd projects run their files one at a time in one Miniflare per project (`isolate: false`), so a
 * project's files share one sandbox world (its faults, its clock), which two files side by side would change
 * under each other; each file resets what it relies on (resetSandbox, resetReceiver) before its tests.
 * With vitest's default (`isolate: true`) every file started a workerd of its own: 5 to 15 s of start-up per
 * file, most of the workerd projects' time (the sandbox project: 90 s isolated, 30 s shared, on a loaded
 * 2-core machine). They run first, as group 0.
 */
const WORKERD_FILES_IN_TURN = { sequence: { groupOrder: 0 }, maxWorkers: 1, isolate: false };
/**
 * The projects that run the edge beside the sandbox fail a test after which the sandbox had answered
 * outside its spec — to the edge's own calls too, which no test reads (test/support/sandbox-contract.ts).
 */
const SANDBOX_CONTRACT = { setupFiles: ["test/support/sandbox-contract.ts"] };
/**
 * The projects whose files start their own processes on ephemeral ports (wrangler, npm, Chromium) run two
 * files at a time even on two cores (vitest's default there is one): they mostly wait on those processes,
 * so a second file uses the idle core.
 */
const FILES_SIDE_BY_SIDE = { sequence: { groupOrder: 1 }, maxWorkers: Math.max(2, availableParallelism() - 1) };

/**
 * The files that take longest (each waits on processes it starts: measured in a whole run on a loaded
 * 2-core machine, npm start 126 s, the packed client 73 s, npm test's nested runs 57 s, the deploy
 * scripts 48 s, the README's commands 32 s, the client generated from the specs 27 s) start first in
 * their group, so that the shorter files fill the other worker while they run instead of one of them
 * starting last and running alone. vitest's own order puts a group's files by project name.
 */
const LONGEST_FIRST = [
	"test/start/npm-start.test.ts",
	"test/package/client-package.test.ts",
	"test/node/npm-test-args.test.ts",
	"test/deploy/deploy-scripts.test.ts",
	"test/node/readme-commands.test.ts",
	"test/package/client-from-spec.test.ts",
];

class LongestFirst extends BaseSequencer {
	override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
		const sorted = await super.sort(files);
		const rank = (spec: TestSpecification) => {
			const index = LONGEST_FIRST.findIndex((file) => spec.moduleId.endsWith(`/${file}`));
			return index === -1 ? LONGEST_FIRST.length : index;
		};
		const group = (spec: TestSpecification) => spec.project.config.sequence.groupOrder;
		// Array.prototype.sort is stable: the rest keeps vitest's order.
		return sorted.sort((a, b) => group(a) - group(b) || rank(a) - rank(b));
	}
}

export default defineConfig({
	test: {
		// The edge's one-line request logs are asserted on in test/edge/secrets.test.ts; elsewhere they are noise.
		onConsoleLog: (log) => !log.startsWith('{"event":"request"'),
		// A test fails on what it asserts, not on a busy machine: 100 concurrent requests in workerd can take
		// more than vitest's default 5 s when CI shares its two cores (projects that start processes set more).
		testTimeout: 20_000,
		sequence: { sequencer: LongestFirst },
		projects: [
			{
				// The limits of wrangler.toml, raised far out of the way: these tests are not about them.
				plugins: [cloudflareTest(edgeWorker(limits(100_000)))],
				test: {
					...WORKERD_FILES_IN_TURN,
					...SANDBOX_CONTRACT,
					name: "edge",
					include: ["test/*.test.ts", "test/edge/**/*.test.ts"],
				},
			},
			{
				// The per-caller limits, small enough to reach in a test, in a workerd of their own.
				plugins: [
					cloudflareTest(
						edgeWorker(limits(TEST_LIMITS), {
							MERCHANT_API_KEY_HASHES: `${MERCHANT_KEY_HASHES},${createHash("sha256").update(CREATION_TEST_KEY).digest("hex")}`,
						}),
					),
				],
				test: {
					...WORKERD_FILES_IN_TURN,
					...SANDBOX_CONTRACT,
					name: "edge-limits",
					include: ["test/edge-limits/**/*.test.ts"],
				},
			},
			{
				// Edge → merchant events, delivered to a recording receiver Worker. Retries on wrangler.toml's
				// schedule (seconds to hours): no retry fires by itself during a test, which moves the order's
				// clock to it (test/events/support.ts), so what each test sees is decided by the test alone.
				plugins: [
					cloudflareTest(
						edgeWorker(
							limits(100_000),
							{
								EVENT_ENDPOINTS: TEST_EVENT_ENDPOINTS,
								WEBHOOK_RETRY_BASE_MS: "2000",
								EVENT_DELIVERY_TIMEOUT_MS: "1500",
							},
							eventReceiver,
						),
					),
				],
				test: {
					...WORKERD_FILES_IN_TURN,
					...SANDBOX_CONTRACT,
					name: "events",
					include: ["test/events/**/*.test.ts"],
					testTimeout: 30_000,
				},
			},
			{
				plugins: [cloudflareTest({ wrangler: { configPath: "./functions/sandbox/wrangler.toml" } })],
				test: { ...WORKERD_FILES_IN_TURN, name: "sandbox", include: ["test/sandbox/**/*.test.ts"] },
			},
			// A real browser (Debian's chromium via playwright-core) against Workers served by wrangler
			// on loopback: these drive pages, so they run in Node, not in workerd. One file at a time:
			// each starts its own Workers and a chromium, and side by side they starve each other's
			// timing on a small machine (vitest runs such a project, isolated files one at a time, as a group of
			// its own after the others; the whole `npm test` runs it in a vitest of its own beside the
			// other projects: scripts/test.sh).
			{
				test: {
					maxWorkers: 1,
					name: "browser",
					include: ["test/browser/**/*.test.ts"],
					environment: "node",
					testTimeout: 60_000,
				},
			},
			// `npm start` itself, started from an empty state directory on ephemeral ports.
			{
				test: {
					...FILES_SIDE_BY_SIDE,
					name: "start",
					include: ["test/start/**/*.test.ts"],
					environment: "node",
					testTimeout: 60_000,
				},
			},
			// npm run setup and npm run deploy against a Wrangler with no account (dry runs, refusals).
			{
				test: {
					...FILES_SIDE_BY_SIDE,
					name: "deploy",
					include: ["test/deploy/**/*.test.ts"],
					environment: "node",
					testTimeout: 120_000,
				},
			},
			// The project's own commands (npm scripts), run as a developer runs them.
			{
				test: {
					...FILES_SIDE_BY_SIDE,
					name: "node",
					include: ["test/node/**/*.test.ts"],
					environment: "node",
					testTimeout: 120_000,
				},
			},
			// The specs as third-party tools read them: every example, by Ajv and by the edge's own validator.
			{
				test: { ...FILES_SIDE_BY_SIDE, name: "contract", include: ["test/contract/**/*.test.ts"], environment: "node" },
			},
			// The packed clients installed into a scratch project, as a merchant's server uses them.
			{
				test: {
					...FILES_SIDE_BY_SIDE,
					name: "package",
					include: ["test/package/**/*.test.ts"],
					environment: "node",
					testTimeout: 60_000,
				},
			},
		],
	},
});
