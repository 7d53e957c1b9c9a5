/**
 * JSON lines or Parquet for the prediction log (issue 13: "choose by measurement"), on demand:
 * `make bench-prediction-log-format` or `npx tsx bench/prediction-log-format.ts [records]`.
 *
 * bench/fixtures/prediction_log_format.py writes the same breast-cancer-like records both ways,
 * as the server's writer batches them, and reads them back; pyarrow (pinned) is installed into a
 * bench environment by Kiln's own builder (bench/lib/bench-environment.ts). What decides: the writer runs
 * inside the model server (its CPU is taken from predictions, under the GIL), and Parquet would
 * add pyarrow to every model's environment; what the store keeps and the monitor reads counts too.
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { EnvironmentSpec } from '../core/specs/index.js';
import { benchEnvironment } from './lib/bench-environment.js';
import { table, type Row } from './lib/report.js';

const PYARROW = '26.0.1';
const RECORDS = Number(process.argv[2] ?? 50_000);
const say = (message: string) => process.stderr.write(`bench: ${message}\n`);

interface FormatResult {
  write_s: number;
  read_s: number;
  bytes: number;
}
interface Measured {
  records: number;
  jsonl: FormatResult;
  parquet: FormatResult & { import_s: number; package_mb: number };
}

/** Python with pyarrow, in a bench environment (the model servers' own environments never get it). */
async function benchPython(): Promise<string> {
  say(`a bench environment with pyarrow ${PYARROW} (built once)`);
  const spec = EnvironmentSpec.parse({ name: 'bench-prediction-log-format', python_version: '3.11', dependencies: [`pyarrow==${PYARROW}`] });
  return (await benchEnvironment(spec)).pythonExecutable;
}

async function main(): Promise<void> {
  const python = await benchPython();
  say(`writing and reading ${RECORDS} records each way`);
  const script = resolve(import.meta.dirname, 'fixtures', 'prediction_log_format.py');
  const m = JSON.parse(execFileSync(python, [script, String(RECORDS)], { encoding: 'utf8' })) as Measured;
  const us = (s: number) => `${((s / m.records) * 1e6).toFixed(1)} µs`;
  const per = (bytes: number) => `${(bytes / m.records).toFixed(0)} B`;
  const rows: Row[] = [
    { metric: 'writer CPU per record', value: `${us(m.jsonl.write_s)}`, target: us(m.parquet.write_s) },
    { metric: 'bytes per record', value: per(m.jsonl.bytes), target: per(m.parquet.bytes) },
    { metric: 'read CPU per record', value: us(m.jsonl.read_s), target: us(m.parquet.read_s) },
    { metric: "added to the model's environment", value: 'nothing (standard library)', target: `pyarrow ${PYARROW}: ${m.parquet.package_mb.toFixed(0)} MB` },
    { metric: 'import time in the server', value: '0 ms', target: `${(m.parquet.import_s * 1000).toFixed(0)} ms` },
  ];
  console.log(`\nPrediction log format: ${m.records} breast-cancer-like records (30 features), batches of 1,000, segments of 5,000\n`);
  console.log(table(rows, ['metric', 'JSON lines', 'Parquet']));
  const cheaperWriter = m.jsonl.write_s <= m.parquet.write_s ? 'JSON lines' : 'Parquet';
  console.log(`\ncheaper for the server to write: ${cheaperWriter}; smaller in the store: ${m.jsonl.bytes <= m.parquet.bytes ? 'JSON lines' : 'Parquet'}`);
}

await main();
