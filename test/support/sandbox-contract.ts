/**
 * Set up in every workerd project that runs the edge beside the sandbox (vitest.config.ts): after each
 * test, the answers the sandbox gave outside its spec — to the edge's own calls too, which no test reads
 * — fail that test (checked-sandbox.ts keeps them). A test that asks the sandbox for an answer outside
 * the spec on purpose takes its violations itself (`takeContractViolations`) and says which it expects.
 */
import { env } from "cloudflare:test";
import { afterEach, expect } from "vitest";
import { VIOLATIONS_PATH } from "./answer-check.ts";

/** The sandbox's answers outside its spec since they were last taken (and clears them). */
export async function takeContractViolations(): Promise<string[]> {
	const response = await env.FLEXITI.fetch(`http://sandbox.test${VIOLATIONS_PATH}`, { method: "POST" });
	return response.json();
}

afterEach(async () => {
	expect(await takeContractViolations(), "the sandbox answered outside the spec").toEqual([]);
});
