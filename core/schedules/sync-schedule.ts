import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  type Client,
  type ScheduleDescription,
  type ScheduleOptions,
  type ScheduleUpdateOptions,
} from '@temporalio/client';

/** What a Kiln-managed schedule should be: created with `create`, or updated in place with `update` (given its current state). */
export interface DesiredSchedule {
  create: ScheduleOptions;
  update: (previous: ScheduleDescription) => ScheduleUpdateOptions;
}

/**
 * Makes the schedule `id` match what a spec says: deleted when `desired` is undefined, else
 * created, or updated in place when it exists (another apply created it first, or it survived
 * from before), so a pause made on the Web UI is kept by `update`.
 */
export async function syncSchedule(temporal: Client, id: string, desired: DesiredSchedule | undefined): Promise<'created' | 'updated' | 'deleted' | 'absent'> {
  const handle = temporal.schedule.getHandle(id);
  if (!desired) {
    try {
      await handle.delete();
      return 'deleted';
    } catch (error) {
      if (error instanceof ScheduleNotFoundError) return 'absent';
      throw error;
    }
  }
  try {
    await temporal.schedule.create({ ...desired.create, scheduleId: id });
    return 'created';
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
  await handle.update(desired.update);
  return 'updated';
}
