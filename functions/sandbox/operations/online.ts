/**
 * The online channel: /widget/init opens a widget session bound to the customer token that opened
 * it (Flexiti ties a widget flow to one token), the widget page verifies the customer (see
 * widget/session.ts), and /apply completes an application flow.
 */
import type { components } from "../../../generated/flexiti-pos-api.ts";
import { findAccount } from "../accounts.ts";
import { type OperationHandlers, ok, refuse } from "../operation.ts";
import type { Account, World } from "../world.ts";

type Schemas = components["schemas"];

const sameText = (a: unknown, b: unknown) =>
	typeof a === "string" && typeof b === "string" && a.localeCompare(b, "en", { sensitivity: "base" }) === 0;

export const onlineOperations: Pick<OperationHandlers, "initWidget" | "apply"> = {
	initWidget({ world, body, clientId, token, origin, headers, lang, now }) {
		const identification = body.customer_identification;
		const account = body.flow === "purchase" ? identify(world, identification) : undefined;
		const widgetSessionId = crypto.randomUUID();
		world.widgetSessions[widgetSessionId] = {
			widget_session_id: widgetSessionId,
			client_id: clientId,
			access_token: token?.flow ?? "",
			flow: body.flow,
			lang: body.lang ?? lang,
			// A purchase for someone Flexiti cannot find still opens the widget, which then reports the failure.
			account_number: account?.account_number ?? null,
			account_type: identification.account_type ?? account?.account_type ?? "consumer",
			init: body as unknown as Record<string, unknown>,
			verified: false,
			mfa: null,
			created_at: now,
		};
		const query = new URLSearchParams({
			lang: body.lang ?? lang,
			"x-reference-id": headers.get("x-reference-id") ?? "",
			widget_session_id: widgetSessionId,
		});
		// `{posapi_url}/#/widget/{client_id}/{token}?lang=en&x-reference-id={GUID}&widget_session_id={GUID}`
		return ok({ redirection_url: `${origin}/#/widget/${clientId}/${token?.access_token ?? ""}?${query}` });
	},

	apply({ world, body, clientId, token, now }) {
		const session = body.widget_session_id ? world.widgetSessions[body.widget_session_id] : undefined;
		// Online, the application must follow a verified apply flow of the same token with the same person.
		if (token?.scope === "customer" || body.widget_session_id !== undefined) {
			if (
				!session ||
				session.client_id !== clientId ||
				session.flow !== "apply" ||
				!session.verified ||
				(token?.scope === "customer" && session.access_token !== token.flow)
			) {
				return refuse("not_verified");
			}
			const initPerson = (session.init.customer_identification as Schemas["ApplicantIdentification"] | undefined)
				?.personal_information;
			const person = body.customer_identification.personal_information;
			if (
				!sameText(initPerson?.first_name, person.first_name) ||
				!sameText(initPerson?.last_name, person.last_name) ||
				initPerson?.dob !== person.dob
			) {
				return refuse("not_verified", 409, "The applicant differs from the one the widget verified");
			}
		}
		if (!body.tos_agreement) return refuse("tos_agreement_required");
		const person = body.customer_identification.personal_information;
		const existing = Object.values(world.accounts).find(
			(a) =>
				sameText(a.first_name, person.first_name) && sameText(a.last_name, person.last_name) && a.dob === person.dob,
		);
		if (existing) return refuse("customer_already_exists");

		// The sandbox's credit decision is by last name, so demos can show each outcome.
		if (sameText(person.last_name, "Declined")) return ok({ application_status: "declined" });
		if (sameText(person.last_name, "Pending")) return ok({ application_status: "pending" });

		const account = openAccount(world, body, clientId, now);
		if (session) session.account_number = account.account_number;
		return ok({
			application_status: "approved",
			account_number: Number(account.account_number),
			customer_id: account.customer_id,
			credit_limit: account.credit_limit,
		});
	},
};

/** Who the widget is for: an account number, a FlexitiCard (VCC) number, or a person's name, DOB (and postal code). */
function identify(world: World, identification: Schemas["CustomerIdentification"]): Account | undefined {
	if (identification.account_number !== undefined) return findAccount(world, identification.account_number);
	if (identification.vcc_number !== undefined) {
		return Object.values(world.accounts).find((a) => a.vcc_number === identification.vcc_number);
	}
	const person = identification.personal_information;
	if (!person) return undefined;
	return Object.values(world.accounts).find(
		(a) =>
			sameText(a.first_name, person.first_name) &&
			sameText(a.last_name, person.last_name) &&
			a.dob === person.dob &&
			(person.postal_code === undefined || sameText(a.postal_code, person.postal_code.replace(/\s/g, ""))),
	);
}

export function openAccount(world: World, body: Schemas["ApplyRequest"], clientId: string, now: number): Account {
	world.sequence += 1;
	const number = String(20000000000000 + world.sequence);
	const person = body.customer_identification.personal_information;
	const account: Account = {
		account_number: number,
		customer_id: String(2000000 + world.sequence),
		vcc_number: `5555${number.slice(-12)}`,
		status: "N",
		status_reason: "NNOR",
		account_type: body.customer_identification.account_type ?? "consumer",
		risk_rating: "M",
		credit_limit: 3000,
		available_credit: 3000,
		air: 0.2995,
		first_name: person.first_name,
		last_name: person.last_name,
		dob: person.dob,
		address_1: body.address_1,
		...(body.address_2 ? { address_2: body.address_2 } : {}),
		city: body.city,
		province: body.province,
		postal_code: (person.postal_code ?? "").replace(/\s/g, "").toUpperCase(),
		phone_number: body.phone_number,
		email: body.email,
		security_qid: 7,
		security_answer: "",
		preferred_language: "en-CA",
		payment_protection: false,
		tos_agreement: true,
		creation_date: new Date(now).toISOString().slice(0, 10),
		originating_client_id: clientId,
		plan_ids: [1, 4, 5],
		wrong_answers: [],
		payments: [],
	};
	world.accounts[number] = account;
	return account;
}
