/**
 * Receives the edge's events locally, like `stripe listen`: an HTTP endpoint on 127.0.0.1:8789 (the
 * one `.dev.vars.example` configures in EVENT_ENDPOINTS) that verifies each delivery with the
 * `standardwebhooks` library and prints it. A bad signature gets 401 (the edge then marks the delivery
 * failed, and `POST /v1/orders/{reference}/deliveries/{id}/redeliver` sends it again).
 *
 *   npm run events                     # prints one line per event, plus its body with --json
 *   EVENTS_PORT=8790 npm run events    # another port (change EVENT_ENDPOINTS in .dev.vars to match)
 *
 * The secret is the first endpoint's in EVENT_ENDPOINTS of .dev.vars (else .dev.vars.example), or EVENT_SECRET.
 */
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { parseEnv } from "node:util";
import { Webhook } from "standardwebhooks";

const settings = parseEnv(readFileSync(existsSync(".dev.vars") ? ".dev.vars" : ".dev.vars.example", "utf8"));
const endpoints = JSON.parse(settings.EVENT_ENDPOINTS || "{}") as Record<string, { secrets: string[] }[]>;
const secret = process.env.EVENT_SECRET ?? Object.values(endpoints)[0]?.[0]?.secrets[0];
if (!secret) {
	console.error("No secret: set EVENT_ENDPOINTS in .dev.vars, or EVENT_SECRET=whsec_…");
	process.exit(2);
}
const webhook = new Webhook(secret);
const port = Number(process.env.EVENTS_PORT ?? 8789);
const printBodies = process.argv.includes("--json");

const server = createServer((request, response) => {
	const chunks: Buffer[] = [];
	request.on("data", (chunk: Buffer) => chunks.push(chunk));
	request.on("end", () => {
		const body = Buffer.concat(chunks).toString("utf8");
		const headers = {
			"webhook-id": String(request.headers["webhook-id"] ?? ""),
			"webhook-timestamp": String(request.headers["webhook-timestamp"] ?? ""),
			"webhook-signature": String(request.headers["webhook-signature"] ?? ""),
		};
		try {
			const event = webhook.verify(body, headers) as {
				type: string;
				data: { sequence: number; reference: string; amount?: number; ledger: Record<string, number> };
			};
			const { sequence, reference, amount } = event.data;
			console.log(
				`${new Date().toISOString()}  #${sequence} ${event.type}  ${reference}${amount !== undefined ? `  ${amount}` : ""}  (${headers["webhook-id"]})`,
			);
			if (printBodies) console.log(JSON.stringify(event, null, 2));
			response.writeHead(204).end();
		} catch (error) {
			console.log(`rejected ${headers["webhook-id"] || "(no webhook-id)"}: ${(error as Error).message}`);
			response.writeHead(401, { "content-type": "application/json" }).end('{"error":"invalid_signature"}');
		}
	});
});
server.listen(port, "127.0.0.1", () =>
	console.log(`Receiving the edge's events on http://127.0.0.1:${port}/ (Ctrl-C stops)`),
);
