/**
 * The README's commands, run as a reader pastes them: every ```sh block that needs no Cloudflare
 * account runs in bash, from the repository root, against the project's two Workers (the sandbox,
 * and the edge with the local settings of .dev.vars.example), and must exit 0. So a README that
 * drifts from the code — a renamed route, a field that moved, a script that no longer exists, a
 * command that is not on PATH — fails here instead of in a new user's terminal.
 *
 * The README says 127.0.0.1:8787 and :8788 (where `npm start` listens); the Workers here listen on
 * ephemeral ports, because a developer's own `npm start` (or another test run) may hold those, so
 * the test rewrites those two origins in each block, and `npm run webhook` gets EDGE_URL.
 * Blocks run with `set -e -o pipefail` (a failing step stops its block, as it would stop a reader) and
 * `-x`, so a failure shows the step that failed.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Binding, type LocalWorker, startLocalWorker } from "../../scripts/local-worker.ts";
import { localSettings } from "../support/build-sandbox.ts";
import {
	bareWranglerCalls,
	bareWranglerInProse,
	projectChangingCalls,
	readmeShellBlocks,
} from "../support/readme-shell-blocks.ts";

const run = promisify(execFile);
const root = resolve(import.meta.dirname, "../..");
const README_EDGE = "http://127.0.0.1:8787";
const README_SANDBOX = "http://127.0.0.1:8788";

const readme = readFileSync(join(root, "README.md"), "utf8");
const blocks = readmeShellBlocks(readme);
const unmarked = blocks.filter((block) => block.skipped === undefined);
// Never run a block that would start the project or change the checkout; the test below names it instead.
const runnable = unmarked.filter((block) => projectChangingCalls(block.script).length === 0);

const workers: LocalWorker[] = [];
let edge = "";
let sandbox = "";

beforeAll(async () => {
	const started = await startLocalWorker("functions/sandbox/wrangler.toml");
	workers.push(started.worker);
	sandbox = started.origin;
	const secrets = Object.fromEntries(
		Object.entries(localSettings()).map(([name, value]) => [name, { type: "secret_text", value } satisfies Binding]),
	);
	const edgeWorker = await startLocalWorker("wrangler.toml", {
		...secrets,
		FLEXITI_BASE_URL: { type: "plain_text", value: `${sandbox}/flexiti/pos-api` },
		FLEXITI_ONLINE_BASE_URL: { type: "plain_text", value: `${sandbox}/flexiti/online-api` },
	});
	workers.push(edgeWorker.worker);
	edge = edgeWorker.origin;
}, 180_000);

afterAll(async () => {
	await Promise.allSettled(workers.map((worker) => worker.dispose()));
});

describe("the README's shell blocks", () => {
	it("are found, and most of them run", () => {
		expect(blocks.length).toBeGreaterThan(4);
		expect(runnable.length).toBeGreaterThan(blocks.length / 2);
	});

	it("that start the project or change the checkout say they are not run by this test", () => {
		const offending = unmarked.flatMap((block) =>
			projectChangingCalls(block.script).map((l) => `line ${block.line}: ${l}`),
		);
		expect(offending).toEqual([]);
	});

	it("call Wrangler only through npm run wrangler (bare wrangler and npx wrangler fail on a fresh machine)", () => {
		const offending = blocks.flatMap((block) => bareWranglerCalls(block.script).map((l) => `line ${block.line}: ${l}`));
		expect(offending).toEqual([]);
		expect(bareWranglerInProse(readme)).toEqual([]);
	});

	it.each(runnable.map((block) => [`${block.heading} (README line ${block.line})`, block] as const))(
		"%s exits 0",
		async (_name, block) => {
			const script = block.script.replaceAll(README_EDGE, edge).replaceAll(README_SANDBOX, sandbox);
			// Any other local address would reach whatever listens there, not the Workers started here.
			expect(
				script.match(/(127\.0\.0\.1|localhost):\d+/g)?.filter((url) => !edge.endsWith(url) && !sandbox.endsWith(url)) ??
					[],
			).toEqual([]);
			try {
				await run("bash", ["-e", "-o", "pipefail", "-x", "-c", script], {
					cwd: root,
					env: { ...process.env, EDGE_URL: edge, FORCE_COLOR: "0" },
					timeout: 150_000,
					maxBuffer: 16 * 1024 * 1024,
				});
			} catch (error) {
				const failure = error as { code?: number; stdout?: string; stderr?: string };
				throw new Error(
					`README line ${block.line} (${block.heading}) exited ${failure.code}\n--- stdout\n${tail(failure.stdout)}\n--- stderr\n${tail(failure.stderr)}`,
				);
			}
		},
		180_000,
	);
});

function tail(text = "", lines = 40): string {
	return text.split("\n").slice(-lines).join("\n");
}
