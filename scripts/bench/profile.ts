/**
 * Where the edge's CPU time goes: a CPU profile of the edge's workerd under load, taken through its
 * inspector (the Chrome DevTools protocol: Profiler.start / Profiler.stop), then each sample charged
 * to an edge stage — caller identification, matching, validation, token, the upstream call, logging…
 * — by the source module of the innermost frame on its stack that belongs to one. The profiled edge
 * is bundled unminified, and its bundle keeps esbuild's `// <module path>` comment before each
 * module's code, so a frame's line in the bundle names its module (function names would not survive
 * minification, and many of the edge's functions are anonymous arrow functions).
 */

import { writeFileSync } from "node:fs";
import { type ModuleMap, openInspector, placeInModule } from "./inspector.ts";

/** Stages by source module (the bundle's module comments: `functions/edge/…`, `node_modules/…`). */
const STAGES: [stage: string, modules: RegExp][] = [
	["logging (request log, redaction)", /functions\/edge\/core\/(request-log|redact)\.ts$/],
	[
		"validation (body, spec schemas, checkout rules)",
		/functions\/contract\/(validate-request|read-json-body|json-media-type|lossless-json)\.ts$|node_modules\/@cfworker\/json-schema\/|functions\/edge\/routes\/checkout-rules\.ts$/,
	],
	["matching (operation table)", /functions\/contract\/(match-operation|hono-path)\.ts$/],
	[
		"caller identification (API key digest, client token, session)",
		/functions\/edge\/callers\/(caller|identify-caller|checkout-sessions|merchant-policy|shopper-policy)\.ts$|functions\/contract\/(bytes|constant-time)\.ts$/,
	],
	["rate limits", /functions\/edge\/callers\/rate-limits\.ts$/],
	[
		"CORS (storefront origins)",
		/functions\/edge\/callers\/storefront-cors\.ts$|node_modules\/hono\/dist\/middleware\/cors\//,
	],
	["security headers, body limit (hono middleware)", /node_modules\/hono\/dist\/(middleware|helper)\//],
	["token (memory, KV, broker)", /functions\/edge\/flexiti\/(token-[a-z-]+|flexiti-token)\.ts$/],
	[
		"upstream call (gateway, typed client, fetch, retries)",
		/functions\/edge\/flexiti\/(gateway|upstream|operation-request)\.ts$|functions\/edge\/orders\/forwarded-call\.ts$|functions\/client\/|node_modules\/openapi-fetch\//,
	],
	[
		"forwarder (reference id, headers, answer)",
		/functions\/edge\/routes\/(forward-operation|edge-operation|token-guard)\.ts$/,
	],
	[
		"webhook (signature, payload, routes)",
		/functions\/edge\/routes\/webhooks\/|node_modules\/(standardwebhooks|@stablelib|fast-sha256)\//,
	],
	["orders (Durable Object, storage)", /functions\/edge\/orders\//],
];
/** Hono's own modules (routing, context, compose): a sample in them is charged to the edge stage that
 * called them, if any (`c.req.header` inside caller identification is caller identification). */
const FRAMEWORK = /node_modules\/hono\/dist\/(?!middleware|helper)/;
const FRAMEWORK_STAGE = "Hono (routing, context, compose)";
const RUNTIME_STAGE = "runtime (no JavaScript frame of the edge's on the stack)";

interface ProfileNode {
	id: number;
	callFrame: { functionName: string; url: string; scriptId: string; lineNumber: number };
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
	/** Share of busy samples per stage, plus the framework's and the runtime's; idle samples are left out. */
	stages: { stage: string; share: number }[];
}

/**
 * Profiles the Worker behind `inspector` while `during` runs. The raw profile goes to `saveTo`, if
 * given (a `.cpuprofile` that Chrome DevTools' Performance panel opens), for what the table leaves out.
 */
export async function profileWhile(
	inspector: URL,
	workerName: string,
	during: () => Promise<unknown>,
	saveTo?: string,
) {
	const session = await openInspector(inspector, workerName);
	try {
		await session.command("Profiler.enable");
		await session.command("Profiler.setSamplingInterval", { interval: 100 });
		await session.command("Profiler.start");
		await during();
		const { profile } = (await session.command("Profiler.stop")) as { profile: CpuProfile };
		if (saveTo) writeFileSync(saveTo, JSON.stringify(profile));
		return breakdown(profile, session.modules);
	} finally {
		session.close();
	}
}

function breakdown(profile: CpuProfile, modules: ModuleMap): ProfileBreakdown {
	const byId = new Map(profile.nodes.map((node) => [node.id, node]));
	const parent = new Map<number, number>();
	for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
	const placeOf = (node: ProfileNode | undefined) => (node ? placeInModule(modules, node.callFrame) : undefined);
	const moduleOf = (node: ProfileNode | undefined) => placeOf(node)?.module;
	const stageOf = new Map<number, string>();
	const classify = (id: number): string => {
		const known = stageOf.get(id);
		if (known) return known;
		const leaf = byId.get(id)?.callFrame.functionName;
		let stage: string | undefined =
			leaf === "(idle)" ? "idle" : leaf === "(garbage collector)" ? "garbage collection" : undefined;
		let framework = false;
		for (let at: number | undefined = id; at !== undefined && !stage; at = parent.get(at)) {
			const module = moduleOf(byId.get(at));
			if (!module) continue;
			if (FRAMEWORK.test(module)) framework = true;
			else stage = STAGES.find(([, pattern]) => pattern.test(module))?.[0] ?? `other edge code (${module})`;
		}
		stage ??= framework ? FRAMEWORK_STAGE : RUNTIME_STAGE;
		stageOf.set(id, stage);
		return stage;
	};
	// Shares count samples. Each sample's time delta would weigh them by wall time, and on a busy
	// machine a delta mostly measures how long the thread waited for a core.
	const counts = new Map<string, number>();
	const self = new Map<string, number>();
	for (const sample of profile.samples) {
		const stage = classify(sample);
		counts.set(stage, (counts.get(stage) ?? 0) + 1);
		const frame = byId.get(sample)?.callFrame;
		if (stage !== "idle" && frame) {
			const place = placeOf(byId.get(sample));
			const where = place
				? `${place.module.replace(/^.*node_modules\//, "")} +${place.line}`
				: frame.url.split("/").at(-1);
			const name = `${frame.functionName || "(anonymous)"} ${where ?? ""}`.trim();
			self.set(name, (self.get(name) ?? 0) + 1);
		}
	}
	counts.delete("idle");
	const busy = [...counts.values()].reduce((sum, n) => sum + n, 0);
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
