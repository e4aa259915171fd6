/**
 * The widget as the sandbox serves it: the page at `/` (the widget's `redirection_url` is
 * `{posapi_url}/#/widget/{client_id}/{token}?…`) and the small API that page calls.
 */
import { Hono } from "hono";
import type { SandboxEnv } from "../host.ts";
import { widgetPage } from "./page.ts";
import { describeSession, verifyWidgetSession } from "./session.ts";

export const widgetRoutes = new Hono<SandboxEnv>();

widgetRoutes.get("/", (c) => c.html(widgetPage()));

widgetRoutes.get("/widget-api/sessions/:id", (c) => {
	const session = describeSession(c.env.world, c.req.param("id"), c.req.query("access_token") ?? "", c.env.now());
	return "error" in session ? c.json(session, session.error as 401 | 404) : c.json(session);
});

widgetRoutes.post("/widget-api/sessions/:id/verify", async (c) => {
	const body = await c.req
		.json<{ access_token?: unknown; pin?: unknown }>()
		.catch(() => ({}) as Record<string, unknown>);
	if (typeof body.access_token !== "string" || typeof body.pin !== "string") {
		return c.json({ error: 400, message: "access_token and pin (strings) are required" }, 400);
	}
	const outcome = verifyWidgetSession(c.env.world, c.req.param("id"), body.access_token, body.pin, c.env.now());
	await c.env.save();
	return c.json(outcome);
});
