export { buildEnvironmentWorkflow } from './build-environment.js';
export { pipelineWorkflow, progressQuery } from './pipeline.js';
