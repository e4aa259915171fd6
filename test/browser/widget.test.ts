/**
 * The sandbox's widget page in a real browser: the sandbox Worker served by Wrangler on a loopback
 * ephemeral port with in-memory state (so it does not clash with `npm start` on 8788), a merchant
 * page on another origin that iframes the widget's `redirection_url` and collects what the widget
 * posts to it, and Debian's chromium driven by playwright-core.
 *
 * The merchant page comes from a real loopback server (another port, so another origin), not from
 * `page.route`. Chromium treats an intercepted page as public, and its Local Network Access checks
 * then block the page from framing 127.0.0.1 (net::ERR_BLOCKED_BY_LOCAL_NETWORK_ACCESS_CHECKS).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type LocalWorker, startLocalWorker } from "../../scripts/local-worker.ts";
import { DEMO } from "../support/demo-credentials.ts";

const CHROMIUM = "/usr/bin/chromium";
/** Page states are awaited, not assumed: under load (CI beside other suites) a page can take seconds to get there. */
const WAIT = { timeout: 20_000 };
const JANE = 10000000000001;
const SUCCESS_KEYS = [
	"accountNumber",
	"accountType",
	"action",
	"customerId",
	"mfaOptionSelected",
	"verified",
	"widget_session_id",
];

/** What the merchant page's `message` listener recorded. */
interface Received {
	origin: string;
	fromWidget: boolean;
	data: { event?: string; eventData?: Record<string, unknown> };
}

let worker: LocalWorker | undefined;
let browser: Browser | undefined;
let merchant: Server | undefined;
let origin = "";
let merchantOrigin = "";

beforeAll(async () => {
	({ origin, worker } = await startLocalWorker("functions/sandbox/wrangler.toml"));

	merchant = createServer((request, response) => {
		const widget = new URL(request.url ?? "/", "http://merchant").searchParams.get("widget") ?? "";
		response.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(merchantPage(widget));
	});
	const server = merchant;
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	merchantOrigin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

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
		throw new Error(
			`Could not launch chromium at ${CHROMIUM}; these tests need it: \`apt-get install chromium\` (Debian). Cause: ${String(error)}`,
		);
	}
}, 60_000);

afterAll(async () => {
	await browser?.close();
	await new Promise((resolve) => (merchant ? merchant.close(resolve) : resolve(undefined)));
	await worker?.dispose();
});

/** Calls the sandbox's Flexiti API over HTTP, with the x-reference-id Flexiti requires on every call. */
async function api(path: string, init: { method: string; headers?: Record<string, string>; body?: string }) {
	const response = await fetch(`${origin}/flexiti/pos-api${path}`, {
		...init,
		headers: { "x-reference-id": crypto.randomUUID(), ...init.headers },
	});
	const body = (await response.json()) as Record<string, unknown>;
	if (!response.ok) throw new Error(`${init.method} ${path}: ${response.status} ${JSON.stringify(body)}`);
	return body;
}

/** A customer token and a purchase widget for Jane Doe: the widget's redirection_url. */
async function openWidget(lang: "en" | "fr" = "en"): Promise<string> {
	const token = await api("/v2.5/oauth/token", {
		method: "POST",
		headers: { "content-type": "application/x-www-form-urlencoded" },
		body: new URLSearchParams({ ...DEMO, grant_type: "client_credentials", scope: "customer" }).toString(),
	});
	const init = await api(`/v2.5/client-id/${DEMO.client_id}/widget/init`, {
		method: "POST",
		headers: { authorization: `Bearer ${token.access_token}`, "content-type": "application/json" },
		body: JSON.stringify({ flow: "purchase", lang, customer_identification: { account_number: JANE } }),
	});
	const url = String(init.redirection_url);
	expect(url.startsWith(`${origin}/#/widget/${DEMO.client_id}/${token.access_token}?`)).toBe(true);
	return url;
}

const attribute = (text: string) => text.replaceAll("&", "&amp;").replaceAll('"', "&quot;").replaceAll("<", "&lt;");

