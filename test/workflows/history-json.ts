/**
 * Workflow histories as the JSON files of the replay corpus (test/workflows/histories/), in the
 * proto3 JSON form Temporal's own tools write.
 */
import { createRequire } from 'node:module';
import proto from '@temporalio/proto';

type HistoryType = typeof proto.temporal.api.history.v1.History;
type History = proto.temporal.api.history.v1.IHistory;
interface ProtoJson {
  toJson(type: HistoryType, message: unknown): unknown;
  fromJson(type: HistoryType, json: unknown, options?: { ignoreUnknownFields?: boolean }): History | null;
}

/*
 * History <-> JSON with the protobufjs copy that @temporalio/proto itself uses. The SDK's own
 * historyToJSON/historyFromJSON (which Worker.runReplayHistory calls on JSON input) load
 * protobufjs from @temporalio/common; while npm installs separate protobufjs copies for common
 * and proto (as the current lock file does), those throw "type must be a Type".
 */
const protoJson = createRequire(createRequire(import.meta.url).resolve('@temporalio/proto'))('protobufjs/ext/protojson') as ProtoJson;
const HistoryProto = proto.temporal.api.history.v1.History;

/** The proto3 JSON form Temporal's tools use for history files (`temporal workflow show -o json`). */
export function historyToFixtureJSON(history: History): string {
  return `${JSON.stringify(protoJson.toJson(HistoryProto, HistoryProto.fromObject(history)), null, 2)}\n`;
}

/** A history file (proto3 JSON) as the History message Worker.runReplayHistory takes. */
export function historyFromFixtureJSON(text: string): History {
  const history = protoJson.fromJson(HistoryProto, JSON.parse(text), { ignoreUnknownFields: true });
  if (!history?.events?.length) throw new TypeError('not a workflow history: no events');
  return history;
}
