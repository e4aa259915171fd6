/**
 * `edgeOperation` on a bare Hono app (routes/edge-operation.ts): the request is checked against the
 * operation in spec/edge-api.yaml before the handler runs — a refusal names each field and the handler
 * never runs — and the handler gets the request as validated (a query number is a number), answering
 * with the operation's own statuses and headers. Through the edge, each route is tested where it is.
 */
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import type { EdgeEnv } from "../../../functions/edge/core/context.ts";
import { EdgeError, renderEdgeError } from "../../../functions/edge/core/errors.ts";
import type { RequestLog } from "../../../functions/edge/core/request-log.ts";
import { edgeOperation } from "../../../functions/edge/routes/edge-operation.ts";

function app(register: (app: Hono<EdgeEnv>, seen: unknown[]) => void) {
	const log: RequestLog = {};
	const seen: unknown[] = [];
	const routes = new Hono<EdgeEnv>();
	routes.use(async (c, next) => {
		c.set("log", log);
		await next();
	});
	register(routes, seen);
	routes.onError((error, c) => {
		if (error instanceof EdgeError) return renderEdgeError(error, c);
		throw error;
	});
	return { routes, seen, log };
}

describe("edgeOperation", () => {
	it("hands the handler the query as the spec types it, and names the operation in the request log", async () => {
		const { routes, seen, log } = app((routes, seen) =>
			routes.get(
				"/v1/orders",
				edgeOperation("listOrders", (_c, { query }, answer) => {
					seen.push(query);
					return answer(200, { orders: [] });
				}),
			),
		);
		const response = await routes.request("/v1/orders?limit=5&status=attention");
		expect(response.status).toBe(200);
		expect(await response.json()).toEqual({ orders: [] });
		expect(seen).toEqual([{ limit: 5, status: "attention" }]);
		expect(log.operation).toBe("listOrders");
	});

	it("refuses a request that breaks the spec before the handler runs, naming each field", async () => {
		const { routes, seen } = app((routes, seen) =>
			routes.get(
				"/v1/orders",
				edgeOperation("listOrders", (_c, request, answer) => {
					seen.push(request);
					return answer(200, { orders: [] });
				}),
			),
		);
		const response = await routes.request("/v1/orders?status=lost&client_id=a&client_id=b");
		expect(response.status).toBe(409);
		const body = (await response.json()) as { error: string; field_errors: { param: string; msg: string }[] };
		expect(body.error).toBe("wrong_inputs");
		expect(body.field_errors.map((e) => e.param).sort()).toEqual(["client_id", "status"]);
		expect(body.field_errors.find((e) => e.param === "client_id")?.msg).toBe("given more than once");
		expect(seen).toEqual([]);
	});

	it("reads a JSON body by the edge's one rule and refuses what the spec does not declare", async () => {
		const { routes, seen } = app((routes, seen) =>
			routes.post(
				"/v1/checkouts",
				edgeOperation("createCheckout", (_c, { body }, answer) => {
					seen.push(body);
					return answer(201, {
						checkout_id: "a".repeat(64),
						client_id: "flexitidemo",
						reference: body.reference,
						amount: body.amount,
						lang: "en",
						auto_capture: false,
						status: "open",
						expires_at: "2026-12-01T00:00:00.000Z",
						client_token: "t",
					});
				}),
			),
		);
		const post = (body: string, type = "application/json") =>
			routes.request("/v1/checkouts", { method: "POST", body, headers: { "content-type": type } });
		const undeclared = await post(JSON.stringify({ reference: "WEB-1", amount: 10, currency: "CAD" }));
		expect(undeclared.status).toBe(409);
		expect(await undeclared.json()).toMatchObject({ field_errors: [{ param: "currency" }] });
		const form = await post("reference=WEB-1", "application/x-www-form-urlencoded");
		expect(await form.json()).toMatchObject({ field_errors: [{ param: "content-type" }] });
		const created = await post(JSON.stringify({ reference: "WEB-1", amount: 10 }));
		expect(created.status).toBe(201);
		expect(seen).toEqual([{ reference: "WEB-1", amount: 10 }]);
	});

	it("leaves path parameters to the handler where the spec says a malformed one is not found", async () => {
		const { routes, seen } = app((routes, seen) =>
			routes.get(
				"/v1/checkouts/:checkout_id",
				edgeOperation(
					"getCheckout",
					(_c, { path }) => {
						seen.push(path.checkout_id);
						throw new EdgeError("not_found", "No such checkout");
					},
					{ uncheckedPath: true },
				),
			),
		);
		const response = await routes.request("/v1/checkouts/NOT-HEX");
		expect(response.status).toBe(404);
		expect(seen).toEqual(["NOT-HEX"]);
	});

	it("answers with the headers the handler gives, and no body for a 204", async () => {
		const { routes } = app((routes) =>
			routes.get(
				"/v1/promotional-message",
				edgeOperation("getPromotionalMessage", (_c, _request, answer) =>
					answer(204, null, { "cache-control": "no-store" }),
				),
			),
		);
		const response = await routes.request("/v1/promotional-message?amount=100");
		expect(response.status).toBe(204);
		expect(response.headers.get("cache-control")).toBe("no-store");
		expect(await response.text()).toBe("");
	});
});
