import {
  CreateTableNode,
  RawNode,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
} from 'kysely';

/**
 * Gives every table the migrations create a full-Unicode charset and a binary collation, so
 * names compare and sort as on SQLite (case-sensitive, by code point) whatever the server's
 * defaults are (often latin1 or a case-insensitive collation). Keeps the migrations portable.
 */
export class MysqlTableOptionsPlugin implements KyselyPlugin {
  transformQuery({ node }: PluginTransformQueryArgs): RootOperationNode {
    if (!CreateTableNode.is(node) || node.endModifiers?.length) return node;
    return CreateTableNode.cloneWithEndModifier(node, RawNode.createWithSql('default character set utf8mb4 collate utf8mb4_bin'));
  }

  async transformResult({ result }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return result;
  }
}
