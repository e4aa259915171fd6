/**
 * The sandbox's world: Flexiti's side of things (clients, accounts, tokens, authorizations,
 * captures) as plain data. It lives in one Durable Object (see sandbox-world.ts), which is the
 * only writer, so every operation sees and leaves a consistent world.
 */
import type { FlexitiId } from "../contract/lossless-json.ts";

export type Scope = "merchant" | "customer";
export type AccountStatus = "N" | "A" | "F" | "Z" | "C";
export type TransactionType = "regular_purchase" | "promotional_purchase";

export interface SandboxClient {
	client_id: string;
	client_secret: string;
	merchant_name: string;
	/** Whether the merchant is set up for pre-authorization (else `auth_not_allowed`). */
	pre_authorization: boolean;
	/** Whether the merchant may use `merchant_override` verification. */
	merchant_override: boolean;
}

export interface Plan {
	plan_id: number;
	plan_name: string;
	offer_category: "equal_billing" | "deferred_payment";
	terms: number[];
	/** Annual interest rate of the plan, e.g. 0 for "no interest". */
	rate: number;
}

export interface Account {
	account_number: string;
	customer_id: string;
	vcc_number: string;
	status: AccountStatus;
	status_reason: string;
	account_type: "consumer" | "business";
	risk_rating: string;
	credit_limit: number;
	available_credit: number;
	/** Annual interest rate on regular (revolving) purchases. */
	air: number;
	first_name: string;
	last_name: string;
	dob: string;
	address_1: string;
	address_2?: string;
	city: string;
	province: string;
	postal_code: string;
	phone_number: string;
	email: string;
	security_qid: number;
	security_answer: string;
	preferred_language: "en-CA" | "fr-CA";
	payment_protection: boolean;
	tos_agreement: boolean;
	creation_date: string;
	originating_client_id: string;
	plan_ids: number[];
	/** Timestamps (ms) of wrong security answers, for `tries_exceed`. */
	wrong_answers: number[];
	/** Timestamps (ms) and amounts of payments, for the $10,000/24 h limit. */
	payments: { at: number; amount: number }[];
}

export interface Token {
	access_token: string;
	refresh_token: string;
	client_id: string;
	scope: Scope;
	expires_at: number;
	/** A refresh token works once: the refresh rotates it. */
	refreshed: boolean;
	/**
	 * The first access token of this chain of refreshes. Flexiti treats the access token as the
	 * reference of a whole widget flow, refreshed as needed, so a flow is known by its first token.
	 */
	flow: string;
}

export interface WidgetSession {
	widget_session_id: string;
	client_id: string;
	/** The flow (first access token) of the customer token that opened the session. */
	access_token: string;
	flow: "purchase" | "apply";
	lang: string;
	account_number: string | null;
	account_type: "consumer" | "business";
	/** The /widget/init body, which /apply must repeat. */
	init: Record<string, unknown>;
	verified: boolean;
	mfa: "sms" | "email" | "security_question" | null;
	created_at: number;
}

/** A hosted checkout session of the Online API (`systems/init`), and what became of it. */
export interface OnlineSession {
	/**
	 * Its `online_order_id`: digits, answered as a JSON integer (past 2^53 too); or, set through the
	 * `next_online_order_id` setting, anything else, answered as it is (a malformed id, to try a client).
	 */
	online_order_id: string;
	client_id: string;
	flow: "apply" | "buy" | "apply/buy";
	lang: "en" | "fr";
	amount: number;
	merchant_order_id: string | null;
	/** The `systems/init` body (prefill, `customer_id` or `vcc`). */
	init: Record<string, unknown>;
	/** The secret in the hosted page's URL: only whoever holds the redirection_url can drive the page. */
	page_key: string;
	created_at: number;
	/** The session's notification once it has an outcome; null while the shopper is still on the page. */
	notification: Record<string, unknown> | null;
}

/** The Success and Error redirection URLs a client configured (in Flexiti's Developer Portal). */
export interface OnlineRedirects {
	success_url: string;
	error_url: string;
}

export interface Verification {
	request_id: string;
	client_id: string;
	account_number: string;
	verification_code: number;
	used: boolean;
	created_at: number;
}

export interface Authorization {
	authorization_id: FlexitiId;
	client_id: string;
	account_number: string;
	reference: string | null;
	status: "opened" | "closed" | "unauthorized" | "released";
	transaction_type: TransactionType;
	plan_id: number | null;
	term: number | null;
	amount: number;
	captured_amount: number;
	released_amount: number;
	auto_capture: boolean;
	creation_date: string;
	capture_ids: number[];
}

export interface Capture {
	capture_id: number;
	authorization_id: FlexitiId;
	client_id: string;
	account_number: string;
	reference: string | null;
	transaction_type: TransactionType;
	amount: number;
	returned_amount: number;
	refunded_amount: number;
	date: string;
}

export interface Fault {
	/** Its name, for waiting until it strikes (`GET /sandbox/faults/{id}/struck`). */
	id: string;
	/** Operation id, or `*` for every operation. */
	operation: string;
	/** How many more calls it applies to. */
	remaining: number;
	/** How many matching calls to let through first (to fail the second call of a sequence, say). */
	after?: number;
	/** `status`: answer with that status before doing anything; `slow`: wait, then serve;
	 *  `drop`: do the operation, then answer 503 as if the response was lost; `stall`: do the operation
	 *  and send the answer's status and headers, then hold its body for `delay_ms` (default 60 s);
	 *  `echo`: do the operation and answer with the caller's token in the body (`debug_token`), as a
	 *  debugging field might: what the edge must never pass on. */
	kind: "status" | "slow" | "drop" | "stall" | "echo";
	status: number;
	/** The error code to answer with (default: one that fits the status). */
	error?: string;
	retry_after?: number;
	delay_ms?: number;
}

export interface RecordedCall {
	operation: string;
	client_id: string;
	scope: Scope | null;
	status: number;
	reference_id: string | null;
	idempotency_key: string | null;
	/** For the token endpoint: which grant was asked for. */
	grant_type?: string;
	at: string;
}

export interface World {
	clients: Record<string, SandboxClient>;
	accounts: Record<string, Account>;
	plans: Record<number, Plan>;
	tokens: Record<string, Token>;
	/** refresh_token → access_token */
	refreshTokens: Record<string, string>;
	widgetSessions: Record<string, WidgetSession>;
	/** Online API sessions by `online_order_id`. */
	onlineSessions: Record<string, OnlineSession>;
	/** Online API redirection URLs by client id (none until set through /sandbox/online/redirects). */
	onlineRedirects: Record<string, OnlineRedirects>;
	verifications: Record<string, Verification>;
	/** By id's digits (`idKey`): an authorization id can pass 2^53. */
	authorizations: Record<string, Authorization>;
	captures: Record<number, Capture>;
	/** `${client_id} ${operationId} ${key}` → the first successful response */
	idempotency: Record<string, { status: number; body: unknown; contextHash: string | null }>;
	faults: Fault[];
	calls: RecordedCall[];
	/** Calls counted by `${operation} ${scope}` since the last reset (the call log keeps only the latest). */
	counts: Record<string, number>;
	settings: {
		token_ttl_seconds: number;
		clock_offset_ms: number;
		/** The next authorization's id (digits), then one more each time; unset: 1000000 plus the world's sequence. */
		next_authorization_id?: string;
		/**
		 * The next hosted session's `online_order_id`: digits (then one more each time), or anything else
		 * for that one session only. Unset: 130000 plus the world's sequence.
		 */
		next_online_order_id?: string;
	};
	sequence: number;
}
