/**
 * Counts an error that escapes one of an object's handlers (fetch, a
 * WebSocket event, the alarm) and lets it go on to the runtime, which
 * fails the event as before: kite_edge_object_errors_total.
 */
export function countingErrors<T>(counted: () => void, handler: () => T): T {
  try {
    const result = handler();
    if (result instanceof Promise) {
      return result.catch((error: unknown) => {
        counted();
        throw error;
      }) as T;
    }
    return result;
  } catch (error) {
    counted();
    throw error;
  }
}
