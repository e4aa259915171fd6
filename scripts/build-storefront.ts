/**
 * `npm run build:storefront`: the browser SDK (functions/storefront) built once, two ways.
 *
 *  - For the edge to serve as a static asset (dist/assets, wrangler.toml `[assets]`, served without
 *    running the Worker): one minified ES module at a content-addressed path,
 *    `/storefront/flexiti-edge.<sha256 prefix>.js`. A path that names its content can be cached for
 *    a year (`immutable`) and pinned with Subresource Integrity: a new build is a new path, so no page
 *    ever runs a file its integrity hash does not match. `/storefront/manifest.json` (not cached) says
 *    which path is current and its `integrity`; `/storefront/flexiti-edge.js` is always the latest
 *    (short cache), for trying things out. Module scripts from another origin are fetched with CORS,
 *    so the files are served with `Access-Control-Allow-Origin: *` (`_headers`).
 *  - For bundlers, the package's `flexiti-edge/storefront` export (dist/storefront): the same module
 *    and its declarations (tsc).
 *
 * scripts/build-assets.ts runs it with the other static assets (docs); it replaces only
 * <outDir>/storefront and its own block of <outDir>/_headers.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { buildSync } from "esbuild";

const ROOT = resolve(import.meta.dirname, "..");
export const ASSETS_DIR = join(ROOT, "dist/assets");
const HEADERS_BEGIN = "# storefront SDK (scripts/build-storefront.ts)";
const HEADERS_END = "# end storefront SDK";

export interface StorefrontBuild {
	/** The versioned path the edge serves it at, e.g. `/storefront/flexiti-edge.1a2b3c4d5e6f.js`. */
	path: string;
	/** Subresource Integrity of that file (`sha384-…`). */
	integrity: string;
	bytes: number;
	gzipBytes: number;
}

/** Builds the SDK into dist/assets/storefront (and, with `types`, the package's dist/storefront). */
export function buildStorefront({
	outDir = ASSETS_DIR,
	types = false,
}: {
	outDir?: string;
	types?: boolean;
} = {}): StorefrontBuild {
	const built = buildSync({
		entryPoints: [join(ROOT, "functions/storefront/index.ts")],
		bundle: true,
		minify: true,
		format: "esm",
		target: "es2022",
		platform: "browser",
		write: false,
		legalComments: "none",
	});
	const code = built.outputFiles[0]?.contents;
	if (!code) throw new Error("build-storefront: esbuild produced no output");
	const hash = createHash("sha256").update(code).digest("hex").slice(0, 12);
	const integrity = `sha384-${createHash("sha384").update(code).digest("base64")}`;
	const path = `/storefront/flexiti-edge.${hash}.js`;

	const out = join(outDir, "storefront");
	rmSync(out, { recursive: true, force: true });
	mkdirSync(out, { recursive: true });
	writeFileSync(join(outDir, path), code);
	writeFileSync(join(out, "flexiti-edge.js"), code);
	const build: StorefrontBuild = {
		path,
		integrity,
		bytes: code.byteLength,
		gzipBytes: gzipSync(code, { level: 9 }).byteLength,
	};
	writeFileSync(join(out, "manifest.json"), `${JSON.stringify(build, null, "\t")}\n`);
	writeHeaders(outDir);

	if (types) {
		rmSync(join(ROOT, "dist/storefront"), { recursive: true, force: true });
		mkdirSync(join(ROOT, "dist/storefront"), { recursive: true });
		writeFileSync(join(ROOT, "dist/storefront/flexiti-edge.js"), code);
		execFileSync("tsc", ["-p", "functions/storefront/tsconfig.build.json"], { stdio: "inherit", cwd: ROOT });
	}
	return build;
}

/** Cache and CORS rules for the SDK's files, as Workers static assets read them from `_headers`. */
function writeHeaders(outDir: string): void {
	const file = join(outDir, "_headers");
	writeFileSync(file, withStorefrontHeaders(existsSync(file) ? readFileSync(file, "utf8") : ""));
}

/**
 * `_headers` with the SDK's block in place of the one an earlier build wrote (the rest as it was), so a
 * second build leaves the file as the first did. Found by its marker lines as text: a pattern made
 * from them would read the parentheses of the first as a group, find no block, and append another.
 */
export function withStorefrontHeaders(existing: string): string {
	const begin = existing.indexOf(HEADERS_BEGIN);
	const end = begin === -1 ? -1 : existing.indexOf(HEADERS_END, begin);
	const others =
		end === -1 ? existing : existing.slice(0, begin) + existing.slice(end + HEADERS_END.length).replace(/^\n/, "");
	const ours = [
		HEADERS_BEGIN,
		"/storefront/*",
		"  Access-Control-Allow-Origin: *",
		"  Cross-Origin-Resource-Policy: cross-origin",
		"  X-Content-Type-Options: nosniff",
		"/storefront/flexiti-edge.*.js",
		"  Cache-Control: public, max-age=31536000, immutable",
		"/storefront/flexiti-edge.js",
		"  Cache-Control: public, max-age=300",
		"/storefront/manifest.json",
		"  Cache-Control: no-cache",
		HEADERS_END,
		"",
	].join("\n");
	return others + ours;
}

if (process.argv[1] && resolve(process.argv[1]) === import.meta.filename) {
	const build = buildStorefront({ types: process.argv.includes("--types") });
	console.log(`built ${build.path} (${build.bytes} bytes, ${build.gzipBytes} gzipped) ${build.integrity}`);
}
