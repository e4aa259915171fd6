/**
 * scripts/local-worker.ts when a Worker cannot start: Wrangler's `ready` never settles then (it only
 * emits the error), and a browser test waiting on it hung for its hook's whole timeout with nothing
 * said. `startLocalWorker` rejects with Wrangler's reason instead, at once, and a Worker started next
 * starts as usual.
 * Also the ports such tests choose beforehand (test/support/free-ports.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalWorker } from "../../scripts/local-worker.ts";
import { ephemeralRange, freePorts } from "../support/free-ports.ts";

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
		// Under a second here; the bound leaves room for a loaded CI machine, far below a hook's 180 s.
		expect(performance.now() - began).toBeLessThan(20_000);
	}, 90_000);

	it("is followed by a Worker that starts as usual", async () => {
		const { origin, worker } = await startLocalWorker("bench/bare.wrangler.toml");
		try {
			expect((await fetch(`${origin}/`, { method: "POST", body: "{}" })).status).toBe(200);
		} finally {
			await worker.dispose();
		}
	}, 90_000);
});

describe("startLocalWorker with code that does not build", () => {
	it("rejects with the build's failure, at once", async () => {
		const dir = mkdtempSync(join(tmpdir(), "flexiti-broken-worker-"));
		const entrypoint = join(dir, "broken.ts");
		writeFileSync(entrypoint, "export default { fetch( };\n");
		try {
			const began = performance.now();
			await expect(startLocalWorker("bench/bare.wrangler.toml", {}, { entrypoint })).rejects.toThrow(
				/^the Worker did not start: .*Expected/s,
			);
			expect(performance.now() - began).toBeLessThan(20_000);
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	}, 90_000);
});

describe("freePorts", () => {
	it("gives distinct ports that can be listened on, outside the system's ephemeral range", async () => {
		const ports = await freePorts(5);
		expect(new Set(ports).size).toBe(5);
		const [first, last] = ephemeralRange();
		for (const port of ports) {
			expect(port).toBeGreaterThanOrEqual(1024);
			// Outside the system's own range (this machine keeps room below it: Linux's default does).
			expect(port < first || port > last).toBe(true);
			const server = createServer();
			await new Promise<void>((resolve, reject) => {
				server.once("error", reject);
				server.listen(port, "127.0.0.1", resolve);
			});
			await new Promise((resolve) => server.close(resolve));
		}
	});
});
