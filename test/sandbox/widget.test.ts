/**
 * The online purchase flow against the sandbox: /widget/init through the typed client, then the
 * widget page's own API (what the page calls and what it posts to the merchant's page), then
 * createAuthorization with the same customer token. Also: the page's pure helpers (widget-script.ts).
 */
import { exports } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { widgetPage, widgetScript } from "../../functions/sandbox/widget/page.ts";
import {
	cancelMessage,
	failureMessage,
	messageFromResponse,
	parseWidgetHash,
	statusFor,
	type WidgetMessage,
	widgetText,
} from "../../functions/sandbox/widget/widget-script.ts";
import { DEMO, mintToken, resetSandbox, SANDBOX_ORIGIN, sandboxAdmin, sandboxClient } from "../support/sandbox.ts";

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const JANE = "10000000000001";
const LATE_PAYER = "10000000000004";

type Identification =
	| { account_number: number }
	| { personal_information: { first_name: string; last_name: string; dob: string; postal_code?: string } };

/** /widget/init for a purchase, with a customer token; returns the token, the URL and its parts. */
async function openWidget(identification: Identification, referenceId: string = crypto.randomUUID()) {
	const token = (await mintToken("customer")).access_token;
	const { data, error, response } = await sandboxClient(token).POST("/v2.5/client-id/{client_id}/widget/init", {
		params: { path: { client_id: DEMO.client_id }, header: { "x-reference-id": referenceId } },
		body: { flow: "purchase", lang: "en", customer_identification: identification },
	});
	if (!data) throw new Error(`widget/init failed: ${response.status} ${JSON.stringify(error)}`);
	const url = new URL(data.redirection_url);
	const hash = url.hash;
	const query = new URLSearchParams(hash.slice(hash.indexOf("?") + 1));
	return { token, referenceId, url, hash, query, sessionId: query.get("widget_session_id") ?? "" };
}

/** What the widget page does when the customer presses Verify: the outcome it posts to its parent. */
async function verify(sessionId: string, accessToken: string, pin: string) {
	const response = await exports.default.fetch(`${SANDBOX_ORIGIN}/widget-api/sessions/${sessionId}/verify`, {
		method: "POST",
		headers: { "content-type": "application/json" },
		body: JSON.stringify({ access_token: accessToken, pin }),
	});
	expect(response.status).toBe(200);
	return messageFromResponse(response.status, await response.json());
}

