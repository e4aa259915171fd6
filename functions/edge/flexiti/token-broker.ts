/**
 * The one place that asks Flexiti for a client's tokens of one scope (a Durable Object per client id
 * and scope holds it: token-broker-object.ts). Isolates read tokens from memory and KV; only when
 * neither has a usable one do they ask the broker, and the broker alone mints and refreshes:
 *
 * - one token call at a time, however many isolates ask at once (single flight);
 * - refreshed ahead of expiry on its own alarm, with the `refresh_token` grant (falling back to
 *   `client_credentials` when Flexiti refuses it), so no request waits on a mint once a token exists;
 *   since only the broker refreshes, no isolate can spend a refresh token another still holds;
 * - every new token is published to KV, encrypted, where isolates read it;
 * - while Flexiti's token endpoint fails, a token that has not expired is still served (stale);
 * - a token Flexiti rejected (401) is replaced once: whoever reports it after that gets the new one.
 *
 * Answers are values, not exceptions, since they cross an RPC boundary.
 */
import { OneAtATime } from "../core/one-at-a-time.ts";
import { errorName } from "../core/redact.ts";
import { type FlexitiToken, type MintToken, type Scope, TokenRefused } from "./flexiti-token.ts";

/** The broker refreshes this long before expiry (isolates look for the new token a minute later). */
export const REFRESH_AHEAD_MS = 5 * 60 * 1000;
/** Never hand out a token in its last minute (Flexiti's recommended margin) while a fresh one can be had. */
export const SAFETY_MARGIN_MS = 60 * 1000;
/** A failed refresh is tried again this much later, for as long as the current token lives. */
export const RETRY_REFRESH_MS = 15 * 1000;
/** A token this close to its expiry is not served even as a stale one: the call would fail anyway. */
const STALE_FLOOR_MS = 5 * 1000;

export type BrokerAnswer =
	| {
			token: FlexitiToken;
			/** This answer waited for a token call (a cold start, or a rejected token replaced). */
			minted: boolean;
			/** Flexiti's token endpoint failed; this token is in its last minute but still valid. */
			stale: boolean;
	  }
	| { unavailable: "refused" | "unreachable"; code?: string };

/** Where the broker keeps its token and its alarm: Durable Object storage, or a test's memory. */
export interface BrokerState {
	load(): Promise<FlexitiToken | undefined>;
	save(token: FlexitiToken | undefined): Promise<void>;
	/** The next alarm (epoch ms), or none. */
	scheduleAlarm(at: number | undefined): Promise<void>;
}

export interface TokenBrokerDeps {
	clientId: string;
	scope: Scope;
	state: BrokerState;
	mint: MintToken;
	/** Shares a new token with the isolates (encrypted into KV); a failure here is only logged. */
	publish: (token: FlexitiToken) => Promise<void>;
	/** Takes a rejected token back from the isolates (out of KV, if KV still holds it). */
	withdraw: (accessToken: string) => Promise<void>;
	now: () => number;
}

export class TokenBroker {
	private current: FlexitiToken | undefined;
	private restoring: Promise<void> | undefined;
	private readonly renewal = new OneAtATime<BrokerAnswer>();

	constructor(private readonly deps: TokenBrokerDeps) {}

	/** A usable token: the current one, or (once, for everyone asking meanwhile) a new one. */
	async token(): Promise<BrokerAnswer> {
		await this.restore();
		const current = this.current;
		if (current && usable(current, this.deps.now())) return { token: current, minted: false, stale: false };
		return this.renew("client_credentials");
	}

	/**
	 * Flexiti answered 401 to `rejected`. The first report drops it and mints anew; a later report of
	 * the same token gets the replacement, so a burst of 401s across isolates costs one mint.
	 */
	async replace(rejected: string): Promise<BrokerAnswer> {
		await this.restore();
		if (this.current?.accessToken !== rejected) return this.token();
		// Already being replaced (by another report, or the refresh alarm): wait for that one.
		const renewing = this.renewal.current;
		if (renewing) return renewing;
		this.current = undefined;
		await this.deps.state.save(undefined);
		await this.deps.withdraw(rejected).catch(() => {});
		return this.token();
	}

	/** The alarm: refresh ahead of expiry, so that requests never wait for it. */
	async alarm(): Promise<void> {
		await this.restore();
		const current = this.current;
		if (!current) return;
		if (current.expiresAt - this.deps.now() > REFRESH_AHEAD_MS) {
			return this.deps.state.scheduleAlarm(refreshAt(current, this.deps.now()));
		}
		await this.renew("refresh");
	}

	/** One token call at a time; everyone who asks meanwhile gets its answer. */
	private renew(kind: "client_credentials" | "refresh"): Promise<BrokerAnswer> {
		return this.renewal.run(() => this.call(kind));
	}

	private async call(kind: "client_credentials" | "refresh"): Promise<BrokerAnswer> {
		const { clientId, scope, mint, now } = this.deps;
		const previous = this.current;
		try {
			const token =
				kind === "refresh" && previous?.refreshToken && previous.expiresAt > now()
					? await renew(clientId, scope, previous, mint)
					: await mint(clientId, scope, { type: "client_credentials" });
			this.current = token;
			await this.deps.state.save(token);
			await this.deps.state.scheduleAlarm(refreshAt(token, now()));
			await this.deps.publish(token).catch(() => {});
			return { token, minted: true, stale: false };
		} catch (error) {
			// Try again soon while the current token lives; a request can also ask again at any time.
			if (previous && previous.expiresAt > now()) {
				await this.deps.state.scheduleAlarm(Math.min(now() + RETRY_REFRESH_MS, previous.expiresAt));
			}
			console.warn(
				JSON.stringify({ event: "token_call_failed", client_id: clientId, scope, kind, reason: describe(error) }),
			);
			if (previous && previous.expiresAt - now() > STALE_FLOOR_MS) {
				return { token: previous, minted: false, stale: true };
			}
			return error instanceof TokenRefused
				? { unavailable: "refused", code: error.code }
				: { unavailable: "unreachable" };
		}
	}

	/** The token kept in storage, read once (and once only, however many calls arrive first). */
	private restore(): Promise<void> {
		this.restoring ??= this.deps.state.load().then((token) => {
			this.current = token;
		});
		return this.restoring;
	}
}

/** Refresh with the refresh token; if Flexiti refuses it, start afresh with client credentials. */
export async function renew(
	clientId: string,
	scope: Scope,
	token: FlexitiToken,
	mint: MintToken,
): Promise<FlexitiToken> {
	if (token.refreshToken) {
		try {
			return await mint(clientId, scope, { type: "refresh_token", refreshToken: token.refreshToken });
		} catch (error) {
			if (!(error instanceof TokenRefused)) throw error;
		}
	}
	return mint(clientId, scope, { type: "client_credentials" });
}

/**
 * When to refresh a token: five minutes before it expires, or half-way through a token that lives
 * less than ten (a short-lived token would otherwise be refreshed again and again).
 */
export function refreshAt(token: FlexitiToken, now: number): number {
	return Math.max(token.expiresAt - REFRESH_AHEAD_MS, now + (token.expiresAt - now) / 2);
}

export function usable(token: FlexitiToken, now: number): boolean {
	return token.expiresAt - now > SAFETY_MARGIN_MS;
}

function describe(error: unknown): string {
	if (error instanceof TokenRefused) return `refused: ${error.code}`;
	return errorName(error);
}
