/**
 * The demo store (local only): a merchant site that takes Flexiti through the edge.
 *   GET  /                          the product, "Buy with Flexiti"
 *   POST /buy[?flow=apply][?channel=widget|hosted]  the store's server opens a checkout at the edge (merchant
 *                                   key, typed edge client), by the store's CHECKOUT_CHANNEL unless the page asks
 *   GET  /checkout/:ref             the payment page: `<flexiti-checkout>` from the storefront SDK
 *   POST /checkout/:ref/token       a fresh client token for that page (the SDK's refreshClientToken)
 *   GET  /orders/:ref               the order, paid or not as the edge says
 *   GET  /admin                     every demo order with its ledger (GET /v1/orders/{reference})
 *   POST /admin/orders/:ref/:action ship, cancel or refund: a signed Standard Webhooks event to the edge
 *   POST /flexiti-events            the edge's signed events (EVENT_ENDPOINTS): checkout.authorized marks the order paid
 * Every page is served with a strict Content-Security-Policy: the SDK from the edge, frames only
 * from Flexiti's widget host, connections only to the edge and the store itself.
 */
import { Hono } from "hono";
import { EdgeUnavailable, edgeClient, type OrderEventType, sendOrderEvent, storefrontScript } from "./edge.ts";
import type { DemoEnv } from "./env.ts";
import { receiveEdgeEvent } from "./events.ts";
import { type DemoOrder, findOrder, listOrders, saveOrder } from "./orders.ts";
import {
	adminPage,
	applyPage,
	checkoutPage,
	edgeUnavailablePage,
	money,
	orderPage,
	PRODUCT,
	productPage,
	STYLES,
} from "./pages.ts";

const app = new Hono<{ Bindings: DemoEnv }>();

app.use(async (c, next) => {
	await next();
	const edge = new URL(c.env.EDGE_URL).origin;
	const widget = new URL(c.env.WIDGET_ORIGIN).origin;
	c.header(
		"content-security-policy",
		[
			"default-src 'none'",
			`script-src ${edge}`,
			"style-src 'self'",
			`connect-src 'self' ${edge}`,
			`frame-src ${widget}`,
			"img-src 'self'",
			"form-action 'self'",
			"base-uri 'none'",
			"frame-ancestors 'none'",
		].join("; "),
	);
	c.header("referrer-policy", "no-referrer");
	c.header("x-content-type-options", "nosniff");
});

// The edge down (or answering without what a page needs): 502 and a page that says what to do, or, to the SDK's
// token refresh, JSON it understands; a bare 500 "Internal Server Error" before. Anything else is still a 500.
app.onError((error, c) => {
	if (!(error instanceof EdgeUnavailable)) {
		console.error(error);
		return c.text("Internal Server Error", 500);
	}
	console.error(`${error.message}${error.cause ? ` (${String(error.cause)})` : ""}`);
	c.header("cache-control", "no-store");
	c.header("retry-after", "30");
	if (c.req.path.endsWith("/token")) return c.json({ error: "edge_unavailable" }, 502);
	return c.html(edgeUnavailablePage(c.env.EDGE_URL), 502);
});

app.get("/styles.css", (c) => c.body(STYLES, 200, { "content-type": "text/css; charset=utf-8" }));
app.get("/favicon.ico", (c) => c.body(null, 204));
app.get("/", async (c) =>
	c.html(productPage(c.env.EDGE_URL, await storefrontScript(c.env), channelOf(c.env, undefined))),
);

/** The store's setting, or the other channel when the product page's second button asked for it. */
function channelOf(env: DemoEnv, asked: string | undefined): "widget" | "hosted" {
	if (asked === "widget" || asked === "hosted") return asked;
	return env.CHECKOUT_CHANNEL === "hosted" ? "hosted" : "widget";
}

/** What the edge needs to (re)open this order's checkout: a hosted one ends on the store's order page. */
function checkoutBody(order: Pick<DemoOrder, "reference" | "amount" | "channel" | "return_url">) {
	const { reference, amount } = order;
	return order.channel === "hosted"
		? { reference, amount, lang: "en" as const, channel: "hosted" as const, return_url: order.return_url ?? "" }
		: { reference, amount, lang: "en" as const, channel: "widget" as const };
}

