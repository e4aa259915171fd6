/**
 * The storefront kit in a real browser: Debian's chromium (playwright-core, headless) on the demo
 * store, which takes Flexiti through the edge, which calls the sandbox — all three Workers served by
 * Wrangler on ephemeral loopback ports (storefront-stack.ts). The shopper's side is driven the way a
 * shopper meets it (labels, roles, keys); what happened is read where it is recorded: the order page
 * (from the edge), the edge's ledger and the sandbox's call log.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import axe from "axe-core";
import { type Browser, type BrowserContext, chromium, type FrameLocator, type Page } from "playwright-core";
import { Webhook } from "standardwebhooks";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type StorefrontStack, startStorefrontStack } from "./storefront-stack.ts";

const CHROMIUM = "/usr/bin/chromium";
const JANE = "10000000000001";
const FROZEN = "10000000000003";
const WAIT = { timeout: 20_000 };

let stack: StorefrontStack;
let browser: Browser | undefined;

async function launch(): Promise<Browser> {
	try {
		return await chromium.launch({
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
}

beforeAll(async () => {
	// Hosted checkouts poll Flexiti from 200 ms on (doubling), so a closed tab is noticed within the test's wait.
	// Flexiti's calls time out after 3 s (10 s deployed), so an authorization whose answer was lost is
	// re-sent after 9 s (three of them), not 30.
	stack = await startStorefrontStack({ HOSTED_POLL_BASE_MS: "200", UPSTREAM_TIMEOUT_MS: "3000" });
	// The demo client's Success and Error redirection URLs at "Flexiti": the edge's return route (as npm start sets).
	const back = `${stack.edge}/v1/hosted-checkouts/flexitidemo/return`;
	await fetch(`${stack.sandbox}/sandbox/online/redirects/flexitidemo`, {
		method: "PUT",
		headers: { "content-type": "application/json" },
		body: JSON.stringify({ success_url: `${back}/success`, error_url: `${back}/error` }),
	});
	browser = await launch();
}, 180_000);

afterAll(async () => {
	await browser?.close();
	await stack?.stop();
});

let context: BrowserContext | undefined;
let page: Page;
let problems: string[];

/** What the page's `<flexiti-checkout>` told it (its DOM events), recorded from the first script on. */
const RECORD_EVENTS = `const seen = JSON.parse(sessionStorage.getItem("test:flexiti-events") || "[]");
for (const type of ["flexiti-error", "flexiti-authorized", "flexiti-widget-opened", "flexiti-verified", "flexiti-authorizing"]) {
	document.addEventListener(type, (e) => {
		seen.push({ type, code: e.detail && e.detail.code });
		sessionStorage.setItem("test:flexiti-events", JSON.stringify(seen));
	}, true);
}`;

async function openPage(options: Parameters<Browser["newContext"]>[0] = {}): Promise<void> {
	if (!browser) throw new Error("chromium did not start (see beforeAll)");
	await context?.close();
	context = await browser.newContext(options);
	await context.addInitScript(RECORD_EVENTS);
	page = await context.newPage();
	problems = [];
	page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
	page.on("console", (message) => {
		if (message.type() === "error") problems.push(`console: ${message.text()}`);
	});
}

beforeEach(async () => {
	await fetch(`${stack.sandbox}/sandbox/reset`, { method: "POST" });
	await openPage();
});

afterEach(async () => {
	await context?.close();
	context = undefined;
});

/** The shopper buys the chair: product page → "Buy with Flexiti" (or "Apply and buy") → the payment page. */
async function toPayment(button = "Buy with Flexiti"): Promise<string> {
	await page.goto(`${stack.store}/`);
	await page.getByRole("button", { name: button }).click();
	await page.waitForURL(/\/checkout\/DEMO-/);
	return decodeURIComponent(new URL(page.url()).pathname.split("/")[2] ?? "");
}

const dialog = () => page.getByRole("dialog", { name: "Flexiti financing" });
const widget = (): FrameLocator => page.frameLocator("iframe[title='Flexiti verification']");
const payButton = () => page.getByRole("button", { name: "Pay with Flexiti" });
const alertText = async () => (await page.getByRole("alert").textContent()) ?? "";

async function payAs(account: string): Promise<void> {
	await page.getByLabel("Flexiti account or card number").fill(account);
	await payButton().click();
}

async function enterPin(pin = "2222", frame = widget()): Promise<void> {
	await expect.poll(() => frame.locator("#panel").getAttribute("data-state"), WAIT).toBe("ready");
	await frame.locator("#pin").fill(pin);
	await frame.locator("#verify").click();
}

async function choosePlanAndConfirm(): Promise<void> {
	await page.getByRole("radio").first().check(WAIT);
	await page.getByRole("button", { name: "Confirm purchase" }).click();
}

async function events(): Promise<{ type: string; code?: string }[]> {
	// Kept in sessionStorage (same origin), so they outlive the navigation to the order page.
	return JSON.parse((await page.evaluate<string | null>('sessionStorage.getItem("test:flexiti-events")')) ?? "[]");
}

