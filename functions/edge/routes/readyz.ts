/**
 * GET /readyz (merchant API key): is this deployment ready to take checkouts? Every setting parses
 * (otherwise the edge already answers 503 `edge_misconfigured` naming the setting, before this
 * handler), and Flexiti issues a merchant token to each client the key acts for — checked at most
 * once per few minutes per client (flexiti/token-readiness.ts). 200 when all is well, else 503;
 * the answer names problems, never a token or a secret.
 */
import type { Handler } from "hono";
import { edgeConfig } from "../core/config.ts";
import type { EdgeEnv } from "../core/context.ts";
import { checkTokenIssuance } from "../flexiti/token-readiness.ts";

export const readyz: Handler<EdgeEnv> = async (c) => {
	const config = edgeConfig(c.env);
	const caller = c.get("caller");
	const clientIds = config.clientIds.filter((id) => caller.kind === "merchant" && caller.clientIds.has(id));
	const flexiti = await Promise.all(clientIds.map((clientId) => checkTokenIssuance(c.env, config, clientId)));
	const ready = flexiti.every((check) => check.ok);
	return c.json({ status: ready ? "ready" : "not_ready", settings: "ok", flexiti }, ready ? 200 : 503);
};