app.post("/buy", async (c) => {
	const reference = `DEMO-${crypto.randomUUID().slice(0, 8).toUpperCase()}`;
	const channel = channelOf(c.env, c.req.query("channel"));
	const order: DemoOrder = {
		reference,
		checkout_id: "",
		amount: PRODUCT.amount,
		product: PRODUCT.name,
		channel,
		...(channel === "hosted" ? { return_url: `${new URL(c.req.url).origin}/orders/${reference}` } : {}),
		created_at: new Date().toISOString(),
	};
	const { data, error } = await edgeClient(c.env).POST("/v1/checkouts", { body: checkoutBody(order) });
	if (!data) return c.text(`The edge refused the checkout: ${JSON.stringify(error)}`, 502);
	await saveOrder(c.env, { ...order, checkout_id: data.checkout_id, amount: data.amount });
	const flow = c.req.query("flow") === "apply" ? "?flow=apply" : "";
	return c.redirect(`/checkout/${reference}${flow}`, 303);
});

/** The checkout again, with a new client token: the edge answers the same checkout for the same reference and amount. */
async function clientToken(env: DemoEnv, order: DemoOrder) {
	const { data } = await edgeClient(env).POST("/v1/checkouts", { body: checkoutBody(order) });
	return data;
}

app.get("/checkout/:reference", async (c) => {
	const order = await findOrder(c.env, c.req.param("reference"));
	if (!order) return c.notFound();
	const checkout = await clientToken(c.env, order);
	if (!checkout) return c.text("The edge did not answer the checkout", 502);
	if (checkout.status === "authorized") return c.redirect(`/orders/${order.reference}`, 303);
	const presentation = ["modal", "redirect"].includes(c.req.query("presentation") ?? "")
		? (c.req.query("presentation") as string)
		: "auto";
	const page = {
		order,
		edge: new URL(c.env.EDGE_URL).origin,
		clientToken: checkout.client_token,
		script: await storefrontScript(c.env),
		presentation,
		channel: order.channel ?? "widget",
	};
	c.header("cache-control", "no-store");
	return c.html(c.req.query("flow") === "apply" ? applyPage(page) : checkoutPage(page));
});

app.post("/checkout/:reference/token", async (c) => {
	const order = await findOrder(c.env, c.req.param("reference"));
	const checkout = order && (await clientToken(c.env, order));
	if (!checkout) return c.json({ error: "not_found" }, 404);
	c.header("cache-control", "no-store");
	return c.json({ client_token: checkout.client_token });
});

app.get("/orders/:reference", async (c) => {
	const order = await findOrder(c.env, c.req.param("reference"));
	if (!order) return c.notFound();
	const { data } = await edgeClient(c.env).GET("/v1/checkouts/{checkout_id}", {
		params: { path: { checkout_id: order.checkout_id } },
	});
	return c.html(
		orderPage({
			order,
			status: data?.status ?? "unknown",
			...(data?.authorization_id === undefined ? {} : { authorizationId: data.authorization_id }),
		}),
	);
});

app.get("/admin", async (c) => {
	const edge = edgeClient(c.env);
	const rows = await Promise.all(
		(await listOrders(c.env)).map(async (order) => {
			const { data, error } = await edge.GET("/v1/orders/{reference}", {
				params: { path: { reference: order.reference } },
			});
			return { order, ledger: data ?? error };
		}),
	);
	return c.html(adminPage(rows, c.req.query("notice") ?? ""));
});

const ACTIONS: Record<string, OrderEventType> = {
	ship: "order.fulfilled",
	cancel: "order.cancelled",
	refund: "order.refunded",
};

app.post("/admin/orders/:reference/:action", async (c) => {
	const type = ACTIONS[c.req.param("action")];
	const order = await findOrder(c.env, c.req.param("reference"));
	if (!type || !order) return c.notFound();
	let amount: number | undefined;
	if (type === "order.refunded") {
		amount = Number((await c.req.parseBody()).amount);
		if (!(amount > 0)) return c.redirect(`/admin?notice=${encodeURIComponent("Enter an amount to refund")}`, 303);
	}
	const sent = await sendOrderEvent(c.env, type, order.reference, amount);
	const what = `${type}${amount === undefined ? "" : ` ${money(amount)}`} for ${order.reference}`;
	const notice = sent.status === 200 ? `Sent ${what}` : `The edge refused ${what} (${sent.status})`;
	return c.redirect(`/admin?notice=${encodeURIComponent(notice)}`, 303);
});

// The edge's events: the store learns an order is paid even when the shopper's page never came back.
app.post("/flexiti-events", (c) => receiveEdgeEvent(c.env, c.req.raw));

export default app;
