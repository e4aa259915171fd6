/** Reconciling a day with Flexiti on demand, and listing what reconciliation found (spec/edge-api.yaml, tag Reconciliation). */

import { type Context, Hono } from "hono";
import type { components } from "../../../generated/edge-api.ts";
import { edgeRequestSchemas } from "../../../generated/edge-request-schemas.ts";
import { readJsonBody } from "../../contract/read-json-body.ts";
import { validateRequest } from "../../contract/validate-request.ts";
import { merchantCaller, merchantClient, merchantOnly } from "../callers/caller.ts";
import { edgeConfig } from "../core/config.ts";
import type { EdgeEnv } from "../core/context.ts";
import { EdgeError, wrongInputs } from "../core/errors.ts";
import type { MismatchKind } from "../reconciliation/compare.ts";
import { queryDays } from "../reconciliation/reconciliation-store.ts";
import { reconciliationOf } from "../reconciliation/run.ts";

type ReconciliationRequest = components["schemas"]["ReconciliationRequest"];

export const reconciliationRoutes = new Hono<EdgeEnv>();

reconciliationRoutes.use(merchantOnly);

reconciliationRoutes.post("/", async (c) => {
	c.get("log").operation = "runReconciliation";
	const parsed = await readJsonBody(c.req.raw, true);
	if (!parsed.ok) throw wrongInputs([parsed.fieldError]);
	const validation = validateRequest(
		edgeRequestSchemas.runReconciliation,
		{ path: {}, query: new URL(c.req.url).searchParams, headers: c.req.raw.headers, body: parsed.body },
		{ closed: true },
	);
	if (!validation.ok) throw wrongInputs(validation.fieldErrors);
	const request = parsed.body as ReconciliationRequest;
	// A date the format allows but the calendar does not (2026-02-30), or a day that has not begun.
	const dayStart = Date.parse(`${request.day}T00:00:00Z`);
	if (Number.isNaN(dayStart) || new Date(dayStart).toISOString().slice(0, 10) !== request.day) {
		throw wrongInputs([{ param: "day", msg: "is not a day of the calendar", value: request.day }]);
	}
	if (dayStart > Date.now()) {
		throw wrongInputs([{ param: "day", msg: "has not begun (UTC): nothing to reconcile yet", value: request.day }]);
	}
	const clientId = clientOf(c, request.client_id);
	const answer = await reconciliationOf(c.env, clientId, request.day).run({ clientId, day: request.day });
	if (!answer.ok) {
		throw new EdgeError(
			"reconciliation_incomplete",
			"Flexiti's captures or authorizations for this day could not be read whole; nothing was recorded. Try again",
		);
	}
	return c.json(answer.run);
});

reconciliationRoutes.get("/", async (c) => {
	c.get("log").operation = "listReconciliationMismatches";
	const query = new URL(c.req.url).searchParams;
	const validation = validateRequest(edgeRequestSchemas.listReconciliationMismatches, {
		path: {},
		query,
		headers: c.req.raw.headers,
		body: undefined,
	});
	if (!validation.ok) throw wrongInputs(validation.fieldErrors);
	const clientId = clientOf(c, query.get("client_id") ?? undefined);
	try {
		return c.json(
			await queryDays(c.env.ORDER_INDEX, {
				clientId,
				...(query.get("day") ? { day: query.get("day") as string } : {}),
				...(query.get("since") ? { since: query.get("since") as string } : {}),
				...(query.get("kind") ? { kind: query.get("kind") as MismatchKind } : {}),
				limit: Number(query.get("limit") ?? 100),
			}),
		);
	} catch (error) {
		console.error(JSON.stringify({ event: "reconciliation_rows_unavailable", name: (error as Error).name }));
		throw new EdgeError(
			"index_unavailable",
			"Reconciliation's rows cannot be read now; POST /v1/reconciliations answers with a day's differences",
		);
	}
});

/** The client named (or the key's first), if this merchant key acts for it (else 403/404). */
function clientOf(c: Context<EdgeEnv>, named: string | undefined): string {
	return merchantClient(merchantCaller(c.get("caller")), named, edgeConfig(c.env));
}
