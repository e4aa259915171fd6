/**
 * The hosted checkout's side of an Online API session: what the shopper does on Flexiti's page
 * (buy with an account and its PIN, apply, or cancel) becomes the session's notification, and the
 * browser goes to the Success or Error redirection URL the client configured.
 *
 * What the redirect carries follows Flexiti's 2017 proof of concept (FlexitiGitHub/magento2-online-
 * payment-POC, Magento/SamplePaymentGateway/README.md): `orderId` and `auth_token`, the token being a
 * bearer for the notifications call. The sandbox hands out a real merchant-scope token there on
 * purpose, so that tests prove the edge never lets it reach a merchant's page.
 */

import { type FlexitiId, idOf } from "../../contract/lossless-json.ts";
import { findAccount, purchaseRefusal } from "../accounts.ts";
import { plansOf } from "../operations/customers.ts";
import { openAccount } from "../operations/online.ts";
import { openAuthorization } from "../operations/purchases.ts";
import { SANDBOX_PIN } from "../seed.ts";
import { issueToken } from "../tokens.ts";
import type { Account, OnlineSession, World } from "../world.ts";

/** Inferred: how long a hosted session stays open (Flexiti documents none; its tokens live 20 minutes). */
export const ONLINE_SESSION_TTL_MS = 30 * 60 * 1000;

export const DIGITS = /^[0-9]+$/;

/** A session's id as Flexiti's docs show it, a JSON integer (a `bigint` past 2^53); a malformed one as it is. */
export function answeredId(id: string): FlexitiId | string {
	return DIGITS.test(id) ? idOf(id) : id;
}

export function hostedPageUrl(origin: string, session: OnlineSession): string {
	const query = new URLSearchParams({ key: session.page_key, lang: session.lang });
	return `${origin}/online-checkout/${session.online_order_id}?${query}`;
}

export type LiveSession = { ok: true; session: OnlineSession } | { ok: false; status: 404 | 410; message: string };

/** The session behind a hosted page's URL, if that URL is the one Flexiti handed out and the session is still open. */
export function liveSession(world: World, id: string, key: string, now: number): LiveSession {
	const session = world.onlineSessions[id];
	if (!session || session.page_key !== key) return { ok: false, status: 404, message: "Unknown checkout session" };
	if (session.notification) return { ok: false, status: 410, message: "This checkout is already complete" };
	if (now - session.created_at > ONLINE_SESSION_TTL_MS) {
		return { ok: false, status: 410, message: "This checkout has expired" };
	}
	return { ok: true, session };
}

export interface HostedForm {
	action: "buy" | "apply" | "cancel";
	account_number?: string;
	pin?: string;
	first_name?: string;
	last_name?: string;
	dob?: string;
}

/** A step that ends the session (the browser is redirected) or asks the shopper again (the page is shown with a message). */
export type HostedStep = { done: true; succeeded: boolean; redirect: string | null } | { done: false; message: string };

export function completeSession(world: World, session: OnlineSession, form: HostedForm, now: number): HostedStep {
	if (form.action === "cancel") return finish(world, session, now, false, purchaseOutcome("Failed"));

	if (form.action === "apply") {
		if (session.flow === "buy") return { done: false, message: "This checkout is for existing Flexiti customers." };
		const [first, last, dob] = [form.first_name?.trim(), form.last_name?.trim(), form.dob?.trim()];
		if (!first || !last || !dob || !/^\d{4}-\d{2}-\d{2}$/.test(dob)) {
			return { done: false, message: "Enter your first name, last name and date of birth (YYYY-MM-DD)." };
		}
		// The sandbox's credit decision is by last name, as for the POS API's /apply.
		const decision = /^declined$/i.test(last) ? "DECLINED" : /^pending$/i.test(last) ? "PENDING" : "SUCCESS";
		if (decision !== "SUCCESS") return finish(world, session, now, false, { apply: { apply_status: decision } });
		const account = openAccount(world, applicationOf(session, first, last, dob), session.client_id, now);
		const apply = { apply: { customer_id: Number(account.customer_id), apply_status: "SUCCESS" } };
		if (session.flow === "apply") return finish(world, session, now, true, apply);
		return buy(world, session, account, now, apply);
	}

	if (session.flow === "apply") return { done: false, message: "This checkout is an application." };
	const account = findAccount(world, form.account_number?.trim()) ?? prefilledAccount(world, session);
	if (!account) return { done: false, message: "No Flexiti account has this number." };
	if ((form.pin ?? "").trim() !== String(SANDBOX_PIN)) return { done: false, message: "Wrong PIN. Try again." };
	return buy(world, session, account, now, {});
}

