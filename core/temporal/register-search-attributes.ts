import proto from '@temporalio/proto';
import { KILN_SEARCH_ATTRIBUTES } from './search-attributes.js';

const { temporal } = proto;

/** A client's connection or a worker's native one: both reach the operator service. */
interface OperatorConnection {
  operatorService: proto.temporal.api.operatorservice.v1.OperatorService;
}

const INDEXED_TYPE = {
  KEYWORD: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  TEXT: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
  INT: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT,
  DOUBLE: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
  BOOL: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  DATETIME: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  KEYWORD_LIST: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
} as const;

/**
 * Registers Kiln's search attributes on `namespace` unless already there. Needed on every
 * start: `--search-attribute` flags only apply to namespaces created by that start.
 */
export async function registerSearchAttributes(connection: OperatorConnection, namespace: string): Promise<void> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const known = new Set(Object.keys(existing.customAttributes ?? {}));
  const missing = KILN_SEARCH_ATTRIBUTES.filter((key) => !known.has(key.name));
  if (missing.length === 0) return;
  await addSearchAttributes(connection, namespace, missing);
}

/** Adds `keys` without asking what exists: for a server known to be new (or one that cannot list them). */
export async function addSearchAttributes(
  connection: OperatorConnection,
  namespace: string,
  keys: readonly (typeof KILN_SEARCH_ATTRIBUTES)[number][],
): Promise<void> {
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(keys.map((key) => [key.name, INDEXED_TYPE[key.type]])),
  });
}
