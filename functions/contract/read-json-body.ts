import type { FieldError } from "./errors.ts";

export type ParsedBody = { ok: true; body: unknown } | { ok: false; fieldError: FieldError };

/**
 * Reads an operation's JSON body. An empty body is "no body", which validation then judges; a body
 * that is not JSON is a field error in Flexiti's terms, not an exception.
 */
export async function readJsonBody(request: Request, expectsBody: boolean): Promise<ParsedBody> {
	if (!expectsBody) return { ok: true, body: undefined };
	const text = await request.text();
	if (text.trim() === "") return { ok: true, body: undefined };
	if (!(request.headers.get("content-type") ?? "").includes("application/json")) {
		return { ok: false, fieldError: { param: "body", msg: "must be application/json", value: null } };
	}
	try {
		return { ok: true, body: JSON.parse(text) };
	} catch {
		return { ok: false, fieldError: { param: "body", msg: "invalid JSON", value: null } };
	}
}
