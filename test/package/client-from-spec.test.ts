/**
 * Issue 17, "Done when": a client generated from the specs alone runs the README's flows with no casts
 * and no `@ts-expect-error`. A scratch project outside the repository gets only the specs, generates
 * its types with openapi-typescript (the published tool; the repository's copy of it), uses plain
 * openapi-fetch `createClient<paths>()` — not this project's client package, whose lossless ids and
 * credentials helpers a merchant's own client would not have — and its program is type-checked with
 * tsc --strict and run against a local edge (with the sandbox behind it). Which specs:
 *   - the edge's own API: `spec/edge-api.yaml`, copied as it is;
 *   - the `/flexiti` surface: the spec the edge publishes at `/openapi/flexiti-pos-api.json`, which is
 *     what a merchant downloads. It is not a hand-written file of `spec/`: it is derived from
 *     `spec/flexiti-pos-api.yaml` and the edge's rules (scripts/flexiti-surface.ts), so that Flexiti's
 *     spec stays the one source. Flexiti's own spec would be the wrong contract for the edge: it
 *     asks for Flexiti's OAuth2 tokens and requires a shopper's `amount`, which the edge takes from
 *     the checkout.
 * A cast the program needed would be a spec that does not say what the edge does: fix the spec.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localSettings } from "../support/build-sandbox.ts";
import { MERCHANT_KEY } from "../support/demo-credentials.ts";
import { type LocalEdge, root, run, startLocalEdge, typeCheck } from "./local-edge.ts";

let local: LocalEdge | undefined;
let scratch = "";

beforeAll(async () => {
	local = await startLocalEdge();
	scratch = mkdtempSync(join(tmpdir(), "flexiti-edge-from-spec-"));
	mkdirSync(join(scratch, "spec"));
	for (const file of readdirSync(join(root, "spec")).filter((name) => name.endsWith(".yaml"))) {
		copyFileSync(join(root, "spec", file), join(scratch, "spec", file));
	}
	const published = await fetch(`${local.edge}/openapi/flexiti-pos-api.json`);
	if (!published.ok) throw new Error(`the edge publishes no /flexiti spec: ${published.status}`);
	writeFileSync(join(scratch, "flexiti-edge-api.json"), await published.text());

	writeFileSync(
		join(scratch, "package.json"),
		JSON.stringify({ name: "merchant-server", private: true, type: "module" }),
	);
	// The same openapi-fetch the repository uses, from npm's cache (npm ci has just fetched it).
	const { version } = JSON.parse(readFileSync(join(root, "node_modules/openapi-fetch/package.json"), "utf8")) as {
		version: string;
	};
	await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", `openapi-fetch@${version}`], {
		cwd: scratch,
	});
	const openapiTypescript = join(root, "node_modules/.bin/openapi-typescript");
	await run(openapiTypescript, ["spec/edge-api.yaml", "-o", "edge-api.d.ts"], { cwd: scratch });
	await run(openapiTypescript, ["flexiti-edge-api.json", "-o", "flexiti-edge-api.d.ts"], { cwd: scratch });
}, 180_000);

afterAll(async () => {
	await local?.dispose();
	if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/**
 * What would make a program compile that the spec alone does not type: casts, suppressions, `any`, `!`.
 * Import lines are left out (`paths as EdgeApi` renames, it does not cast).
 */
