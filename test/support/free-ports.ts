/**
 * Ports for servers whose addresses must be known before they start (the demo store's origin goes in
 * the edge's CORS setting; `npm start` is given its three ports). Chosen below the system's ephemeral
 * range (Linux: /proc/sys/net/ipv4/ip_local_port_range, 32768–60999 by default), which the system
 * never hands out by itself. A port found by listening on port 0 and then released is in that range,
 * and the next outgoing connection or `listen(0)` of the Workers starting meanwhile could take it
 * before the server bound it: Wrangler then failed to start the server (and, before
 * scripts/local-worker.ts listened for that, a browser test hung until its hook's timeout).
 */
import { readFileSync } from "node:fs";
import { createServer } from "node:net";

/** Where the system's own ports begin (the default's, where the setting cannot be read). */
function ephemeralStart(): number {
	try {
		const [low] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number);
		return low && low > 2048 ? low : 32768;
	} catch {
		return 32768;
	}
}

/** `count` distinct ports that 127.0.0.1 can listen on now, below the ephemeral range. */
export async function freePorts(count: number): Promise<number[]> {
	const high = ephemeralStart();
	const low = Math.max(1024, Math.min(20_000, high - 4096));
	const ports: number[] = [];
	for (let attempt = 0; ports.length < count; attempt++) {
		if (attempt >= 200) throw new Error(`no free port found between ${low} and ${high}`);
		const port = low + Math.floor(Math.random() * (high - low));
		if (!ports.includes(port) && (await canListen(port))) ports.push(port);
	}
	return ports;
}

function canListen(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const server = createServer();
		server.once("error", () => resolve(false));
		server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
	});
}
