/**
 * The edge's settings, read once per isolate from `wrangler.toml` vars and secrets. A missing or
 * malformed setting is a `ConfigError` naming it, answered as a 503 — never an undefined crash.
 */

import { base64Decode, hexDecode } from "../../contract/bytes.ts";
import { EdgeError } from "./errors.ts";

export interface EdgeConfig {
	flexitiBaseUrl: string;
	/** Flexiti's Online API (hosted checkout, notifications, payment calculator): a separate API and host. */
	flexitiOnlineBaseUrl: string;
	/** How long an "as low as" answer is fresh in the cache (then served stale while it is refreshed). */
	promoCacheSeconds: number;
	/** How long a product page's "as low as" waits for Flexiti before answering with no message. */
	promoTimeoutMs: number;
	/** Each client's default checkout channel (`CHECKOUT_CHANNEL_BY_CLIENT`); a client not listed: widget. */
	checkoutChannels: ReadonlyMap<string, CheckoutChannel>;
	/** First poll of a hosted session's notifications; later ones double, capped at a minute. */
	hostedPollBaseMs: number;
	/** Flexiti client id → client secret. The path's client_id picks the credentials. */
	clients: ReadonlyMap<string, string>;
	/** The configured client ids, in order; the first is the default for a checkout. */
	clientIds: readonly string[];
	/**
	 * SHA-256 digests of the merchant API keys (several at once, for rotation), each with the Flexiti
	 * client it acts for: `<client_id>:<digest>` ties a key to that client (list it once per client);
	 * a bare digest acts for every configured client (a single-client deployment needs nothing more).
	 */
	merchantKeys: readonly MerchantKey[];
	/** Raw AES-256 key for tokens at rest. */
	tokenEncryptionKey: Uint8Array;
	storefrontOrigins: ReadonlySet<string>;
	checkoutTtlSeconds: number;
	upstreamTimeoutMs: number;
	/**
	 * Webhook signing secrets per source (several each, for rotation); an empty list turns the source off.
	 * A secret written `<client_id>:<secret>` is that client's: its events go to that client's orders.
	 */
	webhookSecrets: {
		shopify: readonly WebhookSecret[];
		woocommerce: readonly WebhookSecret[];
		standard: readonly WebhookSecret[];
	};
	/** Which Flexiti client a webhook source (Shopify shop domain, WooCommerce site URL) is for. */
	webhookClientBySource: ReadonlyMap<string, string>;
	/**
	 * What the merchant's stores call the Flexiti payment method, lower-cased: Shopify gateway names
	 * (`payment_gateway_names`, a transaction's `gateway`) and WooCommerce `payment_method` ids. An order
	 * paid otherwise is not a Flexiti order.
	 */
	flexitiPaymentMethods: { shopify: ReadonlySet<string>; woocommerce: ReadonlySet<string> };
	/** First retry delay of an order event Flexiti could not take; later ones grow fourfold. */
	webhookRetryBaseMs: number;
	/** Attempts before an order event goes to the dead letter. */
	webhookMaxAttempts: number;
	/** Where each client's events go (edge → merchant): several endpoints, each with its secrets. */
	eventEndpoints: ReadonlyMap<string, readonly EventEndpoint[]>;
	/** First retry delay of an event delivery; later ones grow fivefold (jittered), capped at 12 hours. */
	eventRetryBaseMs: number;
	/** How long a delivery is retried before it is marked failed. */
	eventRetryWindowMs: number;
	/** Timeout of one delivery attempt. */
	eventDeliveryTimeoutMs: number;
	/** Days after which an authorization with nothing captured or released gets order.authorization_aging. */
	authorizationAgingDays: number;
}

/** One merchant endpoint for the edge's events. */
export interface EventEndpoint {
	url: string;
	/** Standard Webhooks `whsec_` secrets: each signs every delivery (two while one is rotated). */
	secrets: readonly string[];
	/** Only these event types; absent: every type. */
	types?: readonly string[];
}

/** How a shopper pays: the Flexiti widget (POS API) or Flexiti's hosted checkout (Online API). */
export type CheckoutChannel = "widget" | "hosted";

export interface MerchantKey {
	hash: Uint8Array;
	/** The one client this entry lets the key act for; absent: every configured client. */
	clientId?: string;
}

export interface WebhookSecret {
	secret: string;
	/** The Flexiti client whose events this secret signs, when the setting names one. */
	clientId?: string;
}