async function lastError(): Promise<string | undefined> {
	await expect.poll(async () => (await events()).some((e) => e.type === "flexiti-error"), WAIT).toBe(true);
	return (await events()).filter((e) => e.type === "flexiti-error").at(-1)?.code;
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

/** A merchant's POST to the edge's own API, its JSON answer. */
async function edgeApiFetch(path: string, body: unknown): Promise<{ checkout_id: string; client_token: string }> {
	const response = await fetch(`${stack.edge}${path}`, {
		method: "POST",
		headers: { authorization: `Bearer ${stack.merchantKey}`, "content-type": "application/json" },
		body: JSON.stringify(body),
	});
	return (await response.json()) as { checkout_id: string; client_token: string };
}

/** The checkout's amount, as the merchant reads it. */
async function checkoutAmount(checkoutId: string): Promise<number> {
	const response = await fetch(`${stack.edge}/v1/checkouts/${checkoutId}`, {
		headers: { authorization: `Bearer ${stack.merchantKey}` },
	});
	return ((await response.json()) as { amount: number }).amount;
}

/** The merchant authorizes the order at the till (PIN from the security question), on plan 4 over 3 months. */
async function authorizeAtTill(reference: string, amount: number): Promise<number> {
	const flexiti = `${stack.edge}/flexiti/v2.5/client-id/flexitidemo`;
	const headers = { authorization: `Bearer ${stack.merchantKey}`, "content-type": "application/json" };
	const request_id = crypto.randomUUID();
	const verify = await fetch(`${flexiti}/account/${JANE}/verify`, {
		method: "POST",
		headers,
		body: JSON.stringify({ format: "security_question", security_qid: 7, security_answer: "maple", request_id }),
	});
	const { verification_code } = (await verify.json()) as { verification_code: number };
	const authorization = await fetch(`${stack.edge}/flexiti/v2.5.1/client-id/flexitidemo/authorization`, {
		method: "POST",
		headers,
		body: JSON.stringify({
			account_number: Number(JANE),
			financing_option: { transaction_type: "promotional_purchase", plan_id: 4, term: 3 },
			amount,
			auto_capture: false,
			reference,
			verification_code,
			request_id,
		}),
	});
	return authorization.status;
}

async function expectPaid(reference: string): Promise<void> {
	await page.waitForURL(`${stack.store}/orders/${reference}`, WAIT);
	expect(await page.locator("#order-status").textContent()).toBe("Paid with Flexiti");
}

/** The SDK's module as the page loaded it (same file, same integrity), for calls a page's own script would make. */
async function sdkSource(): Promise<string> {
	return (await page.locator("script[type=module]").getAttribute("src")) ?? "";
}

/**
 * A page's own script, as a merchant's would be: `body` runs with `sdk`, `FlexitiEdge(…)` from the module
 * the page loaded, for the page's `<flexiti-checkout>` checkout or the one given.
 */
async function pageScript<T>(
	body: string,
	options: { checkout?: { checkout_id: string; client_token: string }; presentation?: string } = {},
): Promise<T> {
	const { checkout, presentation } = options;
	const id = checkout ? JSON.stringify(checkout.checkout_id) : `element.getAttribute("checkout-id")`;
	const token = checkout ? JSON.stringify(checkout.client_token) : `element.getAttribute("client-token")`;
	return page.evaluate<T>(`(async () => {
		const { FlexitiEdge } = await import(${JSON.stringify(await sdkSource())});
		const element = document.querySelector("flexiti-checkout");
		const sdk = FlexitiEdge({ edge: ${JSON.stringify(stack.edge)}, checkoutId: ${id}, clientToken: ${token}${
			presentation ? `, presentation: ${JSON.stringify(presentation)}` : ""
		} });
		${body}
	})()`);
}

/** Serious and critical axe-core violations on the page as it is now (the widget's own frame is Flexiti's). */
async function accessibilityViolations(): Promise<{ id: string; targets: unknown[] }[]> {
	await page.evaluate(axe.source);
	return page.evaluate(`axe.run(document, { resultTypes: ["violations"], iframes: false }).then((result) =>
		result.violations
			.filter((v) => v.impact === "serious" || v.impact === "critical")
			.map((v) => ({ id: v.id, targets: v.nodes.map((n) => n.target) })))`);
}

describe("a purchase through the demo store, the edge and the sandbox", () => {
	it("pays with PIN 2222 in the modal under the store's strict CSP; the order is paid; Ship captures once", async () => {
		const reference = await toPayment();
		// The page itself, reloaded (a second request beside it would open the checkout again and revoke the page's token).
		const csp = (await page.reload())?.headers()["content-security-policy"] ?? "";
		expect(csp).toContain("script-src http://127.0.0.1:");
		expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);

		await payAs(JANE);
		await dialog().waitFor(WAIT);
		await expect.poll(() => widget().locator("#panel").getAttribute("data-state"), WAIT).toBe("ready");
		// Screenshot-level: the modal is drawn on top of the page, with the widget loaded inside it.
		const shot = await dialog().screenshot();
		mkdirSync(".cache/screenshots", { recursive: true });
		writeFileSync(".cache/screenshots/storefront-modal.png", shot);
		expect(shot.byteLength).toBeGreaterThan(5_000);
		const onTop = await page.evaluate(`(() => {
			const host = document.querySelector("[data-flexiti-edge=modal]");
			const box = host?.shadowRoot?.querySelector("dialog")?.getBoundingClientRect();
			return !!box && box.width > 300 && document.elementFromPoint(box.x + box.width / 2, box.y + 40) === host;
		})()`);
		expect(onTop).toBe(true);
		expect(await widget().locator("#customer").textContent()).toBe("For Jane D.");

		await enterPin();
		// After flx-success: the plans Flexiti offers for this amount, chosen by the shopper.
		await choosePlanAndConfirm();
		await expectPaid(reference);

		expect((await sandboxCalls("createAuthorization")).map((c) => [c.status, c.scope])).toEqual([[200, "customer"]]);
		const recorded = await ledger(reference);
		expect(recorded.authorization).toMatchObject({ amount: 249.99 });
		expect(await page.locator("#authorization-id").textContent()).toBe(
			String(recorded.authorization?.authorization_id),
		);
		expect((await events()).map((e) => e.type)).toEqual(
			expect.arrayContaining([
				"flexiti-widget-opened",
				"flexiti-verified",
				"flexiti-authorizing",
				"flexiti-authorized",
			]),
		);
		expect(problems).toEqual([]);

		// The merchant ships: a signed order.fulfilled to the edge, which captures once.
		await page.goto(`${stack.store}/admin`);
		const order = page.getByRole("region", { name: new RegExp(reference) });
		await order.getByRole("button", { name: "Ship" }).click();
		await page.waitForURL(/\/admin\?notice=/);
		expect(await page.locator("#notice").textContent()).toContain(`Sent order.fulfilled for ${reference}`);
		await expect.poll(async () => (await ledger(reference)).captured, WAIT).toBe(249.99);
		expect((await sandboxCalls("captureAuthorization")).filter((c) => c.status === 200)).toHaveLength(1);
		await page.reload();
		expect(await order.locator("pre.ledger").textContent()).toContain('"captured": 249.99');
	});

	it("a double click opens one widget and authorizes once; a second purchase() while one runs is the same promise", async () => {
		const reference = await toPayment();
		await page.getByLabel("Flexiti account or card number").fill(JANE);
		await payButton().dblclick();
		await dialog().waitFor(WAIT);
		// What a page's own script would do: import the same module and call purchase() twice at once.
		const same = await pageScript<boolean>(`
			const first = sdk.purchase({ customer: { account_number: 10000000000001 } });
			const second = sdk.purchase({ customer: { account_number: 10000000000001 } });
			first.catch(() => {});
			return first === second;`);
		expect(same).toBe(true);
		await expect.poll(() => page.locator("[data-flexiti-edge=modal]").count(), WAIT).toBe(1);
		await enterPin();
		await page.getByRole("radio").first().check(WAIT);
		await page.getByRole("button", { name: "Confirm purchase" }).dblclick();
		await expectPaid(reference);
		expect(await sandboxCalls("initWidget")).toHaveLength(1);
		expect(await sandboxCalls("createAuthorization")).toHaveLength(1);
	});

	it("ignores a forged flx-success from the page's own window and a flx-failure from another frame of the widget's origin", async () => {
		const reference = await toPayment();
		await payAs(JANE);
		await expect.poll(() => widget().locator("#panel").getAttribute("data-state"), WAIT).toBe("ready");
		// Any window can post to the page: the page itself (another origin), and a frame of the widget's origin.
		await page.evaluate(`(() => {
			window.postMessage({ event: "flx-success",
				eventData: { verified: true, accountNumber: 10000000000001, action: "purchase", widget_session_id: "x" } }, "*");
			const other = document.createElement("iframe");
			other.src = ${JSON.stringify(stack.sandbox)} + "/#/widget/flexitidemo"; // broken: it posts flx-failure to its parent
			other.title = "another frame";
			document.body.append(other);
		})()`);
		await page.frameLocator("iframe[title='another frame']").locator("#panel[data-event=flx-failure]").waitFor(WAIT);
		expect(await dialog().isVisible()).toBe(true);
		expect((await events()).filter((e) => e.type !== "flexiti-widget-opened")).toEqual([]);
		await enterPin();
		await choosePlanAndConfirm();
		await expectPaid(reference);
		expect(await sandboxCalls("createAuthorization")).toHaveLength(1);
	});

	it("flx-cancel (the widget's Cancel): the modal closes, nothing is authorized, the shopper can try again", async () => {
		await toPayment();
		await payAs(JANE);
		await expect.poll(() => widget().locator("#panel").getAttribute("data-state"), WAIT).toBe("ready");
		await widget().locator("#cancel").click();
		expect(await lastError()).toBe("cancelled");
		await dialog().waitFor({ state: "hidden", ...WAIT });
		expect(await payButton().isEnabled()).toBe(true);
		expect(await alertText()).toBe("");
		expect(await sandboxCalls("createAuthorization")).toEqual([]);
	});

	it("flx-failure (the widget's session token expired): a clear error, nothing authorized", async () => {
		await toPayment();
		await payAs(JANE);
		await expect.poll(() => widget().locator("#panel").getAttribute("data-state"), WAIT).toBe("ready");
		await fetch(`${stack.sandbox}/sandbox/tokens/expire`, {
			method: "POST",
			headers: { "content-type": "application/json" },
			body: JSON.stringify({ scope: "customer" }),
		});
		await widget().locator("#pin").fill("2222");
		await widget().locator("#verify").click();
		expect(await lastError()).toBe("widget_failed");
		expect(await alertText()).not.toBe("");
		expect(await sandboxCalls("createAuthorization")).toEqual([]);
	});

	it("a wrong PIN is not_verified and an account that cannot buy is declined", async () => {
		await toPayment();
		await payAs(JANE);
		await enterPin("1111");
		expect(await lastError()).toBe("not_verified");
		expect(await alertText()).toBe("Flexiti could not verify your identity. Please try again.");

		// A checkout stays on the account its widget was opened for (403 account_mismatch): another account is another checkout.
		await toPayment();
		await payAs(FROZEN);
		await enterPin();
		await expect.poll(async () => (await events()).some((e) => e.code === "declined"), WAIT).toBe(true);
		expect(await lastError()).toBe("declined");
		expect(await sandboxCalls("createAuthorization")).toEqual([]);
	});

	it("a French checkout asks Flexiti for its plans in French (calculate-interest ?lang=fr), whose names the shopper reads", async () => {
		await toPayment();
		const created = await edgeApiFetch("/v1/checkouts", {
			reference: `FR-${crypto.randomUUID().slice(0, 8)}`,
			amount: 120,
			lang: "fr",
		});
		const asked: string[] = [];
		page.on("request", (request) => {
			if (request.url().includes("/calculate-interest")) asked.push(new URL(request.url()).search);
		});
		const outcome = pageScript<string>(
			`try {
				const done = await sdk.purchase({ customer: { account_number: ${JANE} }, financing: () => ({ transaction_type: "promotional_purchase", plan_id: 4, term: 3 }) });
				return "authorized " + done.amount;
			} catch (error) {
				return "failed: " + error.code;
			}`,
			{ checkout: created, presentation: "modal" },
		);
		await enterPin("2222", page.frameLocator("iframe[title='Vérification Flexiti']"));
		expect(await outcome).toBe("authorized 120");
		expect(asked).toEqual(["?lang=fr"]);
	});

	it("a refusal a retry cannot mend is said as what it is, not 'try again': more than the account's credit", async () => {
		// An outside probe found credit_exceeded, customer_already_exists and not_permitted all shown as "Please try again".
		await toPayment();
		await payAs("10000000000005"); // the sandbox's low-credit account: $150 available for the $249.99 chair
		await enterPin();
		await choosePlanAndConfirm();
		expect(await lastError()).toBe("credit_exceeded");
		expect(await alertText()).toBe("This purchase is more than the credit available on your Flexiti account.");
		expect((await sandboxCalls("createAuthorization")).map((c) => c.status)).toEqual([409]);
	});

	it("the words shown to the shopper follow the element's language and carry no developer detail (in the event's error)", async () => {
		await toPayment();
		// The same element in French (lang="fr"), and one whose client token is missing (no token-url to renew it).
		await page.evaluate(`(() => {
			const old = document.querySelector("flexiti-checkout");
			const fr = old.cloneNode();
			fr.setAttribute("lang", "fr");
			old.replaceWith(fr);
		})()`);
		await page.getByLabel("Numéro de compte ou de carte Flexiti").fill(JANE);
		await page.getByRole("button", { name: "Payer avec Flexiti" }).click();
		await enterPin("1111");
		expect(await lastError()).toBe("not_verified");
		expect(await alertText()).toBe("Flexiti n'a pas pu vérifier votre identité. Veuillez réessayer.");

		await page.evaluate(`(() => {
			const old = document.querySelector("flexiti-checkout");
			const bare = old.cloneNode();
			bare.setAttribute("client-token", "");
			bare.removeAttribute("token-url");
			bare.removeAttribute("lang");
			old.replaceWith(bare);
		})()`);
		await payAs(JANE);
		await expect.poll(async () => (await events()).filter((e) => e.code === "expired").length, WAIT).toBe(1);
		expect(await alertText()).toBe("This checkout has expired. Please reload the page.");
		const detail = await page.evaluate<string>(`new Promise((resolve) => {
			document.addEventListener("flexiti-error", (e) => resolve(e.detail.message), { once: true });
			document.querySelector("flexiti-checkout").shadowRoot.querySelector("button").click();
		})`);
		expect(detail).toContain("refreshClientToken");
	});

	it("the order authorized meanwhile on another plan: the shopper's choice is refused (not_permitted), never shown as paid", async () => {
		// A review found the SDK reading any not_permitted as "already authorized" and reporting the
		// checkout's authorization, on a plan the shopper did not choose, as this purchase's success.
		const reference = await toPayment();
		const checkoutId = (await page.locator("flexiti-checkout").getAttribute("checkout-id")) ?? "";
		await payAs(JANE);
		await enterPin();
		await page.getByRole("radio").last().check(WAIT); // the revolving (regular) purchase
		// Meanwhile (another tab, the merchant's till) the order is authorized on a promotional plan.
		expect(await authorizeAtTill(reference, await checkoutAmount(checkoutId))).toBe(200);
		await page.getByRole("button", { name: "Confirm purchase" }).click();
		expect(await lastError()).toBe("not_permitted");
		expect(page.url()).not.toContain("/orders/");
		expect((await events()).map((e) => e.type)).not.toContain("flexiti-authorized");
		expect((await sandboxCalls("createAuthorization")).filter((c) => c.status === 200)).toHaveLength(1);
	});

	it("a lost answer to the authorization is retried safely: the earlier attempt is adopted, one authorization", async () => {
		const reference = await toPayment();
		let dropped = 0;
		// The request reaches the edge and Flexiti authorizes; the browser never sees the answer.
		await page.route(/\/flexiti\/v2\.5\.1\/client-id\/[^/]+\/authorization$/, async (route) => {
			if (route.request().method() !== "POST" || dropped > 0) return route.continue();
			dropped += 1;
			await route.fetch();
			await route.abort("connectionreset");
		});
		await payAs(JANE);
		await enterPin();
		await choosePlanAndConfirm();
		await expectPaid(reference);
		expect(dropped).toBe(1);
		expect((await sandboxCalls("createAuthorization")).map((c) => c.status)).toEqual([200]);
	});

	it("a 502 from Flexiti on the authorization: the SDK waits as the edge's Retry-After says, tells the shopper, and re-sends the same request; one authorization", async () => {
		const reference = await toPayment();
		await fetch(`${stack.sandbox}/sandbox/faults`, {
			method: "POST",
			headers: { "content-type": "application/json" },
			body: JSON.stringify({ operation: "createAuthorization", status: 502, count: 1 }),
		});
		const sent: string[] = [];
		const answers: string[] = [];
		page.on("request", (request) => {
			if (request.method() === "POST" && /\/authorization$/.test(request.url())) sent.push(request.postData() ?? "");
		});
		page.on("response", (response) => {
			if (response.request().method() === "POST" && /\/authorization$/.test(response.url())) {
				answers.push(`${response.status()} ${response.headers()["retry-after"] ?? "-"}`);
			}
		});
		await payAs(JANE);
		await enterPin();
		await choosePlanAndConfirm();
		// While the edge waits for Flexiti to list (or not) the lost attempt, the shopper is told, in the modal.
		await expect
			.poll(
				async () =>
					(await dialog()
						.getByRole("status")
						.textContent()
						.catch(() => "")) ?? "",
				WAIT,
			)
			.toContain("Still working");
		await page.waitForURL(`${stack.store}/orders/${reference}`, { timeout: 40_000 });
		expect(await page.locator("#order-status").textContent()).toBe("Paid with Flexiti");
		// The 502, the edge's 503 with Retry-After (nothing sent to Flexiti meanwhile), then the same request, once.
		expect(answers[0]).toMatch(/^502 /);
		expect(answers.slice(1, -1).every((a) => /^503 \d+$/.test(a))).toBe(true);
		expect(answers.at(-1)).toMatch(/^200 /);
		expect(new Set(sent).size).toBe(1);
		expect((await sandboxCalls("createAuthorization")).map((c) => c.status)).toEqual([502, 200]);
		expect((await events()).some((e) => e.type === "flexiti-error")).toBe(false);
	});
});

