/**
 * The sandbox's own controls, for tests and demos (they exist only in the sandbox, never at Flexiti):
 *   POST   /sandbox/reset            back to the seeded world
 *   POST   /sandbox/faults           make the next N calls of an operation fail, be slow, lose their response, or
 *                                    stall theirs after its headers, or echo the caller's token (`kind`: status, slow, drop, stall, echo)
 *   GET    /sandbox/faults           the injected faults still to strike (one gone from the list has reached its call)
 *   GET    /sandbox/faults/:id/struck  answers once that fault (its `id` from POST) has struck, `{"struck": true}`:
 *                                    a test knows a slow call is now held, and can act while it is; `false` when it
 *                                    was cleared first or did not strike within `timeout_ms` (default 5000)
 *   DELETE /sandbox/faults           clear injected faults
 *   POST   /sandbox/tokens/expire    expire live tokens now (all, or by client_id / scope)
 *   PATCH  /sandbox/settings         token lifetime (`token_ttl_seconds`), clock offset (`clock_offset_ms`), and
 *                                    the next authorization's id (`next_authorization_id`, digits: past 2^53 to
 *                                    try a client's handling of 16-digit ids; the one after it is one more)
 *                                    and the next hosted session's `online_order_id` (`next_online_order_id`:
 *                                    digits, past 2^53 to try exact ids; or anything else, a malformed id,
 *                                    answered once as it is to try a client's refusal of it)
 *   POST   /sandbox/clock/advance    move the sandbox clock forward (`days`, `seconds`)
 *   GET    /sandbox/calls            what was called, with which scope and outcome (`?operation=&client_id=`)
 *   GET    /sandbox/stats            calls counted by operation and scope since the last reset
 *   GET    /sandbox/accounts/:n      an account as the sandbox holds it (available credit, status)
 *   GET    /sandbox/tokens           the tokens issued (tests check that none of them leaks through the edge)
 *   PUT    /sandbox/online/redirects/:client_id  the Online API's Success and Error redirection URLs of a client
 *                                    (Flexiti's Developer Portal setting; kept across resets)
 * Flexiti's record made to differ from a merchant's, to test reconciliation (each kind of difference):
 *   POST   /sandbox/captures         a capture made at Flexiti outside the edge (`authorization_id`, `amount`)
 *   PATCH  /sandbox/captures/:id     Flexiti's record of a capture says another `amount`
 *   DELETE /sandbox/captures/:id     Flexiti's record loses a capture
 *   POST   /sandbox/authorizations   an authorization made at Flexiti outside the edge (`client_id`,
 *                                    `account_number`, `amount`, `reference`)
 *   PATCH  /sandbox/authorizations/:id, DELETE /sandbox/authorizations/:id   the same for authorizations
 */
import { Validator } from "@cfworker/json-schema";
import { type Context, Hono } from "hono";
import { flexitiOperations } from "../../generated/flexiti-operations.ts";
import { onlineOperations } from "../../generated/online-operations.ts";
import { idKey } from "../contract/lossless-json.ts";
import type { SandboxEnv } from "./host.ts";
import { capture, openAuthorization } from "./operations/purchases.ts";
import { expireTokens } from "./tokens.ts";
import type { Fault } from "./world.ts";

export const adminRoutes = new Hono<SandboxEnv>();

const operationIds = [...Object.keys(flexitiOperations), ...Object.keys(onlineOperations), "*"];

const schemas = {
	fault: new Validator({
		type: "object",
		required: ["operation"],
		additionalProperties: false,
		properties: {
			operation: { enum: operationIds },
			count: { type: "integer", minimum: 1, maximum: 1000, default: 1 },
			after: { type: "integer", minimum: 0, maximum: 1000 },
			kind: { enum: ["status", "slow", "drop", "stall", "echo"], default: "status" },
			status: { enum: [401, 409, 429, 500, 502, 503, 504], default: 503 },
			error: { type: "string", pattern: "^[a-z_]+$", maxLength: 60 },
			retry_after: { type: "integer", minimum: 0, maximum: 3600 },
			delay_ms: { type: "integer", minimum: 0, maximum: 60000 },
		},
	}),
	expire: new Validator({
		type: "object",
		additionalProperties: false,
		properties: { client_id: { type: "string" }, scope: { enum: ["merchant", "customer"] } },
	}),
	settings: new Validator({
		type: "object",
		additionalProperties: false,
		properties: {
			token_ttl_seconds: { type: "integer", minimum: 1, maximum: 86400 },
			clock_offset_ms: { type: "integer" },
			next_authorization_id: { type: "string", pattern: "^[1-9][0-9]{0,15}$" },
			next_online_order_id: { type: "string", pattern: "^[0-9A-Za-z._-]{1,40}$" },
		},
	}),
	redirects: new Validator({
		type: "object",
		required: ["success_url", "error_url"],
		additionalProperties: false,
		properties: {
			success_url: { type: "string", pattern: "^https?://" },
			error_url: { type: "string", pattern: "^https?://" },
		},
	}),
	plantCapture: new Validator({
		type: "object",
		required: ["authorization_id", "amount"],
		additionalProperties: false,
		properties: { authorization_id: { type: "integer" }, amount: { type: "number", exclusiveMinimum: 0 } },
	}),
	plantAuthorization: new Validator({
		type: "object",
		required: ["client_id", "account_number", "amount", "reference"],
		additionalProperties: false,
		properties: {
			client_id: { type: "string" },
			account_number: { type: "string", pattern: "^[0-9]{1,14}$" },
			amount: { type: "number", exclusiveMinimum: 0 },
			reference: { type: "string", minLength: 1, maxLength: 40 },
		},
	}),
	amount: new Validator({
		type: "object",
		required: ["amount"],
		additionalProperties: false,
		properties: { amount: { type: "number", exclusiveMinimum: 0 } },
	}),
	advance: new Validator({
		type: "object",
		additionalProperties: false,
		properties: { days: { type: "number", minimum: 0 }, seconds: { type: "number", minimum: 0 } },
	}),
};

