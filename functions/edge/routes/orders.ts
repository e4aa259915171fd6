/** The merchant's view of an order's ledger, replaying an event, redelivering a merchant event (spec/edge-api.yaml, tag Orders). */

import type { Context } from "hono";
import { Hono } from "hono";
import { edgeRequestSchemas } from "../../../generated/edge-request-schemas.ts";
import { WRONG_INPUTS_MESSAGE } from "../../contract/errors.ts";
import { validateRequest } from "../../contract/validate-request.ts";
import { merchantClient, merchantOnly } from "../callers/caller.ts";
import { edgeConfig } from "../core/config.ts";
import type { EdgeEnv } from "../core/context.ts";
import { edgeError } from "../core/errors.ts";
import { orderByReference } from "../orders/order-stubs.ts";

export const orderRoutes = new Hono<EdgeEnv>();

orderRoutes.use(merchantOnly);

orderRoutes.get("/:reference", async (c) => {
	c.get("log").operation = "getOrderLedger";
	const invalid = invalidParameters(c, "getOrderLedger");
	if (invalid) return invalid;
	const client = clientOf(c);
	if (!client.ok) return edgeError(c, client.status, client.error, client.message);
	const ledger = await orderByReference(c.env, client.clientId, c.req.param("reference")).order.ledger();
	return ledger ? c.json(ledger) : edgeError(c, 404, "not_found", "No Flexiti order with this reference");
});

orderRoutes.post("/:reference/events/:event_id/replay", async (c) => {
	c.get("log").operation = "replayOrderEvent";
	const invalid = invalidParameters(c, "replayOrderEvent");
	if (invalid) return invalid;
	const client = clientOf(c);
	if (!client.ok) return edgeError(c, client.status, client.error, client.message);
	const { order } = orderByReference(c.env, client.clientId, c.req.param("reference"));
	const result = await order.replay(c.req.param("event_id"));
	if (result === "not_found") return edgeError(c, 404, "not_found", "No such event for this order");
	if (result === "not_replayable") {
		return edgeError(c, 409, "not_replayable", "Only dead-lettered or refused events can be replayed");
	}
	return c.json({ replayed: c.req.param("event_id") }, 202);
});

orderRoutes.post("/:reference/deliveries/:delivery_id/redeliver", async (c) => {
	c.get("log").operation = "redeliverMerchantEvent";
	const invalid = invalidParameters(c, "redeliverMerchantEvent");
	if (invalid) return invalid;
	const client = clientOf(c);
	if (!client.ok) return edgeError(c, client.status, client.error, client.message);
	const { order } = orderByReference(c.env, client.clientId, c.req.param("reference"));
	const result = await order.redeliver(c.req.param("delivery_id"));
	if (result === "not_found") return edgeError(c, 404, "not_found", "No such delivery for this order");
	return c.json({ redelivered: c.req.param("delivery_id") }, 202);
});

/**
 * The route's path and query parameters against the spec, like every other route's: a reference past
 * its length, or a `client_id` given twice, is a 409 `wrong_inputs` naming it, never "the first one".
 */
function invalidParameters(
	c: Context<EdgeEnv>,
	operationId: "getOrderLedger" | "replayOrderEvent" | "redeliverMerchantEvent",
) {
	const validation = validateRequest(edgeRequestSchemas[operationId], {
		path: c.req.param(),
		query: new URL(c.req.url).searchParams,
		headers: c.req.raw.headers,
		body: undefined,
	});
	return validation.ok ? undefined : edgeError(c, 409, "wrong_inputs", WRONG_INPUTS_MESSAGE, validation.fieldErrors);
}

/** The client named by `?client_id=` (or the key's first), if this merchant key acts for it. */
function clientOf(c: Context<EdgeEnv>): ReturnType<typeof merchantClient> {
	const caller = c.get("caller");
	if (caller.kind !== "merchant") throw new Error("merchantOnly lets only merchants through");
	return merchantClient(caller, c.req.query("client_id"), edgeConfig(c.env));
}
