/**
 * Money movement: authorize, capture, release, return, refund, in-store transactions, and the
 * look-ups a merchant reconciles with. Each rule answers with the error code Flexiti documents.
 */
import type { components } from "../../../generated/flexiti-pos-api.ts";
import { type FlexitiId, idKey, idOf } from "../../contract/lossless-json.ts";
import { add, subtract } from "../../contract/money.ts";
import { findAccount, purchaseRefusal, vccMatches } from "../accounts.ts";
import { type OperationCall, type OperationHandlers, ok, type Refusal, refuse, wrongInput } from "../operation.ts";
import type { Account, Authorization, Capture, World } from "../world.ts";
import { plansOf } from "./customers.ts";

type Schemas = components["schemas"];

const DAY = 24 * 60 * 60 * 1000;
/** "Returns only within 100 days of capture." */
const RETURN_WINDOW_DAYS = 100;
/** "$10,000 per day of payments on an account." */
const DAILY_PAYMENT_LIMIT = 10000;

export const purchaseOperations: Pick<
	OperationHandlers,
	| "createAuthorization"
	| "captureAuthorization"
	| "releaseAuthorization"
	| "returnCapture"
	| "refundAccount"
	| "createTransaction"
	| "listAuthorizations"
	| "getAuthorization"
	| "listCaptures"
