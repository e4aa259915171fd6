import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { errorEnvelope, type FieldError } from "../../contract/errors.ts";
import type { EdgeEnv } from "./context.ts";

/** The edge answers its own errors in Flexiti's envelope, so one error handler serves both. */
export function edgeError(
	c: Context<EdgeEnv>,
	status: ContentfulStatusCode,
	error: string,
	message: string,
	fieldErrors?: FieldError[],
): Response {
	c.get("log").error = error;
	return c.json(errorEnvelope(new URL(c.req.url).pathname, error, message, fieldErrors), status);
}
