import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { createFlexitiOnlineClient } from "../functions/client/index.ts";
import { onlineOperations } from "../generated/online-operations.ts";
import { onlineRequestSchemas } from "../generated/online-request-schemas.ts";
import specText from "../spec/flexiti-online-api.yaml?raw";

interface Operation {
	operationId?: string;
	security?: Record<string, string[]>[];
	responses?: Record<string, unknown>;
}
const spec = parse(specText) as { paths: Record<string, Record<string, Operation>> };
const operations = Object.entries(spec.paths).flatMap(([path, item]) =>
	Object.entries(item).map(([method, operation]) => ({ path, method, operation })),
);

describe("spec/flexiti-online-api.yaml", () => {
	it("describes the Online API operations of the facts file (§3c O1–O5)", () => {
		expect(Object.keys(onlineOperations).sort()).toEqual([
			"createOnlineToken",
			"getNotificationByMerchantOrderId",
			"getNotificationByOrderId",
			"getPaymentCalculator",
			"initHostedApplication",
			"initHostedCheckout",
		]);
		expect(onlineOperations.initHostedCheckout).toMatchObject({
			method: "POST",
			path: "/online/v2/client-id/{clientId}/systems/init",
		});
		// Apply-only: the same call without `/v2`.
		expect(onlineOperations.initHostedApplication.path).toBe("/online/client-id/{clientId}/systems/init");
	});

	it.each(operations)("$method $path: a merchant-scope token (the token call none) and its errors", ({ operation }) => {
		const responses = Object.keys(operation.responses ?? {});
		expect(responses).toContain("200");
		if (operation.operationId === "createOnlineToken") {
			expect(operation.security).toEqual([]);
			expect(responses).toEqual(expect.arrayContaining(["400", "409"]));
		} else {
			expect(operation.security).toEqual([{ flexitiOnlineOAuth: ["merchant"] }]);
			expect(responses).toEqual(expect.arrayContaining(["401", "403", "404", "409", "500", "503"]));
		}
	});

	it("accepts both documented and coded spellings where the sources disagree", () => {
		const body = onlineRequestSchemas.initHostedCheckout.body?.schema as {
			properties: Record<string, { enum?: string[] }>;
			required: string[];
		};
		expect(body.required).toEqual(["lang", "flow", "amount_requested"]);
		expect(body.properties.flow?.enum).toEqual(["Apply", "Buy", "Apply/Buy", "apply", "buy", "apply/buy"]);
		expect(Object.keys(body.properties)).toEqual(expect.arrayContaining(["merchant_orderid", "merchant_order_id"]));
	});
});

describe("createFlexitiOnlineClient", () => {
	it("calls systems/init at the v2 path with the bearer token and a GUID x-reference-id", async () => {
		const requests: Request[] = [];
		const client = createFlexitiOnlineClient({
			baseUrl: "https://onlineapi.flexiti.fi/flexiti/online-api",
			token: () => "merchant-token-1",
			fetch: async (request) => {
				requests.push(request.clone());
				return Response.json({ online_order_id: 131209, redirection_url: "https://online.flexiti.fi/x" });
			},
		});
		const { data } = await client.POST("/online/v2/client-id/{clientId}/systems/init", {
			params: { path: { clientId: "flexitidemo" } },
			body: { flow: "apply/buy", lang: "en", amount_requested: 249.99, merchant_orderid: "WEB-1" },
		});
		expect(data?.online_order_id).toBe(131209);
		const [request] = requests;
		expect(request?.url).toBe(
			"https://onlineapi.flexiti.fi/flexiti/online-api/online/v2/client-id/flexitidemo/systems/init",
		);
		expect(request?.headers.get("authorization")).toBe("Bearer merchant-token-1");
		expect(request?.headers.get("x-reference-id")).toMatch(/^[0-9a-f-]{36}$/);
		expect(await request?.json()).toEqual({
			flow: "apply/buy",
			lang: "en",
			amount_requested: 249.99,
			merchant_orderid: "WEB-1",
		});
	});
});