/** The merchant's checkout page: it iframes the widget and records every `message` it receives. */
function merchantPage(widgetUrl: string): string {
	return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Merchant checkout</title>
<script>
	window.events = [];
	window.addEventListener("message", (e) => {
		const frame = document.getElementById("widget");
		window.events.push({ origin: e.origin, fromWidget: !!frame && e.source === frame.contentWindow, data: e.data });
	});
</script></head>
<body><h1>Checkout</h1><iframe id="widget" title="Flexiti" src="${attribute(widgetUrl)}" width="420" height="560"></iframe></body></html>`;
}

let context: BrowserContext | undefined;
let page: Page;
let problems: string[] = [];

beforeEach(async () => {
	if (!browser) throw new Error("chromium did not start (see beforeAll): `apt-get install chromium`");
	await fetch(`${origin}/sandbox/reset`, { method: "POST" });
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

/** Opens the merchant page with the widget in its iframe; returns the widget's frame. */
async function checkout(widgetUrl: string) {
	await page.goto(`${merchantOrigin}/checkout?widget=${encodeURIComponent(widgetUrl)}`);
	return page.frameLocator("#widget");
}

async function events(count: number): Promise<Received[]> {
	await page.waitForFunction((n) => (globalThis as unknown as { events: unknown[] }).events.length >= n, count, {
		timeout: 15_000,
	});
	return page.evaluate(() => (globalThis as unknown as { events: Received[] }).events);
}

describe("the widget page in chromium", () => {
	it("verifies with 2222 and posts flx-success to the merchant page (after a wrong PIN)", async () => {
		const url = await openWidget("en");
		const widget = await checkout(url);
		await expect.poll(() => widget.locator("#panel").getAttribute("data-state"), WAIT).toBe("ready");
		expect(await widget.locator("#customer").textContent()).toBe("For Jane D.");
		expect(await widget.locator("#hint").textContent()).toBe("Sandbox PIN: 2222");
		expect(await widget.locator("#verify").textContent()).toBe("Verify");

		await widget.locator("#pin").fill("1111");
		await widget.locator("#verify").click();
		const [wrong] = await events(1);
		expect(wrong?.data).toMatchObject({ event: "flx-success", eventData: { verified: false } });
		expect(await widget.locator("#status").textContent()).toBe("That PIN is not correct. Please try again.");
		expect(await widget.locator("#verify").isEnabled()).toBe(true);

		await widget.locator("#pin").fill("2222");
		await widget.locator("#verify").click();
		const received = await events(2);
		const success = received[1];
		expect(success?.origin).toBe(origin);
		expect(success?.fromWidget).toBe(true);
		expect(success?.data.event).toBe("flx-success");
		const data = success?.data.eventData ?? {};
		expect(Object.keys(data).sort()).toEqual(SUCCESS_KEYS);
		expect(data).toMatchObject({
			accountNumber: JANE,
			verified: true,
			action: "purchase",
			mfaOptionSelected: "sms",
			widget_session_id: new URLSearchParams(url.slice(url.indexOf("?") + 1)).get("widget_session_id"),
			accountType: "consumer",
		});
		expect(typeof data.customerId).toBe("string");
		expect(await widget.locator("#status").textContent()).toContain("Verified.");
		expect(await widget.locator("#verify").isDisabled()).toBe(true);
		expect(received).toHaveLength(2);
		expect(problems).toEqual([]);
	});

	it("posts flx-cancel when the customer cancels (a French session)", async () => {
		const widget = await checkout(await openWidget("fr"));
		await expect.poll(() => widget.locator("#panel").getAttribute("data-state"), WAIT).toBe("ready");
		expect(await widget.locator("#cancel").textContent()).toBe("Annuler");
		expect(await widget.locator("#hint").textContent()).toBe("NIP du bac à sable : 2222");

		await widget.locator("#cancel").click();
		const received = await events(1);
		expect(received.map((r) => r.data)).toEqual([{ event: "flx-cancel" }]);
		expect(received[0]?.fromWidget).toBe(true);
		expect(await widget.locator("#status").textContent()).toBe("Annulé. Vous pouvez retourner au magasin.");
		expect(await widget.locator("#cancel").isDisabled()).toBe(true);
		expect(problems).toEqual([]);
	});

	it("posts flx-failure for a broken hash", async () => {
		await checkout(`${origin}/#/widget/${DEMO.client_id}`);
		const received = await events(1);
		expect(received[0]?.data).toMatchObject({ event: "flx-failure", eventData: { error: 400 } });
		expect(String(received[0]?.data.eventData?.message)).toMatch(/^Malformed widget URL/);
		expect(await page.frameLocator("#widget").locator("#pin").isVisible()).toBe(false);
		expect(problems).toEqual([]);
	});

	it("posts flx-failure 404 for an unknown session", async () => {
		const url = await openWidget("en");
		const unknown = url.replace(/widget_session_id=[^&]+/, `widget_session_id=${crypto.randomUUID()}`);
		await checkout(unknown);
		const received = await events(1);
		expect(received[0]?.data).toEqual({
			event: "flx-failure",
			eventData: { error: 404, message: "Unknown widget session" },
		});
		// The 404 of the session lookup is logged by chromium as a failed resource load; nothing else.
		expect(problems.filter((p) => !p.includes("404"))).toEqual([]);
	});
});
