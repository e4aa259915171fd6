/**
 * The fast loop of the developer changing the API: `npm test -- <file>` runs that file only (not the
 * gates and the whole suite), `-t` narrows it to the tests of that name, and `npm run test:watch`
 * runs it and stays for the next change. Run as a developer types them, through npm.
 *
 * The file is a small sandbox test (its project starts only the sandbox Worker), and not one of the
 * node project's own, so this test never runs itself.
 */
import { execFile, spawn } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = resolve(import.meta.dirname, "../..");
const FILE = "test/sandbox/apply.test.ts";
const env = { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1", CI: "1" };
/** Three runs side by side on a loaded two-core machine may each take longer than one alone. */
const RUN_TIMEOUT_MS = 180_000;

/** The test files vitest reports as run, from its default reporter's "✓ |project| path (N tests)" lines. */
function filesRun(output: string): string[] {
	return [...output.matchAll(/^\s*[✓×↓]\s+(?:\S+\s+)?(test\/\S+\.test\.ts)\b/gmu)].map((match) => match[1] ?? "");
}

async function npmTest(...args: string[]): Promise<string> {
	const { stdout, stderr } = await run("npm", ["test", "--", ...args], {
		cwd: root,
		env,
		timeout: RUN_TIMEOUT_MS - 10_000,
		maxBuffer: 16 * 1024 * 1024,
	});
	return `${stdout}\n${stderr}`;
}

/** `npm run test:watch -- <file>`, in its own process group (so the watcher and the workerd it starts end together). */
function startWatch(file: string) {
	const child = spawn("npm", ["run", "test:watch", "--", file], { cwd: root, env, detached: true });
	let output = "";
	child.stdout.on("data", (chunk) => {
		output += chunk;
	});
	child.stderr.on("data", (chunk) => {
		output += chunk;
	});
	const exited = new Promise<number | null>((done) => child.on("exit", done));
	return {
		child,
		output: () => output,
		async stop() {
			if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, "SIGTERM");
			await exited;
		},
	};
}

// The three runs are independent (each its own vitest, workerd and results file), so they start together
// and each test awaits its own: one after another they were the slowest file of the suite.
let onlyFile: Promise<string>;
let filtered: Promise<string>;
let watcher: ReturnType<typeof startWatch>;
beforeAll(() => {
	onlyFile = npmTest(FILE);
	filtered = npmTest(FILE, "-t", "approves a verified applicant");
	watcher = startWatch(FILE);
	// Until its test awaits it, a failed run must not count as an unhandled rejection.
	for (const run of [onlyFile, filtered]) run.catch(() => {});
});
afterAll(() => watcher.stop());

describe("npm test with arguments", () => {
	it(
		"runs only the file it is given, without the gates",
		async () => {
			const output = await onlyFile;
			expect(filesRun(output)).toEqual([FILE]);
			expect(output).toMatch(/Test Files\s+1 passed \(1\)/);
			expect(output).toMatch(/^tests: [1-9]\d* passed, 0 failed, 0 skipped$/m);
			expect(output).not.toContain("== generated/ up to date");
		},
		RUN_TIMEOUT_MS,
	);

	it(
		"runs only the tests a -t filter names",
		async () => {
			const output = await filtered;
			expect(filesRun(output)).toEqual([FILE]);
			expect(output).toMatch(/^tests: 1 passed, 0 failed, [1-9]\d* skipped$/m);
		},
		RUN_TIMEOUT_MS,
	);
});

describe("npm run test:watch", () => {
	it(
		"runs the file, then waits for changes",
		async () => {
			await expect
				.poll(watcher.output, { timeout: RUN_TIMEOUT_MS - 10_000, interval: 250 })
				.toMatch(/Waiting for file changes|PASS\s+Waiting/);
			expect(filesRun(watcher.output())).toEqual([FILE]);
			expect(watcher.output()).toMatch(/Test Files\s+1 passed \(1\)/);
			// Still running: a watcher, not a run that ended.
			expect(watcher.child.exitCode).toBeNull();
		},
		RUN_TIMEOUT_MS,
	);
});
