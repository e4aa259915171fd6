import { Hono } from "hono";
import { type FlexitiOperationId, flexitiOperations } from "../../generated/flexiti-operations.ts";
import { errorEnvelope } from "../contract/errors.ts";
import { honoPath } from "../contract/hono-path.ts";
import { adminRoutes } from "./admin.ts";
import type { SandboxEnv } from "./host.ts";
import { onlineApiRoutes } from "./online-api/routes.ts";
import { sandboxHandlers } from "./operations/index.ts";
import { serveOperation } from "./pipeline.ts";
import { serveToken } from "./tokens.ts";
import { widgetRoutes } from "./widget/routes.ts";

/** Flexiti's base path on every environment: `https://{host}/flexiti/pos-api/v2.5/…`. */
export const FLEXITI_BASE_PATH = "/flexiti/pos-api";

export function createSandboxApp() {
	const app = new Hono<SandboxEnv>();

	// Every operation of the spec, from the generated table; the token endpoint speaks OAuth.
	for (const [operationId, entry] of Object.entries(flexitiOperations)) {
		const path = `${FLEXITI_BASE_PATH}${honoPath(entry.path)}`;
		if (operationId === "createToken") app.on(entry.method, path, serveToken(operationId));
		else {
			const id = operationId as Exclude<FlexitiOperationId, "createToken">;
			// biome-ignore lint/suspicious/noExplicitAny: each handler is typed by its own operation id in sandboxHandlers
			app.on(entry.method, path, serveOperation(id, sandboxHandlers[id] as any));
		}
	}

	app.route("/", widgetRoutes);
	// Flexiti's Online API (hosted checkout, notifications, payment calculator) from the same world.
	app.route("/", onlineApiRoutes);
	app.route("/sandbox", adminRoutes);

	app.notFound((c) => c.json(errorEnvelope(new URL(c.req.url).pathname, "not_found", "Not found"), 404));
	app.onError((error, c) => {
		console.error("sandbox error", error);
		return c.json(errorEnvelope(new URL(c.req.url).pathname, "general_error", "An error has occurred"), 500);
	});
	return app;
}
