/**
 * `npm run setup -- --env <staging|production> [--dry-run] [--new-merchant-key]`: prepares one of
 * wrangler.toml's environments on your Cloudflare account, so that `npm run deploy` can follow.
 *   1. creates the environment's KV namespace (tokens) if wrangler.toml has no id for it yet, and
 *      writes its id into wrangler.toml;
 *   2. asks for the Flexiti client id and secret (or reads FLEXITI_CLIENT_ID / FLEXITI_CLIENT_SECRET),
 *      generates the token encryption key and a first merchant API key;
 *   3. stores them with one `wrangler secret bulk` (JSON on stdin: never on a command line or in a file),
 *      storing only the merchant key's SHA-256;
 *   4. prints the new merchant API key, once. No other secret is ever printed.
 * Safe to run twice: what exists is kept (the KV id, and each secret the Worker already has);
 * --new-merchant-key replaces the merchant keys with a new one. --dry-run shows what it would do and
 * changes nothing (no Cloudflare account needed).
 */
import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createInterface } from "node:readline/promises";
import {
	envArgument,
	KV_ID_PLACEHOLDER,
	orderIndexD1Id,
	tokensKvId,
	withOrderIndexD1Id,
	withTokensKvId,
	writeWranglerToml,
} from "./environments.ts";

const args = process.argv.slice(2);
const dryRun = args.includes("--dry-run");

try {
	const env = envArgument(args, "setup");
	const plan: string[] = [];

	// 1. The KV namespace.
	if (tokensKvId(env) === KV_ID_PLACEHOLDER) {
		const title = `flexiti-edge-${env}-tokens`;
		if (dryRun) {
			plan.push(
				`wrangler kv namespace create ${title}`,
				`write its id into wrangler.toml [[env.${env}.kv_namespaces]]`,
			);
		} else {
			const output = wrangler(["kv", "namespace", "create", title]);
			const id = /id\W+([0-9a-f]{32})/i.exec(output)?.[1];
			if (!id) throw new Error(`Could not read the new namespace's id from wrangler's answer:\n${output}`);
			writeWranglerToml(withTokensKvId(env, id));
			console.log(`Created the KV namespace ${title} (${id}) and wrote its id into wrangler.toml.`);
		}
	} else {
		console.log(`The ${env} KV namespace exists (wrangler.toml has its id); kept.`);
	}

	// 1b. The order index (D1): the database, its id into wrangler.toml, and its migrations (safe to rerun).
	const database = `flexiti-edge-${env}-orders`;
	if (orderIndexD1Id(env) === KV_ID_PLACEHOLDER) {
		if (dryRun) {
			plan.push(`wrangler d1 create ${database}`, `write its id into wrangler.toml [[env.${env}.d1_databases]]`);
		} else {
			const output = wrangler(["d1", "create", database]);
			const id = /database_id\W+([0-9a-f-]{36})/i.exec(output)?.[1];
			if (!id) throw new Error(`Could not read the new database's id from wrangler's answer:\n${output}`);
			writeWranglerToml(withOrderIndexD1Id(env, id));
			console.log(`Created the D1 database ${database} (${id}) and wrote its id into wrangler.toml.`);
		}
	} else {
		console.log(`The ${env} D1 database exists (wrangler.toml has its id); kept.`);
	}
	if (dryRun) plan.push(`wrangler d1 migrations apply ORDER_INDEX --env ${env} --remote`);
	else wrangler(["d1", "migrations", "apply", "ORDER_INDEX", "--env", env, "--remote"]);

	// 2. The secrets the Worker does not have yet.
	const existing = dryRun ? new Set<string>() : existingSecrets(env);
	const secrets: Record<string, string> = {};
	let newMerchantKey: string | undefined;
	if (!existing.has("FLEXITI_CLIENTS")) {
		const { clientId, clientSecret } = await flexitiCredentials();
		secrets.FLEXITI_CLIENTS = JSON.stringify({ [clientId]: clientSecret });
	}
	if (!existing.has("TOKEN_ENCRYPTION_KEY")) secrets.TOKEN_ENCRYPTION_KEY = randomBytes(32).toString("base64");
	if (!existing.has("MERCHANT_API_KEY_HASHES") || args.includes("--new-merchant-key")) {
		newMerchantKey = `fe_${env}_${randomBytes(24).toString("base64url")}`;
		secrets.MERCHANT_API_KEY_HASHES = createHash("sha256").update(newMerchantKey).digest("hex");
	}
	for (const name of existing) if (!(name in secrets)) console.log(`${name} is set; kept.`);

	// 3. One bulk upload, the values on stdin.
	const names = Object.keys(secrets);
	if (names.length > 0) {
		if (dryRun) plan.push(`wrangler secret bulk --env ${env}   (stdin: ${names.join(", ")}; values not shown)`);
		else wrangler(["secret", "bulk", "--env", env], JSON.stringify(secrets));
	}

	if (dryRun) console.log(`Dry run: would run\n  ${plan.join("\n  ")}\nNothing was changed.`);
	else console.log(`Stored ${names.length > 0 ? names.join(", ") : "nothing new"} for ${env}.`);
	// 4. The merchant key, once.
	if (newMerchantKey && !dryRun) {
		console.log(
			`\nYour merchant API key for ${env} (shown once; only its hash is stored, keep it in your order system's secrets):\n\n  ${newMerchantKey}\n`,
		);
	} else if (newMerchantKey) {
		console.log("A new merchant API key would be generated and shown once.");
	}
	console.log(`Next: npm run deploy -- --env ${env}`);
} catch (error) {
	console.error(`\n${error instanceof Error ? error.message : String(error)}`);
	process.exit(1);
}

