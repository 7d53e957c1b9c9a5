import { randomUUID } from 'node:crypto';
import { NotFoundError, SpecValidationError } from '../core/errors.js';
import type { MetadataStore } from '../core/metadata/metadata-store.js';
import type { DeploymentRecord } from '../core/metadata/model-records.js';
import type { RolloutRecord } from '../core/metadata/rollouts-repository.js';
import { recordLatency } from '../core/rollout/latency-histogram.js';
import { challengerTakes } from '../core/rollout/traffic-split.js';
import { countPrediction, emptyTraffic, type VersionTraffic } from '../core/rollout/version-traffic.js';
import { errorFields, kilnLog } from '../core/logging/kiln-log.js';
import { kilnMetrics } from '../core/metrics/kiln-metrics.js';
import { postToModelServer } from './model-server-calls.js';
import { PredictionCoalescer } from './prediction-coalescer.js';

export interface PredictionAnswer {
  model: string;
  /** The version that answered: the challenger for a canary's share, else the champion. */
  version: number;
  [field: string]: unknown;
}

/** A model server's answer: its text, passed on as it came; its JSON parsed only when something reads it. */
class ServerAnswer {
  private parsed: Record<string, unknown> | undefined;

  constructor(
    readonly ok: boolean,
    readonly status: number,
    readonly text: string,
    readonly ms: number,
  ) {}

  /** The answer's JSON object; `{}` when it is not one. */
  get payload(): Record<string, unknown> {
    if (!this.parsed) {
      this.parsed = {};
      try {
        const value: unknown = JSON.parse(this.text);
        if (value && typeof value === 'object') this.parsed = value as Record<string, unknown>;
      } catch {
        // Not JSON: the status speaks for itself.
      }
    }
    return this.parsed;
  }
}

/** How long a challenger may take before its request is counted as failed and sent to the champion. */
const CHALLENGER_TIMEOUT_MS = 10_000;

/**
 * How long a model's route (its serving deployment and open rollout) is reused before the
 * registry is asked again: predictions cost no query each, and a change (a rollout opening or
 * ending, a new version) is followed within this time. A champion that refuses the connection
 * meanwhile (swapped out) sends the request to a fresh route at once.
 */
const ROUTE_TTL_MS = 1_000;

interface Route {
  deployment: DeploymentRecord;
  /** The rollout the router splits traffic by: running, with a challenger, beside this deployment. */
  live?: RolloutRecord & { challengerUrl: string };
}

/**
 * Routes `/predict` to a model's serving version and, during a rollout, by its weights: a
 * canary's share of requests goes to the challenger (retried on the champion if it fails, so no
 * caller sees the challenger's errors); in a shadow every request goes to the champion and a
 * copy to the challenger, whose answer is compared and never returned. Traffic per version is
 * counted here and added to the rollout's record every `flushEveryMs`, where the rollout
 * workflow samples it.
 */
export class PredictionRouter {
  private pending = new Map<string, Map<number, VersionTraffic>>();
  private routes = new Map<string, { until: number; route: Promise<Route> }>();
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();
  private readonly coalescer = new PredictionCoalescer();

  constructor(
    private readonly metadata: MetadataStore,
    options: { flushEveryMs?: number } = {},
  ) {
    this.timer = setInterval(() => void this.flush(), options.flushEveryMs ?? 1_000);
    this.timer.unref();
  }

  /** `key` picks the canary side: the same key always meets the same version (default: a fresh random key, so a random share). */
  async predict(modelName: string, body: unknown, key?: string): Promise<PredictionAnswer> {
    return JSON.parse(await this.predictJson(modelName, JSON.stringify(body), key)) as PredictionAnswer;
  }

  /**
   * The same for a request body and answer as JSON text: the body (validated by the caller) goes
   * to the model server as it came, and the server's answer comes back with `model` and
   * `version` put in front, neither parsed nor serialized again.
   */
  async predictJson(modelName: string, body: string, key?: string): Promise<string> {
    const started = performance.now();
    try {
      const text = await this.answer(modelName, body, key);
      kilnMetrics.predictions.inc({ model: modelName, status: '200' });
      kilnMetrics.predictionLatency.observe({ model: modelName }, (performance.now() - started) / 1000);
      return text;
    } catch (error) {
      // Not a served model: its name came from the caller, and is no label.
      if (!(error instanceof NotFoundError)) kilnMetrics.predictions.inc({ model: modelName, status: error instanceof SpecValidationError ? '400' : '502' });
      throw error;
    }
  }

