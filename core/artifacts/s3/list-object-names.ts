import type { ObjectStoreClient } from './object-store-client.js';

/**
 * Every object name under `prefix` in `bucket`, page by page. The next page starts after the
 * last name seen, which the client has already URL-decoded; the server's own markers can come
 * back encoded and would be escaped twice.
 */
export async function listObjectNames(client: ObjectStoreClient, bucket: string, prefix: string): Promise<string[]> {
  const names: string[] = [];
  let marker = '';
  for (;;) {
    const page = await client.listObjectsQuery(bucket, prefix, marker, { Delimiter: '', MaxKeys: 1000 });
    for (const item of page.objects) if (item.name !== undefined) names.push(item.name);
    const last = names.at(-1);
    if (!page.isTruncated || last === undefined || last === marker) return names;
    marker = last;
  }
}
