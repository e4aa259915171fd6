/**
 * A session with a local Worker's inspector (the Chrome DevTools protocol through Wrangler's inspector
 * proxy), and where a frame of the edge's bundle comes from: the profiled edge is bundled unminified,
 * and its bundle keeps esbuild's `// <module path>` comment before each module's code, so a frame's
 * line in the bundle names its module. Used by the CPU profile (profile.ts) and the ack's heap
 * sampling (ack-heap.ts).
 */

/** Per script, the bundle's module comments: the line each module's code starts at, in order. */
export type ModuleMap = Map<string, { line: number; module: string }[]>;

export interface InspectorSession {
	command(method: string, params?: object): Promise<unknown>;
	/** The module comments of every script the Worker runs, read when the session opened. */
	modules: ModuleMap;
	close(): void;
}

/** Opens a session with the Worker named `workerName` behind `inspector`, its bundle's modules read. */
export async function openInspector(inspector: URL, workerName: string): Promise<InspectorSession> {
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
	const scripts: { scriptId: string; url: string }[] = [];
	socket.addEventListener("message", (event) => {
		const message = JSON.parse(String(event.data)) as {
			id?: number;
			result?: unknown;
			method?: string;
			params?: { scriptId: string; url: string };
		};
		if (message.id !== undefined) pending.get(message.id)?.(message.result);
		if (message.method === "Debugger.scriptParsed" && message.params) scripts.push(message.params);
	});
	const command = (method: string, params: object = {}) =>
		new Promise<unknown>((resolve) => {
			const id = nextId++;
			pending.set(id, resolve);
			socket.send(JSON.stringify({ id, method, params }));
		});
	// The bundle's source, for its module comments; the debugger is off again before anything is measured.
	await command("Debugger.enable");
	const modules: ModuleMap = new Map();
	for (const script of scripts.filter((s) => s.url.endsWith(".js"))) {
		const { scriptSource } = (await command("Debugger.getScriptSource", { scriptId: script.scriptId })) as {
			scriptSource: string;
		};
		modules.set(script.scriptId, moduleComments(scriptSource));
	}
	await command("Debugger.disable");
	return { command, modules, close: () => socket.close() };
}

/** The module a frame's code is in, and the frame's line counted from that module's comment. */
export function placeInModule(
	modules: ModuleMap,
	frame: { scriptId: string; lineNumber: number },
): { module: string; line: number } | undefined {
	const starts = modules.get(frame.scriptId);
	if (!starts) return undefined;
	let found: { module: string; line: number } | undefined;
	for (const { line, module } of starts) {
		if (line > frame.lineNumber) break;
		found = { module, line: frame.lineNumber - line };
	}
	return found;
}

/** Lines like `// functions/edge/app.ts` or `// node_modules/hono/dist/compose.js`, as esbuild writes them. */
function moduleComments(source: string): { line: number; module: string }[] {
	const found: { line: number; module: string }[] = [];
	source.split("\n").forEach((text, line) => {
		const module = /^\/\/ ((?:functions|node_modules|generated|\.\.\/)[^\s]*\.[cm]?[jt]s)$/.exec(text)?.[1];
		if (module) found.push({ line, module });
	});
	return found;
}