/** A setting that is missing or malformed: the edge answers 503 `edge_misconfigured` naming it. */
export class ConfigError extends EdgeError<"edge_misconfigured"> {
	constructor(
		readonly setting: string,
		problem: string,
	) {
		super("edge_misconfigured", `Setting ${setting} ${problem}`);
		this.name = "ConfigError";
	}
}

const parsed = new WeakMap<object, EdgeConfig>();

/** The configuration of this env, parsed and checked on first use. */
export function edgeConfig(env: EdgeSettings): EdgeConfig {
	let config = parsed.get(env);
	if (!config) {
		config = parseConfig(env);
		parsed.set(env, config);
	}
	return config;
}

function parseConfig(env: EdgeSettings): EdgeConfig {
	const clients = parseClients(required(env, "FLEXITI_CLIENTS"));
	return {
		flexitiBaseUrl: parseUrl(required(env, "FLEXITI_BASE_URL")),
		flexitiOnlineBaseUrl: parseUrl(
			optional(env, "FLEXITI_ONLINE_BASE_URL") ?? "http://127.0.0.1:8788/flexiti/online-api",
			"FLEXITI_ONLINE_BASE_URL",
		),
		promoCacheSeconds: positiveInteger(env, "PROMO_CACHE_SECONDS", 3600),
		promoTimeoutMs: positiveInteger(env, "PROMO_TIMEOUT_MS", 1000),
		checkoutChannels: parseChannels(optional(env, "CHECKOUT_CHANNEL_BY_CLIENT"), clients),
		hostedPollBaseMs: positiveInteger(env, "HOSTED_POLL_BASE_MS", 5000),
		clients,
		clientIds: [...clients.keys()],
		merchantKeys: merchantKeys(required(env, "MERCHANT_API_KEY_HASHES"), clients),
		tokenEncryptionKey: parseKey(required(env, "TOKEN_ENCRYPTION_KEY")),
		storefrontOrigins: new Set(
			(optional(env, "STOREFRONT_ORIGINS") ?? "")
				.split(",")
				.map((origin) => origin.trim().replace(/\/$/, ""))
				.filter(Boolean),
		),
		checkoutTtlSeconds: positiveInteger(env, "CHECKOUT_TTL_SECONDS", 1800),
		upstreamTimeoutMs: positiveInteger(env, "UPSTREAM_TIMEOUT_MS", 10000),
		webhookSecrets: {
			shopify: webhookSecrets(env, "SHOPIFY_WEBHOOK_SECRETS", clients),
			woocommerce: webhookSecrets(env, "WOOCOMMERCE_WEBHOOK_SECRETS", clients),
			standard: webhookSecrets(env, "STANDARD_WEBHOOK_SECRETS", clients),
		},
		webhookClientBySource: parseClientBySource(optional(env, "WEBHOOK_CLIENT_BY_SOURCE"), clients),
		flexitiPaymentMethods: {
			shopify: paymentMethods(env, "SHOPIFY_FLEXITI_GATEWAYS"),
			woocommerce: paymentMethods(env, "WOOCOMMERCE_FLEXITI_PAYMENT_METHODS"),
		},
		webhookRetryBaseMs: positiveInteger(env, "WEBHOOK_RETRY_BASE_MS", 2000),
		webhookMaxAttempts: positiveInteger(env, "WEBHOOK_MAX_ATTEMPTS", 6),
		eventEndpoints: parseEventEndpoints(optional(env, "EVENT_ENDPOINTS"), clients),
		eventRetryBaseMs: positiveInteger(env, "EVENT_RETRY_BASE_MS", 5000),
		eventRetryWindowMs: positiveInteger(env, "EVENT_RETRY_WINDOW_HOURS", 72) * 3_600_000,
		eventDeliveryTimeoutMs: positiveInteger(env, "EVENT_DELIVERY_TIMEOUT_MS", 10000),
		authorizationAgingDays: positiveInteger(env, "EVENT_AUTHORIZATION_AGING_DAYS", 7),
	};
}

const ENDPOINTS_SHAPE =
	'{"<client_id>": [{"url": "https://…", "secrets": ["whsec_…"], "types"?: ["checkout.authorized", …]}, …]}';

