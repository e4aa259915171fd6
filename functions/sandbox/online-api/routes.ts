/**
 * The Online API as the sandbox serves it, beside the POS API in the same Worker and world:
 * every operation of spec/flexiti-online-api.yaml under `/flexiti/online-api` (the token endpoint
 * is the POS API's code: the same contract), and the hosted checkout page its sessions open.
 */
import { Hono } from "hono";
import { onlineOperations } from "../../../generated/online-operations.ts";
import { honoPath } from "../../contract/hono-path.ts";
import type { SandboxEnv } from "../host.ts";
import { serveToken } from "../tokens.ts";
import { onlineHandlers } from "./handlers.ts";
import { hostedNotice, hostedPage } from "./hosted-page.ts";
import type { OnlineHandledId } from "./operation.ts";
import { serveOnlineOperation } from "./pipeline.ts";
import { completeSession, type HostedForm, liveSession } from "./session.ts";

/** Flexiti's Online API base path: `https://onlineapi.flexiti.fi/flexiti/online-api/…`. */
export const ONLINE_API_BASE_PATH = "/flexiti/online-api";

/** Security headers of the hosted page: nothing loads but its own inline styles; it may be framed (a modal). */
const pageHeaders = {
	"content-security-policy": "default-src 'none'; style-src 'unsafe-inline'",
	"cache-control": "no-store",
	"referrer-policy": "no-referrer",
};

export const onlineApiRoutes = new Hono<SandboxEnv>();

for (const [operationId, entry] of Object.entries(onlineOperations)) {
	const path = `${ONLINE_API_BASE_PATH}${honoPath(entry.path)}`;
	if (operationId === "createOnlineToken") onlineApiRoutes.on(entry.method, path, serveToken(operationId));
	else {
		const id = operationId as OnlineHandledId;
		// biome-ignore lint/suspicious/noExplicitAny: each handler is typed by its own operation id in onlineHandlers
		onlineApiRoutes.on(entry.method, path, serveOnlineOperation(id, onlineHandlers[id] as any));
	}
}

onlineApiRoutes.get("/online-checkout/:id", (c) => {
	const live = liveSession(c.env.world, c.req.param("id"), c.req.query("key") ?? "", c.env.now());
	if (!live.ok) return c.html(hostedNotice(live.message), live.status, pageHeaders);
	return c.html(hostedPage(live.session), 200, pageHeaders);
});

onlineApiRoutes.post("/online-checkout/:id", async (c) => {
	const form = Object.fromEntries(
		[...(await c.req.formData()).entries()].filter((e): e is [string, string] => typeof e[1] === "string"),
	);
	const live = liveSession(c.env.world, c.req.param("id"), form.key ?? "", c.env.now());
	if (!live.ok) return c.html(hostedNotice(live.message), live.status, pageHeaders);
	const action = form.action === "apply" || form.action === "cancel" ? form.action : "buy";
	const step = completeSession(c.env.world, live.session, { ...form, action } as HostedForm, c.env.now());
	await c.env.save();
	if (!step.done) return c.html(hostedPage(live.session, step.message), 200, pageHeaders);
	if (step.redirect) return c.redirect(step.redirect, 303);
	return c.html(hostedNotice(step.succeeded ? "Done." : "Not completed."), 200, pageHeaders);
});
