/**
 * The full-page fallback (small screens, frames blocked): the page goes to the widget itself and the
 * widget sends the shopper back with its outcome. Flexiti documents no return address for the POS
 * API widget; Inferred: the SDK adds `return_url` to the widget URL's query, and the widget, when it
 * is the top window, returns to it with `#flexiti-result=<the message it would have posted>`.
 *
 * What the SDK keeps across the round trip is in sessionStorage (this tab and origin only), under the
 * checkout's own key, and is no secret: the flow, the widget session it started (never a token) and,
 * for the apply flow, the applicant the widget was opened with (the answers `/apply` must repeat, the
 * terms agreement included: the store's page comes back as a fresh form). It is taken once, on the
 * return, whatever the return holds. A returned outcome counts only for the checkout and the flow that
 * started it, and a success only for that widget session; and whatever a forged fragment claims,
 * Flexiti authorizes only a session its widget verified.
 */
import { isWidgetMessage, type WidgetMessage } from "./widget-messages.ts";

const RESULT = "#flexiti-result=";
const key = (checkoutId: string) => `flexiti-edge:${checkoutId}`;

interface Started {
	flow: string;
	widgetSessionId: string;
	applicant?: unknown;
}

export interface Returned {
	message: WidgetMessage;
	/** The applicant the widget was opened with (apply flow). */
	applicant?: unknown;
}

/** Leaves the page for the widget; the promise never settles, since the page unloads. */
export function redirectToWidget(
	checkoutId: string,
	flow: string,
	redirectionUrl: string,
	applicant?: unknown,
): Promise<never> {
	const widgetSessionId = /[?&]widget_session_id=([^&]+)/.exec(redirectionUrl)?.[1] ?? "";
	sessionStorage.setItem(key(checkoutId), JSON.stringify({ flow, widgetSessionId, applicant } satisfies Started));
	const back = location.href.split("#")[0] ?? location.href;
	location.assign(`${redirectionUrl}&return_url=${encodeURIComponent(back)}`);
	return new Promise(() => {});
}

/** The return in this page's URL, when it is one the SDK accepts for this checkout (any flow); not taken. */
function peek(checkoutId: string): (Returned & { flow?: string }) | undefined {
	const stored = sessionStorage.getItem(key(checkoutId));
	if (!location.hash.startsWith(RESULT) || stored === null) return undefined;
	try {
		const started = JSON.parse(stored) as Partial<Started>;
		const message: unknown = JSON.parse(decodeURIComponent(location.hash.slice(RESULT.length)));
		if (!isWidgetMessage(message)) return undefined;
		if (message.event === "flx-success" && message.eventData.widget_session_id !== started.widgetSessionId) {
			return undefined;
		}
		return { message, applicant: started.applicant, flow: started.flow };
	} catch {
		return undefined;
	}
}

/** Forgets the round trip: the stored record and the fragment. */
function clear(checkoutId: string): void {
	sessionStorage.removeItem(key(checkoutId));
	history.replaceState(history.state, "", location.href.split("#")[0]);
}

/**
 * Whether this page load is the return from a widget this checkout started, with an outcome the SDK
 * accepts. A return it does not accept (unreadable, another widget session's) is cleared here, and so
 * is a record left by a round trip the shopper never came back from.
 */
export function hasReturned(checkoutId: string): boolean {
	if (peek(checkoutId)) return true;
	// Not a return (or not one to accept): what a round trip left behind is of no more use.
	if (location.hash.startsWith(RESULT)) clear(checkoutId);
	else sessionStorage.removeItem(key(checkoutId));
	return false;
}

/** The widget's outcome brought back in the URL, for this checkout and flow; taken once. */
export function takeReturned(checkoutId: string, flow: string): Returned | undefined {
	if (!location.hash.startsWith(RESULT)) return undefined;
	const returned = peek(checkoutId);
	clear(checkoutId);
	if (!returned || returned.flow !== flow) return undefined;
	return { message: returned.message, applicant: returned.applicant };
}
