/** Listing orders from the index, the merchant's view of an order's ledger, replaying an event, redelivering a merchant event (spec/edge-api.yaml, tag Orders). */

import { Hono } from "hono";
import { instantOf } from "../../contract/formats.ts";
import { merchantClientOf, merchantOnly } from "../callers/caller.ts";
import type { EdgeEnv } from "../core/context.ts";
import { EdgeError, wrongInputs } from "../core/errors.ts";
import { errorName } from "../core/redact.ts";
import { decodeCursor, queryIndex } from "../orders/order-index.ts";
import { orderByReference } from "../orders/order-stubs.ts";
import { edgeOperation } from "./edge-operation.ts";

export const orderRoutes = new Hono<EdgeEnv>();

orderRoutes.use(merchantOnly);

// Parameters are checked against the spec before anything else (edgeOperation): a reference past its
// length, or a `client_id` given twice, is a 409 `wrong_inputs` naming it, never "the first one".
orderRoutes.get(
	"/",
	edgeOperation("listOrders", async (c, { query }, answer) => {
		const clientId = merchantClientOf(c, query.client_id);
		const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
		if (query.cursor !== undefined && !cursor) {
			throw wrongInputs([
				{ param: "cursor", msg: "is not a cursor this endpoint gave (pass next_cursor as it is)", value: query.cursor },
			]);
		}
		try {
			const page = await queryIndex(c.env.ORDER_INDEX, {
				clientId,
				...(query.status ? { status: query.status } : {}),
				...(query.since ? { since: instantOf(query.since) } : {}),
				...(cursor ? { cursor } : {}),
				limit: query.limit ?? 50,
			});
			return answer(200, page);
		} catch (error) {
			console.error(JSON.stringify({ event: "order_index_unavailable", name: errorName(error) }));
			throw new EdgeError(
				"index_unavailable",
				"The order index cannot be read now; GET /v1/orders/{reference} still answers",
			);
		}
	}),
);

orderRoutes.get(
	"/:reference",
	edgeOperation("getOrderLedger", async (c, { path, query }, answer) => {
		const ledger = await orderByReference(c.env, merchantClientOf(c, query.client_id), path.reference).order.ledger();
		if (!ledger) throw new EdgeError("not_found", "No Flexiti order with this reference");
		return answer(200, ledger);
	}),
);

orderRoutes.post(
	"/:reference/events/:event_id/replay",
	edgeOperation("replayOrderEvent", async (c, { path, query }, answer) => {
		const { order } = orderByReference(c.env, merchantClientOf(c, query.client_id), path.reference);
		const result = await order.replay(path.event_id);
		if (result === "not_found") throw new EdgeError("not_found", "No such event for this order");
		if (result === "not_replayable") {
			throw new EdgeError("not_replayable", "Only dead-lettered or refused events can be replayed");
		}
		return answer(202, { replayed: path.event_id });
	}),
);

orderRoutes.post(
	"/:reference/deliveries/:delivery_id/redeliver",
	edgeOperation("redeliverMerchantEvent", async (c, { path, query }, answer) => {
		const { order } = orderByReference(c.env, merchantClientOf(c, query.client_id), path.reference);
		const result = await order.redeliver(path.delivery_id);
		if (result === "not_found") throw new EdgeError("not_found", "No such delivery for this order");
		return answer(202, { redelivered: path.delivery_id });
	}),
);
