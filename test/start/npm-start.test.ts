/**
 * `npm start` as a new user meets it: `node scripts/start.ts` (what `npm start` runs) from an empty
 * state directory, several times in a row, each start required to come up and to serve a call that
 * goes through each Worker's Durable Object (SQLite) storage. On a fresh clone the two Workers once
 * shared one state directory and the sandbox died with SQLITE_BUSY on most first starts.
 *
 * Ports are free ones chosen at random (test/support/free-ports.ts; never 8787/8788/3000, which a
 * developer's own `npm start` may hold) and the state directory is a scratch one, so parallel runs on
 * one machine never meet.
 * START_RUNS=20 npx vitest run --project start   repeats the start 20 times instead of 3.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseEnv } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { MERCHANT_KEY } from "../support/demo-credentials.ts";
import { freePorts } from "../support/free-ports.ts";

const RUNS = Number(process.env.START_RUNS ?? 3);

interface Started {
	child: ChildProcess;
	output: () => string;
	exited: Promise<number | null>;
}

const running: Started[] = [];
afterEach(async () => {
	for (const started of running.splice(0)) await stop(started);
});

describe("npm start", () => {
	it(
		`comes up from an empty state directory ${RUNS} times in a row`,
		async () => {
			const seconds: number[] = [];
			for (let run = 1; run <= RUNS; run++) {
				const stateDir = mkdtempSync(join(tmpdir(), "flexiti-edge-state-"));
				try {
					const [edgePort = 0, sandboxPort = 0, storePort = 0] = await freePorts(3);
					const began = performance.now();
					const started = start({
						EDGE_PORT: String(edgePort),
						SANDBOX_PORT: String(sandboxPort),
						STORE_PORT: String(storePort),
						STATE_DIR: stateDir,
					});
					const ready = await waitFor(started, /^Ready: /m);
					expect(ready, `run ${run} did not come up:\n${started.output()}`).toBe(true);
					seconds.push((performance.now() - began) / 1000);

					// The sandbox's world lives in its Durable Object (the one that hit SQLITE_BUSY).
					const account = await fetch(`http://127.0.0.1:${sandboxPort}/sandbox/accounts/10000000000001`);
					expect(account.status).toBe(200);
					// The edge opens a checkout: its Order Durable Object, and a merchant token from the sandbox.
					const open = () =>
						fetch(`http://127.0.0.1:${edgePort}/v1/checkouts`, {
							method: "POST",
							headers: { authorization: `Bearer ${MERCHANT_KEY}`, "content-type": "application/json" },
							body: JSON.stringify({ reference: `START-${run}`, amount: 10 }),
						});
					const checkout = await againIfRestarted(open);
					expect(checkout.status, await checkout.clone().text()).toBe(201);

					// Wrangler's line per request keeps no account number (an outside probe found them whole).
					const verify = await againIfRestarted(() =>
						fetch(`http://127.0.0.1:${edgePort}/flexiti/v2.5/client-id/flexitidemo/account/10000000000001/verify`, {
							method: "POST",
							headers: { authorization: `Bearer ${MERCHANT_KEY}`, "content-type": "application/json" },
							body: "{}",
						}),
					);
					expect(verify.status).toBe(409);
					const logged = await waitFor(started, /^\[edge\] \[wrangler:info\] POST \/flexiti\/.*\/verify 409/m);
					expect(logged, started.output()).toBe(true);

					// Every local setting that names a Worker follows the ports moved: an order the demo store opens and
					// the shopper authorizes is confirmed to the store by the edge's signed event (EVENT_ENDPOINTS
					// once named port 3000 whatever STORE_PORT said: an outside probe found it).
					if (run === 1) await buyAtTheDemoStore({ edgePort, sandboxPort, storePort });

					expect(await stop(started)).toBe(0);
					expect(started.output()).not.toMatch(/SQLITE_BUSY/);
					// No local secret is printed: the demo store's once were (wrangler prints every [vars] value,
					// long ones cut after some characters, so their first 12 are looked for).
					const printed = localSecrets().filter((secret) => started.output().includes(secret.slice(0, 12)));
					expect(printed).toEqual([]);
					expect(started.output()).toContain(
						"[edge] [wrangler:info] POST /flexiti/v2.5/client-id/flexitidemo/account/**********0001/verify 409",
					);
					// (The Ready line names the demo account on purpose: it is the one to buy with.)
					const requestLines = started
						.output()
						.split("\n")
						.filter((line) => line.includes("[wrangler:info]"));
					expect(requestLines.filter((line) => line.includes("10000000000001"))).toEqual([]);
					expect(
						requestLines.some((line) =>
							line.startsWith("[sandbox] [wrangler:info] GET /sandbox/accounts/**********0001 200 OK"),
						),
					).toBe(true);
				} finally {
					rmSync(stateDir, { recursive: true, force: true });
				}
			}
			console.log(`npm start came up ${RUNS}/${RUNS} times, in ${seconds.map((s) => s.toFixed(1)).join(", ")} s`);
		},
		RUNS * 150_000,
	);

	it("names the taken port and the setting that moves it", async () => {
		const [sandboxPort] = await freePorts(1);
		const squatter = await listen(0);
		const taken = (squatter.address() as { port: number }).port;
		try {
			const started = start({ EDGE_PORT: String(taken), SANDBOX_PORT: String(sandboxPort) });
			expect(await started.exited).toBe(1);
			expect(started.output()).toContain(`Port ${taken} (the edge) is already in use on 127.0.0.1`);
			expect(started.output()).toContain(`EDGE_PORT=${taken + 10} npm start`);
			expect(started.output()).not.toContain("wrangler"); // refused before any Worker started
		} finally {
			squatter.close();
		}
	});

	it("refuses a port setting that is not a port", async () => {
		const started = start({ SANDBOX_PORT: "88a8" });
		expect(await started.exited).toBe(1);
		expect(started.output()).toContain("SANDBOX_PORT=88a8 is not a port");
	});
});

/**
 * Buys the chair at the demo store as the browser would (the store opens the checkout, the shopper's
 * client token starts the widget, the PIN, the authorization), then waits for the store's own record
 * of the order to say paid: only the edge's checkout.authorized, delivered to the store's port, says so.
 */
