/**
 * Starts an async iteration at once (its first step is requested now) and hands out the steps in
 * order when asked. A failure of the early step surfaces when it is consumed, not before.
 */
export function startEarly<T>(source: AsyncIterable<T>): AsyncIterable<T> {
  const it = source[Symbol.asyncIterator]();
  let first: Promise<IteratorResult<T>> | undefined = it.next();
  first.catch(() => undefined);
  return {
    [Symbol.asyncIterator]: () => ({
      next: () => {
        const step = first ?? it.next();
        first = undefined;
        return step;
      },
      return: async (value?: unknown) => {
        first = undefined;
        return (await it.return?.(value)) ?? { done: true, value: undefined as T };
      },
    }),
  };
}