describe("a new customer: the apply flow", () => {
	async function applyAs(lastName: string): Promise<string> {
		const reference = await toPayment("New to Flexiti? Apply and buy");
		await page.getByLabel("Last name").fill(lastName);
		await page.getByLabel("I accept Flexiti's terms and conditions").check();
		await page.getByRole("button", { name: "Apply for Flexiti financing" }).click();
		await enterPin();
		return reference;
	}

	it("approved: /apply after the widget, then the plan and the authorization on the new account", async () => {
		const reference = await applyAs("Martin");
		await choosePlanAndConfirm();
		await expectPaid(reference);
		expect((await sandboxCalls("apply")).map((c) => [c.status, c.scope])).toEqual([[200, "customer"]]);
		expect(await sandboxCalls("createAuthorization")).toHaveLength(1);
	});

	it("a page's own script applies with the whole applicant (SIN, income, occupation): widget/init gets only what it takes, /apply gets all of it", async () => {
		// Applicant is /apply's request; widget/init declares only the contact part, and the edge refuses
		// undeclared properties: the SDK once sent the whole applicant to widget/init (400, no widget).
		const reference = await toPayment("New to Flexiti? Apply and buy");
		const outcome = pageScript<string>(
			`try {
				const done = await sdk.apply({
					applicant: {
						customer_identification: { personal_information: { first_name: "Alex", last_name: "Martin", dob: "1990-02-03" } },
						tos_agreement: true,
						email: "alex@example.com",
						phone_number: "4165550100",
						address_1: "1 King St W",
						city: "Toronto",
						province: "ON",
						sin: "046454286",
						salutation: "mr",
						occupation: "FE",
						gross_annual_income: 85000,
					},
					financing: { transaction_type: "promotional_purchase", plan_id: 4, term: 3 },
				});
				return done.application.application_status;
			} catch (error) {
				return "failed: " + error.code + " " + error.message;
			}`,
			{ presentation: "modal" },
		);
		await enterPin();
		expect(await outcome).toBe("approved");
		expect((await sandboxCalls("initWidget")).map((c) => c.status)).toEqual([200]);
		expect((await sandboxCalls("apply")).map((c) => [c.status, c.scope])).toEqual([[200, "customer"]]);
		expect((await ledger(reference)).authorization?.status).toBeDefined();
	});

	it("declined and pending: a clear answer, no authorization", async () => {
		await applyAs("Declined");
		expect(await lastError()).toBe("declined");
		expect(await alertText()).toBe("Flexiti did not approve this purchase.");
		await applyAs("Pending");
		await expect.poll(async () => (await events()).filter((e) => e.type === "flexiti-error").length, WAIT).toBe(2);
		expect(await lastError()).toBe("pending");
		expect(await alertText()).toContain("under review");
		expect(await sandboxCalls("createAuthorization")).toEqual([]);
	});
});

