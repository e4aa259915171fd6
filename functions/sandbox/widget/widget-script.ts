/**
 * The sandbox widget page's script, written once. Every function here is exported for unit tests and
 * also embedded verbatim into the page (page.ts inlines `(${fn})` for each, via
 * `Function.prototype.toString()`), so the code under test is the code the browser runs; there is
 * no second copy kept as a string.
 *
 * That puts some rules on the functions in this file:
 *  - Each one stands alone. It uses only its parameters, its own locals and browser/Worker globals
 *    (`URLSearchParams`, `decodeURIComponent`, `JSON`). It does not use imports or module-scope
 *    bindings, because the bundler may rename or drop those. `runWidget` gets the other helpers as
 *    its `helpers` argument and does not refer to them by name.
 *  - Only erasable TypeScript: no enums, namespaces or parameter properties.
 *  - No `</script` or `<!--` in the source. page.ts refuses to build a page that contains either.
 *  - esbuild's `keepNames` (Wrangler turns it on) may wrap nested functions in `__name(fn, "…")`.
 *    The page defines a no-op `__name` for that case.
 *  - Coverage instrumentation would rewrite these bodies. The browser test (test/browser) runs the
 *    real page and catches that kind of breakage.
 *
 * The widget talks to its parent window as Flexiti's does: `window.parent.postMessage(message, "*")`
 * with `flx-success`, `flx-failure` or `flx-cancel`. Flexiti documents the event names and the
 * eventData fields, but not the message object itself. Inferred: `{ event, eventData }`.
 *
 * Full-page presentation (the storefront SDK's fallback for small screens and pages that cannot
 * frame the widget): Flexiti documents no return address for the POS API widget. Inferred: a
 * `return_url` (http or https) in the hash's query; a widget that is the top window goes back to
 * it when it is done, with `#flexiti-result=` and the message it would have posted.
 */

export type WidgetLang = "en" | "fr";

/** The widget URL's hash, `#/widget/{client_id}/{token}?lang=…&x-reference-id=…&widget_session_id=…`. */
export type ParsedWidgetHash =
	| {
			ok: true;
			clientId: string;
			token: string;
			lang: WidgetLang;
			referenceId: string;
			widgetSessionId: string;
			returnUrl?: string;
	  }
	| { ok: false; lang: WidgetLang; message: string };

/** `flx-success` eventData, as documented (Widget Communication Events, FDP:149749812). */
export interface WidgetSuccessData {
	accountNumber: number | null;
	verified: boolean;
	action: "apply" | "purchase" | "activation" | "retry" | null;
	mfaOptionSelected: "sms" | "email" | "security_question" | null;
	widget_session_id: string;
	customerId: string | null;
	accountType: "business" | "consumer";
}

/** What the widget posts to its parent window. Inferred envelope: `{ event, eventData }`. */
export type WidgetMessage =
	| { event: "flx-success"; eventData: WidgetSuccessData }
	| { event: "flx-failure"; eventData: { error: number; message: string } }
	| { event: "flx-cancel" };

/** The page's words, in English and French. */
export interface WidgetText {
	title: string;
	purchaseHeading: string;
	applyHeading: string;
	forCustomer: string;
	unknownCustomer: string;
	pinLabel: string;
	pinHint: string;
	verify: string;
	cancel: string;
	loading: string;
	verifying: string;
	verified: string;
	verifiedApply: string;
	wrongPin: string;
	cannotPurchase: string;
	cancelled: string;
	expired: string;
	unknownSession: string;
	malformed: string;
	failed: string;
}

/** How the page shows a posted message: the text, its tone, and whether the widget is finished. */
export interface WidgetStatus {
	text: string;
	tone: "success" | "error" | "info";
	done: boolean;
}

