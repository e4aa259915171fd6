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
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = resolve(import.meta.dirname, "../..");
const FILE = "test/sandbox/apply.test.ts";
const env = { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1", CI: "1" };

/** The test files vitest reports as run, from its default reporter's "✓ |project| path (N tests)" lines. */
function filesRun(output: string): string[] {
	return [...output.matchAll(/^\s*[✓×↓]\s+(?:\S+\s+)?(test\/\S+\.test\.ts)\b/gmu)].map((match) => match[1] ?? "");
}

async function npmTest(...args: string[]): Promise<string> {
	const { stdout, stderr } = await run("npm", ["test", "--", ...args], {
		cwd: root,
		env,
		timeout: 110_000,
		maxBuffer: 16 * 1024 * 1024,
	});
	return `${stdout}\n${stderr}`;
}

describe("npm test with arguments", () => {
	it("runs only the file it is given, without the gates", async () => {
		const output = await npmTest(FILE);
		expect(filesRun(output)).toEqual([FILE]);
		expect(output).toMatch(/Test Files\s+1 passed \(1\)/);
		expect(output).toMatch(/^tests: [1-9]\d* passed, 0 failed, 0 skipped$/m);
		expect(output).not.toContain("== generated/ up to date");
	});

	it("runs only the tests a -t filter names", async () => {
		const output = await npmTest(FILE, "-t", "approves a verified applicant");
		expect(filesRun(output)).toEqual([FILE]);
		expect(output).toMatch(/^tests: 1 passed, 0 failed, [1-9]\d* skipped$/m);
	});
});

describe("npm run test:watch", () => {
	it("runs the file, then waits for changes", async () => {
		// Its own process group, so the watcher and the workerd it starts end together.
		const child = spawn("npm", ["run", "test:watch", "--", FILE], { cwd: root, env, detached: true });
		let output = "";
		child.stdout.on("data", (chunk) => {
			output += chunk;
		});
		child.stderr.on("data", (chunk) => {
			output += chunk;
		});
		const exited = new Promise<number | null>((done) => child.on("exit", done));
		try {
			await expect
				.poll(() => output, { timeout: 100_000, interval: 250 })
				.toMatch(/Waiting for file changes|PASS\s+Waiting/);
			expect(filesRun(output)).toEqual([FILE]);
			expect(output).toMatch(/Test Files\s+1 passed \(1\)/);
			// Still running: a watcher, not a run that ended.
			expect(child.exitCode).toBeNull();
		} finally {
			if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, "SIGTERM");
			await exited;
		}
	});
});
