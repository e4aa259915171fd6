/**
 * The edge's bindings: what `wrangler types` generates from wrangler.toml (`Env`), plus an optional
 * service binding to Flexiti. Tests bind the local sandbox there; production reaches Flexiti over
 * the network at FLEXITI_BASE_URL, so wrangler.toml declares no such binding.
 */
export type EdgeBindings = Env & { FLEXITI?: Fetcher };
