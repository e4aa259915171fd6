/**
 * Endpoints for the events tests: two for the first client (the second mid-rotation: two secrets), one for
 * the second client. The second client's orders in the events project are the reconciliation tests' alone
 * (test/events/reconciliation.test.ts compares whole days of that client).
 */
export const TEST_EVENT_ENDPOINTS = JSON.stringify({
	flexitidemo: [
		{ url: "http://receiver.test/a", secrets: ["whsec_dGVzdC1lbmRwb2ludC1hLXNlY3JldC0xMjM0NTY="] },
		{
			url: "http://receiver.test/b",
			secrets: [
				"whsec_dGVzdC1lbmRwb2ludC1iLW5ldy1zZWNyZXQtMTIzNDU=",
				"whsec_dGVzdC1lbmRwb2ludC1iLW9sZC1zZWNyZXQtMTIzNDU=",
			],
		},
	],
	flexitidemo2: [
		{
			url: "http://receiver.test/c",
			secrets: ["whsec_dGVzdC1lbmRwb2ludC1jLXNlY3JldC0xMjM0NTY="],
			types: ["checkout.authorized", "reconciliation.mismatch"],
		},
	],
});
