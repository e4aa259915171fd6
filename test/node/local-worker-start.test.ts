/**
 * scripts/local-worker.ts when a Worker cannot start: Wrangler's `ready` never settles then (it only
 * emits the error), and a browser test waiting on it hung for its hook's whole timeout with nothing
 * said. `startLocalWorker` rejects with Wrangler's reason instead, at once, and leaves nothing running.
 * Also the ports such tests choose beforehand (test/support/free-ports.ts).
 */
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalWorker } from "../../scripts/local-worker.ts";
import { freePorts } from "../support/free-ports.ts";

let squatter: Server;
let taken = 0;

beforeAll(async () => {
	squatter = createServer();
	await new Promise<void>((resolve) => squatter.listen(0, "127.0.0.1", resolve));
	taken = (squatter.address() as { port: number }).port;
});
afterAll(() => new Promise((resolve) => squatter.close(resolve)));

describe("startLocalWorker on a port already taken", () => {
	it("rejects with Wrangler's reason within seconds, not never", async () => {
		const began = performance.now();
		const start = startLocalWorker("bench/bare.wrangler.toml", {}, { port: taken });
		await expect(start).rejects.toThrow(`the Worker did not start: Address already in use (127.0.0.1:${taken})`);
		expect(performance.now() - began).toBeLessThan(60_000);
	}, 90_000);

	it("leaves the port to its owner, and the next Worker starts as usual", async () => {
		expect(squatter.listening).toBe(true);
		const { origin, worker } = await startLocalWorker("bench/bare.wrangler.toml");
		try {
			expect((await fetch(`${origin}/`, { method: "POST", body: "{}" })).status).toBe(200);
		} finally {
			await worker.dispose();
		}
	}, 90_000);
});

describe("freePorts", () => {
	it("gives distinct ports that can be listened on, below the system's ephemeral range", async () => {
		const ports = await freePorts(5);
		expect(new Set(ports).size).toBe(5);
		const range = "/proc/sys/net/ipv4/ip_local_port_range";
		const low = (() => {
			try {
				return Number(readFileSync(range, "utf8").trim().split(/\s+/)[0]);
			} catch {
				return 32768;
			}
		})();
		for (const port of ports) {
			expect(port).toBeGreaterThanOrEqual(1024);
			expect(port).toBeLessThan(low);
			const server = createServer();
			await new Promise<void>((resolve, reject) => {
				server.once("error", reject);
				server.listen(port, "127.0.0.1", resolve);
			});
			await new Promise((resolve) => server.close(resolve));
		}
	});
});
