/**
 * Every long-lived component has the same shape (DESIGN.md "Components and errors"): a config
 * section with defaults, explicit dependencies, an inert constructor, `start()` and `stop()`.
 */
export interface Component {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts components in order and stops them in reverse. When one fails to start, the ones
 * already started are stopped before the error is rethrown, so nothing is left half-open.
 */
export async function startAll(components: readonly Component[]): Promise<() => Promise<void>> {
  const started: Component[] = [];
  try {
    for (const component of components) {
      await component.start();
      started.push(component);
    }
  } catch (error) {
    await stopAll(started);
    throw error;
  }
  return () => stopAll(started);
}

async function stopAll(components: readonly Component[]): Promise<void> {
  let firstError: unknown;
  for (const component of [...components].reverse()) {
    try {
      await component.stop();
    } catch (error) {
      firstError ??= error;
    }
  }
  if (firstError !== undefined) throw firstError;
}
