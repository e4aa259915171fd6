/**
 * The widget's side of a session: the page shows the customer a PIN prompt and reports the outcome
 * to the merchant's page as Flexiti's widget does, with `flx-success` / `flx-failure` / `flx-cancel`.
 * The PIN is 2222, as in Flexiti's training environment.
 */
import { SANDBOX_PIN } from "../seed.ts";
import type { World } from "../world.ts";
import type { WidgetMessage } from "./widget-script.ts";

/** What verifying yields for the page to post: a success (verified or not) or a failure — never a cancel. */
export type WidgetOutcome = Exclude<WidgetMessage, { event: "flx-cancel" }>;

/** What the page needs to show before the customer verifies. */
export function describeSession(world: World, id: string, accessToken: string, now: number) {
	const session = liveSession(world, id, accessToken, now);
	if ("error" in session) return session;
	const account = session.account_number ? world.accounts[session.account_number] : undefined;
	return {
		flow: session.flow,
		lang: session.lang,
		verified: session.verified,
		customer: account ? `${account.first_name} ${account.last_name.slice(0, 1)}.` : null,
	};
}

/** The customer entered a PIN: verify them, and say what the page must post to its parent. */
export function verifyWidgetSession(
	world: World,
	id: string,
	accessToken: string,
	pin: string,
	now: number,
): WidgetOutcome {
	const session = liveSession(world, id, accessToken, now);
	if ("error" in session) return { event: "flx-failure", eventData: session };

	const account = session.account_number ? world.accounts[session.account_number] : undefined;
	if (session.flow === "purchase" && !account) {
		return { event: "flx-failure", eventData: { error: 404, message: "No Flexiti account matches this customer" } };
	}
	const verified = pin.trim() === String(SANDBOX_PIN);
	session.verified = session.verified || verified;
	session.mfa = "sms";
	// A derogatory account (not N) verifies, but the action is null: the customer cannot proceed.
	const action = session.flow === "apply" ? "apply" : account?.status === "N" ? "purchase" : null;
	return {
		event: "flx-success",
		eventData: {
			accountNumber: account ? Number(account.account_number) : null,
			verified,
			action,
			mfaOptionSelected: "sms",
			widget_session_id: session.widget_session_id,
			customerId: account ? `${account.customer_id}-${account.account_number.slice(-5)}` : null,
			accountType: session.account_type,
		},
	};
}

function liveSession(world: World, id: string, accessToken: string, now: number) {
	const session = world.widgetSessions[id];
	if (!session || session.access_token !== accessToken) return { error: 404, message: "Unknown widget session" };
	// The flow stays alive while any token refreshed from the one in the widget URL is.
	const alive = Object.values(world.tokens).some((t) => t.flow === accessToken && t.expires_at > now);
	if (!alive) return { error: 401, message: "The session's access token has expired" };
	return session;
}