async function describeSession(sessionId: string, accessToken: string) {
	const response = await exports.default.fetch(
		`${SANDBOX_ORIGIN}/widget-api/sessions/${sessionId}?access_token=${encodeURIComponent(accessToken)}`,
	);
	return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function authorize(token: string, extra: { widget_session_id?: string } = {}) {
	return sandboxClient(token).POST("/v2.5.1/client-id/{client_id}/authorization", {
		params: { path: { client_id: DEMO.client_id } },
		body: {
			account_number: Number(JANE),
			amount: 125.5,
			auto_capture: false,
			financing_option: { transaction_type: "regular_purchase" },
			reference: "ORDER-WIDGET-1",
			...extra,
		},
	});
}

function successData(message: WidgetMessage) {
	if (message.event !== "flx-success") throw new Error(`expected flx-success, got ${JSON.stringify(message)}`);
	return message.eventData;
}

beforeEach(async () => {
	await resetSandbox();
});

describe("widget/init", () => {
	it("answers a redirection_url of Flexiti's shape, for an account number", async () => {
		const referenceId = "6f1c2a7e-0b1d-4a52-9d3e-2f8e1c4b5a60";
		const { token, url, hash, query, sessionId } = await openWidget({ account_number: Number(JANE) }, referenceId);

		expect(url.origin).toBe(SANDBOX_ORIGIN);
		expect(url.pathname).toBe("/");
		expect(url.search).toBe("");
		expect(hash.slice(0, hash.indexOf("?"))).toBe(`#/widget/${DEMO.client_id}/${token}`);
		expect(query.get("lang")).toBe("en");
		expect(query.get("x-reference-id")).toBe(referenceId);
		expect(sessionId).toMatch(GUID);
		expect([...query.keys()].sort()).toEqual(["lang", "widget_session_id", "x-reference-id"]);

		// The page parses its own URL the same way.
		expect(parseWidgetHash(hash)).toEqual({
			ok: true,
			clientId: DEMO.client_id,
			token,
			lang: "en",
			referenceId,
			widgetSessionId: sessionId,
		});
		expect(await describeSession(sessionId, token)).toEqual({
			status: 200,
			body: { flow: "purchase", lang: "en", verified: false, customer: "Jane D." },
		});
	});

	it("finds the customer by personal information too", async () => {
		const { token, sessionId } = await openWidget({
			personal_information: { first_name: "jane", last_name: "DOE", dob: "1985-04-12", postal_code: "M5X 1A9" },
		});
		expect((await describeSession(sessionId, token)).body.customer).toBe("Jane D.");
		expect(successData(await verify(sessionId, token, "2222")).accountNumber).toBe(Number(JANE));
	});

	it("serves the widget page at / with the script and the stable ids", async () => {
		const response = await exports.default.fetch(`${SANDBOX_ORIGIN}/`);
		expect(response.status).toBe(200);
		expect(response.headers.get("content-type")).toContain("text/html");
		const html = await response.text();
		expect(html).toBe(widgetPage());
		for (const id of ["pin", "verify", "cancel", "status"]) expect(html).toContain(`id="${id}"`);
		expect(html).toContain(widgetScript());
		// Self-contained: nothing is loaded from elsewhere.
		expect(html).not.toMatch(/\b(src|href)=|@import|url\(/i);
	});
});

describe("the widget's verification (what the page posts to its parent)", () => {
	it("a wrong PIN is flx-success with verified:false; 2222 verifies, with every documented key", async () => {
		const { token, sessionId } = await openWidget({ account_number: Number(JANE) });

		const wrong = successData(await verify(sessionId, token, "1111"));
		expect(wrong.verified).toBe(false);
		expect((await describeSession(sessionId, token)).body.verified).toBe(false);

		const message = await verify(sessionId, token, "2222");
		const data = successData(message);
		expect(Object.keys(data).sort()).toEqual(
			[
				"accountNumber",
				"accountType",
				"action",
				"customerId",
				"mfaOptionSelected",
				"verified",
				"widget_session_id",
			].sort(),
		);
		expect(data).toMatchObject({
			accountNumber: Number(JANE),
			verified: true,
			action: "purchase",
			widget_session_id: sessionId,
			accountType: "consumer",
		});
		expect(Number.isInteger(data.accountNumber)).toBe(true);
		expect(["sms", "email", "security_question", null]).toContain(data.mfaOptionSelected);
		expect(typeof data.customerId).toBe("string");
		expect((await describeSession(sessionId, token)).body.verified).toBe(true);
		expect(statusFor(message, widgetText("en"))).toEqual({
			text: widgetText("en").verified,
			tone: "success",
			done: true,
		});
	});

	it("an unknown session or another token is flx-failure 404", async () => {
		const { token, sessionId } = await openWidget({ account_number: Number(JANE) });
		const other = (await mintToken("customer")).access_token;

		expect(await verify(crypto.randomUUID(), token, "2222")).toEqual(failureMessage(404, "Unknown widget session"));
		expect(await verify(sessionId, other, "2222")).toEqual(failureMessage(404, "Unknown widget session"));
		const described = await describeSession(sessionId, other);
		expect(described.status).toBe(404);
		expect(messageFromResponse(described.status, described.body)).toMatchObject({
			event: "flx-failure",
			eventData: { error: 404 },
		});
	});

	it("an expired token is flx-failure 401", async () => {
		const { token, sessionId } = await openWidget({ account_number: Number(JANE) });
		expect((await sandboxAdmin("POST", "/tokens/expire", {})).status).toBe(200);

		const message = await verify(sessionId, token, "2222");
		expect(message).toMatchObject({ event: "flx-failure", eventData: { error: 401 } });
		expect(statusFor(message, widgetText("fr")).text).toBe(widgetText("fr").expired);
		expect((await describeSession(sessionId, token)).status).toBe(401);
	});

	it("a derogatory account verifies, but with action null", async () => {
		const { token, sessionId } = await openWidget({ account_number: Number(LATE_PAYER) });
		const message = await verify(sessionId, token, "2222");
		expect(successData(message)).toMatchObject({ verified: true, action: null, accountNumber: Number(LATE_PAYER) });
		expect(statusFor(message, widgetText("en"))).toMatchObject({ tone: "error", done: true });
	});
});

describe("createAuthorization after the widget", () => {
	it("succeeds with the same customer token once the widget verified the customer", async () => {
		const { token, sessionId } = await openWidget({ account_number: Number(JANE) });
		expect(successData(await verify(sessionId, token, "2222")).verified).toBe(true);

		const { data, error, response } = await authorize(token);
		expect(error).toBeUndefined();
		expect(response.status).toBe(200);
		expect(data).toMatchObject({ authorization_id: expect.any(Number), amount: 125.5 });

		// Naming the widget session explicitly works too.
		expect((await authorize(token, { widget_session_id: sessionId })).response.status).toBe(200);
	});

	it("is 404 customer_identity_not_found before verification (a wrong PIN does not count)", async () => {
		const { token, sessionId } = await openWidget({ account_number: Number(JANE) });
		const before = await authorize(token);
		expect(before.response.status).toBe(404);
		expect(before.error).toMatchObject({ error: "customer_identity_not_found" });

		await verify(sessionId, token, "0000");
		expect((await authorize(token)).error).toMatchObject({ error: "customer_identity_not_found" });
	});

	it("is not_verified when it names another widget session", async () => {
		const { token, sessionId } = await openWidget({ account_number: Number(JANE) });
		await verify(sessionId, token, "2222");
		const { error, response } = await authorize(token, { widget_session_id: crypto.randomUUID() });
		expect(response.status).toBe(409);
		expect(error).toMatchObject({ error: "not_verified" });
	});

	it("is customer_identity_not_found for another customer token than the widget's", async () => {
		const { token, sessionId } = await openWidget({ account_number: Number(JANE) });
		await verify(sessionId, token, "2222");
		const other = (await mintToken("customer")).access_token;
		expect((await authorize(other)).error).toMatchObject({ error: "customer_identity_not_found" });
	});
});

describe("widget-script helpers", () => {
	const session = "0d5cf4a3-8b76-4c8e-9a1f-7e2b3c4d5e6f";

	it("parses Flexiti's widget hash", () => {
		expect(
			parseWidgetHash(`#/widget/flexitidemo/abc123?lang=fr&x-reference-id=ref-1&widget_session_id=${session}`),
		).toEqual({
			ok: true,
			clientId: "flexitidemo",
			token: "abc123",
			lang: "fr",
			referenceId: "ref-1",
			widgetSessionId: session,
		});
		// Percent-encoded segments are decoded; lang defaults to en; a trailing slash is tolerated.
		expect(parseWidgetHash(`#/widget/demo%20store/t%2Bk/?widget_session_id=${session}`)).toMatchObject({
			ok: true,
			clientId: "demo store",
			token: "t+k",
			lang: "en",
			referenceId: "",
		});
		expect(parseWidgetHash(`#/widget/c/t?lang=fr-CA&widget_session_id=${session}`)).toMatchObject({ lang: "fr" });
	});

	it("refuses a malformed hash, keeping the language for the message", () => {
		for (const hash of [
			"",
			"#",
			"#/widget",
			"#/widget/flexitidemo",
			`#/widget/flexitidemo/?widget_session_id=${session}`,
			`#/widget/flexitidemo/t/extra?widget_session_id=${session}`,
			`#/other/flexitidemo/t?widget_session_id=${session}`,
			"#/widget/flexitidemo/t?lang=en",
			"#/widget/flexitidemo/t?widget_session_id=not-a-guid",
			`#/widget/%E0%A4%A/t?widget_session_id=${session}`,
		]) {
			const parsed = parseWidgetHash(hash);
			expect(parsed.ok, hash).toBe(false);
			if (!parsed.ok) expect(parsed.message, hash).toMatch(/^Malformed widget URL/);
		}
		expect(parseWidgetHash("#/widget/x?lang=fr")).toMatchObject({ ok: false, lang: "fr" });
	});

	it("builds the three messages", () => {
		expect(cancelMessage()).toEqual({ event: "flx-cancel" });
		expect(failureMessage(401, "expired")).toEqual({
			event: "flx-failure",
			eventData: { error: 401, message: "expired" },
		});
	});

	it("turns widget API answers into the message to post", () => {
		const eventData = {
			accountNumber: 10000000000001,
			verified: true,
			action: "purchase",
			mfaOptionSelected: "sms",
			widget_session_id: session,
			customerId: "1000001-00001",
			accountType: "consumer",
		};
		expect(messageFromResponse(200, { event: "flx-success", eventData })).toEqual({ event: "flx-success", eventData });
		expect(messageFromResponse(200, { event: "flx-failure", eventData: { error: 404, message: "gone" } })).toEqual(
			failureMessage(404, "gone"),
		);
		expect(messageFromResponse(404, { error: 404, message: "Unknown widget session" })).toEqual(
			failureMessage(404, "Unknown widget session"),
		);
		expect(messageFromResponse(400, { error: "invalid", message: "bad" })).toEqual(failureMessage(400, "bad"));
		expect(messageFromResponse(500, null)).toEqual(failureMessage(500, "The widget API answered HTTP 500"));
		expect(messageFromResponse(0, null)).toEqual(failureMessage(0, "The widget API could not be reached"));
		expect(messageFromResponse(200, { event: "flx-success" })).toMatchObject({
			event: "flx-failure",
			eventData: { error: 502 },
		});
		expect(messageFromResponse(200, "nonsense")).toMatchObject({ event: "flx-failure", eventData: { error: 502 } });
	});

	it("says what happened, in English and French", () => {
		const en = widgetText("en");
		const fr = widgetText("fr");
		expect(fr.pinHint).toBe("NIP du bac à sable : 2222");
		expect(en.pinHint).toBe("Sandbox PIN: 2222");
		expect(Object.keys(fr).sort()).toEqual(Object.keys(en).sort());
		const success = (verified: boolean, action: "purchase" | "apply" | null): WidgetMessage => ({
			event: "flx-success",
			eventData: {
				accountNumber: 1,
				verified,
				action,
				mfaOptionSelected: "sms",
				widget_session_id: session,
				customerId: "1",
				accountType: "consumer",
			},
		});
		expect(statusFor(success(false, "purchase"), fr)).toEqual({ text: fr.wrongPin, tone: "error", done: false });
		expect(statusFor(success(true, "apply"), en).text).toBe(en.verifiedApply);
		expect(statusFor(success(true, null), en).text).toBe(en.cannotPurchase);
		expect(statusFor(cancelMessage(), fr)).toEqual({ text: fr.cancelled, tone: "info", done: true });
		expect(statusFor(failureMessage(404, "x"), en).text).toBe(en.unknownSession);
		expect(statusFor(failureMessage(400, "x"), fr).text).toBe(fr.malformed);
		expect(statusFor(failureMessage(503, "x"), en).text).toBe(en.failed);
	});

	it("embeds the same functions into the page's script", () => {
		const script = widgetScript();
		for (const fn of [parseWidgetHash, widgetText, cancelMessage, failureMessage, messageFromResponse, statusFor]) {
			expect(script).toContain(fn.toString());
		}
		expect(script).not.toMatch(/<\/script|<!--/i);
	});
});
