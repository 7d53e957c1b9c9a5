import { z } from 'zod';
import { MlflowRequestError } from './mlflow-errors.js';

/** A key and value, as MLflow's REST API spells params and tags. */
export interface MlflowKeyValue {
  key: string;
  value: string;
}

export interface MlflowMetric {
  key: string;
  value: number;
  /** Epoch milliseconds. */
  timestamp: number;
  step: number;
}

export type MlflowRunStatus = 'RUNNING' | 'FINISHED' | 'FAILED' | 'KILLED';

export interface MlflowClientOptions {
  /** The tracking server's base URL, e.g. `http://mlflow:5000`. */
  url: string;
  /** Sent as `Authorization: Bearer …` when set. */
  token?: string | undefined;
  /** Per request (default 10 s): a hung server must not hold the exporter. */
  timeoutMs?: number;
}

const RunInfo = z.object({ run: z.object({ info: z.object({ run_id: z.string() }) }) });
const SearchRuns = z.object({ runs: z.array(z.object({ info: z.object({ run_id: z.string() }) })).optional() });
const History = z.object({
  metrics: z.array(z.object({ key: z.string(), value: z.number(), timestamp: z.coerce.number(), step: z.coerce.number() })).optional(),
  next_page_token: z.string().optional(),
});
const ModelVersion = z.object({ model_version: z.object({ version: z.string() }) });
const ModelVersions = z.object({ model_versions: z.array(z.object({ version: z.string(), run_id: z.string().optional() })).optional() });
const ErrorBody = z.object({ error_code: z.string().optional(), message: z.string().optional() });

/**
 * The part of MLflow's REST API 2.0 Kiln exports through (checked against mlflow 3.17's
 * `mlflow.server.handlers.get_endpoints()`), over Node's fetch. Every failure is an
 * MlflowRequestError naming the resource.
 */
export class MlflowClient {
  private readonly base: string;
  constructor(private readonly options: MlflowClientOptions) {
    this.base = options.url.replace(/\/+$/, '');
  }

  /** The experiment's id, creating it when missing (a concurrent creation is read back). */
  async ensureExperiment(name: string): Promise<string> {
    const resource = `experiment "${name}"`;
    const found = await this.experimentId(name, resource);
    if (found) return found;
    try {
      const created = await this.call('POST', 'experiments/create', resource, { name });
      return z.object({ experiment_id: z.string() }).parse(created).experiment_id;
    } catch (error) {
      const again = error instanceof MlflowRequestError && error.alreadyExists ? await this.experimentId(name, resource) : undefined;
      if (again) return again;
      throw error;
    }
  }

  private async experimentId(name: string, resource: string): Promise<string | undefined> {
    try {
      const body = await this.call('GET', `experiments/get-by-name?experiment_name=${encodeURIComponent(name)}`, resource);
      return z.object({ experiment: z.object({ experiment_id: z.string() }) }).parse(body).experiment.experiment_id;
    } catch (error) {
      if (error instanceof MlflowRequestError && error.notFound) return undefined;
      throw error;
    }
  }

  /** Ids of the experiment's runs whose tag `key` equals `value`. */
  async searchRunsByTag(experimentId: string, key: string, value: string): Promise<string[]> {
    const filter = `tags.\`${key}\` = '${value.replaceAll("'", "\\'")}'`;
    const body = await this.call('POST', 'runs/search', `runs tagged ${key}=${value}`, { experiment_ids: [experimentId], filter, max_results: 10 });
    return (SearchRuns.parse(body).runs ?? []).map((run) => run.info.run_id);
  }

  async createRun(input: { experimentId: string; runName: string; startTime: number; tags: MlflowKeyValue[] }): Promise<string> {
    const body = await this.call('POST', 'runs/create', `run "${input.runName}"`, {
      experiment_id: input.experimentId,
      run_name: input.runName,
      start_time: input.startTime,
      tags: input.tags,
    });
    return RunInfo.parse(body).run.info.run_id;
  }

