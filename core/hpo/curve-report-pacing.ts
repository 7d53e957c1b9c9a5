/**
 * How often a trial's stage may report its curve to the experiment. Each report is a signal,
 * so it adds events to the experiment's history: reports are spaced by at least 2 s, and by
 * an eighth of the time the stage has run (a day-long training reports about hourly by then),
 * and one stage attempt sends at most MAX_CURVE_REPORTS plus a final one. That keeps the
 * events per trial bounded whatever its length or number of steps, while a short trial is
 * still judged within seconds.
 */
export const MAX_CURVE_REPORTS = 100;
export const MIN_REPORT_INTERVAL_MS = 2_000;
const INTERVAL_SHARE_OF_ELAPSED = 1 / 8;

export class CurveReportPacing {
  private sent = 0;
  private lastAt: number | undefined;
  private finalSent = false;

  constructor(
    private readonly startedAt: number,
    private readonly minIntervalMs = MIN_REPORT_INTERVAL_MS,
  ) {}

  /** Whether a report with new points may go now. */
  mayReport(now: number): boolean {
    if (this.finalSent || this.sent >= MAX_CURVE_REPORTS) return false;
    if (this.lastAt === undefined) return true;
    const interval = Math.max(this.minIntervalMs, (now - this.startedAt) * INTERVAL_SHARE_OF_ELAPSED);
    return now - this.lastAt >= interval;
  }

  /** Whether the stage's last report (when its process has ended) may still go. */
  mayReportFinal(): boolean {
    return !this.finalSent;
  }

  reported(now: number, final = false): void {
    if (final) this.finalSent = true;
    else this.sent += 1;
    this.lastAt = now;
  }

  get reports(): number {
    return this.sent + (this.finalSent ? 1 : 0);
  }
}
