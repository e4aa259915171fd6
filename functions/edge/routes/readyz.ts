/**
 * GET /readyz (merchant API key): is this deployment ready to take checkouts? Every setting parses
 * (otherwise the edge already answers 503 `edge_misconfigured` naming the setting, before this
 * handler), and Flexiti issues a merchant token to each client the key acts for — checked at most
 * once per few minutes per client (flexiti/token-readiness.ts). 200 when all is well, else 503;
 * the answer names problems, never a token or a secret.
 */
import { edgeConfig } from "../core/config.ts";
import { checkTokenIssuance } from "../flexiti/token-readiness.ts";
import { edgeOperation } from "./edge-operation.ts";

export const readyz = edgeOperation(
	"getReadiness",
	async (c, _request, answer) => {
		const config = edgeConfig(c.env);
		const caller = c.get("caller");
		const clientIds = config.clientIds.filter((id) => caller.kind === "merchant" && caller.clientIds.has(id));
		const flexiti = await Promise.all(clientIds.map((clientId) => checkTokenIssuance(c.env, config, clientId)));
		return flexiti.every((check) => check.ok)
			? answer(200, { status: "ready", settings: "ok", flexiti })
			: answer(503, { status: "not_ready", settings: "ok", flexiti });
	},
	// A probe may add a query of its own (a cache-buster): it takes none, and answers whatever it says.
	{ closed: false },
);
