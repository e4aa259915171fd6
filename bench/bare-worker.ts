/**
 * The baseline for webhook ingestion (`npm run bench`): a Worker that verifies nothing, stores
 * nothing and answers 200 — what an order system's delivery costs when nobody does any work.
 */
export default {
	async fetch(request: Request): Promise<Response> {
		// Read the body, as any receiver must before answering.
		await request.arrayBuffer();
		return Response.json({ received: 1, duplicates: 0 });
	},
};
