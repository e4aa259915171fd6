/**
 * The token broker's Durable Object: one per Flexiti client id and scope (`idFromName("<client>:<scope>")`),
 * so exactly one place in the world mints and refreshes that token (token-broker.ts says how). It keeps
 * the token in its storage, refreshes it on its alarm, and publishes each new one to KV, encrypted,
 * where every isolate reads it.
 */
import { DurableObject } from "cloudflare:workers";
import { edgeConfig } from "../core/config.ts";
import type { EdgeBindings } from "../core/env.ts";
import { type FlexitiToken, flexitiTokenEndpoint, type Scope } from "./flexiti-token.ts";
import { type BrokerAnswer, TokenBroker } from "./token-broker.ts";
import { publishToken, withdrawToken } from "./token-kv.ts";
import { upstreamSend, withRetries } from "./upstream.ts";

const TOKEN_KEY = "token";

export class TokenBrokerObject extends DurableObject<EdgeBindings> {
	private broker: TokenBroker | undefined;

	/** A usable token: the current one, or a new one (one token call, however many ask at once). */
	token(clientId: string, scope: Scope): Promise<BrokerAnswer> {
		return this.brokerFor(clientId, scope).token();
	}

	/** Flexiti rejected this access token (401): replaced once, whoever reports it first. */
	replace(clientId: string, scope: Scope, rejected: string): Promise<BrokerAnswer> {
		return this.brokerFor(clientId, scope).replace(rejected);
	}

	override async alarm(): Promise<void> {
		const named = await this.ctx.storage.get<{ clientId: string; scope: Scope }>("for");
		if (named) await this.brokerFor(named.clientId, named.scope).alarm();
	}

	/** The broker of this object's client and scope (remembered, so the alarm knows them too). */
	private brokerFor(clientId: string, scope: Scope): TokenBroker {
		if (this.broker) return this.broker;
		const storage = this.ctx.storage;
		const config = edgeConfig(this.env);
		void storage.put("for", { clientId, scope });
		this.broker = new TokenBroker({
			clientId,
			scope,
			state: {
				load: () => storage.get<FlexitiToken>(TOKEN_KEY),
				save: async (token) => {
					if (token) await storage.put(TOKEN_KEY, token);
					else await storage.delete(TOKEN_KEY);
				},
				scheduleAlarm: async (at) => {
					if (at === undefined) await storage.deleteAlarm();
					else await storage.setAlarm(Math.max(at, Date.now()));
				},
			},
			mint: flexitiTokenEndpoint(config, withRetries(upstreamSend(this.env, config))),
			publish: (token) => publishToken(this.env.TOKENS, config.tokenEncryptionKey, clientId, scope, token, Date.now()),
			withdraw: (rejected) => withdrawToken(this.env.TOKENS, config.tokenEncryptionKey, clientId, scope, rejected),
			now: Date.now,
		});
		return this.broker;
	}
}

/** The broker of a client id and scope. */
export function tokenBrokerStub(env: EdgeBindings, clientId: string, scope: Scope) {
	return env.TOKEN_BROKERS.get(env.TOKEN_BROKERS.idFromName(`${clientId}:${scope}`));
}
