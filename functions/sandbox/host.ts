import type { FaultSignals } from "./fault-signals.ts";
import type { World } from "./world.ts";

/** What the sandbox app runs against: the world, its clock, and a way to persist it. */
export interface SandboxHost {
	world: World;
	/** The sandbox clock in ms: the real clock plus the offset tests set. */
	now(): number;
	/** Persists the world; called once per request, after the change is complete. */
	save(): Promise<void>;
	/** Starts afresh from the seed. */
	reset(): void;
	/** Who waits for an injected fault to strike (not part of the world: never persisted). */
	faultSignals: FaultSignals;
}

export type SandboxEnv = { Bindings: SandboxHost };
