import { DEFAULT_SOURCE_EXCLUDES, listSource } from '../snapshots/walk-source.js';
import { resolveInputPath, type InputRoots } from './input-path.js';

/**
 * A project's `source_dir` as an absolute directory inside the data roots whose snapshot would
 * stay within the source caps; SpecValidationError on `project.source_dir` otherwise. Lists the
 * files (no hashing), so a directory the size of a data lake is refused before a run starts.
 */
export async function sourceDirInput(sourceDir: string, baseDir: string, roots: InputRoots): Promise<string> {
  const dir = await resolveInputPath({ field: 'project.source_dir', path: sourceDir, baseDir, kind: 'directory' }, roots);
  await listSource(dir, DEFAULT_SOURCE_EXCLUDES);
  return dir;
}
