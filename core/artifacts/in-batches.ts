/** Applies `work` to every item, `concurrency` at a time, keeping the results in input order. */
export async function inBatches<T, R>(items: T[], concurrency: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += concurrency) {
    results.push(...(await Promise.all(items.slice(i, i + concurrency).map((item, j) => work(item, i + j)))));
  }
  return results;
}
