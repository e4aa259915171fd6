import type { RecordedCall, World } from "./world.ts";

const MAX_RECORDED_CALLS = 1000;

/** Remembers what was called, by whom and with which scope: tests and demos ask `/sandbox/calls`. */
export function recordCall(world: World, call: Omit<RecordedCall, "at">, now: number): void {
	world.calls.push({ ...call, at: new Date(now).toISOString() });
	const key = `${call.operation} ${call.scope ?? "none"}`;
	world.counts[key] = (world.counts[key] ?? 0) + 1;
	if (world.calls.length > MAX_RECORDED_CALLS) world.calls.splice(0, world.calls.length - MAX_RECORDED_CALLS);
}
