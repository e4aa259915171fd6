/** Reconciling a day with Flexiti on demand, and listing what reconciliation found (spec/edge-api.yaml, tag Reconciliation). */

import { Hono } from "hono";
import { merchantClientOf, merchantOnly } from "../callers/caller.ts";
import type { EdgeEnv } from "../core/context.ts";
import { EdgeError, wrongInputs } from "../core/errors.ts";
import { errorName } from "../core/redact.ts";
import { decodeMismatchCursor, queryDays } from "../reconciliation/reconciliation-store.ts";
import { reconciliationOf } from "../reconciliation/run.ts";
import { edgeOperation } from "./edge-operation.ts";

export const reconciliationRoutes = new Hono<EdgeEnv>();

reconciliationRoutes.use(merchantOnly);

reconciliationRoutes.post(
	"/",
	edgeOperation("runReconciliation", async (c, { body: request }, answer) => {
		// A date the format allows but the calendar does not (2026-02-30), or a day that has not begun.
		const dayStart = Date.parse(`${request.day}T00:00:00Z`);
		if (Number.isNaN(dayStart) || new Date(dayStart).toISOString().slice(0, 10) !== request.day) {
			throw wrongInputs([{ param: "day", msg: "is not a day of the calendar", value: request.day }]);
		}
		if (dayStart > Date.now()) {
			throw wrongInputs([{ param: "day", msg: "has not begun (UTC): nothing to reconcile yet", value: request.day }]);
		}
		const clientId = merchantClientOf(c, request.client_id);
		const outcome = await reconciliationOf(c.env, clientId, request.day).run({ clientId, day: request.day });
		if (!outcome.ok) {
			throw new EdgeError(
				"reconciliation_incomplete",
				"Flexiti's captures or authorizations for this day could not be read whole; nothing was recorded. Try again",
			);
		}
		return answer(200, outcome.run);
	}),
);

reconciliationRoutes.get(
	"/",
	edgeOperation("listReconciliationMismatches", async (c, { query }, answer) => {
		const clientId = merchantClientOf(c, query.client_id);
		const cursor = query.cursor === undefined ? undefined : decodeMismatchCursor(query.cursor);
		if (query.cursor !== undefined && !cursor) {
			throw wrongInputs([
				{ param: "cursor", msg: "is not a cursor this endpoint gave (pass next_cursor as it is)", value: query.cursor },
			]);
		}
		try {
			const page = await queryDays(c.env.ORDER_INDEX, {
				clientId,
				...(query.day ? { day: query.day } : {}),
				...(query.since ? { since: query.since } : {}),
				...(query.kind ? { kind: query.kind } : {}),
				...(cursor ? { cursor } : {}),
				limit: query.limit ?? 100,
			});
			return answer(200, page);
		} catch (error) {
			console.error(JSON.stringify({ event: "reconciliation_rows_unavailable", name: errorName(error) }));
			throw new EdgeError(
				"index_unavailable",
				"Reconciliation's rows cannot be read now; POST /v1/reconciliations answers with a day's differences",
			);
		}
	}),
);

// A day's events are in its reconciliation object (a difference may have no order to list them under).
reconciliationRoutes.get(
	"/:day/events",
	edgeOperation("listReconciliationEvents", async (c, { path, query }, answer) => {
		const clientId = merchantClientOf(c, query.client_id);
		const events = await reconciliationOf(c.env, clientId, path.day).events();
		return answer(200, { client_id: clientId, day: path.day, events });
	}),
);

reconciliationRoutes.post(
	"/:day/deliveries/:delivery_id/redeliver",
	edgeOperation("redeliverReconciliationEvent", async (c, { path, query }, answer) => {
		const clientId = merchantClientOf(c, query.client_id);
		const result = await reconciliationOf(c.env, clientId, path.day).redeliver(path.delivery_id);
		if (result === "not_found") throw new EdgeError("not_found", "No such delivery for this day's reconciliation");
		return answer(202, { redelivered: path.delivery_id });
	}),
);
