/**
 * The sandbox's hosted checkout page (what the Online API's `redirection_url` opens). Plain HTML
 * forms, no script: the forms post with `target="_top"`, so in a merchant's modal (an iframe) the
 * final redirect replaces the merchant's page, as Flexiti's does. Stable ids for tests:
 * `#account-number`, `#pin`, `#pay`, `#first-name`, `#last-name`, `#dob`, `#apply`, `#cancel`, `#message`.
 */
import { html } from "hono/html";
import type { OnlineSession } from "../world.ts";

const text = {
	en: {
		title: "Flexiti checkout (sandbox)",
		amount: "Amount",
		buy: "I have a Flexiti account",
		account: "Account number",
		pin: "PIN (2222 in the sandbox)",
		pay: "Pay with Flexiti",
		apply: "Apply for Flexiti",
		first: "First name",
		last: "Last name (Declined or Pending to see those decisions)",
		dob: "Date of birth (YYYY-MM-DD)",
		submitApply: "Apply",
		cancel: "Cancel and return to the store",
	},
	fr: {
		title: "Paiement Flexiti (bac à sable)",
		amount: "Montant",
		buy: "J'ai un compte Flexiti",
		account: "Numéro de compte",
		pin: "NIP (2222 dans le bac à sable)",
		pay: "Payer avec Flexiti",
		apply: "Demander un compte Flexiti",
		first: "Prénom",
		last: "Nom (Declined ou Pending pour ces décisions)",
		dob: "Date de naissance (AAAA-MM-JJ)",
		submitApply: "Faire la demande",
		cancel: "Annuler et retourner au magasin",
	},
} as const;

const styles = `
	body { margin: 0; font: 15px/1.45 system-ui, sans-serif; color: #14213d; background: #f3f5f9; }
	main { max-width: 420px; margin: 24px auto; background: #fff; border: 1px solid #d9dee7; border-radius: 12px; padding: 20px 24px; }
	fieldset { border: 1px solid #d9dee7; border-radius: 8px; margin: 0 0 14px; }
	label { display: block; margin: 6px 0 2px; font-weight: 600; }
	input { width: 100%; box-sizing: border-box; font: inherit; padding: 6px 8px; }
	button { margin-top: 10px; font: inherit; font-weight: 600; padding: 8px 12px; }
	#message { color: #b3261e; min-height: 1.4em; }
`;

export function hostedPage(session: OnlineSession, message = "") {
	const t = text[session.lang];
	const action = `/online-checkout/${session.online_order_id}`;
	const key = html`<input type="hidden" name="key" value="${session.page_key}">`;
	const init = session.init as Record<string, string | undefined>;
	const buy =
		session.flow === "apply"
			? ""
			: html`<form method="post" action="${action}" target="_top"><fieldset><legend>${t.buy}</legend>${key}
	<input type="hidden" name="action" value="buy">
	<label for="account-number">${t.account}</label><input id="account-number" name="account_number" inputmode="numeric" autocomplete="off">
	<label for="pin">${t.pin}</label><input id="pin" name="pin" type="password" inputmode="numeric" autocomplete="one-time-code">
	<button id="pay" type="submit">${t.pay}</button></fieldset></form>`;
	const apply =
		session.flow === "buy"
			? ""
			: html`<form method="post" action="${action}" target="_top"><fieldset><legend>${t.apply}</legend>${key}
	<input type="hidden" name="action" value="apply">
	<label for="first-name">${t.first}</label><input id="first-name" name="first_name" value="${init.fname ?? ""}">
	<label for="last-name">${t.last}</label><input id="last-name" name="last_name" value="${init.lname ?? ""}">
	<label for="dob">${t.dob}</label><input id="dob" name="dob" value="${init.dob ?? ""}">
	<button id="apply" type="submit">${t.submitApply}</button></fieldset></form>`;
	return html`<!doctype html>
<html lang="${session.lang}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${t.title}</title><style>${styles}</style></head>
<body><main>
<h1>${t.title}</h1>
<p>${t.amount}: <strong id="amount">$${session.amount.toFixed(2)}</strong></p>
<p id="message" role="alert">${message}</p>
${buy}
${apply}
<form method="post" action="${action}" target="_top">${key}<input type="hidden" name="action" value="cancel">
<button id="cancel" type="submit">${t.cancel}</button></form>
</main></body></html>`;
}

/** A page for what cannot go on (unknown, complete or expired session), or a finished session with no redirection URL configured. */
export function hostedNotice(message: string) {
	return html`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Flexiti checkout (sandbox)</title></head>
<body><main><p id="message" role="alert">${message}</p></main></body></html>`;
}
