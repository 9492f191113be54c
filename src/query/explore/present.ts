import type { ExplorePeriod, ExploreResult } from "../../storage/index.ts";
import { presentRange, type PresentedRange } from "../range.ts";

/** A period as the API gives it: its range in epoch ms and ISO text, like the other routes. */
export type PresentedPeriod<P extends ExplorePeriod = ExplorePeriod> = Omit<P, "range"> & {
  range: PresentedRange | null;
};

export type PresentedExplore = PresentedPeriod<Omit<ExploreResult, "previous">> & {
  previous?: PresentedPeriod;
};

function presentPeriod<P extends ExplorePeriod>(period: P): PresentedPeriod<P> {
  return { ...period, range: presentRange(period.range) };
}

/** The answer of `GET /api/v1/explore` (format json) and of `tollgate query --json`. */
export function presentExplore(result: ExploreResult): PresentedExplore {
  const { previous, ...current } = result;
  const presented: PresentedExplore = presentPeriod(current);
  if (previous !== undefined) presented.previous = presentPeriod(previous);
  return presented;
}
