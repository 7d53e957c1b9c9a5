import { z } from 'zod';

/*
 * Status vocabularies of the metadata store. Kept free of database imports so workflow code
 * can use them too.
 */

export const BuildStatus = z.enum(['building', 'ready', 'failed']);
export type BuildStatus = z.infer<typeof BuildStatus>;

export const RunStatus = z.enum(['queued', 'running', 'succeeded', 'failed', 'rejected', 'cancelled']);
export type RunStatus = z.infer<typeof RunStatus>;

export const StageStatus = z.enum(['pending', 'waiting', 'running', 'succeeded', 'failed', 'skipped', 'cancelled', 'cached']);
export type StageStatus = z.infer<typeof StageStatus>;

export const StageAttemptStatus = z.enum(['running', 'succeeded', 'failed', 'cancelled']);
export type StageAttemptStatus = z.infer<typeof StageAttemptStatus>;

export const ModelVersionStatus = z.enum(['registered', 'serving', 'archived']);
export type ModelVersionStatus = z.infer<typeof ModelVersionStatus>;

export const DeploymentStatus = z.enum(['starting', 'serving', 'stopped', 'failed']);
export type DeploymentStatus = z.infer<typeof DeploymentStatus>;
