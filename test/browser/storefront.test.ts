/**
 * The storefront kit in a real browser: Debian's chromium (playwright-core, headless) on the demo
 * store, which takes Flexiti through the edge, which calls the sandbox — all three Workers served by
 * Wrangler on ephemeral loopback ports (storefront-stack.ts). The shopper's side is driven the way a
 * shopper meets it (labels, roles, keys); what happened is read where it is recorded: the order page
 * (from the edge), the edge's ledger and the sandbox's call log.
 */
import { type Browser, type BrowserContext, chromium, type FrameLocator, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type StorefrontStack, startStorefrontStack } from "./storefront-stack.ts";

const CHROMIUM = "/usr/bin/chromium";
const JANE = "10000000000001";

let stack: StorefrontStack;
let browser: Browser | undefined;

beforeAll(async () => {
	stack = await startStorefrontStack();
	try {
		browser = await chromium.launch({
			executablePath: CHROMIUM,
			headless: true,
			args: [
				"--no-sandbox",
				"--disable-gpu",
				"--disable-background-networking",
				"--disable-component-update",
				"--disable-sync",
				"--no-first-run",
			],
		});
	} catch (error) {
		throw new Error(`Could not launch chromium at ${CHROMIUM}: \`apt-get install chromium\`. Cause: ${String(error)}`);
	}
}, 120_000);

afterAll(async () => {
	await browser?.close();
	await stack?.stop();
});

let context: BrowserContext | undefined;
let page: Page;
let problems: string[];

beforeEach(async () => {
	if (!browser) throw new Error("chromium did not start (see beforeAll)");
	await fetch(`${stack.sandbox}/sandbox/reset`, { method: "POST" });
	context = await browser.newContext();
	page = await context.newPage();
	problems = [];
	page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
	page.on("console", (message) => {
		if (message.type() === "error") problems.push(`console: ${message.text()}`);
	});
});

afterEach(async () => {
	await context?.close();
	context = undefined;
});

/** The shopper buys the chair: product page → "Buy with Flexiti" → the payment page. Returns the order reference. */
async function toPayment(path = "/"): Promise<string> {
	await page.goto(`${stack.store}${path}`);
	await page.getByRole("button", { name: "Buy with Flexiti" }).click();
	await page.waitForURL(/\/checkout\/DEMO-/);
	return decodeURIComponent(new URL(page.url()).pathname.split("/")[2] ?? "");
}

const dialog = () => page.getByRole("dialog", { name: "Flexiti financing" });
const widget = (): FrameLocator => page.frameLocator("iframe[title='Flexiti verification']");

async function payAs(account: string): Promise<void> {
	await page.getByLabel("Flexiti account or card number").fill(account);
	await page.getByRole("button", { name: "Pay with Flexiti" }).click();
}

async function enterPin(pin = "2222"): Promise<void> {
	await expect.poll(() => widget().locator("#panel").getAttribute("data-state"), { timeout: 15_000 }).toBe("ready");
	await widget().locator("#pin").fill(pin);
	await widget().locator("#verify").click();
}

async function sandboxCalls(operation: string): Promise<{ status: number; scope: string }[]> {
	const response = await fetch(`${stack.sandbox}/sandbox/calls?operation=${operation}`);
	return ((await response.json()) as { calls: { status: number; scope: string }[] }).calls;
}

async function ledger(reference: string) {
	const response = await fetch(`${stack.edge}/v1/orders/${encodeURIComponent(reference)}`, {
		headers: { authorization: `Bearer ${stack.merchantKey}` },
	});
	return (await response.json()) as {
		authorization: { authorization_id: number; amount: number; status: string } | null;
		captured: number;
		events: { type: string; status: string }[];
	};
}

describe("a purchase through the demo store, the edge and the sandbox", () => {
	it("pays with PIN 2222 in the modal: one authorization of the checkout's amount and reference, the order paid", async () => {
		const reference = await toPayment();
		await payAs(JANE);
		await expect.poll(() => dialog().isVisible()).toBe(true);
		await enterPin();
		// After flx-success: the plans Flexiti offers for this amount, chosen by the shopper.
		await page.getByRole("radio").first().check();
		await page.getByRole("button", { name: "Confirm purchase" }).click();
		await page.waitForURL(`${stack.store}/orders/${reference}`);
		expect(await page.locator("#order-status").textContent()).toBe("Paid with Flexiti");

		const authorizations = await sandboxCalls("createAuthorization");
		expect(authorizations.map((c) => [c.status, c.scope])).toEqual([[200, "customer"]]);
		const recorded = await ledger(reference);
		expect(recorded.authorization).toMatchObject({ amount: 249.99 });
		expect(await page.locator("#authorization-id").textContent()).toBe(
			String(recorded.authorization?.authorization_id),
		);
		expect(problems).toEqual([]);
	});
});
