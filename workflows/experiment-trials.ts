import type { ChildWorkflowOptions, ParentClosePolicy } from '@temporalio/workflow';
import { clampSummary } from '../core/pipeline/clamp-summary.js';
import { KilnExperiment, KilnKind, KilnProject } from '../core/temporal/search-attributes.js';
import { describeAssignment, paramsForTrial, type ExperimentInput, type TrialRecord } from './experiment-state.js';
import type { PipelineInput } from './pipeline-input.js';

/**
 * How a trial's pipeline run is started as a child: the project's run with the trial's params,
 * found in the Web UI by project, kind and experiment. `reportCurve` asks its stages to push
 * the objective's curve to the experiment.
 */
export function trialChildOptions(
  input: ExperimentInput,
  trial: TrialRecord,
  parentClosePolicy: ParentClosePolicy,
  reportCurve?: { metric: string },
): Omit<ChildWorkflowOptions, 'typeInfo'> & { workflowId: string; args: [PipelineInput] } {
  const { experimentId, base, spec } = input;
  return {
    workflowId: trial.runId,
    args: [
      {
        ...base,
        runId: trial.runId,
        params: paramsForTrial(base.params, trial.assignment),
        trial: { experimentId, index: trial.index, ...(reportCurve ? { reportCurve } : {}) },
      },
    ],
    parentClosePolicy,
    typedSearchAttributes: [
      { key: KilnProject, value: base.project.name },
      { key: KilnKind, value: 'trial' },
      { key: KilnExperiment, value: experimentId },
    ],
    staticSummary: clampSummary(`trial ${trial.index} of ${spec.name}: ${describeAssignment(trial.assignment)}`),
  };
}