/** Reads the widget hash. A hash that does not match Flexiti's pattern becomes a reason for `flx-failure`. */
export function parseWidgetHash(hash: string): ParsedWidgetHash {
	const query = hash.indexOf("?") >= 0 ? hash.slice(hash.indexOf("?") + 1) : "";
	const params = new URLSearchParams(query);
	const rawLang = (params.get("lang") ?? "").toLowerCase();
	const lang: WidgetLang = rawLang === "fr" || rawLang.indexOf("fr-") === 0 ? "fr" : "en";
	const match = /^#\/widget\/([^/?#]+)\/([^/?#]+)\/?(?:\?.*)?$/.exec(hash);
	if (!match) {
		return { ok: false, lang, message: "Malformed widget URL: expected #/widget/{client_id}/{token}?…" };
	}
	let clientId = "";
	let token = "";
	try {
		clientId = decodeURIComponent(match[1] ?? "");
		token = decodeURIComponent(match[2] ?? "");
	} catch {
		return { ok: false, lang, message: "Malformed widget URL: bad percent-encoding" };
	}
	const widgetSessionId = params.get("widget_session_id") ?? "";
	if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(widgetSessionId)) {
		return { ok: false, lang, message: "Malformed widget URL: widget_session_id is missing or not a GUID" };
	}
	const returnUrl = params.get("return_url") ?? "";
	return {
		ok: true,
		clientId,
		token,
		lang,
		referenceId: params.get("x-reference-id") ?? "",
		widgetSessionId,
		...(/^https?:\/\//i.test(returnUrl) ? { returnUrl } : {}),
	};
}

/** The page's words for `lang`. */
export function widgetText(lang: WidgetLang): WidgetText {
	const en: WidgetText = {
		title: "Flexiti (sandbox)",
		purchaseHeading: "Confirm your Flexiti purchase",
		applyHeading: "Apply for Flexiti financing",
		forCustomer: "For",
		unknownCustomer: "Customer not identified",
		pinLabel: "Verification PIN",
		pinHint: "Sandbox PIN: 2222",
		verify: "Verify",
		cancel: "Cancel",
		loading: "Loading…",
		verifying: "Verifying…",
		verified: "Verified. You can return to the store to complete your purchase.",
		verifiedApply: "Verified. You can return to the store to complete your application.",
		wrongPin: "That PIN is not correct. Please try again.",
		cannotPurchase: "Verified, but this account cannot be used for purchases right now.",
		cancelled: "Cancelled. You can return to the store.",
		expired: "This session has expired. Please return to the store and start again.",
		unknownSession: "This session could not be found. Please return to the store and start again.",
		malformed: "This link is not valid. Please return to the store and start again.",
		failed: "Something went wrong. Please return to the store and try again.",
	};
	const fr: WidgetText = {
		title: "Flexiti (bac à sable)",
		purchaseHeading: "Confirmez votre achat Flexiti",
		applyHeading: "Demandez un financement Flexiti",
		forCustomer: "Pour",
		unknownCustomer: "Client non identifié",
		pinLabel: "NIP de vérification",
		pinHint: "NIP du bac à sable : 2222",
		verify: "Vérifier",
		cancel: "Annuler",
		loading: "Chargement…",
		verifying: "Vérification…",
		verified: "Vérifié. Vous pouvez retourner au magasin pour terminer votre achat.",
		verifiedApply: "Vérifié. Vous pouvez retourner au magasin pour terminer votre demande.",
		wrongPin: "Ce NIP n'est pas valide. Veuillez réessayer.",
		cannotPurchase: "Vérifié, mais ce compte ne peut pas servir à des achats pour le moment.",
		cancelled: "Annulé. Vous pouvez retourner au magasin.",
		expired: "Cette session a expiré. Veuillez retourner au magasin et recommencer.",
		unknownSession: "Cette session est introuvable. Veuillez retourner au magasin et recommencer.",
		malformed: "Ce lien n'est pas valide. Veuillez retourner au magasin et recommencer.",
		failed: "Une erreur s'est produite. Veuillez retourner au magasin et réessayer.",
	};
	return lang === "fr" ? fr : en;
}

