// The tests' own binding beside the Workers' (generated/*-configuration.d.ts): vitest.config.ts binds
// the local sandbox to the edge as FLEXITI, a service binding production does not have
// (functions/edge/core/env.ts), so tests reach the sandbox through it without a cast of `env`.
declare namespace Cloudflare {
	interface Env {
		FLEXITI: Fetcher;
	}
}
