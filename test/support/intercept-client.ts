import type { ObjectStoreClient } from '../../core/artifacts/s3/object-store-client.js';

/**
 * The real client with some methods replaced, to inject failures or pauses at exact points
 * of an upload while every other request still goes to the real server.
 */
export function interceptClient(real: ObjectStoreClient, overrides: Partial<ObjectStoreClient>): ObjectStoreClient {
  return new Proxy(real, {
    get(target, property, receiver) {
      if (Object.hasOwn(overrides, property)) return overrides[property as keyof ObjectStoreClient];
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
