/*
 * The stages of a pipeline run, in order: the one definition every layer (specs, workflows,
 * activities, metadata, API) uses. Free of imports so workflow code can use it.
 */

export const STAGES = Object.freeze(['preprocess', 'train', 'evaluate'] as const);
export type StageName = (typeof STAGES)[number];

/** The stages whose outputs a later stage reads (evaluate's are read by nobody). */
export type UpstreamStage = Exclude<StageName, 'evaluate'>;

export function isStageName(value: unknown): value is StageName {
  return (STAGES as readonly unknown[]).includes(value);
}
