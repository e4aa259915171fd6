/**
 * scripts/local-worker.ts with `direct`: the bench talks to a Worker past Wrangler's dev proxy (a
 * second workerd process that copies every request and response, which nothing deployed has). The
 * direct origin must be the Worker itself: another address than the proxy's, answering as it does,
 * and served by another process than the proxy's.
 */
import { existsSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalWorker, startLocalWorker } from "../../scripts/local-worker.ts";

let worker: LocalWorker | undefined;
let direct = "";

beforeAll(async () => {
	const started = await startLocalWorker("bench/bare.wrangler.toml", {}, { direct: true });
	worker = started.worker;
	direct = started.origin;
}, 120_000);
afterAll(() => worker?.dispose());

describe("startLocalWorker({ direct: true })", () => {
	it("answers at the Worker's own address, not the dev proxy's", async () => {
		const proxied = (await worker?.url)?.origin ?? "";
		expect(direct).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
		expect(direct).not.toBe(proxied);
		for (const origin of [direct, proxied]) {
			const answer = await fetch(`${origin}/v1/webhooks/standard`, { method: "POST", body: "{}" });
			expect(answer.status).toBe(200);
			expect(await answer.json()).toEqual({ received: 1, duplicates: 0 });
		}
	});

	it("is served by another process than the proxy (Linux: the listening sockets' owners)", async (context) => {
		if (!existsSync("/proc/net/tcp")) context.skip();
		const proxied = (await worker?.url)?.origin ?? "";
		const owner = (origin: string) => listeningPid(Number(new URL(origin).port));
		const directPid = owner(direct);
		expect(directPid).toBeDefined();
		expect(owner(proxied)).toBeDefined();
		expect(directPid).not.toBe(owner(proxied));
	});
});

/** The process listening on 127.0.0.1:<port> (/proc/net/tcp's socket inode, found among the processes' fds). */
function listeningPid(port: number): number | undefined {
	const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
	const inodes = new Set(
		readFileSync("/proc/net/tcp", "utf8")
			.split("\n")
			.slice(1)
			.map((line) => line.trim().split(/\s+/))
			.filter((fields) => fields[1]?.endsWith(`:${hexPort}`) && fields[3] === "0A")
			.map((fields) => fields[9]),
	);
	for (const entry of readdirSync("/proc")) {
		if (!/^\d+$/.test(entry)) continue;
		let fds: string[];
		try {
			fds = readdirSync(`/proc/${entry}/fd`);
		} catch {
			continue;
		}
		for (const fd of fds) {
			try {
				const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${entry}/fd/${fd}`))?.[1];
				if (inode && inodes.has(inode)) return Number(entry);
			} catch {}
		}
	}
	return undefined;
}
