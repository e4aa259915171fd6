/**
 * The API reference pages as a reader meets them: the edge served by Wrangler (its static assets
 * included) on a loopback ephemeral port, opened in Debian's chromium with every request that leaves
 * the edge's origin refused, so the pages must render offline. Each page must list every operation
 * (and webhook) of its spec; the screenshots land in .cache/screenshots/.
 */
import { mkdirSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { edgeOperations } from "../../generated/edge-operations.ts";
import { flexitiOperations } from "../../generated/flexiti-operations.ts";

// The /flexiti surface's page: every operation but Flexiti's token endpoint, which the edge does not serve.
const { createToken: _notServed, ...servedFlexitiOperations } = flexitiOperations;

import { type LocalWorker, startLocalWorker } from "../../scripts/local-worker.ts";
import { localSettings } from "../support/build-sandbox.ts";

const CHROMIUM = "/usr/bin/chromium";
const SCREENSHOTS = ".cache/screenshots";

let worker: LocalWorker | undefined;
let browser: Browser | undefined;
let origin = "";

beforeAll(async () => {
	const secrets = Object.fromEntries(
		Object.entries(localSettings()).map(([name, value]) => [name, { type: "secret_text" as const, value }]),
	);
	({ origin, worker } = await startLocalWorker("wrangler.toml", secrets));
	browser = await chromium.launch({
		executablePath: CHROMIUM,
		headless: true,
		args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
	});
}, 90_000);

afterAll(async () => {
	await browser?.close();
	await worker?.dispose();
});

describe("API reference pages in a browser", () => {
	for (const [path, operations, file] of [
		["/docs", edgeOperations, "docs-edge.png"],
		["/docs/flexiti", servedFlexitiOperations, "docs-flexiti.png"],
	] as const) {
		it(`${path} renders offline and lists every operation of its spec`, async () => {
			if (!browser) throw new Error("no browser");
			const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
			const page = await context.newPage();
			const elsewhere: string[] = [];
			const errors: string[] = [];
			await page.route("**/*", (route) => {
				const url = route.request().url();
				if (url.startsWith(origin) || url.startsWith("data:") || url.startsWith("blob:")) return route.continue();
				elsewhere.push(url);
				return route.abort();
			});
			// Every request the page makes, those its CSP blocks before they reach the network (and so the route
			// above) included: Redoc's footer once asked cdn.redoc.ly for its logo on every visit.
			const requested: string[] = [];
			page.on("request", (request) => requested.push(request.url()));
			// (Only addresses: Redoc's own `eval` probe, which the CSP also refuses, requests nothing.)
			await page.exposeFunction("recordViolation", (uri: string) => {
				if (/^[a-z]+:\/\//i.test(uri)) requested.push(`blocked by CSP: ${uri}`);
			});
			await page.addInitScript(
				'document.addEventListener("securitypolicyviolation", (event) => recordViolation(event.blockedURI));',
			);
			page.on("pageerror", (error) => errors.push(String(error)));
			page.on("console", (message) => {
				if (message.type() !== "error") return;
				// Chromium asks for /favicon.ico by itself; the edge has none.
				if (message.location().url.endsWith("/favicon.ico")) return;
				errors.push(message.text());
			});

			const response = await page.goto(`${origin}${path}`);
			expect(response?.status()).toBe(200);
			// Redoc lists the operations of one tag at a time (#/<tag>): open each entry of the sidebar and
			// collect the sections shown; an operation's section id ends with its lower-cased operationId.
			const menu = page.locator('[data-testid="menu-item-label"]');
			await menu.first().waitFor({ timeout: 30_000 });
			const entries = await page.$$eval("a[href]", (links) => [
				...new Set(
					links
						.filter((link) => !link.closest('[data-testid="middle-panel"]')) // the sidebar, not the text's own links
						.map((link) => link.getAttribute("href") ?? "")
						.filter((href) => /^\/[\w/-]*$/.test(href)),
				),
			]);
			expect(entries.length).toBeGreaterThan(0);
			const listed = new Set<string>();
			for (const href of entries) {
				await page.goto(`${origin}${path}#${href}`);
				// A tag's operations appear under it (`<tag>/<operation>`); an introduction section has none.
				await page
					.locator(`[data-section-id^="${href === "/" ? "/section" : href}/"]`)
					.first()
					.waitFor({ timeout: 5_000 })
					.catch(() => {});
				for (const id of await page.$$eval("[data-section-id]", (nodes) =>
					nodes.map((node) => node.getAttribute("data-section-id") ?? ""),
				))
					listed.add(id.split("/").pop() ?? "");
			}
			const missing = Object.keys(operations).filter((operationId) => !listed.has(operationId.toLowerCase()));
			expect(missing, `not on the page: ${missing.join(", ")}`).toEqual([]);

			// The screenshot shows the first tag's operations.
			const firstTag = entries.find((href) => href !== "/" && !href.startsWith("/section")) ?? "/";
			await page.goto(`${origin}${path}#${firstTag}`);
			await page.waitForTimeout(500);
			mkdirSync(SCREENSHOTS, { recursive: true });
			await page.screenshot({ path: `${SCREENSHOTS}/${file}` });
			expect(elsewhere, "requests that left the edge").toEqual([]);
			const local = (url: string) => url.startsWith(origin) || url.startsWith("data:") || url.startsWith("blob:");
			expect(
				requested.filter((url) => !local(url)),
				"requests not to the edge",
			).toEqual([]);
			expect(errors, "errors in the page").toEqual([]);
			await context.close();
		});
	}
});
