import type { MlflowMetric } from '../../core/mlflow/mlflow-client.js';

/** Reads an MLflow tracking server through its REST API, as a person checking the export would. */
export function mlflowReader(url: string) {
  const get = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${url}/api/2.0/mlflow/${path}`);
    if (!response.ok) throw new Error(`GET ${path}: HTTP ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  const post = async <T>(path: string, body: unknown): Promise<T> => {
    const response = await fetch(`${url}/api/2.0/mlflow/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`POST ${path}: HTTP ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  return {
    experimentId: async (name: string) =>
      (await get<{ experiment: { experiment_id: string } }>(`experiments/get-by-name?experiment_name=${encodeURIComponent(name)}`)).experiment.experiment_id,
    /** Every run of the experiment tagged with this Kiln run id. */
    runsOf: async (experimentId: string, kilnRunId: string) =>
      (await post<{ runs?: MlflowRun[] }>('runs/search', { experiment_ids: [experimentId], filter: `tags.\`kiln.run_id\` = '${kilnRunId}'`, max_results: 100 }))
        .runs ?? [],
    history: async (runId: string, key: string) =>
      (await get<{ metrics?: MlflowMetric[] }>(`metrics/get-history?run_id=${runId}&metric_key=${encodeURIComponent(key)}&max_results=25000`)).metrics ?? [],
    versions: async (model: string) =>
      (await get<{ model_versions?: MlflowModelVersion[] }>(`model-versions/search?filter=${encodeURIComponent(`name='${model}'`)}&max_results=1000`))
        .model_versions ?? [],
    registeredModel: async (model: string) =>
      (
        await get<{ registered_model: { name: string; aliases?: { alias: string; version: string }[] } }>(
          `registered-models/get?name=${encodeURIComponent(model)}`,
        )
      ).registered_model,
  };
}

export interface MlflowRun {
  info: { run_id: string; run_name: string; status: string; start_time: number; end_time?: number };
  data: { params?: { key: string; value: string }[]; tags?: { key: string; value: string }[]; metrics?: { key: string }[] };
}

export interface MlflowModelVersion {
  name: string;
  version: string;
  source: string;
  run_id: string;
  tags?: { key: string; value: string }[];
}
