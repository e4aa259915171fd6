/**
 * The local Flexiti sandbox: a Worker that behaves like the Flexiti POS API as spec/ describes it,
 * so the edge can be developed and tested with no Flexiti account. Every request is served by the
 * one SandboxWorld Durable Object, which holds the sandbox's state.
 */
import { writeBigIntsAsJsonNumbers } from "../contract/lossless-json.ts";

export { SandboxWorld } from "./sandbox-world.ts";

// Authorization ids past 2^53 are bigints here (lossless-json.ts): every answer writes them as digits.
writeBigIntsAsJsonNumbers();

export default {
	fetch(request, env) {
		return env.SANDBOX_WORLD.get(env.SANDBOX_WORLD.idFromName("world")).fetch(request);
	},
} satisfies ExportedHandler<SandboxBindings>;
