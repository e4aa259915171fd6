/**
 * What the bench loads, as data: each scenario is one request sent to the edge and the equivalent
 * request sent to a baseline Worker. A new scenario (say, webhook ingestion against a bare-200
 * Worker) is one more entry here, plus its worker in workers.ts if it needs a new one.
 */
import type { BenchWorkers } from "./workers.ts";

export interface Credentials {
	/** A merchant API key of .dev.vars.example, for the edge. */
	merchantKey: string;
	/** A checkout's client token, for the edge's shopper routes. */
	clientToken: string;
	/** Real Flexiti bearer tokens minted once at the sandbox, for the pass-through. */
	merchantBearer: string;
	customerBearer: string;
}

export interface LoadRequest {
	/** Which worker receives it. */
	worker: Exclude<keyof BenchWorkers, "sandbox">;
	method: "GET" | "POST";
	path: string;
	headers: Record<string, string>;
	body?: string;
	/** A new `x-reference-id` GUID on every request, as Flexiti requires of direct callers. */
	freshReferenceId?: boolean;
}

export interface Scenario {
	name: string;
	/** The Flexiti token scope the edge needs for it: token calls are counted per scope. */
	scope: "customer" | "merchant";
	edge: LoadRequest;
	baseline: LoadRequest;
}

const CLIENT = "flexitidemo";
const JANE = "10000000000001";

export function scenarios(c: Credentials): Scenario[] {
	const json = { "content-type": "application/json" };
	return [
		{
			name: "customer GET terms-and-conditions",
			scope: "customer",
			edge: {
				worker: "edge",
				method: "GET",
				path: `/flexiti/v2.5/client-id/${CLIENT}/terms-and-conditions`,
				headers: { authorization: `Bearer ${c.clientToken}` },
			},
			baseline: {
				worker: "passthrough",
				method: "GET",
				path: `/flexiti/v2.5/client-id/${CLIENT}/terms-and-conditions`,
				headers: { authorization: `Bearer ${c.customerBearer}` },
				freshReferenceId: true,
			},
		},
		{
			name: "merchant GET captures",
			scope: "merchant",
			edge: {
				worker: "edge",
				method: "GET",
				path: `/flexiti/v2.5.1/client-id/${CLIENT}/captures`,
				headers: { authorization: `Bearer ${c.merchantKey}` },
			},
			baseline: {
				worker: "passthrough",
				method: "GET",
				path: `/flexiti/v2.5.1/client-id/${CLIENT}/captures`,
				headers: { authorization: `Bearer ${c.merchantBearer}` },
				freshReferenceId: true,
			},
		},
		{
			name: "merchant POST calculate-interest",
			scope: "merchant",
			edge: {
				worker: "edge",
				method: "POST",
				path: `/flexiti/v2.5.1/client-id/${CLIENT}/accounts/${JANE}/calculate-interest`,
				headers: { authorization: `Bearer ${c.merchantKey}`, ...json },
				body: JSON.stringify({ amount: 234.45 }),
			},
			baseline: {
				worker: "passthrough",
				method: "POST",
				path: `/flexiti/v2.5.1/client-id/${CLIENT}/accounts/${JANE}/calculate-interest`,
				headers: { authorization: `Bearer ${c.merchantBearer}`, ...json },
				body: JSON.stringify({ amount: 234.45 }),
				freshReferenceId: true,
			},
		},
	];
}