/** `flx-cancel`: the customer closed the widget. No eventData. */
export function cancelMessage(): WidgetMessage {
	return { event: "flx-cancel" };
}

/** `flx-failure` with the HTTP status and a message. */
export function failureMessage(error: number, message: string): WidgetMessage {
	return { event: "flx-failure", eventData: { error, message } };
}

/**
 * What to post after the sandbox's widget API answered: a 200 from `/verify` carries the outcome
 * itself. An error status, or a 200 that is not a usable outcome, becomes `flx-failure`. Its
 * `error` is the body's own `error` when that is a number, otherwise the HTTP status.
 * `status` 0 means the request never got an answer, as with XHR.
 */
export function messageFromResponse(status: number, body: unknown): WidgetMessage {
	const record = typeof body === "object" && body !== null ? (body as Record<string, unknown>) : {};
	const data =
		typeof record.eventData === "object" && record.eventData !== null
			? (record.eventData as Record<string, unknown>)
			: undefined;
	if (status >= 200 && status < 300) {
		if (record.event === "flx-success" && data && typeof data.verified === "boolean") {
			return { event: "flx-success", eventData: data as unknown as WidgetSuccessData };
		}
		if (record.event === "flx-failure" && data && typeof data.error === "number") {
			return {
				event: "flx-failure",
				eventData: { error: data.error, message: typeof data.message === "string" ? data.message : "" },
			};
		}
		return { event: "flx-failure", eventData: { error: 502, message: "The widget API answered an unexpected body" } };
	}
	const error = typeof record.error === "number" ? record.error : status;
	const message =
		typeof record.message === "string"
			? record.message
			: status === 0
				? "The widget API could not be reached"
				: `The widget API answered HTTP ${status}`;
	return { event: "flx-failure", eventData: { error, message } };
}

/** What the page shows once it has posted `message`, in the words of `text`. */
export function statusFor(message: WidgetMessage, text: WidgetText): WidgetStatus {
	if (message.event === "flx-cancel") return { text: text.cancelled, tone: "info", done: true };
	if (message.event === "flx-failure") {
		const error = message.eventData.error;
		const words =
			error === 401 ? text.expired : error === 404 ? text.unknownSession : error === 400 ? text.malformed : text.failed;
		return { text: words, tone: "error", done: true };
	}
	const data = message.eventData;
	if (!data.verified) return { text: text.wrongPin, tone: "error", done: false };
	if (data.action === null) return { text: text.cannotPurchase, tone: "error", done: true };
	return { text: data.action === "apply" ? text.verifiedApply : text.verified, tone: "success", done: true };
}

/** The helpers `runWidget` gets. They are passed in, not imported, so that the embedded copy works as well. */
export interface WidgetHelpers {
	parseWidgetHash: typeof parseWidgetHash;
	widgetText: typeof widgetText;
	cancelMessage: typeof cancelMessage;
	failureMessage: typeof failureMessage;
	messageFromResponse: typeof messageFromResponse;
	statusFor: typeof statusFor;
}

/** The parts of an element the page uses. The project compiles without the DOM lib, so they are spelled out here. */
export interface WidgetElement {
	textContent: string | null;
	hidden: boolean;
	disabled: boolean;
	value: string;
	setAttribute(name: string, value: string): void;
	addEventListener(type: string, listener: (event: { preventDefault(): void }) => void): void;
	focus(): void;
}

/** The parts of `window` the page uses. */
export interface WidgetWindow {
	location: { hash: string; replace(url: string): void };
	parent: { postMessage(message: unknown, targetOrigin: string): void };
	document: { documentElement: WidgetElement; getElementById(id: string): WidgetElement | null };
	fetch(
		url: string,
		init?: { method?: string; headers?: Record<string, string>; body?: string },
	): Promise<{ status: number; json(): Promise<unknown> }>;
}