/** The Flexiti client id and secret: from the environment, or asked for (the secret without echo). */
async function flexitiCredentials(): Promise<{ clientId: string; clientSecret: string }> {
	let clientId = process.env.FLEXITI_CLIENT_ID?.trim() ?? "";
	let clientSecret = process.env.FLEXITI_CLIENT_SECRET?.trim() ?? "";
	if ((!clientId || !clientSecret) && process.stdin.isTTY) {
		const prompt = createInterface({ input: process.stdin, output: process.stdout });
		if (!clientId)
			clientId = (await prompt.question("Flexiti client id (from Flexiti's implementation team): ")).trim();
		if (!clientSecret) clientSecret = (await hiddenQuestion(prompt, "Flexiti client secret (not shown): ")).trim();
		prompt.close();
	}
	if (!clientId || !clientSecret) {
		throw new Error(
			"Setup needs your Flexiti client id and secret (Flexiti's implementation team issues them per environment).\n" +
				"Run it in a terminal to be asked, or set FLEXITI_CLIENT_ID and FLEXITI_CLIENT_SECRET.",
		);
	}
	return { clientId, clientSecret };
}

/** Asks without echoing what is typed. */
async function hiddenQuestion(prompt: ReturnType<typeof createInterface>, question: string): Promise<string> {
	const output = process.stdout;
	const write = output.write.bind(output);
	process.stdout.write(question);
	// readline echoes through stdout.write; swallow it while the secret is typed.
	output.write = (() => true) as typeof output.write;
	try {
		return await prompt.question("");
	} finally {
		output.write = write;
		write("\n");
	}
}

function existingSecrets(env: string): Set<string> {
	try {
		const listed = JSON.parse(wrangler(["secret", "list", "--env", env, "--format", "json"])) as { name: string }[];
		return new Set(listed.map((secret) => secret.name));
	} catch {
		// No Worker deployed yet for this environment: it has no secrets.
		return new Set();
	}
}

function wrangler(wranglerArgs: string[], input?: string): string {
	return execFileSync("wrangler", wranglerArgs, {
		input,
		encoding: "utf8",
		stdio: ["pipe", "pipe", "inherit"],
		env: { ...process.env, FORCE_COLOR: "0" },
	});
}
