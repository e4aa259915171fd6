/**
 * The one media type the edge (and the sandbox) read a body as, for every route: `application/json`,
 * in any letter case (media types are case-insensitive, RFC 9110 §8.3.1), with at most a `charset`
 * parameter that says UTF-8 (JSON is UTF-8 on the wire, RFC 8259 §8.1). Everything else is refused,
 * including look-alikes (`application/jsonx`, `application/json-patch+json`), a list of types and
 * another charset: a body is never read as JSON under a name that means something else.
 */

/** Why this `Content-Type` is not the JSON the edge reads, or undefined when it is. */
export function jsonMediaTypeProblem(contentType: string | null | undefined): string | undefined {
	if (contentType === null || contentType === undefined || contentType.trim() === "") {
		return "required: send Content-Type: application/json";
	}
	const [essence = "", ...parameters] = contentType.split(";");
	if (essence.trim().toLowerCase() !== "application/json") {
		return "must be application/json (optionally with charset=utf-8)";
	}
	for (const parameter of parameters) {
		const [name = "", value = ""] = parameter.split("=").map((part) => part.trim().toLowerCase());
		if (name === "" && value === "") continue;
		if (name !== "charset") return `must be application/json: parameter ${name} is not accepted`;
		if (value.replace(/^"(.*)"$/, "$1") !== "utf-8") return "must be application/json with charset=utf-8 or none";
	}
	return undefined;
}