/** A purchase on the account: an authorization of the session's amount, referenced by the merchant's order id. */
function buy(world: World, session: OnlineSession, account: Account, now: number, before: Record<string, unknown>) {
	if (purchaseRefusal(account) || account.available_credit < session.amount) {
		return finish(world, session, now, false, { ...before, ...purchaseOutcome("Failed") });
	}
	// Inferred: the hosted page offers the account's plans; the sandbox takes its first plan's shortest term.
	const plan = plansOf(world, account)[0];
	const authorization = openAuthorization(
		world,
		session.client_id,
		account,
		{
			amount: session.amount,
			...(session.merchant_order_id ? { reference: session.merchant_order_id } : {}),
			auto_capture: false,
			financing_option: plan
				? { transaction_type: "promotional_purchase", plan_id: plan.plan_id, term: plan.terms[0] as number }
				: { transaction_type: "regular_purchase" },
		},
		now,
	);
	return finish(world, session, now, true, {
		...before,
		transaction_id: authorization.authorization_id,
		purchase: { status: "Success", amount: session.amount, account_number: Number(account.account_number) },
	});
}

function purchaseOutcome(status: "Success" | "Failed") {
	return { purchase: { status } };
}

/** Writes the notification once and says where the browser goes. */
function finish(
	world: World,
	session: OnlineSession,
	now: number,
	succeeded: boolean,
	outcome: Record<string, unknown>,
): HostedStep {
	session.notification = {
		// Inferred: a session with no purchase is known by its online order id.
		transaction_id: answeredId(session.online_order_id),
		flow: session.flow,
		callback_url: "",
		...(session.merchant_order_id ? { merchant_orderid: session.merchant_order_id } : {}),
		...outcome,
		date: new Date(now).toISOString(),
	};
	const configured = world.onlineRedirects[session.client_id];
	if (!configured) return { done: true, succeeded, redirect: null };
	const target = new URL(succeeded ? configured.success_url : configured.error_url);
	target.searchParams.set("orderId", session.online_order_id);
	target.searchParams.set("auth_token", issueToken(world, session.client_id, "merchant", now).access_token);
	return { done: true, succeeded, redirect: target.href };
}

/** Buy needs `customer_id` or `vcc` in the docs; hyperswitch sends neither, so the page also asks for the account. */
function prefilledAccount(world: World, session: OnlineSession): Account | undefined {
	const { customer_id: customerId, vcc } = session.init as { customer_id?: string; vcc?: string };
	return Object.values(world.accounts).find(
		(a) => (customerId !== undefined && a.customer_id === customerId) || (vcc !== undefined && a.vcc_number === vcc),
	);
}

/** The POS API's application body, from the hosted page's form and the session's prefill. */
function applicationOf(session: OnlineSession, first: string, last: string, dob: string) {
	const init = session.init as Record<string, string | undefined>;
	return {
		customer_identification: {
			personal_information: { first_name: first, last_name: last, dob, postal_code: init.postal_code ?? "T2P1J9" },
		},
		address_1: init.address_1 ?? "1 Sandbox Street",
		city: init.city ?? "Calgary",
		province: (init.province ?? "AB") as "AB",
		phone_number: init.phone_number ?? "4035550100",
		email: init.email ?? "applicant@example.com",
	} as Parameters<typeof openAccount>[1];
}
