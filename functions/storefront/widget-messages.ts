/**
 * What Flexiti's widget posts to the page that framed it, and the sender check. The widget posts with
 * target `*` (Flexiti's docs), so any window can post a look-alike: the SDK accepts a message only
 * from the widget's origin (taken from the `redirection_url` the edge returned) and only from the
 * iframe's own window, and ignores everything else.
 */
import type { components } from "../../generated/flexiti-pos-api.ts";

/** `flx-success` eventData, as documented (Widget Communication Events, FDP:149749812). */
export interface WidgetSuccess {
	accountNumber: number | null;
	verified: boolean;
	action: "apply" | "purchase" | "activation" | "retry" | null;
	widget_session_id: string;
	customerId?: string | null;
	accountType?: components["schemas"]["AccountType"];
}

/** The message envelope. Inferred (Flexiti documents the names and eventData, not the object): `{ event, eventData }`. */
export type WidgetMessage =
	| { event: "flx-success"; eventData: WidgetSuccess }
	| { event: "flx-failure"; eventData: { error: number; message: string } }
	| { event: "flx-cancel" };

export function isWidgetMessage(data: unknown): data is WidgetMessage {
	if (typeof data !== "object" || data === null) return false;
	const { event, eventData } = data as { event?: unknown; eventData?: Record<string, unknown> };
	if (event === "flx-cancel") return true;
	if (typeof eventData !== "object" || eventData === null) return false;
	if (event === "flx-success") return typeof eventData.verified === "boolean";
	return event === "flx-failure" && typeof eventData.error === "number";
}

/**
 * Resolves with the widget's first message that passes the sender check. `frame` is the iframe the
 * SDK created; `origin` is the redirection_url's origin.
 */
export function nextWidgetMessage(
	frame: HTMLIFrameElement,
	origin: string,
	signal: AbortSignal,
	accept: (message: WidgetMessage) => boolean = () => true,
): Promise<WidgetMessage> {
	return new Promise((resolve) => {
		const listener = (event: MessageEvent) => {
			if (event.origin !== origin || event.source !== frame.contentWindow) return;
			if (!isWidgetMessage(event.data) || !accept(event.data)) return;
			removeEventListener("message", listener);
			resolve(event.data);
		};
		addEventListener("message", listener);
		signal.addEventListener("abort", () => removeEventListener("message", listener));
	});
}
