/**
 * The Online API's operations in the sandbox, one handler per spec operation (the map is typed by
 * the spec, so a missing one does not compile): `systems/init` opens a hosted session, the
 * notifications answer its outcome, the payment calculator answers from the same plans as
 * `calculate-interest`.
 */
import { refuse } from "../operation.ts";
import { promotionalTerm } from "../operations/customers.ts";
import type { OnlineSession, Plan, World } from "../world.ts";
import { type OnlineCall, type OnlineHandlers, type OnlineResult, ok } from "./operation.ts";
import { answeredId, DIGITS, hostedPageUrl } from "./session.ts";

/** The plans a new Flexiti account gets in the sandbox (see operations/online.ts): what a product page may advertise. */
const ADVERTISED_PLAN_IDS = [1, 4, 5];

export const onlineHandlers: OnlineHandlers = {
	initHostedCheckout: (call) => startSession(call, normalizeFlow(call.body.flow)),
	// The apply-only path: Inferred that it is an application whatever `flow` says.
	initHostedApplication: (call) => startSession(call, "apply"),

	getPaymentCalculator({ world, query, lang }) {
		const best = asLowAs(world, query.price);
		if (!best) return refuse("not_found", 404, "No plan is advertised for this client");
		const monthly = best.monthly.toFixed(2);
		const months = String(best.term);
		return ok({
			htmlRender:
				lang === "fr"
					? `<span class="flexiti-calculator">À partir de ${monthly.replace(".", ",")} $/mois pendant ${months} mois</span>`
					: `<span class="flexiti-calculator">As low as $${monthly}/month for ${months} months</span>`,
			paymentPlan: { monthlyPayment: monthly, months },
		});
	},

	getNotificationByOrderId({ world, clientId, path }) {
		return notificationOf(world.onlineSessions[path.orderId], clientId);
	},

	getNotificationByMerchantOrderId({ world, clientId, path }) {
		// Inferred: several sessions for one merchant order id → the latest one's outcome.
		const latest = Object.values(world.onlineSessions)
			.filter((s) => s.client_id === clientId && s.merchant_order_id === path.merchantOrderId)
			.sort(newestFirst)[0];
		return notificationOf(latest, clientId);
	},
};

function startSession(
	{ world, body, clientId, now, origin }: Omit<OnlineCall<"initHostedCheckout">, "path" | "query" | "token">,
	flow: OnlineSession["flow"],
): OnlineResult<"initHostedCheckout"> {
	const session: OnlineSession = {
		online_order_id: nextOnlineOrderId(world),
		client_id: clientId,
		flow,
		lang: body.lang.toLowerCase().startsWith("fr") ? "fr" : "en",
		amount: body.amount_requested,
		// Both spellings are read (docs: merchant_orderid; hyperswitch, FlexitiSDK: merchant_order_id).
		merchant_order_id: body.merchant_orderid ?? body.merchant_order_id ?? null,
		init: body as unknown as Record<string, unknown>,
		page_key: crypto.randomUUID().replaceAll("-", ""),
		created_at: now,
		notification: null,
	};
	world.onlineSessions[session.online_order_id] = session;
	return ok({ online_order_id: answeredId(session.online_order_id), redirection_url: hostedPageUrl(origin, session) });
}

/** A session's id: from the sequence, or the one a test asked for (digits go on from it; anything else is once). */
function nextOnlineOrderId(world: World): string {
	world.sequence += 1;
	const asked = world.settings.next_online_order_id;
	if (asked === undefined) return String(130_000 + world.sequence);
	if (DIGITS.test(asked)) world.settings.next_online_order_id = (BigInt(asked) + 1n).toString();
	else delete world.settings.next_online_order_id;
	return asked;
}

/** The newest session first: the highest id (a malformed one counts as none). */
function newestFirst(a: OnlineSession, b: OnlineSession): number {
	const [first, second] = [a, b].map((s) => (DIGITS.test(s.online_order_id) ? BigInt(s.online_order_id) : 0n));
	return second === first ? 0 : (second ?? 0n) > (first ?? 0n) ? 1 : -1;
}

/** `Apply`, `apply`, `Apply/Buy`, `apply/buy`, …: the docs' and hyperswitch's spellings mean the same. */
function normalizeFlow(flow: string): OnlineSession["flow"] {
	const lower = flow.toLowerCase();
	return lower === "apply" ? "apply" : lower === "buy" ? "buy" : "apply/buy";
}

function notificationOf(
	session: OnlineSession | undefined,
	clientId: string,
): OnlineResult<"getNotificationByOrderId"> {
	if (!session || session.client_id !== clientId) return refuse("not_found", 404);
	// Inferred: no notification until the session has an outcome.
	if (!session.notification) return refuse("not_found", 404, "This session has no outcome yet");
	return ok(session.notification as never);
}

/** The smallest monthly payment of the advertised plans for this price: the "as low as" figure. */
function asLowAs(world: World, price: number) {
	const plans = ADVERTISED_PLAN_IDS.map((id) => world.plans[id]).filter((p): p is Plan => p !== undefined);
	const terms = plans.flatMap((plan) =>
		plan.terms.map((term) => ({ term, monthly: promotionalTerm(plan, term, price).term_amount ?? price })),
	);
	return terms.sort((a, b) => a.monthly - b.monthly || b.term - a.term)[0];
}
