import { Hono } from "hono";
import { flexitiOperations } from "../../generated/flexiti-operations.ts";

/** The edge Worker: storefronts and order systems call it instead of Flexiti. */
const app = new Hono<{ Bindings: Env }>();

// Liveness for load balancers and `npm start` users; says which contract this build serves.
app.get("/healthz", (c) =>
	c.json({ status: "ok", service: "flexiti-edge", operations: Object.keys(flexitiOperations).length }),
);

export default app;
