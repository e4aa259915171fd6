/**
 * How the edge reaches Flexiti: one attempt with a timeout (over a service binding when there is
 * one, else the network), and retries with jittered exponential backoff where retrying is safe.
 */
import type { EdgeConfig } from "../core/config.ts";
import type { EdgeBindings } from "../core/env.ts";
import { retryAfterMs } from "../core/retry-after.ts";

export type UpstreamFailure = "upstream_timeout" | "upstream_unreachable";

/** Flexiti could not be reached at all (as opposed to answering with an error). */
export class UpstreamError extends Error {
	constructor(readonly code: UpstreamFailure) {
		super(code === "upstream_timeout" ? "Flexiti did not answer in time" : "Flexiti could not be reached");
		this.name = "UpstreamError";
	}
}

export type Send = (request: Request) => Promise<Response>;

/**
 * Flexiti's answer to one attempt, its body already read: its status and headers (`response`, whose
 * body has been consumed) and the body's bytes (null when it had none).
 */
export interface UpstreamAnswer {
	response: Response;
	body: ArrayBuffer | null;
}

/** One attempt whose answer comes back read: what the gateway's calls of the table use. */
export type Exchange = (request: Request) => Promise<UpstreamAnswer>;

/**
 * One attempt: a service binding stands in for the network when configured (tests, same-account
 * sandboxes). The timeout covers the whole answer, its body included, and ends with it: the body is read
 * before the timer is cleared. (`AbortSignal.timeout` left its timer running for the full timeout after
 * every call, and a Durable Object that called Flexiti, a token broker, had work pending until it fired.)
 */
export function upstreamExchange(env: EdgeBindings, config: EdgeConfig): Exchange {
	const binding = env.FLEXITI;
	return async (request) => {
		const timeout = new AbortController();
		const timer = setTimeout(
			() => timeout.abort(new DOMException("Flexiti did not answer in time", "TimeoutError")),
			config.upstreamTimeoutMs,
		);
		try {
			const { signal } = timeout;
			const response = await (binding ? binding.fetch(request, { signal }) : fetch(request, { signal }));
			// Flexiti answers small JSON documents: read whole, within the timeout.
			return { response, body: response.body === null ? null : await response.arrayBuffer() };
		} catch (error) {
			const timedOut =
				timeout.signal.aborted ||
				(error instanceof DOMException && (error.name === "TimeoutError" || error.name === "AbortError"));
			throw new UpstreamError(timedOut ? "upstream_timeout" : "upstream_unreachable");
		} finally {
			clearTimeout(timer);
		}
	};
}

/**
 * One attempt as `fetch` answers it, for openapi-fetch's typed clients and the token endpoint: the
 * answer read within the timeout (`upstreamExchange`), then given back as a `Response` of its own.
 */
export function upstreamSend(env: EdgeBindings, config: EdgeConfig): Send {
	return asSend(upstreamExchange(env, config));
}

/** An exchange's answer as a `Response` with its body again (a second `Response`: only where a client needs one). */
export function asSend(exchange: Exchange): Send {
	return async (request) => {
		const { response, body } = await exchange(request);
		return new Response(body, response);
	};
}

export interface RetryPolicy {
	/** Attempts in all, the first included. */
	attempts: number;
	baseDelayMs: number;
	maxDelayMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { attempts: 3, baseDelayMs: 100, maxDelayMs: 2000 };

const retryableStatuses = new Set([429, 502, 503, 504]);

/**
 * Sends with retries on network errors, timeouts, 502/503/504 and 429 (waiting `Retry-After` when
 * it is short enough) — only where a repeat cannot do the thing twice: GETs, and POSTs that carry an
 * `x-idempotency-key`. The last answer (or failure) is returned as it is.
 */
export function withRetries(send: Send, policy: RetryPolicy = defaultRetryPolicy): Send {
	return retrying(send, (response) => response, policy);
}

/** `withRetries` for an exchange (the gateway's calls of the table): the same rules, the answer kept read. */
export function exchangeWithRetries(exchange: Exchange, policy: RetryPolicy = defaultRetryPolicy): Exchange {
	return retrying(exchange, (answer) => answer.response, policy);
}

function retrying<Answer>(
	send: (request: Request) => Promise<Answer>,
	responseOf: (answer: Answer) => Response,
	policy: RetryPolicy,
): (request: Request) => Promise<Answer> {
	return async (request) => {
		const retryable = request.method === "GET" || request.headers.has("x-idempotency-key");
		const attempts = retryable ? policy.attempts : 1;
		for (let attempt = 1; ; attempt++) {
			const last = attempt >= attempts;
			let answer: Answer;
			try {
				// A body can be read once: each attempt but the last sends a copy. A request without one
				// (a GET) is sent as it is every time, with no copy made per call.
				answer = await send(last || request.body === null ? request : request.clone());
			} catch (error) {
				if (last || !(error instanceof UpstreamError)) throw error;
				await sleep(backoff(policy, attempt));
				continue;
			}
			const response = responseOf(answer);
			if (last || !retryableStatuses.has(response.status)) return answer;
			const wait = Math.max(backoff(policy, attempt), retryAfterMs(response) ?? 0);
			if (wait > policy.maxDelayMs * 2) return answer; // Flexiti asks for longer than a caller should wait
			// An exchange's answer was read already; a `Response`'s body is let go.
			if (!response.bodyUsed) await response.body?.cancel();
			await sleep(wait);
		}
	};
}

/** "Full jitter": a random wait up to the exponential cap, so retrying callers spread out. */
function backoff({ baseDelayMs, maxDelayMs }: RetryPolicy, attempt: number): number {
	return Math.random() * Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
