/**
 * "As low as" on the demo store's product page, in Chromium: `<flexiti-promo>` from the storefront SDK
 * asks the edge, which answers from Flexiti's Online API payment calculator (the sandbox). The line is
 * reserved before the message arrives (no layout shift), and when Flexiti is down the page shows no
 * message and logs no error.
 */
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type StorefrontStack, startStorefrontStack } from "./storefront-stack.ts";

const WAIT = { timeout: 20_000 };
let stack: StorefrontStack;
let browser: Browser;

beforeAll(async () => {
	stack = await startStorefrontStack();
	browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: ["--no-sandbox"] });
}, 180_000);

afterAll(async () => {
	await browser?.close();
	await stack?.stop();
});

/** A page that records every console error and uncaught exception. */
async function watchedPage(): Promise<{ page: Page; errors: string[] }> {
	const page = await browser.newPage();
	const errors: string[] = [];
	page.on("console", (message) => {
		if (message.type() === "error") errors.push(message.text());
	});
	page.on("pageerror", (error) => errors.push(error.message));
	return { page, errors };
}

describe("<flexiti-promo> on the product page", () => {
	it('shows "As low as $X/month" for the product\'s price, in the line it reserved', async () => {
		const { page, errors } = await watchedPage();
		await page.goto(`${stack.store}/`);
		const promo = page.locator("flexiti-promo");
		const before = (await promo.boundingBox())?.height ?? 0;
		expect(before).toBeGreaterThan(0);
		// A cold edge may answer 204 once (its Online API token first): reload until the message is there.
		await expect
			.poll(
				async () => {
					const text = await page.locator("flexiti-promo p").textContent();
					if (!text) await page.reload();
					return text;
				},
				{ timeout: 30_000, interval: 1_000 },
			)
			.toMatch(/^As low as \$\d+\.\d{2}\/month$/);
		expect((await promo.boundingBox())?.height).toBe(before);
		expect(await page.locator("flexiti-promo p").getAttribute("aria-live")).toBe("polite");
		expect(errors).toEqual([]);
		await page.close();
	});

	it("in French, and following a price change (a variant picker sets amount)", async () => {
		const { page, errors } = await watchedPage();
		await page.goto(`${stack.store}/`);
		await page.locator("flexiti-promo").evaluate((element) => {
			element.setAttribute("lang", "fr");
			element.setAttribute("amount", "499");
		});
		await expect
			.poll(() => page.locator("flexiti-promo p").textContent(), { timeout: 30_000 })
			.toMatch(/^À partir de \d+,\d{2} \$\/mois$/);
		expect(errors).toEqual([]);
		await page.close();
	});

	it("Flexiti down while a product page loads: the page renders with no message and no console error", async () => {
		const faults = await fetch(`${stack.sandbox}/sandbox/faults`, {
			method: "POST",
			headers: { "content-type": "application/json" },
			body: JSON.stringify({ operation: "getPaymentCalculator", count: 100, status: 503 }),
		});
		expect(faults.ok).toBe(true);
		try {
			const { page, errors } = await watchedPage();
			await page.goto(`${stack.store}/`);
			// A price the edge has not cached, so the answer must come from the failing Flexiti.
			await page.locator("flexiti-promo").evaluate((element) => element.setAttribute("amount", "1234.56"));
			await expect.poll(() => page.locator("flexiti-promo").getAttribute("data-loaded"), WAIT).toBe("1234.56");
			expect(await page.locator("flexiti-promo p").textContent()).toBe("");
			await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Maple reading chair");
			expect(errors).toEqual([]);
			await page.close();
		} finally {
			await fetch(`${stack.sandbox}/sandbox/faults`, { method: "DELETE" });
		}
	});
});
