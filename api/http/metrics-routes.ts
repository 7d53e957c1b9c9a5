import { metricsText } from '../../core/metrics/kiln-metrics.js';
import { sdkMetricsText } from '../../core/metrics/temporal-sdk-metrics.js';
import { PlainText, route, type Route } from './route.js';

/** Prometheus' text exposition format. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * `GET /metrics`: this process's metrics (Kiln's, Node's, and the Temporal SDK's when a worker
 * runs here) for Prometheus, which sends a token holding `metrics:read` (role viewer has it).
 */
export function metricsRoutes(): Route[] {
  return [
    route({
      method: 'GET',
      path: '/metrics',
      summary: "Prometheus metrics of this process: runs, stages, predictions, drift, and the Temporal SDK's own",
      access: { permission: 'metrics:read', global: true },
      handle: async () => new PlainText(await metricsText(sdkMetricsText), PROMETHEUS_CONTENT_TYPE),
    }),
  ];
}
