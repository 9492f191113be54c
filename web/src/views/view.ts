import type { StatusResponse } from "../api-types.ts";
import type { Route } from "../route.ts";

/**
 * A page of the dashboard. Built once when the user navigates to it; `load` fetches and draws
 * for the current route (on navigation, on every live refresh) and rejects with an `ApiError`
 * when the server cannot answer, leaving the last good data on screen.
 */
export interface View {
  readonly element: HTMLElement;
  load(route: Route, signal: AbortSignal, status: Promise<StatusResponse>): Promise<void>;
  dispose(): void;
}