> = {
	createAuthorization(call) {
		const { world, body, clientId, now } = call;
		const account = findAccount(world, body.account_number);
		if (!account) return refuse("not_found", 404);
		if (!vccMatches(account, body.vcc_number)) return refuse("vcc_account_mismatch");
		const refusal =
			purchaseRefusal(account) ??
			customerVerification(call, account) ??
			financingRefusal(world, account, body.financing_option);
		if (refusal) return refusal;
		if (!body.auto_capture && !world.clients[clientId]?.pre_authorization) return refuse("auth_not_allowed");
		if (body.amount > account.available_credit) return refuse("credit_exceeded");

		const authorization = openAuthorization(world, clientId, account, body, now);
		return ok(toAuthorization(world, authorization));
	},

	captureAuthorization({ world, path, body, clientId, now }) {
		const authorization = findAuthorization(world, clientId, path.authorization_id);
		if (!authorization) return refuse("not_found", 404);
		const refusal = openAuthorizationRefusal(authorization);
		if (refusal) return refusal;
		if (body.amount > remaining(authorization)) return refuse("auth_amount_exceeded");
		const captured = capture(world, authorization, body.amount, body.reference ?? authorization.reference, now);
		return ok(toCapture(world, captured));
	},

	releaseAuthorization({ world, path, body, clientId }) {
		const authorization = findAuthorization(world, clientId, path.authorization_id);
		if (!authorization) return refuse("not_found", 404);
		const refusal = openAuthorizationRefusal(authorization);
		if (refusal) return refusal;
		// Inferred: no amount releases everything not yet captured.
		const amount = body?.amount ?? remaining(authorization);
		if (amount > remaining(authorization)) return refuse("auth_amount_exceeded");
		authorization.released_amount = add(authorization.released_amount, amount);
		const account = findAccount(world, authorization.account_number);
		if (account) account.available_credit = add(account.available_credit, amount);
		if (remaining(authorization) === 0)
			authorization.status = authorization.captured_amount > 0 ? "closed" : "released";
		return ok({
			authorization_id: authorization.authorization_id,
			amount,
			remaining_authorization_amount: remaining(authorization),
			authorization_status: authorization.status,
		});
	},

	returnCapture({ world, path, body, clientId, now }) {
		const authorization = findAuthorization(world, clientId, path.authorization_id);
		const captured = world.captures[Number(path.capture_id)];
		if (!authorization || !captured || idKey(captured.authorization_id) !== idKey(authorization.authorization_id)) {
			return refuse("not_found", 404);
		}
		const account = findAccount(world, captured.account_number);
		if (!account || !vccMatches(account, body.vcc_number)) return refuse("not_found", 404);
		if (captured.transaction_type !== "promotional_purchase") return refuse("wrong_transaction_type");
		if (now - Date.parse(captured.date) > RETURN_WINDOW_DAYS * DAY) return refuse("return_date_exceeded");
		const amount = body.full_return ? remainingOfCapture(captured) : body.amount;
		if (amount === undefined) return wrongInput("amount", "required unless full_return is true");
		if (amount > remainingOfCapture(captured) || amount <= 0) return refuse("capture_amount_exceeded");

		captured.returned_amount = add(captured.returned_amount, amount);
		account.available_credit = Math.min(account.credit_limit, add(account.available_credit, amount));
		return ok({
			return_id: 5_000_000 + nextId(world),
			reference: body.reference ?? captured.reference ?? "",
			capture_id: captured.capture_id,
			date: new Date(now).toISOString(),
			amount,
			remaining_capture_amount: remainingOfCapture(captured),
			remaining_authorization_amount: remaining(authorization),
		});
	},

	refundAccount({ world, path, body, clientId }) {
		const account = findAccount(world, path.account_number);
		if (!account) return refuse("not_found", 404);
		if (!vccMatches(account, body.vcc_number)) return refuse("vcc_account_mismatch");
		const captured = world.captures[body.capture_id];
		if (!captured || captured.client_id !== clientId || captured.account_number !== account.account_number) {
			return refuse("not_found", 404);
		}
		if (body.amount > remainingOfCapture(captured)) return refuse("refunds_limit_exceeded_amount");
		captured.refunded_amount = add(captured.refunded_amount, body.amount);
		account.available_credit = Math.min(account.credit_limit, add(account.available_credit, body.amount));
		return ok({});
	},

	createTransaction(call) {
		const { world, body, now } = call;
		const account = Object.values(world.accounts).find(
			(a) =>
				(body.account_number !== undefined && a.account_number === String(body.account_number)) ||
				(body.vcc_number !== undefined && a.vcc_number === body.vcc_number) ||
				(body.customer_id !== undefined && a.customer_id === body.customer_id),
		);
		if (!account) return refuse("not_found", 404);
		if (body.vcc_number !== undefined && !vccMatches(account, body.vcc_number)) return refuse("vcc_account_mismatch");
		if (["F", "Z", "C"].includes(account.status)) return refuse("user_not_active");
		const verification = verificationRefusal(
			call,
			account,
			body.verification_code,
			body.request_id,
			"wrong_verification_code",
		);
		if (verification) return verification;

		const since = now - DAY;
		account.payments = account.payments.filter((p) => p.at >= since);
		const paidToday = account.payments.reduce((sum, p) => add(sum, p.amount), 0);
		if (add(paidToday, body.amount) > DAILY_PAYMENT_LIMIT) return refuse("limit_payment_amount_24");
		account.payments.push({ at: now, amount: body.amount });
		account.available_credit = Math.min(account.credit_limit, add(account.available_credit, body.amount));
		return ok({
			transaction_id: 7_000_000 + nextId(world),
			transaction_type: body.transaction_type,
			account_number: Number(account.account_number),
			amount: body.amount,
			date: new Date(now).toISOString(),
		});
	},

	listAuthorizations({ world, clientId, query }) {
		const q = query as Record<string, string | number | undefined>;
		const items = Object.values(world.authorizations).filter(
			(a) =>
				a.client_id === clientId &&
				(q.account_number === undefined || a.account_number === String(q.account_number)) &&
				(q.transaction_type === undefined || a.transaction_type === q.transaction_type) &&
				(q.authorization_status === undefined || a.status === q.authorization_status) &&
				withinDates(a.creation_date, q.creation_date_from, q.creation_date_to),
		);
		return ok(
			page(
				items.map((a) => toAuthorization(world, a)),
				q,
			),
		);
	},

	getAuthorization({ world, clientId, path }) {
		const authorization = findAuthorization(world, clientId, path.authorization_id);
		return authorization ? ok(toAuthorization(world, authorization)) : refuse("not_found", 404);
	},

	listCaptures({ world, clientId, query }) {
		const q = query as Record<string, string | number | undefined>;
		const items = Object.values(world.captures).filter(
			(c) =>
				c.client_id === clientId &&
				(q.account_number === undefined || c.account_number === String(q.account_number)) &&
				(q.authorization_id === undefined || idKey(c.authorization_id) === idKey(q.authorization_id)) &&
				withinDates(c.date, q.capture_date_from, q.capture_date_to),
		);
		return ok(
			page(
				items.map((c) => toCapture(world, c)),
				q,
			),
		);
	},
};

