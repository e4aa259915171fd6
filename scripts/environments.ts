/**
 * The deploy environments declared in wrangler.toml (`[env.<name>]`), and the KV namespace id each
 * one has: `npm run setup` writes it, `npm run deploy` refuses to deploy without it.
 */
import { readFileSync, writeFileSync } from "node:fs";

export const WRANGLER_TOML = "wrangler.toml";
/** What wrangler.toml holds where `npm run setup` has not yet created an environment's KV namespace. */
export const KV_ID_PLACEHOLDER = "created-by-npm-run-setup";

export function environments(toml = readFileSync(WRANGLER_TOML, "utf8")): string[] {
	return [...toml.matchAll(/^\[env\.([\w-]+)\]\s*$/gm)].map((match) => match[1] as string);
}

/** The `id` line of `[[env.<name>.kv_namespaces]]` binding TOKENS. */
const kvIdLine = (env: string) =>
	new RegExp(`(\\[\\[env\\.${env}\\.kv_namespaces\\]\\]\\s*\\nbinding = "TOKENS"\\s*\\nid = ")([^"]*)(")`);

export function tokensKvId(env: string, toml = readFileSync(WRANGLER_TOML, "utf8")): string | undefined {
	return kvIdLine(env).exec(toml)?.[2];
}

/** wrangler.toml with the environment's TOKENS namespace id set. */
export function withTokensKvId(env: string, id: string, toml = readFileSync(WRANGLER_TOML, "utf8")): string {
	if (!kvIdLine(env).test(toml)) throw new Error(`${WRANGLER_TOML} has no [[env.${env}.kv_namespaces]] TOKENS entry`);
	return toml.replace(kvIdLine(env), `$1${id}$3`);
}

export function writeWranglerToml(toml: string): void {
	writeFileSync(WRANGLER_TOML, toml);
}

/** `--env <name>` from the arguments, or a message that lists the environments. */
export function envArgument(args: string[], command: string): string {
	const index = args.indexOf("--env");
	const env = index >= 0 ? args[index + 1] : undefined;
	const known = environments();
	if (!env || !known.includes(env)) {
		throw new Error(
			`${env ? `No environment "${env}" in ${WRANGLER_TOML}.` : "Which environment?"} Run: npm run ${command} -- --env <${known.join("|")}>`,
		);
	}
	return env;
}

/** The `database_id` line of `[[env.<name>.d1_databases]]` binding ORDER_INDEX. */
const d1IdLine = (env: string) =>
	new RegExp(
		`(\\[\\[env\\.${env}\\.d1_databases\\]\\]\\s*\\nbinding = "ORDER_INDEX"\\s*\\ndatabase_name = "[^"]*"\\s*\\ndatabase_id = ")([^"]*)(")`,
	);

export function orderIndexD1Id(env: string, toml = readFileSync(WRANGLER_TOML, "utf8")): string | undefined {
	return d1IdLine(env).exec(toml)?.[2];
}

/** wrangler.toml with the environment's ORDER_INDEX database id set. */
export function withOrderIndexD1Id(env: string, id: string, toml = readFileSync(WRANGLER_TOML, "utf8")): string {
	if (!d1IdLine(env).test(toml))
		throw new Error(`${WRANGLER_TOML} has no [[env.${env}.d1_databases]] ORDER_INDEX entry`);
	return toml.replace(d1IdLine(env), `$1${id}$3`);
}
