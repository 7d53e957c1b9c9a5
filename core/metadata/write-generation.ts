/**
 * Counts the writes a repository made in this process, for in-memory caches of what it stores:
 * an entry is good only while the count is what it was when the entry was loaded. Writes by
 * other processes are not seen here (caches bound their age for those).
 */
export class WriteGeneration {
  private count = 0;

  get value(): number {
    return this.count;
  }

  /** Runs a write, then moves the generation on, also when the write failed part way. */
  async around<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } finally {
      this.count += 1;
    }
  }
}
