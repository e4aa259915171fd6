/** The demo store's bindings (wrangler.toml). */
export interface DemoEnv {
	EDGE_URL: string;
	WIDGET_ORIGIN: string;
	MERCHANT_API_KEY: string;
	STANDARD_WEBHOOK_SECRET: string;
	DEMO_ORDERS: KVNamespace;
}
