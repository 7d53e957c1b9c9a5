import type { ConflictWrites, KilnDb } from './conflict-writes.js';

/** A label for one logged prediction, with what the model answered. */
export interface PredictionFeedback {
  predictionId: string;
  modelName: string;
  version: number;
  /** When the prediction was made (ms since the epoch). */
  predictedAt: number;
  prediction: unknown;
  label: unknown;
  receivedAt: number;
  receivedBy: string;
}

/** Labels sent for logged predictions (`POST /v1/models/{name}/feedback`). */
export class FeedbackRepository {
  constructor(
    private readonly db: KilnDb,
    private readonly writes: ConflictWrites,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records labels; a prediction labelled again takes the newer label. Returns the receipt time. */
  async record(items: readonly Omit<PredictionFeedback, 'receivedAt'>[]): Promise<number> {
    const receivedAt = this.now();
    await this.db.transaction().execute(async (tx) => {
      for (const item of items) {
        await this.writes.upsert(
          tx,
          'prediction_feedback',
          {
            prediction_id: item.predictionId,
            model_name: item.modelName,
            version: item.version,
            predicted_at: item.predictedAt,
            prediction_json: JSON.stringify(item.prediction),
            label_json: JSON.stringify(item.label),
            received_at: receivedAt,
            received_by: item.receivedBy,
          },
          { key: ['prediction_id'], update: ['label_json', 'received_at', 'received_by'] },
        );
      }
    });
    return receivedAt;
  }

  /** The labelled predictions of a model made within [from, to] (ms), oldest first. */
  async forWindow(modelName: string, from: number, to: number): Promise<PredictionFeedback[]> {
    const rows = await this.db
      .selectFrom('prediction_feedback')
      .selectAll()
      .where('model_name', '=', modelName)
      .where('predicted_at', '>=', from)
      .where('predicted_at', '<=', to)
      .orderBy('predicted_at')
      .orderBy('prediction_id')
      .execute();
    return rows.map((row) => ({
      predictionId: row.prediction_id,
      modelName: row.model_name,
      version: Number(row.version),
      predictedAt: Number(row.predicted_at),
      prediction: JSON.parse(row.prediction_json) as unknown,
      label: JSON.parse(row.label_json) as unknown,
      receivedAt: Number(row.received_at),
      receivedBy: row.received_by,
    }));
  }
}