  /** At most 1000 metrics, 100 params and 100 tags (MLflow's limits; see batchLogRequests). */
  async logBatch(runId: string, batch: { metrics?: MlflowMetric[]; params?: MlflowKeyValue[]; tags?: MlflowKeyValue[] }): Promise<void> {
    await this.call('POST', 'runs/log-batch', `run ${runId}`, {
      run_id: runId,
      metrics: batch.metrics ?? [],
      params: batch.params ?? [],
      tags: batch.tags ?? [],
    });
  }

  async updateRun(runId: string, status: MlflowRunStatus, endTime: number | undefined): Promise<void> {
    await this.call('POST', 'runs/update', `run ${runId}`, { run_id: runId, status, ...(endTime === undefined ? {} : { end_time: endTime }) });
  }

  /** Every point of one metric of a run, page by page. */
  async metricHistory(runId: string, key: string): Promise<MlflowMetric[]> {
    const points: MlflowMetric[] = [];
    let token: string | undefined;
    do {
      const query = `run_id=${encodeURIComponent(runId)}&metric_key=${encodeURIComponent(key)}&max_results=25000${token ? `&page_token=${encodeURIComponent(token)}` : ''}`;
      const body = History.parse(await this.call('GET', `metrics/get-history?${query}`, `metric "${key}" of run ${runId}`));
      points.push(...(body.metrics ?? []));
      token = body.next_page_token || undefined;
    } while (token);
    return points;
  }

  /** Creates the registered model; one that exists already is fine. */
  async ensureRegisteredModel(name: string): Promise<void> {
    try {
      await this.call('POST', 'registered-models/create', `registered model "${name}"`, { name });
    } catch (error) {
      if (!(error instanceof MlflowRequestError && error.alreadyExists)) throw error;
    }
  }

  /** Versions of a registered model created from an MLflow run. */
  async modelVersionsOfRun(name: string, runId: string): Promise<string[]> {
    const filter = `name='${name.replaceAll("'", "\\'")}' and run_id='${runId}'`;
    const body = await this.call('GET', `model-versions/search?filter=${encodeURIComponent(filter)}`, `versions of "${name}" from run ${runId}`);
    return (ModelVersions.parse(body).model_versions ?? []).map((version) => version.version);
  }

  async createModelVersion(input: { name: string; source: string; runId: string; tags: MlflowKeyValue[]; description: string }): Promise<string> {
    const body = await this.call('POST', 'model-versions/create', `a version of "${input.name}"`, {
      name: input.name,
      source: input.source,
      run_id: input.runId,
      tags: input.tags,
      description: input.description,
    });
    return ModelVersion.parse(body).model_version.version;
  }

  async setAlias(name: string, alias: string, version: string): Promise<void> {
    await this.call('POST', 'registered-models/alias', `alias "${alias}" of "${name}"`, { name, alias, version });
  }

  /** Removes the alias; one already gone is fine. */
  async deleteAlias(name: string, alias: string): Promise<void> {
    try {
      // MLflow reads a DELETE's parameters from its JSON body, not its query string.
      await this.call('DELETE', 'registered-models/alias', `alias "${alias}" of "${name}"`, { name, alias });
    } catch (error) {
      if (!(error instanceof MlflowRequestError && error.notFound)) throw error;
    }
  }

  private async call(method: 'GET' | 'POST' | 'DELETE', path: string, resource: string, body?: unknown): Promise<unknown> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    let response: Response;
    try {
      response = await fetch(`${this.base}/api/2.0/mlflow/${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
    } catch (cause) {
      throw new MlflowRequestError(resource, undefined, undefined, `${method} ${path.split('?')[0]} did not answer`, { cause });
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : {};
    } catch (cause) {
      throw new MlflowRequestError(resource, response.status, undefined, `HTTP ${response.status}, not JSON`, { cause });
    }
    if (!response.ok) {
      const error = ErrorBody.safeParse(json);
      const code = error.success ? error.data.error_code : undefined;
      const message = (error.success ? error.data.message : undefined) ?? text.slice(0, 200);
      throw new MlflowRequestError(resource, response.status, code, `HTTP ${response.status} ${code ?? ''}: ${message}`.trim());
    }
    return json;
  }
}
