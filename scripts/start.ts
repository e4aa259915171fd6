/**
 * `npm start`: the edge on 127.0.0.1:8787, the local Flexiti sandbox on 127.0.0.1:8788 and the demo
 * store on 127.0.0.1:3000, each a `wrangler dev` with local KV and Durable Objects (no Cloudflare
 * account). Ports can be changed with EDGE_PORT, SANDBOX_PORT and STORE_PORT; the edge is pointed at
 * wherever the sandbox listens, and the store at the edge.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { copyFileSync, existsSync } from "node:fs";
import { buildStorefront } from "./build-storefront.ts";

const host = "127.0.0.1";
const sandboxPort = process.env.SANDBOX_PORT ?? "8788";
const edgePort = process.env.EDGE_PORT ?? "8787";
const storePort = process.env.STORE_PORT ?? "3000";
const flexitiBaseUrl = `http://${host}:${sandboxPort}/flexiti/pos-api`;

// Local development needs no set-up: the documented local-only settings, unless you made your own.
if (!existsSync(".dev.vars")) {
	copyFileSync(".dev.vars.example", ".dev.vars");
	console.log("Created .dev.vars from .dev.vars.example (local-only settings; edit it to change them).");
}

// The edge serves the storefront SDK from dist/assets (wrangler.toml [assets]).
buildStorefront();

const workers: [string, string[]][] = [
	[
		"sandbox",
		[
			"dev",
			"-c",
			"functions/sandbox/wrangler.toml",
			"--ip",
			host,
			"--port",
			sandboxPort,
			"--inspector-port",
			"0",
			"--persist-to",
			".wrangler/state",
		],
	],
	[
		"edge",
		[
			"dev",
			"--ip",
			host,
			"--port",
			edgePort,
			"--inspector-port",
			"0",
			"--var",
			`FLEXITI_BASE_URL:${flexitiBaseUrl}`,
			"--var",
			`STOREFRONT_ORIGINS:http://${host}:${storePort},http://localhost:${storePort}`,
		],
	],
	[
		"store",
		[
			"dev",
			"-c",
			"functions/demo-store/wrangler.toml",
			"--ip",
			host,
			"--port",
			storePort,
			"--inspector-port",
			"0",
			"--persist-to",
			".wrangler/state",
			"--var",
			`EDGE_URL:http://${host}:${edgePort}`,
			"--var",
			`WIDGET_ORIGIN:http://${host}:${sandboxPort}`,
		],
	],
];

const children: ChildProcess[] = workers.map(([name, args]) => {
	const child = spawn("wrangler", args, {
		stdio: ["ignore", "pipe", "pipe"],
		env: { ...process.env, FORCE_COLOR: "0" },
	});
	for (const stream of [child.stdout, child.stderr]) {
		stream?.on("data", (chunk: Buffer) => {
			for (const line of chunk.toString().split("\n")) if (line.trim()) console.log(`[${name}] ${line}`);
		});
	}
	child.on("exit", (code) => {
		console.log(`[${name}] exited (${code ?? "signal"}); stopping the other workers`);
		stop(code ?? 1);
	});
	return child;
});

console.log(
	`Flexiti Edge on http://${host}:${edgePort}  ·  Flexiti sandbox on http://${host}:${sandboxPort}/flexiti/pos-api  ·  demo store on http://${host}:${storePort} (buy with account 10000000000001, PIN 2222)`,
);

let stopping = false;
function stop(code: number): void {
	if (stopping) return;
	stopping = true;
	for (const child of children) child.kill("SIGTERM");
	setTimeout(() => process.exit(code), 500).unref();
}
process.on("SIGINT", () => stop(0));
process.on("SIGTERM", () => stop(0));
