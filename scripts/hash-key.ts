/**
 * Prints the SHA-256 digest of a merchant API key, for MERCHANT_API_KEY_HASHES. The edge stores only
 * digests, so a leaked configuration does not leak a key. Without an argument, makes a new random key.
 *   npm run hash-key -- <key>
 */
import { createHash, randomBytes } from "node:crypto";

const key = process.argv[2] ?? `fe_live_${randomBytes(24).toString("base64url")}`;
if (!process.argv[2]) console.log(`new key (give it to the merchant's server, keep it secret): ${key}`);
console.log(createHash("sha256").update(key).digest("hex"));
