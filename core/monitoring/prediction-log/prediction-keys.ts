/**
 * Where logged predictions live in the artifact store: one folder per model, version and UTC
 * hour, so a monitoring window reads only the hours it covers and retention deletes whole hours.
 *
 *   predictions/<model>/v<version>/<YYYY-MM-DD>/<HH>/<segment>.jsonl
 */
export const PREDICTIONS_PREFIX = 'predictions';

/** `2026-12-02T13`: an hour as the model server's spool folders name it. */
export type HourStamp = string;

export function hourStamp(time: Date | number): HourStamp {
  return new Date(time).toISOString().slice(0, 13);
}

export function modelPredictionsPrefix(model: string): string {
  return `${PREDICTIONS_PREFIX}/${model}`;
}

export function hourPrefix(model: string, version: number, hour: HourStamp): string {
  return `${modelPredictionsPrefix(model)}/v${version}/${hour.slice(0, 10)}/${hour.slice(11, 13)}`;
}

export function segmentKey(model: string, version: number, hour: HourStamp, segment: string): string {
  return `${hourPrefix(model, version, hour)}/${segment}`;
}

/** The hours from `from` to `to` (both included), oldest first. */
export function hoursBetween(from: Date, to: Date): HourStamp[] {
  const hours: HourStamp[] = [];
  const start = Math.floor(from.getTime() / 3_600_000);
  const end = Math.floor(to.getTime() / 3_600_000);
  for (let h = start; h <= end; h += 1) hours.push(hourStamp(h * 3_600_000));
  return hours;
}

/** A prediction id is `<version>-<ms since epoch, hex>-<random>` (sdk/python/kiln_sdk/prediction_log.py). */
export interface PredictionIdParts {
  version: number;
  time: Date;
}

const PREDICTION_ID = /^(\d+)-([0-9a-f]{1,12})-([0-9a-f]{16})$/;

export function parsePredictionId(id: string): PredictionIdParts | undefined {
  const match = PREDICTION_ID.exec(id);
  if (!match) return undefined;
  return { version: Number(match[1]), time: new Date(Number.parseInt(match[2]!, 16)) };
}
