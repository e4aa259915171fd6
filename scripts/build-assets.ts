/**
 * The edge's static assets (wrangler.toml `[assets]`, directory dist/assets): files Cloudflare serves
 * beside the Worker, outside its bundle, so they cost no bundle size and work offline under `npm start`.
 *
 * Each entry of `assetBuilders` writes its files into the directory; add one for new assets (the
 * …): the API reference pages and the raw specs, and the storefront SDK (/storefront/*).
 *   /docs                                     the edge's own API (spec/edge-api.yaml), webhooks included
 *   /docs/flexiti                             the Flexiti POS API as the edge exposes it under /flexiti
 *                                             (generated/flexiti-edge-api.json, see scripts/flexiti-surface.ts)
 *   /openapi/{edge-api,flexiti-pos-api}.{yaml,json}   the specs those pages are built from
 *
 * The pages are Redoc, built by `redocly build-docs` (@redocly/cli, already the spec linter) with its
 * scripts inlined: one self-contained HTML file each, nothing fetched from a CDN or Google Fonts.
 * Redoc has no try-it console; each page's servers are the edge itself (relative URLs), so the
 * request samples it shows point at the edge that serves it.
 *
 * Built by `npm run generate`, `npm start`, the tests and `npm run deploy`, from spec/ each time the
 * inputs change (dist/ is not committed: there is no second copy of a spec to drift).
 * Usage: node scripts/build-assets.ts [outDir]
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse, stringify } from "yaml";
import { buildStorefront } from "./build-storefront.ts";

const root = resolve(import.meta.dirname, "..");
export const ASSETS_DIR = join(root, "dist/assets");

export interface AssetBuilder {
	/** What it builds, for messages. */
	name: string;
	/** Files whose contents decide its output (a change rebuilds). */
	inputs: string[];
	build(outDir: string): void;
}

type OpenApi = Record<string, unknown> & { info: Record<string, unknown> & { description?: string } };

/** Each spec the edge documents (published as openapi/<name>.{yaml,json}), and how it is presented as served by the edge. */
const documentedSpecs = [
	{
		name: "edge-api",
		source: "spec/edge-api.yaml",
		page: "docs.html",
		title: "Flexiti Edge API",
		present: (document: OpenApi): OpenApi => ({
			...document,
			servers: [{ url: "/", description: "This edge." }],
		}),
	},
	{
		// The /flexiti surface as served (generated from spec/flexiti-pos-api.yaml and the edge's rules by
		// scripts/flexiti-surface.ts): its servers, credentials and callers are already the edge's.
		name: "flexiti-pos-api",
		source: "generated/flexiti-edge-api.json",
		page: "docs/flexiti.html",
		title: "Flexiti POS API, through Flexiti Edge",
		present: (document: OpenApi): OpenApi => document,
	},
] as const;

export const apiDocs: AssetBuilder = {
	name: "API reference pages and specs",
	inputs: [
		...documentedSpecs.map(({ source }) => source),
		"scripts/build-assets.ts",
		"node_modules/@redocly/cli/package.json",
	],
	build(outDir) {
		for (const { name, source, page, title, present } of documentedSpecs) {
			const served = present(parse(readFileSync(join(root, source), "utf8")) as OpenApi);
			const yamlPath = join(outDir, `openapi/${name}.yaml`);
			write(yamlPath, stringify(served, { lineWidth: 0 }));
			write(join(outDir, `openapi/${name}.json`), `${JSON.stringify(served, null, 2)}\n`);
			mkdirSync(dirname(join(outDir, page)), { recursive: true });
			execFileSync(
				"redocly",
				[
					"build-docs",
					yamlPath,
					"--output",
					join(outDir, page),
					"--title",
					title,
					"--inlineBundle",
					"--lint-config=off",
				],
				{
					cwd: root,
					stdio: ["ignore", "ignore", "pipe"],
					env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" },
				},
			);
			write(join(outDir, page), withoutCdnImages(readFileSync(join(outDir, page), "utf8")));
		}
	},
};

/**
 * Redoc's footer ("API docs by Redocly") is an <img> from https://cdn.redoc.ly/redoc/logo-mini(-full).svg,
 * in its bundled script whatever the options: the page asked a CDN for it on every visit (its CSP
 * blocked the request, and the console showed the violation). The same words, drawn as an inline SVG,
 * load nothing. A Redoc that asks its CDN for anything else fails the build rather than the promise.
 */
const REDOCLY_LOGO = `data:image/svg+xml,${encodeURIComponent(
	'<svg xmlns="http://www.w3.org/2000/svg" width="64" height="16" viewBox="0 0 64 16"><text x="0" y="12" font-family="sans-serif" font-size="12" fill="#808080">Redocly</text></svg>',
)}`;

function withoutCdnImages(html: string): string {
	const local = html.replace(/https:\/\/cdn\.redoc\.ly\/redoc\/logo-mini(?:-full)?\.svg/g, REDOCLY_LOGO);
	const left = /https:\/\/cdn\.redoc\.ly\/[^`"'\s)]*/.exec(local);
	if (left) throw new Error(`Redoc's page still names its CDN (${left[0]}): make it local in scripts/build-assets.ts`);
	return local;
}

/** The browser SDK at a content-addressed path, its manifest and its cache/CORS rules (scripts/build-storefront.ts). */
export const storefrontSdk: AssetBuilder = {
	name: "storefront SDK",
	inputs: [
		...readdirSync(join(root, "functions/storefront")).map((file) => `functions/storefront/${file}`),
		"generated/edge-api.ts",
		"generated/flexiti-pos-api.ts",
		"scripts/build-storefront.ts",
	],
	build(outDir) {
		buildStorefront({ outDir });
	},
};

export const assetBuilders: AssetBuilder[] = [apiDocs, storefrontSdk];

/**
 * Builds the assets into `outDir` unless they were built from the same inputs already (a stamp of
 * their contents, kept outside the directory so it is never served). Returns whether it built.
 */
export function buildAssets(outDir = ASSETS_DIR, builders = assetBuilders): boolean {
	const stampPath = join(
		root,
		".cache",
		`assets-${createHash("sha256").update(outDir).digest("hex").slice(0, 12)}.stamp`,
	);
	const stamp = inputsStamp(builders);
	if (existsSync(outDir) && readOr(stampPath) === stamp) return false;
	rmSync(outDir, { recursive: true, force: true });
	mkdirSync(outDir, { recursive: true });
	for (const builder of builders) {
		try {
			builder.build(outDir);
		} catch (error) {
			const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? "";
			throw new Error(`Building the ${builder.name} failed: ${stderr || String(error)}`);
		}
	}
	write(stampPath, stamp);
	return true;
}

function inputsStamp(builders: AssetBuilder[]): string {
	const hash = createHash("sha256");
	for (const builder of builders) {
		for (const input of builder.inputs) hash.update(input).update(readOr(join(root, input)) ?? "(missing)");
	}
	return hash.digest("hex");
}

function readOr(path: string): string | undefined {
	try {
		return readFileSync(path, "utf8");
	} catch {
		return undefined;
	}
}

function write(path: string, contents: string): void {
	mkdirSync(dirname(path), { recursive: true });
	writeFileSync(path, contents);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
	const outDir = process.argv[2] ? resolve(process.argv[2]) : ASSETS_DIR;
	console.log(buildAssets(outDir) ? `Static assets built in ${outDir}.` : `Static assets in ${outDir} are up to date.`);
}
