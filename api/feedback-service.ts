import { z } from 'zod';
import type { ArtifactStore } from '../core/artifacts/artifact-store.js';
import { BackendUnavailableError, NotFoundError, SpecValidationError, type FieldProblem } from '../core/errors.js';
import { findPredictions } from '../core/monitoring/prediction-log/read-predictions.js';
import type { MetadataStore } from '../core/metadata/metadata-store.js';
import { LIMITS } from '../core/specs/limits.js';

/** `POST /v1/models/{name}/feedback`: the true label of each of some logged predictions. */
export const FeedbackRequest = z
  .array(
    z
      .object({
        prediction_id: z.string().min(1).max(64).describe('An id from a predict response (`prediction_ids`)'),
        label: z.union([z.number().refine(Number.isFinite, 'must be a finite number'), z.string().min(1).max(200), z.boolean()]),
      })
      .strict(),
  )
  .min(1)
  .max(LIMITS.predictInstances);
export type FeedbackRequest = z.infer<typeof FeedbackRequest>;

export interface FeedbackServiceOptions {
  metadata: MetadataStore;
  /** Where the prediction log is; an API without one cannot take feedback. */
  artifacts: ArtifactStore | undefined;
}

/** Labels for logged predictions: checked against the prediction log, then stored with what the model answered. */
export class FeedbackService {
  constructor(private readonly options: FeedbackServiceOptions) {}

  /**
   * Records every label or none: an id the log does not hold, or a label of another type than
   * the prediction it labels, is a 400 naming the item.
   */
  async record(modelName: string, items: FeedbackRequest, by: string): Promise<{ model: string; recorded: number }> {
    const { metadata, artifacts } = this.options;
    if (!artifacts) throw new BackendUnavailableError('artifact store', 'this API was started without an artifact store, where the prediction log is');
    if ((await metadata.models.list(modelName)).length === 0) throw new NotFoundError('model', modelName);
    const logged = await findPredictions(
      artifacts,
      modelName,
      items.map((item) => item.prediction_id),
    );
    const issues: FieldProblem[] = [];
    items.forEach((item, i) => {
      const prediction = logged.get(item.prediction_id);
      if (!prediction) {
        issues.push({
          path: `[${i}].prediction_id`,
          message: `no logged prediction of ${modelName} has this id (it was sampled out, is not stored yet — the log arrives within seconds — or is not this model's)`,
        });
      } else if (typeof item.label !== typeof prediction.prediction) {
        issues.push({
          path: `[${i}].label`,
          message: `expected a ${typeof prediction.prediction}, like the prediction it labels (${JSON.stringify(prediction.prediction)})`,
        });
      }
    });
    if (issues.length > 0) throw new SpecValidationError(issues.slice(0, 20));
    await metadata.feedback.record(
      items.map((item) => {
        const prediction = logged.get(item.prediction_id)!;
        return {
          predictionId: item.prediction_id,
          modelName,
          version: prediction.version,
          predictedAt: Math.round(prediction.ts * 1000),
          prediction: prediction.prediction,
          label: item.label,
          receivedBy: by,
        };
      }),
    );
    return { model: modelName, recorded: items.length };
  }
}
