/** Requests per minute in the edge-limits test project (vitest.config.ts), small enough to reach in a test. */
export const TEST_LIMITS = {
	MERCHANT_LIMITER: 20,
	CHECKOUT_CREATION_LIMITER: 5,
	CHECKOUT_LIMITER: 10,
	SHOPPER_IP_LIMITER: 15,
};

/** A merchant key only the checkout-creation limit test uses (its digest is added to the project's settings). */
export const CREATION_TEST_KEY = "fe_local_merchant_key_creation_limit_test";
