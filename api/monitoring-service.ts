import type { ArtifactStore } from '../core/artifacts/artifact-store.js';
import { BackendUnavailableError, NotFoundError, SpecValidationError } from '../core/errors.js';
import type { MetadataStore } from '../core/metadata/metadata-store.js';
import type { MonitoringReport } from '../core/monitoring/report/monitoring-report.js';
import { listMonitoringReports } from '../core/monitoring/report/report-store.js';

export interface MonitoringView {
  model: string;
  /** The version serving now; null when none does (its earlier reports are still listed). */
  serving_version: number | null;
  /** Newest window first. */
  reports: MonitoringReport[];
}

export const DEFAULT_REPORTS = 10;

/** The reports the monitor workflow (workflows/monitor-model.ts) wrote for a model. */
export class MonitoringService {
  constructor(private readonly options: { metadata: MetadataStore; artifacts: ArtifactStore | undefined }) {}

  /**
   * A model's reports, newest first. Unknown model: 404. A model that is not served and was never
   * monitored has nothing to show: a 400 naming it, rather than an empty list that looks like "no drift".
   */
  async reports(model: string, limit = DEFAULT_REPORTS): Promise<MonitoringView> {
    const { metadata, artifacts } = this.options;
    if (!artifacts) throw new BackendUnavailableError('artifact store', 'this API was started without an artifact store, where monitoring reports are');
    if ((await metadata.models.list(model)).length === 0) throw new NotFoundError('model', model);
    const [reports, deployment] = await Promise.all([listMonitoringReports(artifacts, model, limit), metadata.models.currentDeployment(model)]);
    if (reports.length === 0 && !deployment) {
      throw new SpecValidationError([{ path: 'name', message: `model ${model} is not served, so it has no monitoring reports (deploy a version first)` }]);
    }
    return { model, serving_version: deployment?.version ?? null, reports };
  }
}
