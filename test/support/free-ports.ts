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

/** The system's own range of ports, [first, last] (Linux's setting; its default where it cannot be read). */
export function ephemeralRange(): [number, number] {
	try {
		const [first = 0, last = 0] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8")
			.trim()
			.split(/\s+/)
			.map(Number);
		if (first > 0 && last >= first) return [first, last];
	} catch {
		// not Linux: its default
	}
	return [32768, 60999];
}

/**
 * Where to choose from: below the system's range (from 20000, or from 1024 when it starts lower), else
 * above it; anywhere only on a system that keeps fewer than 1,000 ports of either side for itself.
 */
function choices(): [low: number, high: number] {
	const [first, last] = ephemeralRange();
	if (first - 1024 >= 1000) return [Math.max(1024, Math.min(20_000, first - 4096)), first];
	if (65536 - (last + 1) >= 1000) return [last + 1, 65536];
	return [1024, 65536];
}

/** `count` distinct ports that 127.0.0.1 can listen on now, outside the ephemeral range where there is room. */
export async function freePorts(count: number): Promise<number[]> {
	const [low, high] = choices();
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