async function buyAtTheDemoStore(ports: { edgePort: number; sandboxPort: number; storePort: number }): Promise<void> {
	const edge = `http://127.0.0.1:${ports.edgePort}`;
	const store = `http://127.0.0.1:${ports.storePort}`;
	const json = { "content-type": "application/json" };
	const bought = await againIfRestarted(() => fetch(`${store}/buy`, { method: "POST", redirect: "manual" }));
	expect(bought.status, await bought.clone().text()).toBe(303);
	const reference = /\/checkout\/([^/?]+)/.exec(bought.headers.get("location") ?? "")?.[1] ?? "";
	const token = await againIfRestarted(() => fetch(`${store}/checkout/${reference}/token`, { method: "POST" }));
	const { client_token } = (await token.json()) as { client_token: string };
	const shopper = { authorization: `Bearer ${client_token}`, ...json };
	const init = await againIfRestarted(() =>
		fetch(`${edge}/flexiti/v2.5/client-id/flexitidemo/widget/init`, {
			method: "POST",
			headers: shopper,
			body: JSON.stringify({ flow: "purchase", customer_identification: { account_number: 10000000000001 } }),
		}),
	);
	// `<sandbox>/#/widget/<client>/<access token>?…&widget_session_id=…`: what the widget page reads.
	const widget = ((await init.json()) as { redirection_url: string }).redirection_url;
	const session = /widget_session_id=([^&]+)/.exec(widget)?.[1];
	const accessToken = /\/widget\/flexitidemo\/([0-9a-f]+)/.exec(widget)?.[1];
	const verified = await fetch(`http://127.0.0.1:${ports.sandboxPort}/widget-api/sessions/${session}/verify`, {
		method: "POST",
		headers: json,
		body: JSON.stringify({ access_token: accessToken, pin: "2222" }),
	});
	expect(verified.status, await verified.clone().text()).toBe(200);
	const authorized = await againIfRestarted(() =>
		fetch(`${edge}/flexiti/v2.5.1/client-id/flexitidemo/authorization`, {
			method: "POST",
			headers: shopper,
			body: JSON.stringify({
				account_number: 10000000000001,
				financing_option: { transaction_type: "promotional_purchase", plan_id: 4, term: 3 },
			}),
		}),
	);
	expect(authorized.status, await authorized.clone().text()).toBe(200);

	let page = "";
	for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
		page = await (await fetch(`${store}/orders/${reference}`)).text();
		if (page.includes('id="paid-by-event"')) break;
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
	const ledger = await fetch(`${edge}/v1/orders/${reference}`, {
		headers: { authorization: `Bearer ${MERCHANT_KEY}` },
	});
	const { merchant_events } = (await ledger.json()) as {
		merchant_events: { type: string; deliveries: { endpoint: string; status: string }[] }[];
	};
	const deliveries = merchant_events
		.filter((event) => event.type === "checkout.authorized")
		.flatMap((event) => event.deliveries.map((delivery) => delivery.endpoint));
	expect(deliveries).toContain(`${store}/flexiti-events`);
	expect(deliveries.filter((endpoint) => /:3000\b/.test(endpoint))).toEqual([]);
	expect(page).toContain('id="paid-by-event"');
}

