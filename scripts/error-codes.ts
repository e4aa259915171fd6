/**
 * The edge's error codes as `spec/edge-api.yaml` declares them (`components.schemas.ErrorCode`): the
 * enum, each code's meaning (`x-enumDescriptions`, which Redoc renders) and its HTTP statuses
 * (`x-status-codes`). The three must name the same codes; anything else is a mistake in the spec,
 * reported here rather than found by a caller.
 */
export interface ErrorCodeSchema {
	enum?: unknown;
	"x-enumDescriptions"?: Record<string, unknown>;
	"x-status-codes"?: Record<string, unknown>;
}

/** code → the statuses it is answered with, in the spec's order. */
export function buildErrorCodeTable(schema: ErrorCodeSchema | undefined): Record<string, number[]> {
	if (!schema || !Array.isArray(schema.enum)) throw new Error("spec/edge-api.yaml: ErrorCode needs an enum");
	const codes = schema.enum.map(String);
	const descriptions = schema["x-enumDescriptions"] ?? {};
	const statuses = schema["x-status-codes"] ?? {};
	const table: Record<string, number[]> = {};
	for (const code of codes) {
		if (typeof descriptions[code] !== "string") throw new Error(`ErrorCode ${code}: no x-enumDescriptions entry`);
		const given = statuses[code];
		if (
			!Array.isArray(given) ||
			given.length === 0 ||
			!given.every((s) => Number.isInteger(s) && s >= 400 && s < 600)
		) {
			throw new Error(`ErrorCode ${code}: x-status-codes must list its HTTP error statuses`);
		}
		table[code] = given;
	}
	for (const extra of [...Object.keys(descriptions), ...Object.keys(statuses)]) {
		if (!codes.includes(extra)) throw new Error(`ErrorCode: ${extra} is described but not in the enum`);
	}
	return table;
}
