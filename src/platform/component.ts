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
  const errors: unknown[] = [];
  for (const component of [...components].reverse()) {
    try {
      await component.stop();
    } catch (error) {
      errors.push(error);
    }
  }
  // Every component got its stop(); report the first failure, the cause of the others' noise.
  if (errors.length > 0) {
    throw errors[0] instanceof Error ? errors[0] : new Error(String(errors[0]));
  }
}
