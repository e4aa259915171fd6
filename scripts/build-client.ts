/**
 * `npm run build:client`: the typed clients as the package's `./client` export — JavaScript and
 * declarations in dist/client (functions/client and the generated types it uses), built by tsc.
 * Their one runtime dependency is openapi-fetch.
 */
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";

rmSync("dist/client", { recursive: true, force: true });
execFileSync("tsc", ["-p", "functions/client/tsconfig.build.json"], { stdio: "inherit" });
console.log("built dist/client");