describe("presentation and accessibility", () => {
	it("on a small screen the page goes to the widget and comes back to finish (redirect fallback)", async () => {
		await openPage({ viewport: { width: 390, height: 800 } });
		const reference = await toPayment();
		await payAs(JANE);
		await page.waitForURL(`${stack.sandbox}/**`, WAIT);
		expect(page.url()).toContain("return_url=");
		await enterPin("2222", page.mainFrame() as unknown as FrameLocator);
		await page.waitForURL(`${stack.store}/checkout/${reference}`, WAIT);
		await choosePlanAndConfirm();
		await expectPaid(reference);
		expect(await sandboxCalls("createAuthorization")).toHaveLength(1);
	});

	it("on a small screen a new customer applies through the full-page widget: /apply after the return gets the answers the widget was opened with, then nothing is kept", async () => {
		await openPage({ viewport: { width: 390, height: 800 } });
		const reference = await toPayment("New to Flexiti? Apply and buy");
		await page.getByLabel("I accept Flexiti's terms and conditions").check();
		await page.getByRole("button", { name: "Apply for Flexiti financing" }).click();
		await page.waitForURL(`${stack.sandbox}/**`, WAIT);
		await enterPin("2222", page.mainFrame() as unknown as FrameLocator);
		// The store renders the checkout page afresh: the form comes back with the terms box unticked.
		await page.waitForURL(`${stack.store}/checkout/${reference}?flow=apply`, WAIT);
		await choosePlanAndConfirm();
		await expectPaid(reference);
		expect((await sandboxCalls("apply")).map((c) => [c.status, c.scope])).toEqual([[200, "customer"]]);
		expect(await sandboxCalls("createAuthorization")).toHaveLength(1);
		const kept = await page.evaluate("Object.keys(sessionStorage).filter((k) => k.startsWith('flexiti-edge:'))");
		expect(kept).toEqual([]);
	});

	it("a return the SDK does not accept (unreadable, another widget session's) is cleared and ignored: no widget for account 0, no error; the shopper pays after", async () => {
		await openPage({ viewport: { width: 390, height: 800 } });
		const reference = await toPayment();
		const forged = [
			"%7Bnot-json",
			encodeURIComponent(
				JSON.stringify({
					event: "flx-success",
					eventData: {
						verified: true,
						accountNumber: 10000000000001,
						action: "purchase",
						widget_session_id: "another",
					},
				}),
			),
		];
		for (const fragment of forged) {
			await payAs(JANE);
			await page.waitForURL(`${stack.sandbox}/**`, WAIT);
			await page.goto(`${stack.store}/checkout/${reference}#flexiti-result=${fragment}`);
			await expect.poll(() => page.url(), WAIT).toBe(`${stack.store}/checkout/${reference}`);
			const kept = await page.evaluate("Object.keys(sessionStorage).filter((k) => k.startsWith('flexiti-edge:'))");
			expect(kept).toEqual([]);
			expect(await payButton().isEnabled()).toBe(true);
		}
		await payAs(JANE);
		await page.waitForURL(`${stack.sandbox}/**`, WAIT);
		await enterPin("2222", page.mainFrame() as unknown as FrameLocator);
		await page.waitForURL(`${stack.store}/checkout/${reference}`, WAIT);
		await choosePlanAndConfirm();
		await expectPaid(reference);
		expect((await sandboxCalls("initWidget")).map((c) => c.status)).toEqual([200, 200, 200]);
		expect((await events()).filter((e) => e.type === "flexiti-error")).toEqual([]);
	});

	it("works by keyboard alone: Tab to the field and the button, Enter opens the named dialog, Escape cancels and returns focus", async () => {
		await toPayment();
		const focused = () =>
			page.evaluate<string>(`(() => {
				const host = document.activeElement;
				return host?.localName + ":" + (host?.shadowRoot?.activeElement?.localName ?? "");
			})()`);
		for (let tab = 0; tab < 8 && (await focused()) !== "flexiti-checkout:input"; tab++)
			await page.keyboard.press("Tab");
		expect(await focused()).toBe("flexiti-checkout:input");
		await page.keyboard.type(JANE);
		await page.keyboard.press("Tab");
		expect(await focused()).toBe("flexiti-checkout:button");
		await page.keyboard.press("Enter");
		await dialog().waitFor(WAIT);
		await expect.poll(() => widget().locator("#panel").getAttribute("data-state"), WAIT).toBe("ready");
		// The focus is inside the modal, and Tab keeps it there (the page behind it is inert).
		for (let tab = 0; tab < 8; tab++) {
			await page.keyboard.press("Tab");
			expect(await focused()).toMatch(/^div:(button|iframe)$/);
		}
		// Escape closes the modal from its own controls. (Inside the widget's frame the keys are the
		// widget's: another origin's page, which the SDK cannot hear.)
		for (let tab = 0; tab < 6 && (await focused()) !== "div:button"; tab++) await page.keyboard.press("Shift+Tab");
		expect(await focused()).toBe("div:button");
		await page.keyboard.press("Escape");
		await dialog().waitFor({ state: "hidden", ...WAIT });
		expect(await lastError()).toBe("cancelled");
		expect(await focused()).toBe("flexiti-checkout:button");
	});

	it("an invalid number is said and announced, and cleared once corrected; the modal is one dialog, no second banner; the focus stays in it while processing", async () => {
		const reference = await toPayment();
		const field = page.getByLabel("Flexiti account or card number");
		await payAs("123456789012345");
		expect(await field.getAttribute("aria-invalid")).toBe("true");
		expect(await alertText()).toBe("Enter your 14-digit Flexiti account number or your 16-digit card number.");
		// The message is the field's description (its id in the same shadow root).
		expect(await field.getAttribute("aria-describedby")).toBe(await page.getByRole("alert").getAttribute("id"));
		await field.fill(JANE);
		expect(await field.getAttribute("aria-invalid")).toBeNull();
		expect(await alertText()).toBe("");

		await payButton().click();
		await expect.poll(() => widget().locator("#panel").getAttribute("data-state"), WAIT).toBe("ready");
		await page.evaluate(axe.source);
		const landmarks =
			await page.evaluate(`axe.run(document, { runOnly: ["landmark-no-duplicate-banner", "landmark-unique"], iframes: false })
			.then((result) => result.violations.map((v) => v.id))`);
		expect(landmarks).toEqual([]);

		// The authorization is held a moment: meanwhile the focus is on the modal's status, not <body>.
		let release = () => {};
		const held = new Promise<void>((resolve) => {
			release = resolve;
		});
		await page.route(/\/authorization$/, async (route) => {
			await held;
			await route.continue();
		});
		await enterPin();
		await choosePlanAndConfirm();
		const focusedRole = () =>
			page.evaluate<string>(`(() => {
				let active = document.activeElement;
				while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
				return (active?.getAttribute("role") ?? active?.localName) + ":" + active?.textContent;
			})()`);
		await expect.poll(focusedRole, WAIT).toBe("status:Processing…");
		release();
		await expectPaid(reference);
	});

	it("the store's pages and the open modal have no serious or critical axe-core violations", async () => {
		await page.goto(`${stack.store}/`);
		expect(await accessibilityViolations()).toEqual([]);
		const reference = await toPayment();
		expect(await accessibilityViolations()).toEqual([]);
		await payAs(JANE);
		await expect.poll(() => widget().locator("#panel").getAttribute("data-state"), WAIT).toBe("ready");
		expect(await accessibilityViolations()).toEqual([]);
		await enterPin();
		await page.getByRole("radio").first().waitFor(WAIT);
		expect(await accessibilityViolations()).toEqual([]);
		await page.getByRole("button", { name: "Confirm purchase" }).click();
		await expectPaid(reference);
		expect(await accessibilityViolations()).toEqual([]);
		await page.goto(`${stack.store}/admin`);
		expect(await accessibilityViolations()).toEqual([]);
		await toPayment("New to Flexiti? Apply and buy");
		expect(await accessibilityViolations()).toEqual([]);
	});
});

