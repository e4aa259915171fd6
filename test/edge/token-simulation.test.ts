/**
 * Many isolates, one client's merchant token (issue 14, item 1): the simulation of token-simulation.ts
 * with the edge's real token cache, for N = 1, 10, 50, 200 isolates and a KV that lags 60 s.
 */
import { describe, expect, it } from "vitest";
import { REFRESH_AHEAD_MS, TokenCache } from "../../functions/edge/flexiti/token-cache.ts";
import { markdownTable, type SimulationResult, simulate } from "./token-simulation.ts";

const encryptionKey = crypto.getRandomValues(new Uint8Array(32));

describe("token mints across isolates (simulated clock)", () => {
	it("counts mints, refreshes, refused refreshes and fallbacks per lifetime", { timeout: 600_000 }, async () => {
		const results: SimulationResult[] = [];
		for (const isolates of [1, 10, 50, 200]) {
			results.push(
				await simulate({
					isolates,
					kvLagMs: 60_000,
					lifetimes: 5,
					refreshLeadMs: REFRESH_AHEAD_MS,
					newIsolate: (world) => {
						const cache = new TokenCache();
						const mint = world.endpoint.forCaller();
						const deps = {
							kv: world.kv.asKv(),
							encryptionKey,
							mint,
							now: () => world.clock.now,
							waitUntil: world.waitUntil,
						};
						return { get: () => cache.get("flexitidemo", "merchant", deps) };
					},
				}),
			);
		}
		console.log(markdownTable(results));
		expect(results.length).toBe(4);
	});
});
