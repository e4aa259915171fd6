/**
 * One Durable Object per order (keyed by client id and the merchant's order reference): the
 * strongly consistent home of its checkout — amount, reference, the shopper's client-token digests,
 * the checkout's own customer-scope Flexiti token, the widget session and the authorization.
 * Being the only writer, it refreshes the customer token without races.
 */
import { DurableObject } from "cloudflare:workers";
import { edgeConfig } from "../config.ts";
import type { EdgeBindings } from "../env.ts";
import { upstreamSend, withRetries } from "../forward/upstream.ts";
import { type FlexitiToken, flexitiTokenEndpoint, type MintToken } from "../tokens/flexiti-token.ts";
import { REFRESH_AHEAD_MS, renew, usable } from "../tokens/token-cache.ts";

export type CheckoutStatus = "open" | "widget_started" | "authorized" | "expired";

export interface OrderState {
	checkoutId: string;
	clientId: string;
	reference: string;
	amount: number;
	lang: "en" | "fr";
	autoCapture: boolean;
	/** The x-reference-id of this checkout's whole Flexiti flow. */
	flowReferenceId: string;
	/** SHA-256 digests of the client tokens handed out, with their expiry (ms). */
	clientTokens: { digest: string; expiresAt: number }[];
	customerToken?: FlexitiToken;
	widgetSessionId?: string;
	authorizationId?: number;
	authorizationStatus?: string;
	createdAt: number;
}

/** The checkout as the merchant and the shopper see it (no secrets, no tokens). */
export interface CheckoutView {
	checkout_id: string;
	client_id: string;
	reference: string;
	amount: number;
	lang: "en" | "fr";
	auto_capture: boolean;
	status: CheckoutStatus;
	widget_session_id?: string;
	authorization_id?: number;
	expires_at: string;
}

export interface OpenCheckout {
	checkoutId: string;
	clientId: string;
	reference: string;
	amount: number;
	lang: "en" | "fr";
	autoCapture: boolean;
	tokenDigest: string;
	expiresAt: number;
}

export type OpenResult = { ok: true; checkout: CheckoutView } | { ok: false; conflict: string };

export class Order extends DurableObject<EdgeBindings> {
	private state: OrderState | undefined;
	private customerTokenLoad: Promise<FlexitiToken> | undefined;

	constructor(ctx: DurableObjectState, env: EdgeBindings) {
		super(ctx, env);
		ctx.blockConcurrencyWhile(async () => {
			this.state = await ctx.storage.get<OrderState>("order");
		});
	}

	/** Opens the order's checkout, or hands out one more client token for the same one. */
	async open(input: OpenCheckout): Promise<OpenResult> {
		const now = Date.now();
		if (this.state && (this.state.amount !== input.amount || this.state.clientId !== input.clientId)) {
			return { ok: false, conflict: `order ${input.reference} already has a checkout for another amount` };
		}
		const state: OrderState = this.state ?? {
			checkoutId: input.checkoutId,
			clientId: input.clientId,
			reference: input.reference,
			amount: input.amount,
			lang: input.lang,
			autoCapture: input.autoCapture,
			flowReferenceId: crypto.randomUUID(),
			clientTokens: [],
			createdAt: now,
		};
		state.clientTokens = [
			...state.clientTokens.filter((t) => t.expiresAt > now),
			{ digest: input.tokenDigest, expiresAt: input.expiresAt },
		];
		await this.save(state);
		return { ok: true, checkout: view(state, now) };
	}

	/** The checkout, if this client-token digest is one of its live ones. */
	async authenticate(tokenDigest: string): Promise<CheckoutView | null> {
		const now = Date.now();
		const given = new TextEncoder().encode(tokenDigest);
		let live = false;
		for (const token of this.state?.clientTokens ?? []) {
			const known = new TextEncoder().encode(token.digest);
			const same = known.byteLength === given.byteLength && crypto.subtle.timingSafeEqual(known, given);
			live = (same && token.expiresAt > now) || live;
		}
		return live && this.state ? view(this.state, now) : null;
	}

	async checkout(): Promise<CheckoutView | null> {
		return this.state ? view(this.state, Date.now()) : null;
	}

	async flowReferenceId(): Promise<string | null> {
		return this.state?.flowReferenceId ?? null;
	}

	/**
	 * The checkout's own customer-scope token (Flexiti ties a widget flow to one token): minted on first
	 * use, refreshed with its refresh token from five minutes before expiry, and never shared.
	 * (A result, not an exception: errors lose their class across RPC.)
	 */
	async customerToken(): Promise<{ token: FlexitiToken } | { unavailable: string }> {
		try {
			return { token: await this.liveCustomerToken() };
		} catch (error) {
			return { unavailable: error instanceof Error ? error.message : "unknown" };
		}
	}

	private async liveCustomerToken(): Promise<FlexitiToken> {
		const state = this.requireState();
		const current = state.customerToken;
		const now = Date.now();
		if (current && current.expiresAt - now > REFRESH_AHEAD_MS) return current;
		this.customerTokenLoad ??= this.loadCustomerToken(state, current).finally(() => {
			this.customerTokenLoad = undefined;
		});
		try {
			return await this.customerTokenLoad;
		} catch (error) {
			if (current && usable(current, Date.now())) return current;
			throw error;
		}
	}

	/** Flexiti rejected this token (401): forget it, so the next call gets a new one. */
	async dropCustomerToken(accessToken: string): Promise<void> {
		const state = this.requireState();
		if (state.customerToken?.accessToken !== accessToken) return;
		delete state.customerToken;
		await this.save(state);
	}

	async recordWidgetSession(widgetSessionId: string): Promise<void> {
		const state = this.requireState();
		state.widgetSessionId = widgetSessionId;
		await this.save(state);
	}

	async recordAuthorization(authorizationId: number, status: string): Promise<void> {
		const state = this.requireState();
		state.authorizationId = authorizationId;
		state.authorizationStatus = status;
		await this.save(state);
	}

	private async loadCustomerToken(state: OrderState, current: FlexitiToken | undefined): Promise<FlexitiToken> {
		const mint = this.mint();
		const token = current
			? await renew(state.clientId, "customer", current, mint)
			: await mint(state.clientId, "customer", { type: "client_credentials" }, state.flowReferenceId);
		state.customerToken = token;
		await this.save(state);
		return token;
	}

	private mint(): MintToken {
		const config = edgeConfig(this.env);
		return flexitiTokenEndpoint(config, withRetries(upstreamSend(this.env, config)));
	}

	private requireState(): OrderState {
		if (!this.state) throw new Error("no checkout for this order");
		return this.state;
	}

	private async save(state: OrderState): Promise<void> {
		this.state = state;
		await this.ctx.storage.put("order", state);
	}
}

function view(state: OrderState, now: number): CheckoutView {
	const expiresAt = Math.max(0, ...state.clientTokens.map((t) => t.expiresAt));
	const status: CheckoutStatus = state.authorizationId
		? "authorized"
		: expiresAt <= now
			? "expired"
			: state.widgetSessionId
				? "widget_started"
				: "open";
	return {
		checkout_id: state.checkoutId,
		client_id: state.clientId,
		reference: state.reference,
		amount: state.amount,
		lang: state.lang,
		auto_capture: state.autoCapture,
		status,
		...(state.widgetSessionId ? { widget_session_id: state.widgetSessionId } : {}),
		...(state.authorizationId ? { authorization_id: state.authorizationId } : {}),
		expires_at: new Date(expiresAt).toISOString(),
	};
}
