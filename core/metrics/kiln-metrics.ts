import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Kiln's Prometheus metrics (prom-client), one registry per process: the API and the workers
 * each serve theirs at /metrics (in `kiln up` one process serves both). Labels are bounded:
 * projects, models, stages, statuses and failure classes, never run ids.
 */
export const kilnRegistry = new Registry();
collectDefaultMetrics({ register: kilnRegistry });

const STAGE_SECONDS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 14_400];

export const kilnMetrics = {
  runsStarted: new Counter({
    name: 'kiln_runs_started_total',
    help: 'Pipeline runs started, by project and trigger',
    labelNames: ['project', 'trigger'] as const,
    registers: [kilnRegistry],
  }),
  runsFinished: new Counter({
    name: 'kiln_runs_finished_total',
    help: 'Pipeline runs ended, by project and final status',
    labelNames: ['project', 'status'] as const,
    registers: [kilnRegistry],
  }),
  stageDuration: new Histogram({
    name: 'kiln_stage_duration_seconds',
    help: 'Stage attempts from start to end, by stage, outcome and failure class ("none" when it succeeded)',
    labelNames: ['stage', 'outcome', 'failure_class'] as const,
    buckets: STAGE_SECONDS,
    registers: [kilnRegistry],
  }),
  stageQueueWait: new Histogram({
    name: 'kiln_stage_queue_wait_seconds',
    help: 'Time a stage attempt waited in its task queue (cpu or gpu) for a worker with a free slot, by stage',
    labelNames: ['stage', 'queue'] as const,
    buckets: [0.01, 0.05, 0.25, 1, 5, 15, 60, 300, 900, 3600],
    registers: [kilnRegistry],
  }),
  stageRetries: new Counter({
    name: 'kiln_stage_retries_total',
    help: 'Failed stage attempts that Kiln retries, by stage and failure class',
    labelNames: ['stage', 'failure_class'] as const,
    registers: [kilnRegistry],
  }),
  stagesRunning: new Gauge({
    name: 'kiln_stages_running',
    help: 'Stage processes running on this worker, by stage',
    labelNames: ['stage'] as const,
    registers: [kilnRegistry],
  }),
  gpuSlotsInUse: new Gauge({
    name: 'kiln_gpu_slots_in_use',
    help: 'Stages this worker runs from the GPU task queue (each holds one of KILN_GPU_SLOTS)',
    registers: [kilnRegistry],
  }),
  cacheHits: new Counter({
    name: 'kiln_stage_cache_hits_total',
    help: 'Stages reused from an identical completed stage instead of run, by stage',
    labelNames: ['stage'] as const,
    registers: [kilnRegistry],
  }),
  buildWait: new Histogram({
    name: 'kiln_environment_build_wait_seconds',
    help: "Time a run waited for its environment's build (0 when it was built already)",
    labelNames: ['project'] as const,
    buckets: [0, 1, 5, 15, 60, 300, 900, 3600],
    registers: [kilnRegistry],
  }),
  predictions: new Counter({
    name: 'kiln_predictions_total',
    help: 'Predictions answered through the API, by model and HTTP status',
    labelNames: ['model', 'status'] as const,
    registers: [kilnRegistry],
  }),
  predictionLatency: new Histogram({
    name: 'kiln_prediction_duration_seconds',
    help: 'Predict route latency as the API sees it (model server included), by model',
    labelNames: ['model'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [kilnRegistry],
  }),
  driftPsi: new Gauge({
    name: 'kiln_drift_psi',
    help: "PSI of a served model's feature (or `prediction`) in the latest monitoring window against its training profile",
    labelNames: ['model', 'feature'] as const,
    registers: [kilnRegistry],
  }),
  driftDetected: new Gauge({
    name: 'kiln_drift_detected',
    help: '1 when the latest monitoring report of a model flagged drift, else 0',
    labelNames: ['model'] as const,
    registers: [kilnRegistry],
  }),
};

/** The registry's text, then the Temporal SDK's own metrics when its exporter runs (temporal-sdk-metrics.ts). */
export async function metricsText(extra?: () => Promise<string>): Promise<string> {
  const own = await kilnRegistry.metrics();
  const sdk = extra ? await extra().catch(() => '') : '';
  return sdk ? `${own}\n${sdk}` : own;
}
