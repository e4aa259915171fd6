/**
 * A JSON object whose shape nobody has checked yet (a body before validation, a signed payload): a
 * type guard, so its properties are read as `unknown` and checked one by one, never cast to a shape.
 */
export type JsonObject = Record<string, unknown>;

export function isJsonObject(value: unknown): value is JsonObject {
	return typeof value === "object" && value !== null && !Array.isArray(value);
}
