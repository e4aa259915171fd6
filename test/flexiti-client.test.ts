import { describe, expect, it } from "vitest";
import { createFlexitiClient } from "../functions/client/index.ts";

/** A tiny Flexiti stand-in: records what it is sent and answers with Flexiti's 409 envelope. */
function recordingUpstream(status: number, body: unknown) {
	const requests: Request[] = [];
	const fetch = async (request: Request) => {
		requests.push(request.clone());
		return Response.json(body, { status });
	};
	return { requests, fetch };
}

const baseUrl = "https://posapi-mi.flexiti.fi/flexiti/pos-api";
const capturePath = "/v2.5/client-id/{client_id}/authorization/{authorization_id}/capture" as const;
const params = { path: { client_id: "flexitidemo", authorization_id: 1234567 } };

describe("createFlexitiClient", () => {
	it("sends the bearer token and a GUID x-reference-id on every call, at the versioned path", async () => {
		const upstream = recordingUpstream(200, {
			capture_id: 42,
			authorization_id: 1234567,
			reference: "ORDER-1",
			date: "2026-11-24T10:00:00Z",
			amount: 10,
			remaining_authorization_amount: 0,
			authorization_status: "closed",
		});
		const client = createFlexitiClient({ baseUrl, token: () => "merchant-token-1", fetch: upstream.fetch });

		const { data } = await client.POST(capturePath, { params, body: { amount: 10, reference: "ORDER-1" } });
		await client.POST(capturePath, { params, body: { amount: 10 } });

		expect(data?.capture_id).toBe(42);
		expect(upstream.requests).toHaveLength(2);
		const [first, second] = upstream.requests;
		expect(first?.url).toBe(`${baseUrl}/v2.5/client-id/flexitidemo/authorization/1234567/capture`);
		expect(first?.headers.get("authorization")).toBe("Bearer merchant-token-1");
		expect(first?.headers.get("x-reference-id")).toMatch(
			/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
		);
		// A fresh GUID per call unless the caller traces a flow.
		expect(second?.headers.get("x-reference-id")).not.toBe(first?.headers.get("x-reference-id"));
		expect(await first?.json()).toEqual({ amount: 10, reference: "ORDER-1" });
	});

	it("keeps the caller's flow reference id and an explicit header", async () => {
		const upstream = recordingUpstream(200, {});
		const flow = "6f1c2a7e-0b1d-4a52-9d3e-2f8e1c4b5a60";
		const client = createFlexitiClient({ baseUrl, referenceId: () => flow, fetch: upstream.fetch });

		await client.POST("/v2.5/client-id/{client_id}/accounts/{account_number}/close", {
			params: { path: { client_id: "flexitidemo", account_number: 12345678901234 } },
		});
		const explicit = "0d5cf4a3-8b76-4c8e-9a1f-7e2b3c4d5e6f";
		await client.POST("/v2.5/client-id/{client_id}/accounts/{account_number}/close", {
			params: {
				path: { client_id: "flexitidemo", account_number: 12345678901234 },
				header: { "x-reference-id": explicit },
			},
		});

		expect(upstream.requests.map((r) => r.headers.get("x-reference-id"))).toEqual([flow, explicit]);
		// No token provider: no authorization header at all (the token endpoint authenticates by form).
		expect(upstream.requests[0]?.headers.has("authorization")).toBe(false);
	});

	it("surfaces Flexiti's error envelope, typed", async () => {
		const envelope = {
			url: "/flexiti/pos-api/v2.5/client-id/flexitidemo/authorization/1234567/capture",
			message: "Capture amount exceeds the remaining authorization amount",
			error: "auth_amount_exceeded",
		};
		const upstream = recordingUpstream(409, envelope);
		const client = createFlexitiClient({ baseUrl, token: () => "t", fetch: upstream.fetch });

		const { data, error, response } = await client.POST(capturePath, { params, body: { amount: 999 } });

		expect(data).toBeUndefined();
		expect(response.status).toBe(409);
		expect(error).toEqual(envelope);
		// Typed: `error.error` and `error.field_errors` are known properties of the envelope
		// (Flexiti's firewall answers 465–467 in HTML, hence the string case).
		const code: "auth_amount_exceeded" | "authorization_ended" | undefined =
			typeof error === "object" && (error.error === "auth_amount_exceeded" || error.error === "authorization_ended")
				? error.error
				: undefined;
		expect(code).toBe("auth_amount_exceeded");
	});

	it("sends the token request form-encoded, with no bearer token", async () => {
		const upstream = recordingUpstream(200, {
			token_type: "bearer",
			access_token: "a",
			expires_in: 1200,
			refresh_token: "r",
			scope: "merchant",
		});
		const client = createFlexitiClient({ baseUrl, fetch: upstream.fetch });

		const { data } = await client.POST("/v2.5/oauth/token", {
			body: { client_id: "flexitidemo", client_secret: "s3cret", grant_type: "client_credentials", scope: "merchant" },
			headers: { "content-type": "application/x-www-form-urlencoded" },
		});

		expect(data?.expires_in).toBe(1200);
		const request = upstream.requests[0];
		expect(request?.headers.get("content-type")).toContain("application/x-www-form-urlencoded");
		expect((await request?.formData())?.get("client_id")).toBe("flexitidemo");
	});
});
