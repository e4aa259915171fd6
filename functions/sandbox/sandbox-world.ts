import { DurableObject } from "cloudflare:workers";
import { createSandboxApp } from "./app.ts";
import { FaultSignals } from "./fault-signals.ts";
import type { SandboxHost } from "./host.ts";
import { seedWorld } from "./seed.ts";
import type { World } from "./world.ts";

const app = createSandboxApp();

/**
 * The sandbox's whole world in one Durable Object: a single writer, so authorizations, captures and
 * idempotency records stay consistent however many requests arrive at once. The world is small
 * (a seeded set of accounts and what tests do to them) and is persisted whole after each request.
 */
export class SandboxWorld extends DurableObject<SandboxBindings> {
	private world: World = seedWorld();
	private readonly faultSignals = new FaultSignals();

	constructor(ctx: DurableObjectState, env: SandboxBindings) {
		super(ctx, env);
		ctx.blockConcurrencyWhile(async () => {
			// A world saved by an older sandbox gets the fields it lacks from the seed.
			const stored = await ctx.storage.get<World>("world");
			this.world = stored ? { ...seedWorld(), ...stored } : seedWorld();
		});
	}

	override async fetch(incoming: Request): Promise<Response> {
		// Read the whole body first: an early answer (a fault, a 401) must not leave the stream half-read.
		const hasBody = incoming.method !== "GET" && incoming.method !== "HEAD";
		const request = new Request(incoming.url, {
			method: incoming.method,
			headers: incoming.headers,
			...(hasBody ? { body: await incoming.arrayBuffer() } : {}),
		});
		const host: SandboxHost = {
			world: this.world,
			now: () => Date.now() + this.world.settings.clock_offset_ms,
			save: () => this.ctx.storage.put("world", this.world),
			faultSignals: this.faultSignals,
			reset: () => {
				this.faultSignals.reset(this.world.faults.map((f) => f.id));
				// Flexiti never hands out an id twice: a reset keeps the id sequence, so an order left from
				// before it (a Durable Object still retrying) never acts on a new authorization with its old id.
				// The Online API's redirection URLs are the client's Developer Portal setting, not world state: kept too.
				this.world = { ...seedWorld(), sequence: this.world.sequence, onlineRedirects: this.world.onlineRedirects };
				host.world = this.world;
			},
		};
		return app.fetch(request, host);
	}
}
