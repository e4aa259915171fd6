/**
 * `npm start`: the edge on 127.0.0.1:8787, the local Flexiti sandbox on 127.0.0.1:8788 and the demo
 * store on 127.0.0.1:3000, each a `wrangler dev` with local KV and Durable Objects (no Cloudflare
 * account). Settings:
 *   EDGE_PORT, SANDBOX_PORT, STORE_PORT  move the Workers; every local setting that names one of them
 *                            (the edge's sandbox URLs and event endpoints, the store's edge URL, …) follows
 *   STATE_DIR                where local state lives (default .wrangler/state; one folder per Worker)
 * Prints "Ready: …" once every Worker answers, or says which one could not start and why.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { unstable_readConfig } from "wrangler";
import { buildAssets } from "./build-assets.ts";
import { assertPortFree, type DevWorker, followPorts, HOST, StartError, startDevWorkers } from "./local-dev.ts";

const sandboxPort = port("SANDBOX_PORT", 8788);
const edgePort = port("EDGE_PORT", 8787);
const storePort = port("STORE_PORT", 3000);
const stateDir = process.env.STATE_DIR || ".wrangler/state";
const flexitiBaseUrl = `http://${HOST}:${sandboxPort}/flexiti/pos-api`;
/** The default port of each Worker, which the committed settings name, to the one it listens on now. */
const moved: Record<number, number> = { 8788: sandboxPort, 8787: edgePort, 3000: storePort };

const workers: DevWorker[] = [
	{ name: "sandbox", config: "functions/sandbox/wrangler.toml", port: sandboxPort, portSetting: "SANDBOX_PORT" },
	{
		name: "edge",
		config: "wrangler.toml",
		port: edgePort,
		portSetting: "EDGE_PORT",
		// The demo store's pages call the edge from the browser (CORS), whatever .dev.vars says.
		args: ["--var", `STOREFRONT_ORIGINS:http://${HOST}:${storePort},http://localhost:${storePort}`],
	},
	{ name: "store", config: "functions/demo-store/wrangler.toml", port: storePort, portSetting: "STORE_PORT" },
];

try {
	for (const worker of workers) await assertPortFree(worker);
} catch (error) {
	fail(error);
}

for (const worker of workers) worker.args = [...localSettings(worker), ...(worker.args ?? [])];

// The edge serves the API reference pages (/docs) and the storefront SDK as static assets, rebuilt when their sources changed.
if (buildAssets()) console.log("Built the static assets (dist/assets): API reference pages, storefront SDK.");

const session = startDevWorkers(workers, { stateDir });
process.on("SIGINT", () => session.stop(0));
process.on("SIGTERM", () => session.stop(0));
session.ready.then(
	async () => {
		await pointHostedCheckoutAtEdge();
		console.log(
			`\nReady: Flexiti Edge on http://${HOST}:${edgePort}  ·  Flexiti sandbox on ${flexitiBaseUrl}  ·  demo store on http://${HOST}:${storePort} (buy with account 10000000000001, PIN 2222)  ·  state in ${stateDir}/\n`,
		);
	},
	(error) => console.error(`\n${error instanceof Error ? error.message : String(error)}`),
);
process.exitCode = await session.stopped;

/**
 * The sandbox's Success and Error redirection URLs (Flexiti's Developer Portal setting) for the demo
 * client: the edge's hosted-checkout return route, as a merchant configures it at Flexiti.
 */
async function pointHostedCheckoutAtEdge(): Promise<void> {
	const base = `http://${HOST}:${edgePort}/v1/hosted-checkouts/flexitidemo/return`;
	await fetch(`http://${HOST}:${sandboxPort}/sandbox/online/redirects/flexitidemo`, {
		method: "PUT",
		headers: { "content-type": "application/json" },
		body: JSON.stringify({ success_url: `${base}/success`, error_url: `${base}/error` }),
	}).catch(() => console.error("Could not set the sandbox's hosted-checkout redirection URLs"));
}

/**
 * A Worker's local settings with the ports in use: the `[vars]` of its wrangler.toml that name a local
 * Worker's address, as `--var` (printed by wrangler; none is a secret), and its local secrets — the
 * `.dev.vars` beside its wrangler.toml, made from the committed `.dev.vars.example` the first time —
 * rewritten the same way into a file of this run under STATE_DIR, given with `--env-file`: wrangler
 * loads it as it would `.dev.vars` and shows its values as "(hidden)". Your own `.dev.vars` is never
 * changed, and an address it names that is not one of these Workers' stays as you wrote it.
 */
function localSettings(worker: DevWorker): string[] {
	const args: string[] = [];
	for (const [name, value] of Object.entries(unstable_readConfig({ config: worker.config }).vars)) {
		if (typeof value !== "string") continue;
		const local = followPorts(value, moved);
		if (local !== value) args.push("--var", `${name}:${local}`);
	}
	const devVars = join(dirname(worker.config), ".dev.vars");
	if (!existsSync(devVars) && existsSync(`${devVars}.example`)) {
		copyFileSync(`${devVars}.example`, devVars);
		console.log(`Created ${devVars} from ${devVars}.example (local-only settings; edit it to change them).`);
	}
	if (existsSync(devVars)) {
		const settings = resolve(stateDir, "settings", `${worker.name}.dev.vars`);
		mkdirSync(dirname(settings), { recursive: true });
		writeFileSync(settings, followPorts(readFileSync(devVars, "utf8"), moved), { mode: 0o600 });
		args.push("--env-file", settings);
	}
	return args;
}

function port(setting: string, fallback: number): number {
	const value = process.env[setting];
	if (value === undefined || value === "") return fallback;
	const parsed = Number(value);
	if (!Number.isInteger(parsed) || parsed < 1 || parsed > 65535) {
		fail(new StartError(`${setting}=${value} is not a port: use a whole number from 1 to 65535.`));
	}
	return parsed;
}

function fail(error: unknown): never {
	console.error(error instanceof StartError ? error.message : error);
	process.exit(1);
}