/**
 * Opens an authorization on an account whose customer is verified and whose credit suffices (the
 * caller checked both): the POS API's `/authorization`, and a purchase on the Online API's hosted page.
 */
export function openAuthorization(
	world: World,
	clientId: string,
	account: Account,
	body: Pick<Schemas["AuthorizationRequest"], "amount" | "reference" | "financing_option" | "auto_capture">,
	now: number,
): Authorization {
	const authorization: Authorization = {
		authorization_id: nextAuthorizationId(world),
		client_id: clientId,
		account_number: account.account_number,
		reference: body.reference ?? null,
		status: "opened",
		transaction_type: body.financing_option.transaction_type,
		plan_id: body.financing_option.plan_id ?? null,
		term: body.financing_option.term ?? null,
		amount: body.amount,
		captured_amount: 0,
		released_amount: 0,
		auto_capture: body.auto_capture,
		creation_date: new Date(now).toISOString(),
		capture_ids: [],
	};
	world.authorizations[idKey(authorization.authorization_id)] = authorization;
	account.available_credit = subtract(account.available_credit, body.amount);
	if (body.auto_capture) capture(world, authorization, body.amount, body.reference ?? null, now);
	return authorization;
}

/**
 * Who the customer is, proven. Online (customer-scope token, after the widget): a verified widget
 * session of this token for this account, and no PIN. In store (merchant token): the PIN that
 * /verify issued under the same request_id — or a verified widget session when the merchant's back
 * office completes an online purchase.
 */
function customerVerification(call: OperationCall<"createAuthorization">, account: Account): Refusal | undefined {
	const { world, body, token, clientId } = call;
	const online = token?.scope === "customer" || body.widget_session_id !== undefined;
	if (!online) {
		if (body.verification_code === undefined) return wrongInput("verification_code", "required");
		return verificationRefusal(call, account, body.verification_code, body.request_id, "not_verified");
	}
	if (body.verification_code !== undefined) {
		return wrongInput("verification_code", "must not be sent for the online channel", body.verification_code);
	}
	const sessions = Object.values(world.widgetSessions).filter(
		(s) =>
			s.client_id === clientId &&
			s.verified &&
			s.account_number === account.account_number &&
			(token?.scope !== "customer" || s.access_token === token.flow),
	);
	if (sessions.length === 0) return refuse("customer_identity_not_found", 404);
	if (body.widget_session_id && !sessions.some((s) => s.widget_session_id === body.widget_session_id)) {
		return refuse("not_verified");
	}
	return undefined;
}

/** A PIN from /verify, for this account, under the same request_id, used once. */
function verificationRefusal(
	{ world, clientId }: { world: World; clientId: string },
	account: Account,
	code: string | number,
	requestId: string | undefined,
	wrongCode: string,
): Refusal | undefined {
	if (requestId === undefined) return wrongInput("request_id", "required in store");
	const verification = world.verifications[`${clientId} ${requestId}`];
	if (!verification || verification.used || verification.account_number !== account.account_number) {
		return refuse("not_verified");
	}
	if (String(verification.verification_code) !== String(code)) return refuse(wrongCode);
	verification.used = true;
	return undefined;
}

function financingRefusal(world: World, account: Account, option: Schemas["FinancingOption"]): Refusal | undefined {
	if (option.transaction_type !== "promotional_purchase") return undefined;
	if (option.plan_id === undefined || option.term === undefined) return refuse("plan_term_not_set");
	const plan = plansOf(world, account).find((p) => p.plan_id === option.plan_id);
	if (!plan?.terms.includes(option.term)) return refuse("plan_term_not_available");
	return undefined;
}

