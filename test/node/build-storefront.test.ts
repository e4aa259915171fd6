/**
 * The storefront SDK's build writes its cache and CORS rules into the static assets' `_headers`
 * (scripts/build-storefront.ts). Built again — as `npm run build:storefront` and every `npm start` do
 * into the same dist/assets — the file must read as after the first build: one block of the SDK's
 * rules, the other rules of the file kept as they were.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildStorefront } from "../../scripts/build-storefront.ts";

const outDir = mkdtempSync(join(tmpdir(), "storefront-build-"));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

/** Rules another asset builder (or a person) put in the same file. */
const OTHER_RULES = "/docs\n  X-Robots-Tag: noindex\n";

describe("buildStorefront into a directory built before", () => {
	it("leaves _headers as the first build wrote it: the SDK's rules once, the others kept", () => {
		const headers = join(outDir, "_headers");
		writeFileSync(headers, OTHER_RULES);
		buildStorefront({ outDir });
		const first = readFileSync(headers, "utf8");
		buildStorefront({ outDir });
		buildStorefront({ outDir });
		const third = readFileSync(headers, "utf8");

		expect(third).toBe(first);
		expect(third.startsWith(OTHER_RULES)).toBe(true);
		expect(third.split("/storefront/*").length - 1).toBe(1);
		expect(third.split("# storefront SDK (scripts/build-storefront.ts)").length - 1).toBe(1);
	});
});
