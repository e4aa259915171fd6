import type { Fault, World } from "./world.ts";

/** Takes the next injected fault for this operation, if any, counting it down. */
export function takeFault(world: World, operationId: string): Fault | undefined {
	const fault = world.faults.find((f) => f.remaining > 0 && (f.operation === operationId || f.operation === "*"));
	if (!fault) return undefined;
	if (fault.after) {
		fault.after -= 1;
		return undefined;
	}
	fault.remaining -= 1;
	world.faults = world.faults.filter((f) => f.remaining > 0);
	return fault;
}

/** The error code an injected status answers with, in Flexiti's envelope. */
export function faultError(status: number): string {
	if (status === 401) return "invalid_token";
	if (status === 429) return "rate_limited";
	if (status >= 500 && status !== 500) return "service_unavailable";
	return status === 500 ? "internal_error" : "general_error";
}
