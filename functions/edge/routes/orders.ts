/** Listing orders from the index, the merchant's view of an order's ledger, replaying an event, redelivering a merchant event (spec/edge-api.yaml, tag Orders). */

import { type Context, Hono } from "hono";
import { edgeRequestSchemas } from "../../../generated/edge-request-schemas.ts";
import { validateRequest } from "../../contract/validate-request.ts";
import { merchantCaller, merchantClient, merchantOnly } from "../callers/caller.ts";
import { edgeConfig } from "../core/config.ts";
import type { EdgeEnv } from "../core/context.ts";
import { EdgeError, wrongInputs } from "../core/errors.ts";
import { decodeCursor, type OrderFilter, queryIndex } from "../orders/order-index.ts";
import { orderByReference } from "../orders/order-stubs.ts";

export const orderRoutes = new Hono<EdgeEnv>();

orderRoutes.use(merchantOnly);

orderRoutes.get("/", async (c) => {
	c.get("log").operation = "listOrders";
	const clientId = clientOf(c);
	const query = new URL(c.req.url).searchParams;
	const validation = validateRequest(edgeRequestSchemas.listOrders, {
		path: {},
		query,
		headers: c.req.raw.headers,
		body: undefined,
	});
	if (!validation.ok) throw wrongInputs(validation.fieldErrors);
	const cursorText = query.get("cursor");
	const cursor = cursorText === null ? undefined : decodeCursor(cursorText);
	if (cursorText !== null && !cursor) {
		throw wrongInputs([
			{ param: "cursor", msg: "is not a cursor this endpoint gave (pass next_cursor as it is)", value: cursorText },
		]);
	}
	const since = query.get("since");
	try {
		const page = await queryIndex(c.env.ORDER_INDEX, {
			clientId,
			...(query.get("status") ? { status: query.get("status") as OrderFilter } : {}),
			...(since ? { since: Date.parse(since) } : {}),
			...(cursor ? { cursor } : {}),
			limit: Number(query.get("limit") ?? 50),
		});
		return c.json(page);
	} catch (error) {
		console.error(JSON.stringify({ event: "order_index_unavailable", message: (error as Error).message }));
		throw new EdgeError(
			"index_unavailable",
			"The order index cannot be read now; GET /v1/orders/{reference} still answers",
		);
	}
});

orderRoutes.get("/:reference", async (c) => {
	c.get("log").operation = "getOrderLedger";
	checkParameters(c, "getOrderLedger");
	const ledger = await orderByReference(c.env, clientOf(c), c.req.param("reference")).order.ledger();
	if (!ledger) throw new EdgeError("not_found", "No Flexiti order with this reference");
	return c.json(ledger);
});

orderRoutes.post("/:reference/events/:event_id/replay", async (c) => {
	c.get("log").operation = "replayOrderEvent";
	checkParameters(c, "replayOrderEvent");
	const { order } = orderByReference(c.env, clientOf(c), c.req.param("reference"));
	const result = await order.replay(c.req.param("event_id"));
	if (result === "not_found") throw new EdgeError("not_found", "No such event for this order");
	if (result === "not_replayable") {
		throw new EdgeError("not_replayable", "Only dead-lettered or refused events can be replayed");
	}
	return c.json({ replayed: c.req.param("event_id") }, 202);
});

orderRoutes.post("/:reference/deliveries/:delivery_id/redeliver", async (c) => {
	c.get("log").operation = "redeliverMerchantEvent";
	checkParameters(c, "redeliverMerchantEvent");
	const { order } = orderByReference(c.env, clientOf(c), c.req.param("reference"));
	const result = await order.redeliver(c.req.param("delivery_id"));
	if (result === "not_found") throw new EdgeError("not_found", "No such delivery for this order");
	return c.json({ redelivered: c.req.param("delivery_id") }, 202);
});

/**
 * The route's path and query parameters against the spec, like every other route's: a reference past
 * its length, or a `client_id` given twice, is a 409 `wrong_inputs` naming it, never "the first one".
 */
function checkParameters(
	c: Context<EdgeEnv>,
	operationId: "getOrderLedger" | "replayOrderEvent" | "redeliverMerchantEvent",
) {
	const validation = validateRequest(edgeRequestSchemas[operationId], {
		path: c.req.param(),
		query: new URL(c.req.url).searchParams,
		headers: c.req.raw.headers,
		body: undefined,
	});
	if (!validation.ok) throw wrongInputs(validation.fieldErrors);
}

/** The client named by `?client_id=` (or the key's first), if this merchant key acts for it. */
function clientOf(c: Context<EdgeEnv>): string {
	return merchantClient(merchantCaller(c.get("caller")), c.req.query("client_id"), edgeConfig(c.env));
}
