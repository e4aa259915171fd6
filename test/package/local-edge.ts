/**
 * What the package tests share: a local edge in front of the local sandbox, each under Wrangler on an
 * ephemeral port (as `npm start` runs them, with the local settings of .dev.vars.example), and tsc run
 * over a scratch project outside the repository, strict, as a merchant's build would.
 */
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { type Binding, startLocalWorker } from "../../scripts/local-worker.ts";
import { localSettings } from "../support/build-sandbox.ts";

export const run = promisify(execFile);
export const root = resolve(import.meta.dirname, "../..");

export interface LocalEdge {
	/** The edge's origin (http://127.0.0.1:<port>). */
	edge: string;
	/** The sandbox's origin, for what the widget page does there (verifying the PIN). */
	sandbox: string;
	dispose(): Promise<void>;
}

export async function startLocalEdge(): Promise<LocalEdge> {
	const sandbox = await startLocalWorker("functions/sandbox/wrangler.toml");
	const secrets = Object.fromEntries(
		Object.entries(localSettings()).map(([name, value]) => [name, { type: "secret_text", value } satisfies Binding]),
	);
	const edge = await startLocalWorker("wrangler.toml", {
		...secrets,
		FLEXITI_BASE_URL: { type: "plain_text", value: `${sandbox.origin}/flexiti/pos-api` },
	}).catch(async (error: unknown) => {
		await sandbox.worker.dispose();
		throw error;
	});
	return {
		edge: edge.origin,
		sandbox: sandbox.origin,
		async dispose() {
			await Promise.allSettled([edge.worker.dispose(), sandbox.worker.dispose()]);
		},
	};
}

/**
 * tsc over `files` in `dir`, strict, with Node's types (a merchant's server has them; the repository's
 * copy stands in for installing them there). Throws with tsc's own report when it does not compile.
 */
export async function typeCheck(dir: string, files: string[]): Promise<void> {
	writeFileSync(
		join(dir, "tsconfig.json"),
		JSON.stringify({
			compilerOptions: {
				target: "es2022",
				lib: ["es2022", "dom"],
				module: "nodenext",
				moduleResolution: "nodenext",
				strict: true,
				noEmit: true,
				typeRoots: [join(root, "node_modules/@types")],
				types: ["node"],
			},
			files,
		}),
	);
	await run(join(root, "node_modules/.bin/tsc"), ["-p", "tsconfig.json"], { cwd: dir }).catch(
		(error: { stdout?: string }) => {
			throw new Error(`tsc: ${error.stdout}`);
		},
	);
}