/** `EVENT_ENDPOINTS`: per configured client, a list of endpoints, each with one or two `whsec_` secrets. */
function parseEventEndpoints(json: string | undefined, clients: Map<string, string>): Map<string, EventEndpoint[]> {
	if (!json) return new Map();
	const setting = "EVENT_ENDPOINTS";
	const result = new Map<string, EventEndpoint[]>();
	for (const [clientId, list] of jsonObject(setting, json, ENDPOINTS_SHAPE)) {
		if (!clients.has(clientId)) {
			throw new ConfigError(setting, `names a client id that FLEXITI_CLIENTS does not have: ${clientId}`);
		}
		if (!Array.isArray(list)) throw new ConfigError(setting, `must list ${clientId}'s endpoints: ${ENDPOINTS_SHAPE}`);
		result.set(
			clientId,
			list.map((entry: { url?: unknown; secrets?: unknown; types?: unknown }, index) => {
				const where = `${clientId}[${index}]`;
				let url: URL | undefined;
				try {
					url = typeof entry?.url === "string" ? new URL(entry.url) : undefined;
				} catch {}
				if (!url || (url.protocol !== "https:" && url.protocol !== "http:")) {
					throw new ConfigError(setting, `${where}.url must be an http(s) URL`);
				}
				const secrets = entry.secrets;
				if (
					!Array.isArray(secrets) ||
					secrets.length === 0 ||
					secrets.some((secret) => typeof secret !== "string" || !/^whsec_[A-Za-z0-9+/=]{16,}$/.test(secret))
				) {
					throw new ConfigError(setting, `${where}.secrets must list one or two whsec_ secrets (base64 after whsec_)`);
				}
				const types = entry.types;
				if (types !== undefined && (!Array.isArray(types) || types.some((type) => typeof type !== "string"))) {
					throw new ConfigError(setting, `${where}.types must list event types`);
				}
				return { url: url.toString(), secrets: secrets as string[], ...(types ? { types: types as string[] } : {}) };
			}),
		);
	}
	return result;
}

/** `<digest>` or `<client_id>:<digest>` entries; a client id must be one FLEXITI_CLIENTS has. */
function merchantKeys(setting: string, clients: Map<string, string>): MerchantKey[] {
	return setting
		.split(",")
		.map((entry) => entry.trim())
		.filter(Boolean)
		.map((entry) => {
			const separator = entry.lastIndexOf(":");
			const clientId = separator > 0 ? entry.slice(0, separator) : undefined;
			const hash = entry.slice(separator + 1);
			if (!/^[0-9a-f]{64}$/i.test(hash)) {
				throw new ConfigError("MERCHANT_API_KEY_HASHES", "must list SHA-256 hex digests, each optionally <client_id>:");
			}
			if (clientId !== undefined && !clients.has(clientId)) {
				throw new ConfigError(
					"MERCHANT_API_KEY_HASHES",
					`names a client id that FLEXITI_CLIENTS does not have: ${clientId}`,
				);
			}
			return { hash: hexDecode(hash), ...(clientId !== undefined ? { clientId } : {}) };
		});
}

/** `secret` or `<client_id>:secret` entries; a prefix that is not a configured client id is part of the secret. */
function webhookSecrets(env: EdgeSettings, name: Setting, clients: Map<string, string>): WebhookSecret[] {
	return list(env, name).map((entry) => {
		const separator = entry.indexOf(":");
		const clientId = separator > 0 ? entry.slice(0, separator) : undefined;
		return clientId && clients.has(clientId) ? { secret: entry.slice(separator + 1), clientId } : { secret: entry };
	});
}

/** Payment method names, compared case-insensitively; unset means `flexiti`. */
function paymentMethods(env: EdgeSettings, name: Setting): Set<string> {
	const names = list(env, name).map((method) => method.toLowerCase());
	return new Set(names.length > 0 ? names : ["flexiti"]);
}

function list(env: EdgeSettings, name: Setting): string[] {
	return (optional(env, name) ?? "")
		.split(",")
		.map((item) => item.trim())
		.filter(Boolean);
}

function parseChannels(json: string | undefined, clients: Map<string, string>): Map<string, CheckoutChannel> {
	if (!json) return new Map();
	const setting = "CHECKOUT_CHANNEL_BY_CLIENT";
	const entries = jsonObject(setting, json, '{"<client_id>": "hosted" | "widget", …}');
	for (const [clientId, channel] of entries) {
		if (!clients.has(clientId)) {
			throw new ConfigError(setting, `names a client id that FLEXITI_CLIENTS does not have: ${clientId}`);
		}
		if (channel !== "widget" && channel !== "hosted") {
			throw new ConfigError(setting, `gives ${clientId} the channel ${JSON.stringify(channel)}: "widget" or "hosted"`);
		}
	}
	return new Map(entries as [string, CheckoutChannel][]);
}

