/**
 * The type-check of `npm run check`: every TypeScript program of the project, strict, each with its
 * own tsconfig.json (see tsconfig.base.json), and a guard that no tracked .ts file is left out of all
 * of them — a new folder that no tsconfig includes would otherwise never be type-checked at all.
 *
 * Usage: node scripts/typecheck.ts
 */
import { execFile, execFileSync } from "node:child_process";
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { promisify } from "node:util";

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
	"bench/micro",
];

const tsc = promisify(execFile);

let failed = false;
const checked = new Set<string>();
/** One program's type-check; its files join `checked`. */
async function typecheck(program: string): Promise<void> {
	const project = `${program}/tsconfig.json`;
	try {
		const { stdout } = await tsc("tsc", ["-p", project, "--listFiles"], {
			cwd: root,
			encoding: "utf8",
			maxBuffer: 64 * 1024 * 1024,
		});
		for (const file of stdout.split("\n")) checked.add(resolve(root, file.trim()));
	} catch (error) {
		failed = true;
		console.error(`tsc -p ${project}:\n${(error as { stdout?: string }).stdout ?? String(error)}`);
	}
}
// The programs are independent: as many side by side as there are cores (one after another, they were
// most of `npm run check`'s time), the largest (".", which includes the Workers' sources through the tests) first.
const queue = [".", ...programs.filter((program) => program !== ".")];
await Promise.all(
	Array.from({ length: Math.min(availableParallelism(), queue.length) }, async () => {
		for (let program = queue.shift(); program !== undefined; program = queue.shift()) await typecheck(program);
	}),
);

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