const ESCAPES = [
	{ name: "a cast (as)", pattern: /\bas\s+(?!const\b)[\w{[("'`]/ },
	{ name: "a type suppression", pattern: /@ts-(expect-error|ignore|nocheck)/ },
	{ name: "any", pattern: /\bany\b/ },
	{ name: "a non-null assertion", pattern: /[\w)\]]!(?=[.[(,;)\s])/ },
	{ name: "an angle-bracket cast", pattern: /=\s*<\w/ },
];

describe("a client generated from the specs alone", () => {
	it("holds no cast, suppression or any", () => {
		const code = README_FLOWS.split("\n")
			.filter((line) => !line.startsWith("import "))
			.join("\n");
		const found = ESCAPES.filter(({ pattern }) => pattern.test(code)).map(({ name }) => name);
		expect(found).toEqual([]);
		// The check itself finds what it is for.
		expect(ESCAPES.filter(({ pattern }) => pattern.test("const x = y as Foo;")).length).toBe(1);
		expect(ESCAPES.filter(({ pattern }) => pattern.test("f(x!.id); // @ts-expect-error")).length).toBe(2);
	});

	it("type-checks strictly and runs the README's flows against the local edge", async () => {
		if (!local) throw new Error("no local edge");
		writeFileSync(join(scratch, "readme-flows.ts"), README_FLOWS);
		await typeCheck(scratch, ["readme-flows.ts"]);

		const reference = `SPEC-${crypto.randomUUID().slice(0, 8)}`;
		const { stdout } = await run(process.execPath, ["readme-flows.ts"], {
			cwd: scratch,
			env: {
				...process.env,
				EDGE_URL: local.edge,
				SANDBOX_URL: local.sandbox,
				MERCHANT_KEY,
				REFERENCE: reference,
				// The first local Standard Webhooks secret (.dev.vars.example), which `npm run webhook` signs with too.
				STANDARD_WEBHOOK_SECRET: localSettings().STANDARD_WEBHOOK_SECRETS?.split(",")[0] ?? "",
			},
		});
		const flows = JSON.parse(stdout.trim());
		const authorizationId = flows.authorization.authorization_id;
		const captureId = flows.capture.capture_id;
		expect(flows).toMatchObject({
			checkout: { reference, amount: 249.99, status: "open" },
			widget: { redirection_url: expect.stringContaining("widget_session_id=") },
			// The shopper's token may not capture: refused by the edge, before Flexiti.
			shopperCapture: { status: 403, error: { error: "insufficient_scope" } },
			// The amount and reference come from the checkout, though the shopper's body had neither.
			authorization: { amount: 249.99, reference, status: "opened", account_number: 10000000000001 },
			capture: { amount: 249.99, authorization_id: authorizationId },
			checkoutAfter: { reference, status: "authorized", authorization_id: authorizationId },
			ledgerAfterCapture: {
				reference,
				authorization: { authorization_id: authorizationId, amount: 249.99 },
				captured: 249.99,
				refunded: 0,
				captures: [{ capture_id: captureId, amount: 249.99, via: "flexiti" }],
				refunds: [],
			},
			webhook: { status: 200 },
			ledgerAfterRefund: {
				captured: 249.99,
				refunded: 50,
				refunds: [{ capture_id: captureId, amount: 50, via: "order_event" }],
				events: [{ source: "standard", type: "refunded", status: "applied" }],
			},
		});
		expect(flows).toMatchObject({
			tillAuthorization: { amount: 300, reference: `${reference}-T`, status: "opened" },
			shipped: { status: 200 },
			tillLedger: {
				reference: `${reference}-T`,
				authorization: { authorization_id: flows.tillAuthorization.authorization_id, amount: 300 },
				captured: 300,
				captures: [{ amount: 300, via: "order_event" }],
				events: [{ source: "standard", type: "fulfilled", status: "applied" }],
			},
		});
		expect(typeof authorizationId).toBe("number");
		expect(typeof captureId).toBe("number");
		// tsc over two generated specs, then the program's round trips: minutes when CI's two cores are busy.
	}, 180_000);
});

/**
 * The merchant's program: the README's walkthroughs ("Try it against the sandbox" under "The edge": checkout,
 * widget, the shopper's refused capture, authorization, the merchant's capture, the ledger; then "Order-system
 * webhooks": an order event, and the till's verify and authorization for a reference, shipped by an order
 * event — sent with Standard Webhooks, whose event schema the edge spec has, where the README uses Shopify's),
 * each call typed by the generated `paths` alone. It prints what it got.
 */
const README_FLOWS = `import { createHmac, randomUUID } from "node:crypto";
import createClient from "openapi-fetch";
import type { components, paths as EdgeApi } from "./edge-api.js";
import type { paths as FlexitiThroughEdge } from "./flexiti-edge-api.js";

const edgeUrl = process.env.EDGE_URL ?? "";
const sandboxUrl = process.env.SANDBOX_URL ?? "";
const merchantKey = process.env.MERCHANT_KEY ?? "";
const reference = process.env.REFERENCE ?? "";
const webhookSecret = process.env.STANDARD_WEBHOOK_SECRET ?? "";
const client_id = "flexitidemo";
const account_number = 10000000000001;

function fail(step: string, detail: unknown): never {
	throw new Error(step + ": " + JSON.stringify(detail));
}

// 1. The merchant's server opens a checkout for the order.
const edge = createClient<EdgeApi>({ baseUrl: edgeUrl, headers: { authorization: "Bearer " + merchantKey } });
const opened = await edge.POST("/v1/checkouts", { body: { reference, amount: 249.99 } });
const checkout = opened.data ?? fail("checkout", opened.error);

// 2. The browser, with the client token only, starts the widget through /flexiti.
const shopper = createClient<FlexitiThroughEdge>({
	baseUrl: edgeUrl + "/flexiti",
	headers: { authorization: "Bearer " + checkout.client_token },
});
const started = await shopper.POST("/v2.5/client-id/{client_id}/widget/init", {
	params: { path: { client_id } },
	body: { flow: "purchase", customer_identification: { account_number } },
});
const widget = started.data ?? fail("widget/init", started.error);

// 3. The same token may not capture.
const shopperCapture = await shopper.POST("/v2.5/client-id/{client_id}/authorization/{authorization_id}/capture", {
	params: { path: { client_id, authorization_id: 1 } },
	body: { amount: 249.99 },
});

// (what the widget page does when the shopper enters the PIN: at the sandbox, not through the edge)
const [route = "", query = ""] = new URL(widget.redirection_url).hash.split("?");
const widgetToken = route.split("/").pop() ?? "";
const session = new URLSearchParams(query).get("widget_session_id") ?? "";
const verified = await fetch(sandboxUrl + "/widget-api/sessions/" + session + "/verify", {
	method: "POST",
	headers: { "content-type": "application/json" },
	body: JSON.stringify({ access_token: widgetToken, pin: "2222" }),
});
if (!verified.ok) fail("PIN", verified.status);

// 4. After flx-success the browser authorizes; amount and reference come from the checkout.
const authorized = await shopper.POST("/v2.5.1/client-id/{client_id}/authorization", {
	params: { path: { client_id } },
	body: { account_number, financing_option: { transaction_type: "promotional_purchase", plan_id: 4, term: 3 } },
});
const authorization = authorized.data ?? fail("authorization", authorized.error);

// 5. When the order ships, the back office captures with the merchant key.
const merchant = createClient<FlexitiThroughEdge>({
	baseUrl: edgeUrl + "/flexiti",
	headers: { authorization: "Bearer " + merchantKey },
});
const captured = await merchant.POST("/v2.5/client-id/{client_id}/authorization/{authorization_id}/capture", {
	params: { path: { client_id, authorization_id: authorization.authorization_id } },
	body: { amount: 249.99 },
});
const capture = captured.data ?? fail("capture", captured.error);

// The checkout, read back; the order's ledger, with the capture made through /flexiti.
const readBack = await edge.GET("/v1/checkouts/{checkout_id}", {
	params: { path: { checkout_id: checkout.checkout_id } },
});
const checkoutAfter = readBack.data ?? fail("checkout read", readBack.error);
const readLedger = async () => {
	const read = await edge.GET("/v1/orders/{reference}", { params: { path: { reference } } });
	return read.data ?? fail("ledger", read.error);
};
const ledgerAfterCapture = await readLedger();

// Order events from another system (Standard Webhooks), signed with its secret.
async function sendOrderEvent(orderEvent: components["schemas"]["StandardOrderEvent"]) {
	const text = JSON.stringify(orderEvent);
	const webhookId = "msg_" + randomUUID();
	const timestamp = String(Math.floor(Date.now() / 1000));
	const key = Buffer.from(webhookSecret.replace(/^whsec_/, ""), "base64");
	const signature = "v1," + createHmac("sha256", key).update(webhookId + "." + timestamp + "." + text).digest("base64");
	const sent = await edge.POST("/v1/webhooks/standard", {
		params: { header: { "webhook-id": webhookId, "webhook-timestamp": timestamp, "webhook-signature": signature } },
		body: orderEvent,
		bodySerializer: () => text,
	});
	if (!sent.data) fail("webhook", sent.error);
	return { status: sent.response.status, receipt: sent.data };
}

// The edge applies an event right after its answer: read the ledger until it shows.
async function ledgerOnce(orderReference: string, applied: (ledger: components["schemas"]["OrderLedger"]) => boolean) {
	for (let attempt = 0; attempt < 200; attempt++) {
		const read = await edge.GET("/v1/orders/{reference}", { params: { path: { reference: orderReference } } });
		const ledger = read.data ?? fail("ledger", read.error);
		if (applied(ledger)) return ledger;
		await new Promise((done) => setTimeout(done, 50));
	}
	return fail("ledger never showed the event", orderReference);
}

// $50 went back, against that capture.
const webhook = await sendOrderEvent({
	type: "order.refunded",
	timestamp: new Date().toISOString(),
	data: { reference, amount: 50, capture: capture.capture_id },
});
const ledgerAfterRefund = await ledgerOnce(reference, (ledger) => ledger.refunds.length > 0);

// The README's till: the merchant verifies the customer and authorizes an order with its reference;
// the order system then says it shipped, and the edge captures what is authorized.
const tillReference = reference + "-T";
const request_id = randomUUID();
const verifiedAtTill = await merchant.POST("/v2.5/client-id/{client_id}/account/{account_number}/verify", {
	params: { path: { client_id, account_number } },
	body: { format: "security_question", security_qid: 7, security_answer: "maple", request_id },
});
const verification = verifiedAtTill.data ?? fail("verify", verifiedAtTill.error);
const tillAuthorized = await merchant.POST("/v2.5.1/client-id/{client_id}/authorization", {
	params: { path: { client_id } },
	body: {
		account_number,
		financing_option: { transaction_type: "promotional_purchase", plan_id: 4, term: 3 },
		amount: 300,
		auto_capture: false,
		reference: tillReference,
		verification_code: verification.verification_code,
		request_id,
	},
});
const tillAuthorization = tillAuthorized.data ?? fail("till authorization", tillAuthorized.error);
const shipped = await sendOrderEvent({
	type: "order.fulfilled",
	timestamp: new Date().toISOString(),
	data: { reference: tillReference },
});
const tillLedger = await ledgerOnce(tillReference, (ledger) => ledger.captured > 0);

console.log(JSON.stringify({
	checkout: { ...checkout, client_token: undefined },
	widget,
	shopperCapture: { status: shopperCapture.response.status, error: shopperCapture.error },
	authorization,
	capture,
	checkoutAfter,
	ledgerAfterCapture,
	webhook,
	ledgerAfterRefund,
	tillAuthorization,
	shipped,
	tillLedger,
}));
`;
