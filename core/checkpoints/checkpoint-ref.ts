import { z } from 'zod';

/**
 * A checkpoint file as kiln_sdk/checkpoint.py names it: `checkpoint-<step:08d>.json|bin`.
 * The SDK renames each one into place, so a name that matches is a complete file.
 */
export const CHECKPOINT_FILE = /^checkpoint-(\d{8,})\.(json|bin)$/;

/** The pointer file the SDK keeps next to its checkpoints, naming the newest. */
export const LATEST_POINTER = 'latest';

/** Where a stage's latest checkpoint is in the artifact store; travels in heartbeat details. */
export const CheckpointRef = z.object({ key: z.string().min(1), step: z.number().int().min(0) });
export type CheckpointRef = z.infer<typeof CheckpointRef>;

/** The part of runStage's heartbeat details that a retry reads back. */
const CheckpointHeartbeat = z.object({ checkpoint: CheckpointRef });

/** The step a checkpoint file holds, or undefined when the name is not a checkpoint. */
export function checkpointStep(fileName: string): number | undefined {
  const match = CHECKPOINT_FILE.exec(fileName);
  return match ? Number(match[1]) : undefined;
}

/** The checkpoint a previous attempt heartbeated, if its details carry one under `prefix`. */
export function checkpointFromHeartbeat(details: unknown, prefix: string): CheckpointRef | undefined {
  const parsed = CheckpointHeartbeat.safeParse(details);
  if (!parsed.success) return undefined;
  const { key } = parsed.data.checkpoint;
  // Only trust a key of this stage's own checkpoints: details are data, not instructions.
  return key.startsWith(`${prefix}/`) && checkpointStep(key.slice(prefix.length + 1)) !== undefined ? parsed.data.checkpoint : undefined;
}
