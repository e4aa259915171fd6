/**
 * Where the edge's CPU time goes: a CPU profile of the edge's workerd under load, taken through its
 * inspector (the Chrome DevTools protocol: Profiler.start / Profiler.stop), then each sample charged
 * to the innermost edge stage on its stack — caller identification, matching, validation, token,
 * the upstream call, logging — by the names of the functions that do each.
 */

/** The functions of each stage, innermost first in precedence (a sample goes to the first stage found, leaf upwards). */
const STAGES: [stage: string, functions: RegExp][] = [
	["logging (request log, redaction)", /^(requestLog|redact|redactPath|redactValue|log)$/],
	[
		"validation (spec schemas, checkout rules)",
		/^(validateRequest|validate|readJsonBody|applyCheckoutRules|dereference|validateValue|validateObject|validateString|validateNumber)$/,
	],
	["matching (operation table)", /^(matchOperation|match)$/],
	[
		"caller identification (API key digest, client token)",
		/^(identifyCaller|readCredential|merchantKeyDigest|digest|isMerchantKey)$/,
	],
	["rate limits", /^(shopperIpLimit|callerLimit|allowed|limit)$/],
	[
		"token (memory, KV, broker)",
		/^(get|load|lookAhead|readKv|readPublishedToken|decryptFromKv|merchantTokens|tokenSource)$/,
	],
	[
		"upstream call (typed client, fetch, retries)",
		/^(forwardToFlexiti|callFlexiti|call|send|upstreamSend|withRetries|request|coreFetch|fetch)$/,
	],
	["answer (response, headers)", /^(answer|json|newResponse)$/],
];

interface ProfileNode {
	id: number;
	callFrame: { functionName: string; url: string };
	children?: number[];
}

interface CpuProfile {
	nodes: ProfileNode[];
	samples: number[];
	timeDeltas: number[];
}

export interface ProfileBreakdown {
	samples: number;
	/** The functions most samples were in (self time), for what "other" holds. */
	top: { name: string; share: number }[];
	/** Share of samples per stage, plus the runtime and framework ("other") and idle time. */
	stages: { stage: string; share: number }[];
}

/** Profiles the Worker behind `inspector` while `during` runs. */
export async function profileWhile(inspector: URL, workerName: string, during: () => Promise<unknown>) {
	const targets = (await (await fetch(new URL("/json", inspector.href.replace(/^ws/, "http")))).json()) as {
		id: string;
		title?: string;
		webSocketDebuggerUrl?: string;
	}[];
	const target = targets.find((t) => (t.title ?? "").includes(workerName) || t.id.includes(workerName)) ?? targets[0];
	if (!target?.webSocketDebuggerUrl) throw new Error(`no inspector target for ${workerName}`);
	// Wrangler's inspector proxy accepts only connections that name an origin (undici's `headers` init).
	const socket = new WebSocket(target.webSocketDebuggerUrl, {
		headers: { origin: "http://127.0.0.1" },
	} as unknown as string[]);
	await new Promise((resolve, reject) => {
		socket.addEventListener("open", resolve, { once: true });
		socket.addEventListener("error", reject, { once: true });
	});
	let nextId = 1;
	const pending = new Map<number, (result: unknown) => void>();
	socket.addEventListener("message", (event) => {
		const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown };
		if (message.id !== undefined) pending.get(message.id)?.(message.result);
	});
	const command = (method: string, params: object = {}) =>
		new Promise<unknown>((resolve) => {
			const id = nextId++;
			pending.set(id, resolve);
			socket.send(JSON.stringify({ id, method, params }));
		});
	try {
		await command("Profiler.enable");
		await command("Profiler.setSamplingInterval", { interval: 100 });
		await command("Profiler.start");
		await during();
		const { profile } = (await command("Profiler.stop")) as { profile: CpuProfile };
		return breakdown(profile);
	} finally {
		socket.close();
	}
}

function breakdown(profile: CpuProfile): ProfileBreakdown {
	const byId = new Map(profile.nodes.map((node) => [node.id, node]));
	const parent = new Map<number, number>();
	for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
	const stageOf = new Map<number, string>();
	const classify = (id: number): string => {
		const known = stageOf.get(id);
		if (known) return known;
		let stage: string | undefined;
		for (let at: number | undefined = id; at !== undefined && !stage; at = parent.get(at)) {
			const name = byId.get(at)?.callFrame.functionName ?? "";
			if (name === "(idle)") stage = "idle";
			if (name === "(garbage collector)") stage = "garbage collection";
			stage ??= STAGES.find(([, functions]) => functions.test(name))?.[0];
		}
		stage ??= "other (Hono, runtime, framework)";
		stageOf.set(id, stage);
		return stage;
	};
	const counts = new Map<string, number>();
	const self = new Map<string, number>();
	for (const sample of profile.samples) {
		const stage = classify(sample);
		counts.set(stage, (counts.get(stage) ?? 0) + 1);
		const frame = byId.get(sample)?.callFrame;
		if (stage !== "idle" && frame) {
			const name = `${frame.functionName || "(anonymous)"} ${frame.url.split("/").at(-1) ?? ""}`.trim();
			self.set(name, (self.get(name) ?? 0) + 1);
		}
	}
	const busy = profile.samples.length - (counts.get("idle") ?? 0);
	counts.delete("idle");
	return {
		samples: busy,
		top: [...self]
			.sort((a, b) => b[1] - a[1])
			.slice(0, 12)
			.map(([name, count]) => ({ name, share: busy ? count / busy : 0 })),
		stages: [...counts]
			.map(([stage, count]) => ({ stage, share: busy ? count / busy : 0 }))
			.sort((a, b) => b.share - a.share),
	};
}
