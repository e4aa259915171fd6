import { exports } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import type { FlexitiClient } from "../../functions/client/index.ts";
import { DEMO, mintToken, resetSandbox, SANDBOX_ORIGIN, sandboxClient } from "../support/sandbox.ts";

const client_id = DEMO.client_id;

const applicant = (last_name = "Newcustomer") => ({
	customer_identification: {
		account_type: "consumer" as const,
		personal_information: { first_name: "Alex", last_name, dob: "1990-02-03", postal_code: "M5V2T6" },
	},
	tos_agreement: true,
	email: "alex@example.com",
	phone_number: "4165550199",
	address_1: "1 Front St W",
	city: "Toronto",
	province: "ON" as const,
});

let customer: FlexitiClient;
let token: string;

beforeEach(async () => {
	await resetSandbox();
	token = (await mintToken("customer")).access_token;
	customer = sandboxClient(token);
});

/** The apply flow up to a widget session, verified with the training PIN unless told otherwise. */
async function widgetApplySession(person = applicant(), verify = true) {
	const { data } = await customer.POST("/v2.5/client-id/{client_id}/widget/init", {
		params: { path: { client_id } },
		body: { flow: "apply", lang: "en", ...person },
	});
	const url = new URL((data?.redirection_url ?? "").replace("#/", ""));
	const widgetSessionId = url.searchParams.get("widget_session_id") ?? "";
	if (verify) {
		await exports.default.fetch(`${SANDBOX_ORIGIN}/widget-api/sessions/${widgetSessionId}/verify`, {
			method: "POST",
			headers: { "content-type": "application/json" },
			body: JSON.stringify({ access_token: token, pin: "2222" }),
		});
	}
	return widgetSessionId;
}

const apply = (body: ReturnType<typeof applicant> & { widget_session_id?: string }, client = customer) =>
	client.POST("/v2.5/client-id/{client_id}/apply", { params: { path: { client_id } }, body });

describe("POST /apply after the widget's apply flow", () => {
	it("approves a verified applicant and opens a Normal account", async () => {
		const widget_session_id = await widgetApplySession();
		const { data } = await apply({ ...applicant(), widget_session_id });
		expect(data).toMatchObject({ application_status: "approved", credit_limit: 3000 });
		expect(String(data?.account_number)).toMatch(/^\d{14}$/);
	});

	it("refuses before the widget verified the applicant: not_verified", async () => {
		const widget_session_id = await widgetApplySession(applicant(), false);
		const { error } = await apply({ ...applicant(), widget_session_id });
		expect(error).toMatchObject({ error: "not_verified" });
	});

	it("refuses a person other than the one the widget verified: not_verified", async () => {
		const widget_session_id = await widgetApplySession();
		const { error } = await apply({ ...applicant("Someoneelse"), widget_session_id });
		expect(error).toMatchObject({ error: "not_verified" });
	});

	it("refuses another token than the flow's: not_verified", async () => {
		const widget_session_id = await widgetApplySession();
		const other = sandboxClient((await mintToken("customer")).access_token);
		const { error } = await apply({ ...applicant(), widget_session_id }, other);
		expect(error).toMatchObject({ error: "not_verified" });
	});

	it("needs the terms accepted: tos_agreement_required", async () => {
		const merchant = sandboxClient((await mintToken("merchant")).access_token);
		const { error } = await apply({ ...applicant(), tos_agreement: false }, merchant);
		expect(error).toMatchObject({ error: "tos_agreement_required" });
	});

	it("refuses someone who already has an account: customer_already_exists", async () => {
		const merchant = sandboxClient((await mintToken("merchant")).access_token);
		const jane = applicant("Doe");
		jane.customer_identification.personal_information = {
			first_name: "Jane",
			last_name: "Doe",
			dob: "1985-04-12",
			postal_code: "M5X1A9",
		};
		const { error } = await apply(jane, merchant);
		expect(error).toMatchObject({ error: "customer_already_exists" });
	});

	it("decides by last name in the sandbox: Declined and Pending", async () => {
		const merchant = sandboxClient((await mintToken("merchant")).access_token);
		expect((await apply(applicant("Declined"), merchant)).data).toEqual({ application_status: "declined" });
		expect((await apply(applicant("Pending"), merchant)).data).toEqual({ application_status: "pending" });
	});

	it("takes an in-store application with a merchant token and no widget", async () => {
		const merchant = sandboxClient((await mintToken("merchant")).access_token);
		const { data } = await apply(applicant(), merchant);
		expect(data?.application_status).toBe("approved");
	});
});