/** The path's id is text: read as digits, never as a JavaScript number (it can pass 2^53). */
function findAuthorization(world: World, clientId: string, id: string): Authorization | undefined {
	if (!/^[0-9]+$/.test(id)) return undefined;
	const authorization = world.authorizations[idKey(id)];
	return authorization?.client_id === clientId ? authorization : undefined;
}

/** Capture and release need an authorization that is still open. */
function openAuthorizationRefusal(authorization: Authorization): Refusal | undefined {
	if (authorization.status === "unauthorized") return refuse("not_permitted");
	if (authorization.status !== "opened") return refuse("authorization_ended");
	return undefined;
}

function remaining(a: Authorization): number {
	return subtract(subtract(a.amount, a.captured_amount), a.released_amount);
}

function remainingOfCapture(c: Capture): number {
	return subtract(subtract(c.amount, c.returned_amount), c.refunded_amount);
}

/** Records a capture at Flexiti (the POS API's capture, and the admin route that makes one outside the edge). */
export function capture(
	world: World,
	authorization: Authorization,
	amount: number,
	reference: string | null,
	now: number,
) {
	const captured: Capture = {
		capture_id: 100_000 + nextId(world),
		authorization_id: authorization.authorization_id,
		client_id: authorization.client_id,
		account_number: authorization.account_number,
		reference,
		transaction_type: authorization.transaction_type,
		amount,
		returned_amount: 0,
		refunded_amount: 0,
		date: new Date(now).toISOString(),
	};
	world.captures[captured.capture_id] = captured;
	authorization.capture_ids.push(captured.capture_id);
	authorization.captured_amount = add(authorization.captured_amount, amount);
	if (remaining(authorization) === 0) authorization.status = "closed";
	return captured;
}

/** An authorization's id: from the sequence, or the id a test asked for (which may pass 2^53: a bigint). */
function nextAuthorizationId(world: World): FlexitiId {
	const asked = world.settings.next_authorization_id;
	if (asked === undefined) return 1_000_000 + nextId(world);
	world.settings.next_authorization_id = (BigInt(asked) + 1n).toString();
	return idOf(asked);
}

function nextId(world: World): number {
	world.sequence += 1;
	return world.sequence;
}

function toCapture(world: World, c: Capture): Schemas["Capture"] {
	const authorization = world.authorizations[idKey(c.authorization_id)];
	return {
		capture_id: c.capture_id,
		authorization_id: c.authorization_id,
		account_number: Number(c.account_number),
		...(c.reference ? { reference: c.reference } : {}),
		date: c.date,
		amount: c.amount,
		remaining_capture_amount: remainingOfCapture(c),
		...(authorization
			? { remaining_authorization_amount: remaining(authorization), authorization_status: authorization.status }
			: {}),
	};
}

function toAuthorization(world: World, a: Authorization): Schemas["Authorization"] {
	return {
		authorization_id: a.authorization_id,
		account_number: Number(a.account_number),
		...(a.reference ? { reference: a.reference } : {}),
		status: a.status,
		transaction_type: a.transaction_type,
		...(a.plan_id !== null ? { plan_id: a.plan_id } : {}),
		...(a.term !== null ? { term: a.term } : {}),
		amount: a.amount,
		captured_amount: a.captured_amount,
		released_amount: a.released_amount,
		remaining_authorization_amount: remaining(a),
		auto_capture: a.auto_capture,
		creation_date: a.creation_date,
		captures: a.capture_ids.map((id) => world.captures[id]).flatMap((c) => (c ? [toCapture(world, c)] : [])),
	};
}

function withinDates(iso: string, from: unknown, to: unknown): boolean {
	const day = iso.slice(0, 10);
	return (typeof from !== "string" || day >= from) && (typeof to !== "string" || day <= to);
}

function page<T>(items: T[], query: Record<string, unknown>) {
	const pageNumber = typeof query.page_number === "number" ? query.page_number : 1;
	const pageSize = typeof query.page_size === "number" ? query.page_size : 20;
	return {
		page_number: pageNumber,
		page_size: pageSize,
		total: items.length,
		items: items.slice((pageNumber - 1) * pageSize, pageNumber * pageSize),
	};
}