/**
 * The secrets of the edge's and the demo store's `.dev.vars.example` (what npm start runs with on a fresh
 * clone): every run of 20 or more key-like characters in their values (client secrets, merchant keys and
 * their digests, webhook and event secrets, the token encryption key), the storefront origins aside.
 */
function localSecrets(): string[] {
	return [".dev.vars.example", "functions/demo-store/.dev.vars.example"].flatMap((file) =>
		Object.entries(parseEnv(readFileSync(file, "utf8")))
			.filter(([name]) => name !== "STOREFRONT_ORIGINS")
			.flatMap(([, value]) => value?.match(/[\w+/=-]{20,}/g) ?? []),
	);
}

function start(env: Record<string, string>): Started {
	let output = "";
	const child = spawn(process.execPath, ["scripts/start.ts"], {
		env: { ...process.env, FORCE_COLOR: "0", ...env },
		stdio: ["ignore", "pipe", "pipe"],
		// Its own process group, so a start that hangs can be stopped with everything it spawned.
		detached: true,
	});
	for (const stream of [child.stdout, child.stderr]) stream.on("data", (chunk: Buffer) => (output += chunk.toString()));
	const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
	const started = { child, output: () => output, exited };
	running.push(started);
	return started;
}

/** Waits until the output matches, or the process exits (false). */
async function waitFor(started: Started, pattern: RegExp, timeoutMs = 120_000): Promise<boolean> {
	const deadline = Date.now() + timeoutMs;
	let exited = false;
	void started.exited.then(() => (exited = true));
	while (Date.now() < deadline) {
		if (pattern.test(started.output())) return true;
		if (exited) return false;
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
	return false;
}

/**
 * A POST sent again once if wrangler dev answered that it reloaded the Worker meanwhile: it does when
 * the static assets are rebuilt, which another test project may do beside this one, and it retries
 * only GET and HEAD itself.
 */
async function againIfRestarted(send: () => Promise<Response>): Promise<Response> {
	const answer = await send();
	// Wrangler's own 503 when it reloads a Worker under a request (not retried for a POST); the demo store
	// passes it on in its 502 page ("The edge refused the checkout: … restarted mid-request").
	const restarted = answer.status === 503 || answer.status === 502;
	if (!restarted || !(await answer.clone().text()).includes("restarted mid-request")) return answer;
	return send();
}

/** Ctrl-C as a user would; after 20 s, the whole process group this test started. */
async function stop(started: Started): Promise<number | null> {
	const index = running.indexOf(started);
	if (index >= 0) running.splice(index, 1);
	if (started.child.exitCode !== null || started.child.signalCode !== null) return started.exited;
	started.child.kill("SIGINT");
	const timer = setTimeout(() => {
		if (started.child.pid) process.kill(-started.child.pid, "SIGKILL");
	}, 20_000);
	try {
		return await started.exited;
	} finally {
		clearTimeout(timer);
	}
}

function listen(port: number): Promise<Server> {
	const server = createServer();
	return new Promise((resolve, reject) => {
		server.once("error", reject);
		server.listen(port, "127.0.0.1", () => resolve(server));
	});
}