/** Reads a JSON body (empty means `{}`) and checks it, or answers 400 naming what is wrong. */
async function readBody<T>(c: Context<SandboxEnv>, validator: Validator): Promise<T | Response> {
	const text = await c.req.text();
	let body: unknown;
	try {
		body = text.trim() === "" ? {} : JSON.parse(text);
	} catch {
		return c.json({ error: "invalid_json", message: "The body is not JSON" }, 400);
	}
	const { errors } = validator.validate(body);
	if (errors.length > 0) {
		const details = errors.filter((e) => e.keyword !== "properties").map((e) => `${e.instanceLocation}: ${e.error}`);
		return c.json({ error: "invalid_body", message: details.join("; ") }, 400);
	}
	return body as T;
}

adminRoutes.post("/reset", async (c) => {
	c.env.reset();
	await c.env.save();
	return c.json({ reset: true });
});

adminRoutes.post("/faults", async (c) => {
	const body = await readBody<{
		operation: string;
		count?: number;
		kind?: Fault["kind"];
		status?: number;
		error?: string;
		after?: number;
		retry_after?: number;
		delay_ms?: number;
	}>(c, schemas.fault);
	if (body instanceof Response) return body;
	const fault: Fault = {
		id: `fault-${crypto.randomUUID()}`,
		operation: body.operation,
		remaining: body.count ?? 1,
		kind: body.kind ?? "status",
		status: body.status ?? 503,
		...(body.error !== undefined ? { error: body.error } : {}),
		...(body.after !== undefined ? { after: body.after } : {}),
		...(body.retry_after !== undefined ? { retry_after: body.retry_after } : {}),
		...(body.delay_ms !== undefined ? { delay_ms: body.delay_ms } : {}),
	};
	c.env.world.faults.push(fault);
	await c.env.save();
	return c.json({ fault, faults: c.env.world.faults }, 201);
});

adminRoutes.get("/faults", (c) => c.json({ faults: c.env.world.faults }));

/** How long `GET /faults/{id}/struck` waits at most by default, and at most at all. */
const STRIKE_WAIT_MS = { default: 5000, max: 60_000 };

adminRoutes.get("/faults/:id/struck", async (c) => {
	const id = c.req.param("id");
	const asked = Number(c.req.query("timeout_ms") ?? STRIKE_WAIT_MS.default);
	const timeoutMs =
		Number.isInteger(asked) && asked >= 0 ? Math.min(asked, STRIKE_WAIT_MS.max) : STRIKE_WAIT_MS.default;
	const pending = c.env.world.faults.some((f) => f.id === id);
	return c.json({ struck: await c.env.faultSignals.wait(id, pending, timeoutMs) });
});

adminRoutes.delete("/faults", async (c) => {
	c.env.faultSignals.cleared(c.env.world.faults.map((f) => f.id));
	c.env.world.faults = [];
	await c.env.save();
	return c.json({ faults: [] });
});

adminRoutes.post("/tokens/expire", async (c) => {
	const body = await readBody<{ client_id?: string; scope?: string }>(c, schemas.expire);
	if (body instanceof Response) return body;
	const expired = expireTokens(c.env.world, c.env.now(), body);
	await c.env.save();
	return c.json({ expired });
});

adminRoutes.patch("/settings", async (c) => {
	const body = await readBody<Partial<SandboxEnv["Bindings"]["world"]["settings"]>>(c, schemas.settings);
	if (body instanceof Response) return body;
	Object.assign(c.env.world.settings, body);
	await c.env.save();
	return c.json({ settings: c.env.world.settings });
});

