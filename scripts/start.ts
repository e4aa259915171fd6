/**
 * `npm start`: the edge on 127.0.0.1:8787 and the local Flexiti sandbox on 127.0.0.1:8788, each a
 * `wrangler dev` with local KV and Durable Objects (no Cloudflare account). Ports can be changed
 * with EDGE_PORT and SANDBOX_PORT; the edge is pointed at wherever the sandbox listens.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { copyFileSync, existsSync } from "node:fs";

const host = "127.0.0.1";
const sandboxPort = process.env.SANDBOX_PORT ?? "8788";
const edgePort = process.env.EDGE_PORT ?? "8787";
const flexitiBaseUrl = `http://${host}:${sandboxPort}/flexiti/pos-api`;

// Local development needs no set-up: the documented local-only settings, unless you made your own.
if (!existsSync(".dev.vars")) {
	copyFileSync(".dev.vars.example", ".dev.vars");
	console.log("Created .dev.vars from .dev.vars.example (local-only settings; edit it to change them).");
}

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
		["dev", "--ip", host, "--port", edgePort, "--inspector-port", "0", "--var", `FLEXITI_BASE_URL:${flexitiBaseUrl}`],
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
		console.log(`[${name}] exited (${code ?? "signal"}); stopping the other worker`);
		stop(code ?? 1);
	});
	return child;
});

console.log(
	`Flexiti Edge on http://${host}:${edgePort}  ·  Flexiti sandbox on http://${host}:${sandboxPort}/flexiti/pos-api`,
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
