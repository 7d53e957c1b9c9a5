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

export const KILN_SEARCH_ATTRIBUTES = [KilnProject, KilnModel, KilnRunStatus, KilnKind, KilnEnvironmentDigest, KilnExperiment] as const;
