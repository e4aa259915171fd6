import type { EdgeBindings } from "./env.ts";

/**
 * The Hono environment of the edge: its bindings. What middleware learns about a request (the
 * caller, the request log) is declared by that middleware in Hono's `ContextVariableMap`, as
 * Hono's own middleware does, so this module depends on nothing above it.
 */
export type EdgeEnv = { Bindings: EdgeBindings };
