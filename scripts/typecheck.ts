/**
 * The type-check of `npm run check`: every TypeScript program of the project, strict, each with its
 * own tsconfig.json (see tsconfig.base.json), and a guard that no tracked .ts file is left out of all
 * of them — a new folder that no tsconfig includes would otherwise never be type-checked at all.
 *
 * Usage: node scripts/typecheck.ts
 */
import { execFileSync } from "node:child_process";
import { resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");

/** Each program, by its tsconfig.json. */
export const programs = [
	"functions/edge",
	"functions/sandbox",
	"functions/demo-store",
	"functions/storefront",
	".", // the tests, generated/ and vitest.config.ts
	"scripts",
	"bench",
	"bench/promo-edge",
];

const run = (args: string[]) => execFileSync("tsc", args, { cwd: root, encoding: "utf8", stdio: "pipe" });

let failed = false;
const checked = new Set<string>();
for (const program of programs) {
	const project = `${program}/tsconfig.json`;
	try {
		for (const file of run(["-p", project, "--listFiles"]).split("\n")) checked.add(resolve(root, file.trim()));
	} catch (error) {
		failed = true;
		console.error(`tsc -p ${project}:\n${(error as { stdout?: string }).stdout ?? String(error)}`);
	}
}

const tracked = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "*.ts"], {
	cwd: root,
	encoding: "utf8",
})
	.split("\n")
	.filter(Boolean);
const unchecked = tracked.filter((file) => !checked.has(resolve(root, file)));
if (unchecked.length > 0 && !failed) {
	failed = true;
	console.error(
		`No tsconfig.json includes these files, so nothing type-checks them; add them to the program they belong to (tsconfig.base.json lists them):\n  ${unchecked.join("\n  ")}`,
	);
}
if (failed) process.exit(1);
console.log(`${programs.length} programs type-check; every .ts file is in one of them.`);
