/**
 * The size Cloudflare cares about: the edge bundled as `wrangler deploy` would upload it
 * (`--dry-run`, no account needed), gzipped. The limit of a Worker is on its gzipped size.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

export interface BundleSize {
	files: string[];
	bytes: number;
	gzipBytes: number;
}

export function edgeBundleSize(config = "wrangler.toml", env?: string): BundleSize {
	const outdir = mkdtempSync(join(tmpdir(), "flexiti-edge-bundle-"));
	try {
		const args = ["deploy", "--dry-run", "--config", config, "--outdir", outdir, ...(env ? ["--env", env] : [])];
		execFileSync("wrangler", args, {
			stdio: ["ignore", "ignore", "pipe"],
			env: { ...process.env, FORCE_COLOR: "0" },
		});
		// Every module that would be uploaded (today one index.js), without source maps or the README.
		const files = readdirSync(outdir).filter((file) => /\.(m?js|cjs)$/.test(file));
		if (files.length === 0) throw new Error(`wrangler deploy --dry-run wrote no JavaScript to ${outdir}`);
		let bytes = 0;
		let gzipBytes = 0;
		for (const file of files) {
			const code = readFileSync(join(outdir, file));
			bytes += code.byteLength;
			gzipBytes += gzipSync(code, { level: 9 }).byteLength;
		}
		return { files, bytes, gzipBytes };
	} finally {
		rmSync(outdir, { recursive: true, force: true });
	}
}
