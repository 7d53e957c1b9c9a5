export { buildEnvironmentWorkflow } from './build-environment.js';
export { pipelineWorkflow, progressQuery } from './pipeline.js';
export { deployModelWorkflow } from './deploy-model.js';
export { experimentWorkflow } from './experiment.js';
export { datasetWatchWorkflow } from './dataset-watch.js';
export { rolloutWorkflow, rolloutStateQuery } from './rollout.js';
export { monitorModelWorkflow } from './monitor-model.js';
export { workspaceWorkflow, workspaceStateQuery } from './workspace.js';