function parseClientBySource(json: string | undefined, clients: Map<string, string>): Map<string, string> {
	if (!json) return new Map();
	const entries = jsonObject("WEBHOOK_CLIENT_BY_SOURCE", json, '{"<shop domain or site URL>": "<client_id>", …}');
	for (const [, clientId] of entries) {
		if (typeof clientId !== "string" || !clients.has(clientId)) {
			throw new ConfigError(
				"WEBHOOK_CLIENT_BY_SOURCE",
				`names a client id that FLEXITI_CLIENTS does not have: ${String(clientId)}`,
			);
		}
	}
	return new Map(entries as [string, string][]);
}

/** Every setting is declared in wrangler.toml or .dev.vars.example, so `wrangler types` puts it in `Env`. */
type Setting = { [Name in keyof Env]: Env[Name] extends string ? Name : never }[keyof Env];
/**
 * What the configuration reads: the settings of `Env`, and none of its bindings. A Worker's `env`
 * is one; so is a plain object of settings (a unit test's), with no cast.
 */
export type EdgeSettings = { readonly [Name in Setting]?: string | undefined };

function optional(env: EdgeSettings, name: Setting): string | undefined {
	const value: unknown = env[name];
	return typeof value === "string" && value.trim() !== "" ? value : undefined;
}

function required(env: EdgeSettings, name: Setting): string {
	const value = optional(env, name);
	if (value === undefined)
		throw new ConfigError(name, "is not set (see .dev.vars.example; in production `wrangler secret put`)");
	return value;
}

/**
 * A client id as the edge can use it: Flexiti's are ASCII of at most 100 characters (its docs), and
 * the edge writes `<client_id>:<…>` in its settings and names an order `<client_id>:<reference>`, so
 * a `:` (or a space, a slash) in one would let one client's entries read as another's.
 */
const CLIENT_ID = /^[A-Za-z0-9._-]{1,100}$/;

function parseClients(json: string): Map<string, string> {
	const entries = jsonObject("FLEXITI_CLIENTS", json, '{"<client_id>": "<client_secret>", …}');
	if (entries.length === 0 || entries.some(([, secret]) => typeof secret !== "string" || secret === "")) {
		throw new ConfigError("FLEXITI_CLIENTS", "must map at least one client id to its secret");
	}
	const odd = entries.find(([clientId]) => !CLIENT_ID.test(clientId));
	if (odd) {
		throw new ConfigError(
			"FLEXITI_CLIENTS",
			`has a client id the edge cannot use, ${JSON.stringify(odd[0].slice(0, 40))}: letters, digits, ".", "_" and "-" only, at most 100`,
		);
	}
	return new Map(entries as [string, string][]);
}

/** The entries of a setting that holds a JSON object, or a ConfigError showing the shape it should have. */
function jsonObject(setting: string, json: string, shape: string): [string, unknown][] {
	let value: unknown;
	try {
		value = JSON.parse(json);
	} catch {
		throw new ConfigError(setting, `must be JSON: ${shape}`);
	}
	if (!value || typeof value !== "object" || Array.isArray(value)) {
		throw new ConfigError(setting, `must be a JSON object: ${shape}`);
	}
	return Object.entries(value);
}

function parseUrl(value: string, setting: "FLEXITI_BASE_URL" | "FLEXITI_ONLINE_BASE_URL" = "FLEXITI_BASE_URL"): string {
	try {
		return new URL(value).toString().replace(/\/$/, "");
	} catch {
		throw new ConfigError(
			setting,
			`must be a URL such as https://${setting === "FLEXITI_BASE_URL" ? "posapi.flexiti.fi/flexiti/pos-api" : "onlineapi.flexiti.fi/flexiti/online-api"}`,
		);
	}
}

function parseKey(base64: string): Uint8Array {
	const key = base64Decode(base64);
	if (!key) throw new ConfigError("TOKEN_ENCRYPTION_KEY", "must be base64");
	if (key.byteLength !== 32)
		throw new ConfigError("TOKEN_ENCRYPTION_KEY", "must be 32 bytes (openssl rand -base64 32)");
	return key;
}

function positiveInteger(env: EdgeSettings, name: Setting, fallback: number): number {
	const value = optional(env, name);
	if (value === undefined) return fallback;
	const number = Number(value);
	if (!Number.isInteger(number) || number <= 0) throw new ConfigError(name, "must be a positive integer");
	return number;
}
