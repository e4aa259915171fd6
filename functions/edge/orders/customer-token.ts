/**
 * A checkout's own customer-scope Flexiti token (Flexiti ties a widget flow to one token): minted on
 * first use, refreshed with its refresh token from five minutes before expiry, and never shared.
 * Concurrent callers share the one load in flight.
 */
import { edgeConfig } from "../core/config.ts";
import { OneAtATime } from "../core/one-at-a-time.ts";
import { type FlexitiToken, flexitiTokenEndpoint } from "../flexiti/flexiti-token.ts";
import type { TokenSource } from "../flexiti/gateway.ts";
import { REFRESH_AHEAD_MS, renew, usable } from "../flexiti/token-broker.ts";
import { upstreamSend, withRetries } from "../flexiti/upstream.ts";
import type { OrderRuntime, OrderState, Persist } from "./order-state.ts";

export class CustomerToken {
	private readonly load = new OneAtATime<FlexitiToken>();

	constructor(
		private readonly runtime: OrderRuntime,
		private readonly state: () => OrderState,
		private readonly persist: Persist,
	) {}

	/** A live token: the kept one while it needs no refresh, else a refreshed or new one (the kept one while Flexiti cannot). */
	async live(): Promise<FlexitiToken> {
		const state = this.state();
		const current = state.customerToken;
		if (current && current.expiresAt - Date.now() > REFRESH_AHEAD_MS) return current;
		try {
			return await this.load.run(() => this.fetch(state, current));
		} catch (error) {
			if (current && usable(current, Date.now())) return current;
			throw error;
		}
	}

	/** Flexiti rejected this token (401): forget it, so the next call gets a new one. */
	async drop(accessToken: string): Promise<void> {
		const state = this.state();
		if (state.customerToken?.accessToken !== accessToken) return;
		delete state.customerToken;
		await this.persist(state);
	}

	/** This checkout's customer token, as a token source for a Flexiti call. */
	source(): TokenSource {
		return { get: () => this.live(), drop: (token) => this.drop(token.accessToken) };
	}

	private async fetch(state: OrderState, current: FlexitiToken | undefined): Promise<FlexitiToken> {
		const config = edgeConfig(this.runtime.env);
		const mint = flexitiTokenEndpoint(config, withRetries(upstreamSend(this.runtime.env, config)));
		const token = current
			? await renew(state.clientId, "customer", current, mint)
			: await mint(state.clientId, "customer", { type: "client_credentials" }, state.flowReferenceId);
		state.customerToken = token;
		await this.persist(state);
		return token;
	}
}
