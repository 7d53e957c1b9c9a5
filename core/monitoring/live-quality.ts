/** A logged prediction with the label feedback gave it. */
export interface LabelledPrediction {
  prediction: unknown;
  label: unknown;
}

export interface ClassificationQuality {
  task: 'classification';
  samples: number;
  accuracy: number;
  /** The unweighted mean of each class's F1, over the classes seen as labels or predictions. */
  macro_f1: number;
  classes: string[];
}

export interface RegressionQuality {
  task: 'regression';
  samples: number;
  rmse: number;
  mae: number;
}

/** No labelled prediction in the window (or none whose label and prediction can be compared). */
export interface NoQuality {
  task: 'unknown';
  samples: 0;
}

export type LiveQuality = ClassificationQuality | RegressionQuality | NoQuality;

/** Integer outputs with at most this many distinct values are class labels (0/1, a rating), not quantities. */
export const MAX_INTEGER_CLASSES = 20;

/**
 * How the served model did on the labelled predictions of a window. Strings and booleans are
 * classes; numbers are classes when all are integers taking few values, otherwise a regression.
 * Pairs with a label or prediction of another kind (null, objects) are left out.
 */
export function liveQuality(pairs: readonly LabelledPrediction[]): LiveQuality {
  const usable = pairs.filter((p) => isScalar(p.prediction) && isScalar(p.label));
  if (usable.length === 0) return { task: 'unknown', samples: 0 };
  const numeric = usable.every((p) => typeof p.prediction === 'number' && typeof p.label === 'number');
  if (numeric && !looksLikeClasses(usable)) return regressionQuality(usable as { prediction: number; label: number }[]);
  return classificationQuality(usable.map((p) => ({ prediction: String(p.prediction), label: String(p.label) })));
}

function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
}

function looksLikeClasses(pairs: readonly LabelledPrediction[]): boolean {
  const values = new Set(pairs.flatMap((p) => [p.prediction as number, p.label as number]));
  return [...values].every(Number.isInteger) && values.size <= MAX_INTEGER_CLASSES;
}

function regressionQuality(pairs: readonly { prediction: number; label: number }[]): RegressionQuality {
  const errors = pairs.map((p) => p.prediction - p.label);
  const mean = (xs: number[]) => xs.reduce((sum, x) => sum + x, 0) / xs.length;
  return { task: 'regression', samples: pairs.length, rmse: Math.sqrt(mean(errors.map((e) => e * e))), mae: mean(errors.map(Math.abs)) };
}

function classificationQuality(pairs: readonly { prediction: string; label: string }[]): ClassificationQuality {
  const classes = [...new Set(pairs.flatMap((p) => [p.label, p.prediction]))].sort();
  const correct = pairs.filter((p) => p.prediction === p.label).length;
  const f1s = classes.map((c) => {
    const truePositives = pairs.filter((p) => p.prediction === c && p.label === c).length;
    const predicted = pairs.filter((p) => p.prediction === c).length;
    const actual = pairs.filter((p) => p.label === c).length;
    // F1 = 2TP / (predicted + actual): 0 for a class predicted but never right, or present but never predicted.
    return predicted + actual === 0 ? 0 : (2 * truePositives) / (predicted + actual);
  });
  return {
    task: 'classification',
    samples: pairs.length,
    accuracy: correct / pairs.length,
    macro_f1: f1s.reduce((sum, f) => sum + f, 0) / classes.length,
    classes,
  };
}
