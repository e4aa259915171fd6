/** The demo store's bindings, as `wrangler types` reads them from its wrangler.toml (generated/demo-store-configuration.d.ts). */
export type DemoEnv = DemoStoreBindings;
