/**
 * The README's shell blocks (```sh fences), as a reader sees them, and which of them the README test
 * runs. A block is run unless its first line says, visibly to the reader, why it is not:
 *
 *   # needs a Cloudflare account …          (deploying, secrets, KV namespaces: nothing local to run against)
 *   # not run by the README test: <why>      (e.g. it starts the project itself, or runs in another project)
 *
 * A plain regular expression reads the fences: the README uses only ``` fences with an info string at
 * the start of a line, so a Markdown parser (another dependency) would find the same blocks.
 */

export const NEEDS_CLOUDFLARE_ACCOUNT = "# needs a Cloudflare account";
export const NOT_RUN_BY_THE_README_TEST = "# not run by the README test:";

export interface ShellBlock {
	/** The nearest heading above the block, to name it in test output. */
	heading: string;
	/** 1-based line of the opening fence in the README. */
	line: number;
	script: string;
	/** Why the README test does not run it; undefined when it does. */
	skipped?: "needs a Cloudflare account" | string;
}

export function readmeShellBlocks(readme: string): ShellBlock[] {
	const blocks: ShellBlock[] = [];
	const lines = readme.split("\n");
	let heading = "(top)";
	for (let index = 0; index < lines.length; index++) {
		const text = lines[index] ?? "";
		if (/^#{1,6} /.test(text)) heading = text.replace(/^#+ /, "");
		if (!/^```(sh|bash|shell)\s*$/.test(text)) continue;
		const start = index;
		const body: string[] = [];
		for (index++; index < lines.length && !/^```\s*$/.test(lines[index] ?? ""); index++) body.push(lines[index] ?? "");
		const script = body.join("\n");
		blocks.push({ heading, line: start + 1, script, skipped: skipReason(body[0] ?? "") });
	}
	return blocks;
}

function skipReason(firstLine: string): string | undefined {
	if (firstLine.startsWith(NEEDS_CLOUDFLARE_ACCOUNT)) return "needs a Cloudflare account";
	if (firstLine.startsWith(NOT_RUN_BY_THE_README_TEST))
		return firstLine.slice(NOT_RUN_BY_THE_README_TEST.length).trim() || "no reason given";
	return undefined;
}

/**
 * Commands the README test must never run unmarked: they start the project (ports, the test suite
 * running itself) or change the checkout (installing a package into it). Returns each offending line.
 */
export function projectChangingCalls(script: string): string[] {
	return script.split("\n").filter((line) => /^\s*npm (start|test|pack|install|i|ci|run test:watch)\b/.test(line));
}

/**
 * Commands that fail on a fresh machine as written: Wrangler is a dev dependency, not on PATH, and
 * `npx wrangler` refuses the Node 20 many machines have. `npm run wrangler -- …` goes through the
 * project's Node bootstrap. Returns each offending line.
 */
export function bareWranglerCalls(script: string): string[] {
	return script
		.split("\n")
		.filter((line) => /^\s*(npx\s+(--yes\s+)?)?wrangler\b/.test(line) || /[;&|(]\s*(npx\s+)?wrangler\b/.test(line));
}

/**
 * The same mistake in the prose: an inline `wrangler kv …`, `wrangler secret …` (a command the reader is
 * told to type) rather than `npm run wrangler -- …`. Mentions of what the scripts run (`wrangler dev`,
 * `wrangler types`) are not commands for the reader and pass.
 */
export function bareWranglerInProse(readme: string): string[] {
	return [
		...readme.matchAll(/`((npx\s+)?wrangler\s+(kv|secret|deploy|login|logout|whoami|tail|d1|r2|queues)\b[^`]*)`/g),
	].map((match) => match[1] ?? "");
}
