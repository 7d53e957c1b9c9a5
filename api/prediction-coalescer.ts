import { postToModelServer, type UpstreamAnswer } from './model-server-calls.js';

/** What a caller's prediction got from its model server: what `/predict` would have answered it alone. */
export interface PredictionReply {
  status: number;
  text: string;
}

interface Waiting {
  body: string;
  resolve: (reply: PredictionReply) => void;
  reject: (error: unknown) => void;
}

/** The calls to one model server: those in flight and those waiting for one to end. */
interface ServerLine {
  inFlight: number;
  waiting: Waiting[];
  /** Calls kept in flight before callers wait: two per worker process the server reports. */
  limit: number;
  /** The server has no `/predict/many` (started by an older Kiln): waiting callers go one by one. */
  single: boolean;
}

const IN_FLIGHT_PER_WORKER = 2;
/** At most this many callers' bodies, and bytes of them, in one `/predict/many` (the server takes 256 lines). */
const MAX_PARTS = 64;
const MAX_MERGED_BYTES = 1024 * 1024;
/** Servers remembered (what each said of its workers, whether it has `/predict/many`) before idle ones are forgotten. */
const MAX_LINES = 1_000;

/**
 * Merges the predictions that wait for the same model server into one `/predict/many` request
 * (sdk/python/kiln_sdk/serve_many.py). While the server has fewer than two calls per worker in
 * flight, a prediction is sent at once as a `/predict` of its own, so a lone caller waits for
 * nothing; beyond that, callers wait, and each call that ends sends everything that waited in one
 * request. One request to send and one answer to read instead of many, for the API and the server
 * alike; the server predicts each caller's body as if it had come alone (its own errors, its own
 * prediction ids), and each caller gets its own answer back as text, never parsed here.
 */
export class PredictionCoalescer {
  private readonly lines = new Map<string, ServerLine>();

  /** POSTs `body` (JSON text) to `url`/predict, or with other callers' bodies to `url`/predict/many. */
  predict(url: string, body: string): Promise<PredictionReply> {
    const line = this.lineOf(url);
    return new Promise((resolve, reject) => {
      line.waiting.push({ body, resolve, reject });
      this.drain(url, line);
    });
  }

  private lineOf(url: string): ServerLine {
    let line = this.lines.get(url);
    if (!line) {
      if (this.lines.size >= MAX_LINES) this.forgetIdle();
      this.lines.set(url, (line = { inFlight: 0, waiting: [], limit: IN_FLIGHT_PER_WORKER, single: false }));
    }
    return line;
  }

  private drain(url: string, line: ServerLine): void {
    while (line.inFlight < line.limit && line.waiting.length > 0) {
      const batch = this.take(line);
      line.inFlight += 1;
      const sent = batch.length === 1 ? this.sendAlone(url, line, batch[0]!) : this.sendMany(url, line, batch);
      void sent.finally(() => {
        line.inFlight -= 1;
        this.drain(url, line);
      });
    }
  }

  /** Lines of servers with nothing in flight: those of servers long gone among them. */
  private forgetIdle(): void {
    for (const [url, line] of this.lines) if (line.inFlight === 0 && line.waiting.length === 0) this.lines.delete(url);
  }

  /** The next callers to send together: one, or as many as fit one `/predict/many`. */
  private take(line: ServerLine): Waiting[] {
    if (line.single) return line.waiting.splice(0, 1);
    let count = 0;
    let bytes = 0;
    for (const waiting of line.waiting) {
      if (count === MAX_PARTS || (count > 0 && bytes + waiting.body.length > MAX_MERGED_BYTES)) break;
      count += 1;
      bytes += waiting.body.length + 1;
    }
    return line.waiting.splice(0, count);
  }

  private async sendAlone(url: string, line: ServerLine, waiting: Waiting): Promise<void> {
    try {
      const answer = await postToModelServer(`${url}/predict`, waiting.body);
      learnWorkers(line, answer);
      waiting.resolve({ status: answer.status, text: answer.text });
    } catch (error) {
      waiting.reject(error);
    }
  }

  private async sendMany(url: string, line: ServerLine, batch: Waiting[]): Promise<void> {
    let answer: UpstreamAnswer;
    try {
      answer = await postToModelServer(`${url}/predict/many`, batch.map((w) => asOneLine(w.body)).join('\n'), { contentType: 'application/x-ndjson' });
    } catch (error) {
      // Refused, reset: every caller meets it as if it had been sent alone (the router retries on a fresh route).
      for (const waiting of batch) waiting.reject(error);
      return;
    }
    learnWorkers(line, answer);
    const replies = repliesIn(answer, batch.length);
    if (replies) {
      for (const [i, waiting] of batch.entries()) waiting.resolve(replies[i]!);
      return;
    }
    if (answer.status === 503) {
      // Saturated: each caller gets the refusal it would have got alone.
      for (const waiting of batch) waiting.resolve({ status: answer.status, text: answer.text });
      return;
    }
    if (answer.status === 404) line.single = true;
    // Not understood as a whole: each caller is sent alone, as it would have been.
    await Promise.all(batch.map((waiting) => this.sendAlone(url, line, waiting)));
  }
}

/** A `/predict/many` answer split into each caller's, or undefined when it is not one for `count` callers. */
function repliesIn(answer: UpstreamAnswer, count: number): PredictionReply[] | undefined {
  if (answer.status !== 200) return undefined;
  const statuses = answer.header('x-kiln-statuses')?.split(',');
  const texts = answer.text.split('\n');
  if (statuses?.length !== count || texts.length !== count) return undefined;
  return texts.map((text, i) => ({ status: Number(statuses[i]), text }));
}

/** A JSON text on one line: a raw newline in JSON can only be whitespace between tokens. */
function asOneLine(json: string): string {
  return json.includes('\n') ? json.replaceAll('\n', ' ') : json;
}

function learnWorkers(line: ServerLine, answer: UpstreamAnswer): void {
  const workers = Number(answer.header('x-kiln-workers') ?? 1);
  if (Number.isInteger(workers) && workers >= 1 && workers <= 64) line.limit = IN_FLIGHT_PER_WORKER * workers;
}
