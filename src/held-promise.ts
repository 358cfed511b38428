/**
 * `promise` with its rejection marked handled now, for work started early and awaited later: it
 * still rejects for whoever awaits it, but a failure that arrives while other work runs is not an
 * unhandled rejection (which would end the process before the earlier, clearer error is reported).
 */
export function heldForLater<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}
