/**
 * How the bench judges the webhook ack's fixed-rate p99 (scripts/bench/load.ts, `p99RatioOfPairs`):
 * the median of the paired runs' ratios. A stall in one run must not decide it either way; a cost the
 * edge pays on every request must show in full.
 */
import { describe, expect, it } from "vitest";
import { p99RatioOfPairs, type Run } from "../../scripts/bench/load.ts";

/** A run of 1,000 answers at `ms` each, the first `stalled` of which waited `stallMs` instead. */
function run(ms: number, stalled = 0, stallMs = 0): Run {
	const latenciesMs = Array.from({ length: 1000 }, (_, i) => (i < stalled ? stallMs : ms));
	return { seconds: 4, latenciesMs, errors: 0, timeouts: 0, statuses: { 200: 1000 } };
}

describe("p99RatioOfPairs (the fixed-rate p99 target)", () => {
	it("shows a cost the edge pays in every run in full", () => {
		const edge = [run(6), run(6), run(6), run(6)];
		const baseline = [run(3), run(3), run(3), run(3)];
		const ratio = p99RatioOfPairs(edge, baseline);
		expect(ratio.median).toBe(2);
		expect(ratio.pooled).toBe(2);
		expect(ratio.pairs).toEqual([2, 2, 2, 2]);
	});

	it("is not decided by one stalled run of the baseline (the pooled ratio is)", () => {
		// One 250-ms stall holding up 60 answers in one baseline run: 1.5 % of all the baseline's answers.
		const edge = [run(4), run(4), run(4), run(4)];
		const baseline = [run(3), run(3, 60, 250), run(3), run(3)];
		const ratio = p99RatioOfPairs(edge, baseline);
		expect(ratio.pooled).toBeLessThan(0.1);
		expect(ratio.median).toBeCloseTo(4 / 3, 5);
	});

	it("is not decided by one stalled run of the edge either", () => {
		const edge = [run(4), run(4), run(4, 60, 250), run(4)];
		const baseline = [run(3), run(3), run(3), run(3)];
		const ratio = p99RatioOfPairs(edge, baseline);
		expect(ratio.pooled).toBeGreaterThan(50);
		expect(ratio.median).toBeCloseTo(4 / 3, 5);
	});

	it("shows stalls the edge has in most runs", () => {
		const edge = [run(4, 60, 250), run(4, 60, 250), run(4), run(4, 60, 250)];
		const baseline = [run(3), run(3), run(3), run(3)];
		expect(p99RatioOfPairs(edge, baseline).median).toBeGreaterThan(50);
	});
});
