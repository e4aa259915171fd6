/**
 * `GET /v1/promotional-message`: the "as low as $X/month" a product page shows, answered from the
 * edge's cache of Flexiti's Online API payment calculator (flexiti/promo-cache.ts). Public: a
 * storefront sends a price, a language and its publishable client id; the Online API token and the
 * client secret stay here. When there is no message to show, 204, so a page never shows an error.
 */
import type { Context } from "hono";
import { cents } from "../../contract/money.ts";
import { edgeConfig } from "../core/config.ts";
import type { EdgeEnv } from "../core/context.ts";
import { EdgeError } from "../core/errors.ts";
import { onlineClient, onlineTokens, withOnlineToken } from "../flexiti/call-flexiti-online.ts";
import { type PromoAnswer, promoCache } from "../flexiti/promo-cache.ts";
import { edgeOperation } from "./edge-operation.ts";

/** Browsers may keep an answer this long too (a page's price rarely changes within minutes). */
const BROWSER_MAX_AGE_SECONDS = 300;

export const promotionalMessage = edgeOperation("getPromotionalMessage", async (c, { query }, reply) => {
	const config = edgeConfig(c.env);
	const clientId = query.client_id ?? config.clientIds[0];
	if (!clientId || !config.clients.has(clientId))
		throw new EdgeError("unknown_client", `Client ${clientId} is not configured`);
	const lang = query.lang ?? "en";
	const amount = query.amount;
	c.get("log").client_id = clientId;

	const waitUntil = (promise: Promise<unknown>) => c.executionCtx.waitUntil(promise);
	const tokens = onlineTokens(c.env, clientId, waitUntil);
	const { answer, source } = await promoCache.lookup(`${clientId}:${lang}:${cents(amount)}`, {
		cache: typeof caches === "undefined" ? undefined : caches.default,
		now: Date.now,
		freshMs: config.promoCacheSeconds * 1000,
		timeoutMs: config.promoTimeoutMs,
		waitUntil,
		fetchAnswer: () => askFlexiti(c, clientId, amount, lang, tokens),
	});
	if (!answer) return reply(204, null, { "x-promo-cache": source, "cache-control": "no-store" });
	return reply(
		200,
		{
			client_id: clientId,
			amount,
			lang,
			monthly_payment: answer.monthlyPayment,
			months: answer.months,
			text: promoText(answer.monthlyPayment, lang),
		},
		{ "x-promo-cache": source, "cache-control": `public, max-age=${BROWSER_MAX_AGE_SECONDS}` },
	);
});

/** Flexiti's calculator: a plan, or none when Flexiti does not advertise one for this price (404/409). */
async function askFlexiti(
	c: Context<EdgeEnv>,
	clientId: string,
	price: number,
	lang: "en" | "fr",
	tokens: ReturnType<typeof onlineTokens>,
): Promise<PromoAnswer> {
	const { data, response } = await withOnlineToken(tokens, (authorization) =>
		onlineClient(c.env).GET("/online/v2/client-id/{clientId}/systems/payment-calculator", {
			params: { path: { clientId }, query: { clientId, price, lang } },
			headers: { authorization },
		}),
	);
	if (data) {
		const monthlyPayment = Number(data.paymentPlan.monthlyPayment);
		const months = Number(data.paymentPlan.months);
		return Number.isFinite(monthlyPayment) && monthlyPayment > 0 && Number.isInteger(months) && months > 0
			? { monthlyPayment, months }
			: null;
	}
	if (response.status === 404 || response.status === 409) return null;
	throw new Error(`payment-calculator answered ${response.status}`);
}

/** The page's text, in the shopper's language (the edge's own words; Flexiti's HTML is never passed on). */
export function promoText(monthly: number, lang: "en" | "fr"): string {
	return lang === "fr"
		? `À partir de ${monthly.toFixed(2).replace(".", ",")} $/mois`
		: `As low as $${monthly.toFixed(2)}/month`;
}