describe("the store learns from the edge, not from the browser", () => {
	it("closing the browser right after authorizing: the store's order is marked paid by the edge's signed checkout.authorized", async () => {
		const reference = await toPayment();
		const record = async () => (await fetch(`${stack.store}/orders/${encodeURIComponent(reference)}`)).text();
		// A forged event (signed with another secret) is refused by the store and marks nothing.
		const forged = JSON.stringify({
			type: "checkout.authorized",
			timestamp: new Date().toISOString(),
			data: { id: "msg_forged", sequence: 1, client_id: "flexitidemo", reference, checkout_id: "x", ledger: {} },
		});
		const at = new Date();
		const refused = await fetch(`${stack.store}/flexiti-events`, {
			method: "POST",
			headers: {
				"content-type": "application/json",
				"webhook-id": "msg_forged",
				"webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
				"webhook-signature": new Webhook("whsec_Zm9yZ2VkLXNlY3JldC1mb3ItdGhlLXRlc3Qtb25seQ==").sign(
					"msg_forged",
					at,
					forged,
				),
			},
			body: forged,
		});
		expect(refused.status).toBe(401);
		expect(await record()).toContain('id="paid-by-event-pending"');

		// The shopper's browser never comes back to the store after authorizing: the store's order page is
		// never loaded by it, and the browser is closed as soon as Flexiti authorized.
		await page.route(`${stack.store}/orders/**`, (route) => route.abort());
		await payAs(JANE);
		await dialog().waitFor(WAIT);
		await enterPin();
		await choosePlanAndConfirm();
		await expect.poll(async () => (await ledger(reference)).authorization?.amount ?? null, WAIT).toBe(249.99);
		await context?.close();
		context = undefined;

		// The store marks the order paid from the edge's event alone, with the event's webhook-id.
		await expect.poll(record, WAIT).toContain('id="paid-by-event"');
		const response = await fetch(`${stack.edge}/v1/orders/${encodeURIComponent(reference)}`, {
			headers: { authorization: `Bearer ${stack.merchantKey}` },
		});
		const { merchant_events } = (await response.json()) as { merchant_events: { id: string; type: string }[] };
		const authorized = merchant_events.find((e) => e.type === "checkout.authorized");
		expect(await record()).toContain(`data-event-id="${authorized?.id}"`);
	});
});

