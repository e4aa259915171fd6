/**
 * An expired client token, in a real browser: the edge here gives client tokens a three-second life
 * (CHECKOUT_TTL_SECONDS), so a shopper who waits on the payment page meets an expired token. The
 * demo store's `<flexiti-checkout token-url>` asks the store's server for a fresh one and the
 * purchase goes through; without `refreshClientToken` the SDK rejects with `expired`.
 */
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type StorefrontStack, startStorefrontStack } from "./storefront-stack.ts";

const WAIT = { timeout: 20_000 };
let stack: StorefrontStack;
let browser: Browser;

beforeAll(async () => {
	stack = await startStorefrontStack({ CHECKOUT_TTL_SECONDS: "3" });
	browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: ["--no-sandbox"] });
}, 180_000);

afterAll(async () => {
	await browser?.close();
	await stack?.stop();
});

async function paymentPage(): Promise<{ page: Page; reference: string; refreshes: () => number }> {
	const page = await browser.newPage();
	let refreshes = 0;
	page.on("request", (request) => {
		if (request.method() === "POST" && request.url().endsWith("/token")) refreshes += 1;
	});
	await page.goto(`${stack.store}/`);
	await page.getByRole("button", { name: "Buy with Flexiti" }).click();
	await page.waitForURL(/\/checkout\/DEMO-/);
	const reference = decodeURIComponent(new URL(page.url()).pathname.split("/")[2] ?? "");
	return { page, reference, refreshes: () => refreshes };
}

describe("an expired client token", () => {
	it("is refreshed from the merchant's server (refreshClientToken) and the purchase goes through", async () => {
		const { page, reference, refreshes } = await paymentPage();
		await page.waitForTimeout(4_000);
		await page.getByLabel("Flexiti account or card number").fill("10000000000001");
		await page.getByRole("button", { name: "Pay with Flexiti" }).click();
		const widget = page.frameLocator("iframe[title='Flexiti verification']");
		await expect.poll(() => widget.locator("#panel").getAttribute("data-state"), WAIT).toBe("ready");
		expect(refreshes()).toBeGreaterThanOrEqual(1);
		await widget.locator("#pin").fill("2222");
		await widget.locator("#verify").click();
		await page.getByRole("radio").first().check(WAIT);
		await page.getByRole("button", { name: "Confirm purchase" }).click();
		await page.waitForURL(`${stack.store}/orders/${reference}`, WAIT);
		expect(await page.locator("#order-status").textContent()).toBe("Paid with Flexiti");
		await page.close();
	});

	it("without refreshClientToken rejects with code expired and says to ask the server for a fresh token", async () => {
		const { page } = await paymentPage();
		await page.waitForTimeout(4_000);
		const src = (await page.locator("script[type=module]").getAttribute("src")) ?? "";
		const outcome = await page.evaluate<{ code: string; status: number; message: string }>(`(async () => {
			const { FlexitiEdge } = await import(${JSON.stringify(src)});
			const element = document.querySelector("flexiti-checkout");
			const sdk = FlexitiEdge({
				edge: ${JSON.stringify(stack.edge)},
				checkoutId: element.getAttribute("checkout-id"),
				clientToken: element.getAttribute("client-token"),
			});
			try {
				await sdk.purchase({ customer: { account_number: 10000000000001 } });
				return { code: "resolved", status: 0, message: "" };
			} catch (error) {
				return { code: error.code, status: error.status, message: error.message };
			}
		})()`);
		expect(outcome).toMatchObject({ code: "expired", status: 401 });
		expect(outcome.message).toMatch(/fresh one/);
		expect(await page.locator("[data-flexiti-edge=modal]").count()).toBe(0);
		await page.close();
	});
});
