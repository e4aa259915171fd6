import type { Caller } from "./callers/caller.ts";
import type { EdgeBindings } from "./env.ts";
import type { RequestLog } from "./observability/request-log.ts";

/** The Hono environment of the edge: its bindings, and what middleware learns about the request. */
export type EdgeEnv = {
	Bindings: EdgeBindings;
	Variables: { caller: Caller; log: RequestLog };
};
