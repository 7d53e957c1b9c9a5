import { z } from 'zod';

/** Resource names: lowercase, digits and dashes; they appear in workflow IDs, paths and URLs. */
export const ResourceName = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'must be 1-63 lowercase letters, digits or dashes, not starting or ending with a dash');
