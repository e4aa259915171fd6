/**
 * The local, public demo credentials every test uses, in one place. They match .dev.vars.example (the
 * edge's settings) and the sandbox's seeded clients; none of them is ever valid outside a local run.
 */
export const DEMO = { client_id: "flexitidemo", client_secret: "77xde15a-9d33-4c15-930a-3se4b3as33e9" } as const;
export const DEMO2 = { client_id: "flexitidemo2", client_secret: "2b7c8e21-4f0a-4d6b-9c3e-5a1d2f3e4b5c" } as const;
/** Merchant API keys whose SHA-256 digests MERCHANT_API_KEY_HASHES lists (the second one for rotation). */
export const MERCHANT_KEY = "fe_local_merchant_key_not_for_production";
export const ROTATED_MERCHANT_KEY = "fe_local_merchant_key_rotated";
/** A merchant API key tied to the second client only (vitest.config.ts adds its digest, `flexitidemo2:…`). */
export const SECOND_CLIENT_KEY = "fe_local_second_client_key";
