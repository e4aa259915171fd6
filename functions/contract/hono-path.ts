/** `/v2.5/client-id/{client_id}/…` (OpenAPI) → `/v2.5/client-id/:client_id/…` (Hono). */
export function honoPath(template: string): string {
	return template.replace(/\{([^}]+)\}/g, ":$1");
}
