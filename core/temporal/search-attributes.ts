import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Kiln's custom search attributes, registered on the namespace at start-up. Query them in the
 * Web UI or CLI, e.g. `temporal workflow list --query "KilnProject='breast-cancer'"`.
 */
export const KilnProject = defineSearchAttributeKey('KilnProject', SearchAttributeType.KEYWORD);
export const KilnModel = defineSearchAttributeKey('KilnModel', SearchAttributeType.KEYWORD);
export const KilnRunStatus = defineSearchAttributeKey('KilnRunStatus', SearchAttributeType.KEYWORD);
/** `pipeline` or `environment-build`. */
export const KilnKind = defineSearchAttributeKey('KilnKind', SearchAttributeType.KEYWORD);
export const KilnEnvironmentDigest = defineSearchAttributeKey('KilnEnvironmentDigest', SearchAttributeType.KEYWORD);
/** The experiment (hyperparameter tuning) an experiment workflow is, or a trial run belongs to. */
export const KilnExperiment = defineSearchAttributeKey('KilnExperiment', SearchAttributeType.KEYWORD);

/** The schedule that started a run (or that a schedule is). */
export const KilnSchedule = defineSearchAttributeKey('KilnSchedule', SearchAttributeType.KEYWORD);
/** Why a run started: `schedule`, `new_data`, `drift`, `manual` or `api`. */
export const KilnTrigger = defineSearchAttributeKey('KilnTrigger', SearchAttributeType.KEYWORD);
/** Where a run's promotion stands: `awaiting_approval`, `champion`, `challenger`, `rejected`. */
export const KilnPromotion = defineSearchAttributeKey('KilnPromotion', SearchAttributeType.KEYWORD);

/** The workspace a workspace workflow owns. */
export const KilnWorkspace = defineSearchAttributeKey('KilnWorkspace', SearchAttributeType.KEYWORD);

export const KILN_SEARCH_ATTRIBUTES = [
  KilnProject,
  KilnModel,
  KilnRunStatus,
  KilnKind,
  KilnEnvironmentDigest,
  KilnExperiment,
  KilnSchedule,
  KilnTrigger,
  KilnPromotion,
  KilnWorkspace,
] as const;
