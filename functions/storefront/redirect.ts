/**
 * The full-page fallback (small screens, frames blocked): the page goes to the widget itself and the
 * widget sends the shopper back with its outcome. Flexiti documents no return address for the POS
 * API widget; Inferred: the SDK adds `return_url` to the widget URL's query, and the widget, when it
 * is the top window, returns to it with `#flexiti-result=<the message it would have posted>`.
 *
 * What the SDK keeps across the round trip is in sessionStorage and is not secret: the flow and the
 * widget session it started (never a token). A returned outcome counts only for the checkout and the
 * flow that started it, and a success only for that widget session; and whatever a forged fragment
 * claims, Flexiti authorizes only a session its widget verified.
 */
import { isWidgetMessage, type WidgetMessage } from "./widget-messages.ts";

const RESULT = "#flexiti-result=";
const key = (checkoutId: string) => `flexiti-edge:${checkoutId}`;

interface Started {
	flow: string;
	widgetSessionId: string;
}

/** Leaves the page for the widget; the promise never settles, since the page unloads. */
export function redirectToWidget(checkoutId: string, flow: string, redirectionUrl: string): Promise<never> {
	const widgetSessionId = /[?&]widget_session_id=([^&]+)/.exec(redirectionUrl)?.[1] ?? "";
	sessionStorage.setItem(key(checkoutId), JSON.stringify({ flow, widgetSessionId } satisfies Started));
	const back = location.href.split("#")[0] ?? location.href;
	location.assign(`${redirectionUrl}&return_url=${encodeURIComponent(back)}`);
	return new Promise(() => {});
}

/** Whether this page load is the return from a widget this checkout started. */
export function hasReturned(checkoutId: string): boolean {
	return location.hash.startsWith(RESULT) && sessionStorage.getItem(key(checkoutId)) !== null;
}

/** The widget's outcome brought back in the URL, for this checkout and flow; taken once. */
export function takeReturned(checkoutId: string, flow: string): WidgetMessage | undefined {
	if (!hasReturned(checkoutId)) return undefined;
	const started = JSON.parse(sessionStorage.getItem(key(checkoutId)) ?? "{}") as Partial<Started>;
	let message: unknown;
	try {
		message = JSON.parse(decodeURIComponent(location.hash.slice(RESULT.length)));
	} catch {
		message = undefined;
	}
	sessionStorage.removeItem(key(checkoutId));
	history.replaceState(history.state, "", location.href.split("#")[0]);
	if (!isWidgetMessage(message) || started.flow !== flow) return undefined;
	if (message.event === "flx-success" && message.eventData.widget_session_id !== started.widgetSessionId) {
		return undefined;
	}
	return message;
}
