/**
 * `gatehouse users import FILE` (SPEC §10): reads JSON lines, hands each to the import service to
 * check, and imports the good ones in batches; a refused line is reported with its number and
 * reason on stderr and the rest go on. A progress bar on a terminal, plain progress lines
 * otherwise. Exit 0 when every line was imported or was there already, 1 when some were refused,
 * 2 for a usage error or a file that cannot be read.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Config } from '../config/load-config.js';
import { systemContext } from '../request-context.js';
import { createServices } from '../services.js';
import type { CheckedLine, Refusal } from '../user-import/user-import-service.js';

const BATCH = 1000;
const PROGRESS_EVERY = 10_000;

interface Counts {
  lines: number;
  imported: number;
  present: number;
  refused: number;
}

const summary = (c: Counts) => `imported ${c.imported}, already present ${c.present}, refused ${c.refused}`;

/** a bar redrawn in place on a terminal (at most ten times a second), plain lines elsewhere */
class Progress {
  #last = 0;
  #drawn = false;
  #printed = '';
  constructor(
    private readonly total: number,
    private readonly tty: boolean,
  ) {}

  update(c: Counts, bytes: number, force = false): void {
    if (this.tty) {
      const now = Date.now();
      if (!force && now - this.#last < 100) return;
      this.#last = now;
      const share = this.total > 0 ? Math.min(1, bytes / this.total) : 1;
      const width = 30;
      const full = Math.round(share * width);
      process.stderr.write(`\r[${'#'.repeat(full)}${'-'.repeat(width - full)}] ${String(Math.floor(share * 100)).padStart(3)}% ${c.lines} lines · ${summary(c)}\x1b[K`);
      this.#drawn = true;
    } else if (force || c.lines % PROGRESS_EVERY === 0) {
      const text = `${c.lines} lines: ${summary(c)}`;
      if (text !== this.#printed) process.stdout.write(`${text}\n`);
      this.#printed = text;
    }
  }

  /** a message on its own line, the bar drawn again after it */
  say(message: string): void {
    if (this.tty && this.#drawn) process.stderr.write('\r\x1b[K');
    process.stderr.write(`${message}\n`);
    this.#last = 0;
  }

  end(): void {
    if (this.tty && this.#drawn) process.stderr.write('\n');
  }
}

export async function usersImport(config: Config, args: string[]): Promise<number> {
  if (args.length !== 1 || args[0]!.startsWith('-')) {
    console.error('Usage: gatehouse users import FILE   (JSON lines: one account per line)');
    return 2;
  }
  const file = args[0]!;
  let size: number;
  try {
    const s = await stat(file);
    if (!s.isFile()) throw new Error('not a regular file');
    size = s.size;
  } catch (error) {
    console.error(`users import: cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }

  const services = await createServices(config);
  const ctx = { ...systemContext, userAgent: 'gatehouse-cli' };
  const counts: Counts = { lines: 0, imported: 0, present: 0, refused: 0 };
  const progress = new Progress(size, Boolean(process.stderr.isTTY));
  const refuse = (r: Refusal) => {
    counts.refused++;
    progress.say(`line ${r.line}: ${r.reason}`);
  };
  let batch: CheckedLine[] = [];
  const flush = async () => {
    const result = await services.userImport.importBatch(ctx, batch);
    batch = [];
    counts.imported += result.imported;
    counts.present += result.alreadyPresent;
    for (const r of result.refused.sort((a, b) => a.line - b.line)) refuse(r);
  };
  try {
    const input = createReadStream(file);
    let readError: Error | null = null;
    input.on('error', (error) => (readError = error));
    const lines = createInterface({ input, crlfDelay: Infinity });
    let number = 0;
    let bytes = 0;
    try {
      for await (const text of lines) {
        number++;
        bytes += Buffer.byteLength(text) + 1;
        if (text.trim() === '') continue;
        counts.lines++;
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch (error) {
          // the parser's message may quote the line (a password hash): only its position is told
          const at = /position \d+/.exec(error instanceof Error ? error.message : '')?.[0];
          refuse({ line: number, reason: `invalid JSON${at ? ` (at ${at})` : ''}` });
          progress.update(counts, bytes);
          continue;
        }
        const checked = await services.userImport.check(number, value);
        if ('reason' in checked) refuse(checked);
        else batch.push(checked);
        if (batch.length >= BATCH) await flush();
        progress.update(counts, bytes);
      }
    } catch (error) {
      readError = error as Error;
    }
    if (readError) {
      progress.end();
      console.error(`users import: cannot read ${file}: ${(readError as Error).message}`);
      return 2;
    }
    await flush();
    progress.update(counts, size, true);
    progress.end();
    if (process.stderr.isTTY) process.stdout.write(`${summary(counts)}\n`);
    return counts.refused > 0 ? 1 : 0;
  } finally {
    await services.close();
  }
}