  private async answer(modelName: string, body: string, key?: string): Promise<string> {
    let { deployment, live } = await this.route(modelName);
    if (live && live.strategy === 'canary' && challengerTakes(key ?? randomUUID(), live.challengerPercent)) {
      const answer = await this.call(live.challengerUrl, body, CHALLENGER_TIMEOUT_MS);
      this.count(live, live.challengerVersion, answer);
      if (answer.ok) return answeredBy(modelName, live.challengerVersion, answer);
      // The challenger failed this request: counted against it above, answered by the champion.
    }
    let answer = await this.call(deployment.url, body);
    if (answer.status === 0) {
      // Refused or reset: the version may have been swapped since the route was read.
      const fresh = await this.route(modelName, { fresh: true });
      if (fresh.deployment.url !== deployment.url) {
        ({ deployment, live } = fresh);
        answer = await this.call(deployment.url, body);
      }
    }
    if (live) this.count(live, deployment.version, answer);
    if (live && live.strategy === 'shadow' && answer.ok) void this.shadow(live, live.challengerUrl, body, answer);
    if (answer.status === 400) throw new SpecValidationError([{ path: 'instances', message: String(answer.payload.error ?? 'rejected by model server') }]);
    if (!answer.ok) throw new Error(`model server for ${modelName} answered ${answer.status}: ${JSON.stringify(answer.payload)}`);
    return answeredBy(modelName, deployment.version, answer);
  }

  /** The model's route, read from the registry at most once per ROUTE_TTL_MS (a missing model is never remembered). */
  private route(modelName: string, options: { fresh?: boolean } = {}): Promise<Route> {
    const now = performance.now();
    const cached = this.routes.get(modelName);
    if (cached && cached.until > now && !options.fresh) return cached.route;
    const route = this.lookUp(modelName);
    const entry = { until: now + ROUTE_TTL_MS, route };
    this.routes.set(modelName, entry);
    route.catch(() => {
      if (this.routes.get(modelName) === entry) this.routes.delete(modelName);
    });
    return route;
  }

  private async lookUp(modelName: string): Promise<Route> {
    const deployment = await this.metadata.models.currentDeployment(modelName);
    if (deployment?.status !== 'serving') throw new NotFoundError('serving model', modelName);
    const rollout = await this.metadata.rollouts.open(modelName);
    const challengerUrl = rollout?.status === 'running' && rollout.championVersion === deployment.version ? rollout.challengerUrl : null;
    return { deployment, ...(rollout && challengerUrl ? { live: { ...rollout, challengerUrl } } : {}) };
  }

  /** Adds the counts gathered so far to each rollout's record. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      const batch = this.pending;
      this.pending = new Map();
      for (const [rolloutId, versions] of batch) {
        for (const [version, traffic] of versions) {
          await this.metadata.rollouts.addTraffic(rolloutId, version, traffic).catch((error: unknown) => {
            kilnLog().error({ ...errorFields(error), rollout_id: rolloutId }, 'kiln: could not record rollout traffic');
          });
        }
      }
    });
    return this.flushing;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  /** The challenger answers a copy; its server logs the prediction, the router only compares. */
  private async shadow(rollout: RolloutRecord, url: string, body: string, champion: ServerAnswer): Promise<void> {
    const answer = await this.call(url, body, CHALLENGER_TIMEOUT_MS);
    const traffic = this.count(rollout, rollout.challengerVersion, answer);
    if (!answer.ok) return;
    traffic.compared += 1;
    if (JSON.stringify(answer.payload.predictions) === JSON.stringify(champion.payload.predictions)) traffic.agreed += 1;
  }

  private count(rollout: RolloutRecord, version: number, answer: ServerAnswer): VersionTraffic {
    let versions = this.pending.get(rollout.id);
    if (!versions) this.pending.set(rollout.id, (versions = new Map()));
    let traffic = versions.get(version);
    if (!traffic) versions.set(version, (traffic = emptyTraffic()));
    traffic.requests += 1;
    // A 400 is the caller's bad input, not the version's failure.
    if (!answer.ok && answer.status !== 400) traffic.errors += 1;
    if (answer.ok) {
      recordLatency(traffic.latency, answer.ms);
      const predictions = answer.payload.predictions;
      if (Array.isArray(predictions)) for (const value of predictions) countPrediction(traffic.predictions, value);
    }
    return traffic;
  }

  private async call(url: string, body: string, timeoutMs?: number): Promise<ServerAnswer> {
    const started = performance.now();
    try {
      // A challenger's call has its own deadline and goes alone; the serving version's wait their turn together.
      const { status, text } = timeoutMs ? await postToModelServer(`${url}/predict`, body, { timeoutMs }) : await this.coalescer.predict(url, body);
      return new ServerAnswer(status >= 200 && status < 300, status, text, performance.now() - started);
    } catch (error) {
      // Refused, reset or timed out: a failure of that version, status 0.
      const message = error instanceof Error ? error.message : String(error);
      return new ServerAnswer(false, 0, JSON.stringify({ error: message }), performance.now() - started);
    }
  }
}

/**
 * The answer as JSON text with the model and the version that answered in front. Kiln's model
 * server answers a JSON object (`{"predictions": …}`), spliced as text; anything else is parsed.
 */
function answeredBy(model: string, version: number, answer: ServerAnswer): string {
  const { text } = answer;
  const head = `{"model":${JSON.stringify(model)},"version":${version}`;
  if (text.charCodeAt(0) !== 0x7b || text.charCodeAt(text.length - 1) !== 0x7d) return JSON.stringify({ model, version, ...answer.payload });
  return /^\{\s*\}$/.test(text) ? `${head}}` : `${head},${text.slice(1)}`;
}
