/**
 * The bench's open-loop load (scripts/bench/load.ts, `loadAtRate`), which judges the webhook ack's p99
 * target: requests go out on a fixed schedule whether or not earlier ones were answered, and each
 * latency runs from when its request was due. Against a local server that holds one answer, the other
 * requests must not wait behind it (a closed loop would send them only once a connection is free), and
 * the held one must count its whole wait. Only lower bounds on time are asserted: a loaded machine
 * makes everything later, never earlier.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadAtRate } from "../../scripts/bench/load.ts";

const HELD_MS = 400;
const RATE = 50;
const SECONDS = 1;

let server: Server;
let origin: string;
const arrivals: number[] = [];

beforeAll(async () => {
	server = createServer((request, response) => {
		arrivals.push(performance.now());
		request.resume();
		// The first request is answered late; every other one at once.
		const delay = arrivals.length === 1 ? HELD_MS : 0;
		setTimeout(() => response.end("{}"), delay);
	});
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("loadAtRate (the bench's fixed-rate load)", () => {
	it("sends on schedule past a held answer and times each request from when it was due", async () => {
		const run = await loadAtRate(
			origin,
			{ worker: "bare", method: "POST", path: "/v1/webhooks/standard", headers: {}, body: "{}" },
			RATE,
			SECONDS,
		);
		const total = RATE * SECONDS;
		expect(run.statuses).toEqual({ 200: total });
		expect(run.errors).toBe(0);
		expect(run.latenciesMs).toHaveLength(total);
		const [first = Number.NaN] = arrivals;
		const last = arrivals.at(-1) ?? Number.NaN;
		// The schedule: request i is due at start + i / rate, so the requests are spread over the run
		// (autocannon's overallRate sends each second's share in a burst): the last arrives about
		// (total - 1) / rate after the first (less the first one's connection set-up).
		expect(last - first).toBeGreaterThanOrEqual(0.9 * (((total - 1) * 1000) / RATE));
		// The held answer does not hold the others back: more requests arrived while it was held (about 20
		// at this rate; one connection's closed loop would have sent none).
		const whileHeld = arrivals.filter((at) => at < first + HELD_MS);
		expect(whileHeld.length).toBeGreaterThan(5);
		// And its latency is its whole wait.
		expect(Math.max(...run.latenciesMs)).toBeGreaterThanOrEqual(HELD_MS);
	});
});
