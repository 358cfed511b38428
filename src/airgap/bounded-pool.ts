/**
 * Work on many items, at most `concurrency` at a time, in the items' order. After the first
 * failure no new item starts; the ones under way settle, then that first failure is thrown, so a
 * caller never moves on (e.g. to writing tags) while a request of the failed phase is in flight.
 */
export async function forEachBounded<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (failure === undefined && next < items.length) {
      const item = items[next++]!;
      try {
        await work(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  if (failure !== undefined) throw failure.error;
}
