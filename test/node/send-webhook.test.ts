/**
 * `npm run webhook` is how a developer tries the ledger by hand; called without arguments (or with a
 * topic it does not know) it must say what it can send and how, not only that something is missing.
 */
import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = resolve(import.meta.dirname, "../..");

/** Runs `npm run webhook -- …` and returns its exit code and what it printed. */
async function webhook(...args: string[]): Promise<{ code: number; output: string }> {
	try {
		// Nowhere to send to: any attempt to send would fail fast instead of reaching a developer's edge.
		const env = { ...process.env, EDGE_URL: "http://127.0.0.1:9" };
		const { stdout, stderr } = await run("npm", ["run", "-s", "webhook", "--", ...args], { cwd: root, env });
		return { code: 0, output: stdout + stderr };
	} catch (error) {
		const failure = error as { code: number; stdout: string; stderr: string };
		return { code: failure.code, output: failure.stdout + failure.stderr };
	}
}

describe("npm run webhook", () => {
	it("without arguments prints every source with its topics, and an example", async () => {
		const { code, output } = await webhook();
		expect(code).toBe(2);
		expect(output).toContain("usage: npm run webhook -- <source> <topic> <order id or reference> [amount]");
		for (const [source, topics] of [
			["shopify", ["orders/fulfilled", "fulfillments/create", "orders/cancelled", "refunds/create"]],
			["woocommerce", ["completed", "cancelled"]],
			["standard", ["order.fulfilled", "order.cancelled", "order.refunded"]],
		] as const) {
			expect(output).toMatch(new RegExp(`^  ${source}\\s+${topics[0]} `, "m"));
			for (const topic of topics) expect(output).toMatch(new RegExp(`^ {2}(${source})?\\s+${topic} <`, "m"));
		}
		expect(output).toMatch(/^example.*\n {2}npm run webhook -- shopify orders\/fulfilled \d+$/m);
	});

	it("names a topic it does not know, lists the ones it does, and sends nothing", async () => {
		const { code, output } = await webhook("shopify", "orders/shipped", "1001");
		expect(code).toBe(2);
		expect(output).toContain("shopify has no topic orders/shipped");
		expect(output).toContain("fulfillments/create <order id> <amount>");
		expect(output).not.toMatch(/ECONNREFUSED|fetch failed/);
	});
});