/**
 * The page itself. It reads the hash, loads the session, shows the PIN prompt, and posts exactly one
 * final message. A wrong PIN also posts `flx-success` with `verified: false`, and the customer may
 * then try again. Text goes in only through `textContent`; nothing is parsed as HTML.
 */
export function runWidget(win: WidgetWindow, helpers: WidgetHelpers): void {
	const doc = win.document;
	const el = (id: string): WidgetElement => {
		const found = doc.getElementById(id);
		if (!found) throw new Error(`widget page: #${id} is missing`);
		return found;
	};
	const panel = el("panel");
	const status = el("status");
	const form = el("form");
	const pin = el("pin");
	const verify = el("verify");
	const cancel = el("cancel");
	let finished = false;

	const hash = helpers.parseWidgetHash(win.location.hash);
	const text = helpers.widgetText(hash.lang);
	doc.documentElement.setAttribute("lang", hash.lang);
	el("title").textContent = text.title;
	el("pin-label").textContent = text.pinLabel;
	el("hint").textContent = text.pinHint;
	verify.textContent = text.verify;
	cancel.textContent = text.cancel;

	const show = (words: string, tone: string, state: string) => {
		status.textContent = words;
		status.setAttribute("data-tone", tone);
		panel.setAttribute("data-state", state);
	};
	const setBusy = (busy: boolean) => {
		pin.disabled = busy;
		verify.disabled = busy;
		cancel.disabled = busy;
	};
	const post = (message: WidgetMessage) => {
		if (finished) return;
		const shown = helpers.statusFor(message, text);
		finished = shown.done;
		panel.setAttribute("data-event", message.event);
		win.parent.postMessage(message, "*");
		show(shown.text, shown.tone, shown.done ? "done" : "ready");
		setBusy(shown.done);
		// The top window (full-page presentation) goes back to the store with the outcome.
		if (shown.done && hash.ok && hash.returnUrl && (win.parent as unknown) === win) {
			win.location.replace(`${hash.returnUrl}#flexiti-result=${encodeURIComponent(JSON.stringify(message))}`);
		}
		if (!shown.done) {
			pin.value = "";
			pin.focus();
		}
	};
	const call = async (path: string, init?: { method: string; body: string }) => {
		const headers: Record<string, string> = { accept: "application/json" };
		if (hash.ok && hash.referenceId) headers["x-reference-id"] = hash.referenceId;
		if (init) headers["content-type"] = "application/json";
		try {
			const response = await win.fetch(path, { ...init, headers });
			const body = await response.json().catch(() => null);
			return { status: response.status, body };
		} catch {
			return { status: 0, body: null };
		}
	};

	setBusy(true);
	if (!hash.ok) {
		post(helpers.failureMessage(400, hash.message));
		return;
	}
	const sessionPath = `/widget-api/sessions/${encodeURIComponent(hash.widgetSessionId)}`;
	show(text.loading, "info", "loading");

	cancel.addEventListener("click", () => post(helpers.cancelMessage()));
	form.addEventListener("submit", (event) => {
		event.preventDefault();
		if (finished || verify.disabled) return;
		setBusy(true);
		show(text.verifying, "info", "verifying");
		const body = JSON.stringify({ access_token: hash.token, pin: pin.value });
		call(`${sessionPath}/verify`, { method: "POST", body }).then((answer) =>
			post(helpers.messageFromResponse(answer.status, answer.body)),
		);
	});

	call(`${sessionPath}?access_token=${encodeURIComponent(hash.token)}`).then((answer) => {
		const session = (answer.body ?? {}) as { flow?: unknown; customer?: unknown };
		if (answer.status !== 200) {
			post(helpers.messageFromResponse(answer.status, answer.body));
			return;
		}
		el("heading").textContent = session.flow === "apply" ? text.applyHeading : text.purchaseHeading;
		el("customer").textContent =
			typeof session.customer === "string" ? `${text.forCustomer} ${session.customer}` : text.unknownCustomer;
		form.hidden = false;
		show("", "info", "ready");
		setBusy(false);
		pin.focus();
	});
}