adminRoutes.post("/clock/advance", async (c) => {
	const body = await readBody<{ days?: number; seconds?: number }>(c, schemas.advance);
	if (body instanceof Response) return body;
	c.env.world.settings.clock_offset_ms += Math.round(((body.days ?? 0) * 86400 + (body.seconds ?? 0)) * 1000);
	await c.env.save();
	return c.json({ now: new Date(c.env.now()).toISOString(), settings: c.env.world.settings });
});

adminRoutes.get("/calls", (c) => {
	const operation = c.req.query("operation");
	const clientId = c.req.query("client_id");
	const calls = c.env.world.calls.filter(
		(call) => (!operation || call.operation === operation) && (!clientId || call.client_id === clientId),
	);
	return c.json({ calls });
});

adminRoutes.get("/stats", (c) => c.json({ counts: c.env.world.counts }));

adminRoutes.get("/accounts/:account_number", (c) => {
	const account = c.env.world.accounts[c.req.param("account_number")];
	return account ? c.json(account) : c.json({ error: "not_found", message: "No such account" }, 404);
});

adminRoutes.get("/tokens", (c) => {
	const tokens = Object.values(c.env.world.tokens).map(
		({ access_token, refresh_token, client_id, scope, expires_at }) => ({
			access_token,
			refresh_token,
			client_id,
			scope,
			expires_at: new Date(expires_at).toISOString(),
		}),
	);
	return c.json({ tokens });
});

adminRoutes.put("/online/redirects/:client_id", async (c) => {
	const body = await readBody<{ success_url: string; error_url: string }>(c, schemas.redirects);
	if (body instanceof Response) return body;
	c.env.world.onlineRedirects[c.req.param("client_id")] = body;
	await c.env.save();
	return c.json(body);
});

adminRoutes.post("/captures", async (c) => {
	const body = await readBody<{ authorization_id: number; amount: number }>(c, schemas.plantCapture);
	if (body instanceof Response) return body;
	const authorization = c.env.world.authorizations[body.authorization_id];
	if (!authorization) return c.json({ error: "not_found", message: "No such authorization" }, 404);
	const made = capture(c.env.world, authorization, body.amount, authorization.reference, c.env.now());
	await c.env.save();
	return c.json(made, 201);
});

adminRoutes.patch("/captures/:capture_id", async (c) => {
	const body = await readBody<{ amount: number }>(c, schemas.amount);
	if (body instanceof Response) return body;
	const found = c.env.world.captures[Number(c.req.param("capture_id"))];
	if (!found) return c.json({ error: "not_found", message: "No such capture" }, 404);
	found.amount = body.amount;
	await c.env.save();
	return c.json(found);
});

adminRoutes.delete("/captures/:capture_id", async (c) => {
	const id = Number(c.req.param("capture_id"));
	const found = c.env.world.captures[id];
	if (!found) return c.json({ error: "not_found", message: "No such capture" }, 404);
	delete c.env.world.captures[id];
	const authorization = c.env.world.authorizations[idKey(found.authorization_id)];
	if (authorization) authorization.capture_ids = authorization.capture_ids.filter((x) => x !== id);
	await c.env.save();
	return c.json({ deleted: id });
});

adminRoutes.post("/authorizations", async (c) => {
	const body = await readBody<{ client_id: string; account_number: string; amount: number; reference: string }>(
		c,
		schemas.plantAuthorization,
	);
	if (body instanceof Response) return body;
	const account = c.env.world.accounts[body.account_number];
	if (!account) return c.json({ error: "not_found", message: "No such account" }, 404);
	const made = openAuthorization(
		c.env.world,
		body.client_id,
		account,
		{
			amount: body.amount,
			reference: body.reference,
			financing_option: { transaction_type: "regular_purchase" },
			auto_capture: false,
		},
		c.env.now(),
	);
	await c.env.save();
	return c.json({ authorization_id: made.authorization_id, reference: made.reference, amount: made.amount }, 201);
});

adminRoutes.patch("/authorizations/:authorization_id", async (c) => {
	const body = await readBody<{ amount: number }>(c, schemas.amount);
	if (body instanceof Response) return body;
	const found = c.env.world.authorizations[Number(c.req.param("authorization_id"))];
	if (!found) return c.json({ error: "not_found", message: "No such authorization" }, 404);
	found.amount = body.amount;
	await c.env.save();
	return c.json({ authorization_id: found.authorization_id, amount: found.amount });
});

adminRoutes.delete("/authorizations/:authorization_id", async (c) => {
	const id = Number(c.req.param("authorization_id"));
	if (!c.env.world.authorizations[id]) return c.json({ error: "not_found", message: "No such authorization" }, 404);
	delete c.env.world.authorizations[id];
	await c.env.save();
	return c.json({ deleted: id });
});
