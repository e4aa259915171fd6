/**
 * Many isolates, one client's merchant token (issue 14, item 1): the simulation of token-simulation.ts
 * with the edge's real token cache (one per isolate) and real token broker (one for the client and
 * scope, as its Durable Object is), for N = 1, 10, 50, 200 isolates and a KV that lags 60 s.
 * BENCHMARKS.md has the table this prints, and the one measured before the broker.
 */
import { describe, expect, it } from "vitest";
import type { FlexitiToken } from "../../functions/edge/flexiti/flexiti-token.ts";
import { REFRESH_AHEAD_MS, TokenBroker } from "../../functions/edge/flexiti/token-broker.ts";
import { TokenCache } from "../../functions/edge/flexiti/token-cache.ts";
import { publishToken, withdrawToken } from "../../functions/edge/flexiti/token-kv.ts";
import { markdownTable, type SimulationResult, type SimWorld, simulate } from "./token-simulation.ts";

const encryptionKey = crypto.getRandomValues(new Uint8Array(32));
const CLIENT = "flexitidemo";

/** The broker of one client and scope, its Durable Object storage and alarm kept in memory. */
function simulatedBroker(world: SimWorld) {
	let stored: FlexitiToken | undefined;
	let alarmAt: number | undefined;
	const broker = new TokenBroker({
		clientId: CLIENT,
		scope: "merchant",
		state: {
			load: async () => stored,
			save: async (token) => {
				stored = token;
			},
			scheduleAlarm: async (at) => {
				alarmAt = at;
			},
		},
		mint: world.endpoint.forCaller(),
		publish: (token) => publishToken(world.kv.asKv(), encryptionKey, CLIENT, "merchant", token, world.clock.now),
		withdraw: (rejected) => withdrawToken(world.kv.asKv(), encryptionKey, CLIENT, "merchant", rejected),
		now: () => world.clock.now,
	});
	return {
		broker,
		/** Runs the alarm when it is due, as the runtime would. */
		tick() {
			if (alarmAt !== undefined && alarmAt <= world.clock.now) {
				alarmAt = undefined;
				world.waitUntil(broker.alarm());
			}
		},
	};
}

describe("token calls across isolates (simulated clock)", () => {
	it("one mint or refresh per token, for 1 to 200 isolates, none refused, none waited on", {
		timeout: 120_000,
	}, async () => {
		const results: SimulationResult[] = [];
		for (const isolates of [1, 10, 50, 200]) {
			let shared: ReturnType<typeof simulatedBroker> | undefined;
			const brokerOf = (world: SimWorld) => {
				shared ??= simulatedBroker(world);
				return shared;
			};
			results.push(
				await simulate({
					isolates,
					kvLagMs: 60_000,
					lifetimes: 5,
					refreshLeadMs: REFRESH_AHEAD_MS,
					newIsolate: (world) => {
						const cache = new TokenCache();
						const { broker } = brokerOf(world);
						const deps = {
							kv: world.kv.asKv(),
							encryptionKey,
							broker: { token: () => broker.token(), replace: (rejected: string) => broker.replace(rejected) },
							now: () => world.clock.now,
							waitUntil: world.waitUntil,
						};
						return { get: () => cache.get(CLIENT, "merchant", deps) };
					},
					onStep: (world) => brokerOf(world).tick(),
				}),
			);
		}
		console.log(markdownTable(results));
		for (const result of results) {
			expect(result.mints + result.refreshes).toBeLessThanOrEqual(result.oneChain);
			expect(result.refusedRefreshes).toBe(0);
			expect(result.fallbacks).toBe(0);
			expect(result.waitedOnMint).toBe(0);
			expect(result.failed).toBe(0);
		}
	});
});