describe("Flexiti's hosted checkout (the store's other channel)", () => {
	const hostedPage = (): FrameLocator => page.frameLocator("iframe[title='Flexiti verification']");

	async function payOnFlexiti(account = JANE): Promise<string> {
		const reference = await toPayment("Buy on Flexiti's checkout page");
		await payButton().click();
		await dialog().waitFor(WAIT);
		await hostedPage().locator("#account-number").fill(account);
		await hostedPage().locator("#pin").fill("2222");
		return reference;
	}

	async function merchantEvents(reference: string): Promise<string[]> {
		const response = await fetch(`${stack.edge}/v1/orders/${encodeURIComponent(reference)}`, {
			headers: { authorization: `Bearer ${stack.merchantKey}` },
		});
		const body = (await response.json()) as { merchant_events?: { type: string }[] };
		return (body.merchant_events ?? []).map((e) => e.type);
	}

	it("pays on Flexiti's page in the modal; Flexiti's redirect passes the edge, which keeps its token; the order is paid from the edge's own knowledge", async () => {
		const navigations: string[] = [];
		page.on("request", (request) => {
			if (request.isNavigationRequest()) navigations.push(request.url());
		});
		const reference = await payOnFlexiti();
		await hostedPage().locator("#pay").click();
		// The edge sends the shopper on to the store's return_url, with the checkout id and status in its query.
		await page.waitForURL(`${stack.store}/orders/${reference}?**`, WAIT);
		expect(await page.locator("#order-status").textContent()).toBe("Paid with Flexiti");
		// Flexiti's redirect carried a merchant-scope auth_token to the edge; nothing after the edge did.
		const atEdge = navigations.find((url) => url.startsWith(`${stack.edge}/v1/hosted-checkouts/`)) ?? "";
		const token = new URL(atEdge).searchParams.get("auth_token") ?? "";
		expect(token).not.toBe("");
		const onward = navigations.filter((url) => url.startsWith(stack.store));
		expect(onward.some((url) => url.includes("status=authorized"))).toBe(true);
		expect(onward.join(" ")).not.toContain(token);
		expect(page.url()).not.toContain(token);
		expect(await page.content()).not.toContain(token);
		const recorded = await ledger(reference);
		expect(recorded.authorization).toMatchObject({ amount: 249.99 });
		expect(await merchantEvents(reference)).toEqual(["checkout.authorized"]);
		expect(problems).toEqual([]);

		// After the purchase, as for a widget purchase: the merchant ships, the edge captures once, on the
		// POS API authorization the hosted purchase made.
		const capturedBefore = (await sandboxCalls("captureAuthorization")).filter((c) => c.status === 200).length;
		await page.goto(`${stack.store}/admin`);
		const order = page.getByRole("region", { name: new RegExp(reference) });
		await order.getByRole("button", { name: "Ship" }).click();
		await page.waitForURL(/\/admin\?notice=/);
		await expect.poll(async () => (await ledger(reference)).captured, WAIT).toBe(249.99);
		expect((await sandboxCalls("captureAuthorization")).filter((c) => c.status === 200)).toHaveLength(
			capturedBefore + 1,
		);
		expect((await ledger(reference)).authorization?.authorization_id).toBe(recorded.authorization?.authorization_id);
		await expect.poll(() => merchantEvents(reference), WAIT).toEqual(["checkout.authorized", "order.captured"]);
	});

	it("declined (the shopper cancels on Flexiti's page): back on the store, not paid, checkout.declined once", async () => {
		const reference = await payOnFlexiti();
		await hostedPage().locator("#cancel").click();
		await page.waitForURL(`${stack.store}/orders/${reference}**`, WAIT);
		expect(await page.locator("#order-status").getAttribute("data-status")).toBe("declined");
		expect((await ledger(reference)).authorization).toBeNull();
		expect(await merchantEvents(reference)).toEqual(["checkout.declined"]);
		expect(problems).toEqual([]);
	});

	it("the shopper closes the tab on Flexiti's page right after paying: the edge's polling still tells the merchant", async () => {
		const reference = await payOnFlexiti();
		// The tab is gone before Flexiti's redirect reaches the edge.
		await page.route(`${stack.edge}/v1/hosted-checkouts/**`, (route) => route.abort());
		const leaving = page.waitForRequest(`${stack.edge}/v1/hosted-checkouts/**`, WAIT);
		await hostedPage().locator("#pay").click();
		await leaving;
		await page.close();
		await expect
			.poll(() => merchantEvents(reference), { timeout: 45_000, interval: 250 })
			.toEqual(["checkout.authorized"]);
		expect((await ledger(reference)).authorization).toMatchObject({ amount: 249.99 });
	});
});
