import type { ArtifactStore } from '../../artifacts/artifact-store.js';
import { hourPrefix, hoursBetween, hourStamp, modelPredictionsPrefix, parsePredictionId, type HourStamp } from './prediction-keys.js';

/** One logged prediction, as the model server wrote it (sdk/python/kiln_sdk/prediction_log.py). */
export interface LoggedPrediction {
  id: string;
  /** Seconds since the epoch. */
  ts: number;
  input: unknown;
  prediction: unknown;
  version: number;
}

export interface PredictionWindow {
  from: Date;
  to: Date;
}

/** Every logged prediction of these versions made within the window, oldest first. */
export async function readPredictions(store: ArtifactStore, model: string, versions: number[], window: PredictionWindow): Promise<LoggedPrediction[]> {
  const from = window.from.getTime() / 1000;
  const to = window.to.getTime() / 1000;
  const found: LoggedPrediction[] = [];
  for (const version of versions) {
    for (const hour of hoursBetween(window.from, window.to)) {
      for (const record of await readHour(store, model, version, hour)) if (record.ts >= from && record.ts <= to) found.push(record);
    }
  }
  return found.sort((a, b) => a.ts - b.ts);
}

/**
 * The logged predictions with these ids, by id; ids that are malformed, were not sampled or
 * are not stored yet are absent. Reads only the hours the ids name.
 */
export async function findPredictions(store: ArtifactStore, model: string, ids: readonly string[]): Promise<Map<string, LoggedPrediction>> {
  const wanted = new Set(ids);
  const hours = new Map<string, { version: number; hour: HourStamp }>();
  for (const id of ids) {
    const parts = parsePredictionId(id);
    if (!parts) continue;
    const hour = hourStamp(parts.time);
    hours.set(`${parts.version}/${hour}`, { version: parts.version, hour });
  }
  const found = new Map<string, LoggedPrediction>();
  for (const { version, hour } of hours.values()) {
    for (const record of await readHour(store, model, version, hour)) if (wanted.has(record.id)) found.set(record.id, record);
  }
  return found;
}

/** Deletes the model's logged predictions from hours that ended before `before`; returns how many segments went. */
export async function expirePredictions(store: ArtifactStore, model: string, before: Date): Promise<number> {
  const cutoff = hourStamp(before);
  const expired = new Set<string>();
  for (const key of await store.list(modelPredictionsPrefix(model))) {
    // predictions/<model>/v<version>/<YYYY-MM-DD>/<HH>/<segment>
    const [, , version, day, hour] = key.split('/');
    if (version && day && hour && `${day}T${hour}` < cutoff) expired.add(`${modelPredictionsPrefix(model)}/${version}/${day}/${hour}`);
  }
  let deleted = 0;
  for (const prefix of expired) deleted += await store.deletePrefix(prefix);
  return deleted;
}

async function readHour(store: ArtifactStore, model: string, version: number, hour: HourStamp): Promise<LoggedPrediction[]> {
  const records: LoggedPrediction[] = [];
  for (const key of await store.list(hourPrefix(model, version, hour))) {
    for (const record of parsePredictionLines((await store.getBuffer(key)).toString('utf8'))) records.push({ ...record, version });
  }
  return records;
}

/** One record() call's predictions as columns: the writer's usual line. */
interface LoggedCall {
  ts: number;
  ids: string[];
  inputs: unknown[];
  predictions: unknown[];
}

/** A segment's lines, one prediction per line or one record() call per line, as single predictions in order. */
export function parsePredictionLines(text: string): Omit<LoggedPrediction, 'version'>[] {
  const records: Omit<LoggedPrediction, 'version'>[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const parsed = JSON.parse(line) as LoggedCall | Omit<LoggedPrediction, 'version'>;
    if ('ids' in parsed) {
      const { ts, ids, inputs, predictions } = parsed;
      for (let i = 0; i < ids.length; i += 1) records.push({ id: ids[i] as string, ts, input: inputs[i], prediction: predictions[i] });
    } else records.push(parsed);
  }
  return records;
}
