/**
 * `gatehouse users import FILE`: reads JSON lines from the command's input (the CLI reads the
 * file and hands it over, so a server carrying the command out never opens the user's path),
 * hands each to the import service to check, and imports the good ones in batches; a refused line
 * is reported with its number and reason on stderr and the rest go on. A progress bar on a
 * terminal, plain progress lines otherwise. Exit 0 when every line was imported or was there
 * already, 1 when some were refused, 2 when the input could not be read.
 */
import { createInterface } from 'node:readline';
import type { CheckedLine, Refusal } from '../user-import/user-import-service.js';
import type { CommandIo, Workbench } from './command-io.js';

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
    private readonly io: CommandIo,
  ) {}

  update(c: Counts, bytes: number, force = false): void {
    if (this.io.terminal.stderr) {
      const now = Date.now();
      if (!force && now - this.#last < 100) return;
      this.#last = now;
      const share = this.total > 0 ? Math.min(1, bytes / this.total) : 1;
      const width = 30;
      const full = Math.round(share * width);
      this.io.err(`\r[${'#'.repeat(full)}${'-'.repeat(width - full)}] ${String(Math.floor(share * 100)).padStart(3)}% ${c.lines} lines · ${summary(c)}\x1b[K`);
      this.#drawn = true;
    } else if (force || c.lines % PROGRESS_EVERY === 0) {
      const text = `${c.lines} lines: ${summary(c)}`;
      if (text !== this.#printed) this.io.out(`${text}\n`);
      this.#printed = text;
    }
  }

  /** a message on its own line, the bar drawn again after it */
  say(message: string): void {
    if (this.io.terminal.stderr && this.#drawn) this.io.err('\r\x1b[K');
    this.io.err(`${message}\n`);
    this.#last = 0;
  }

  end(): void {
    if (this.io.terminal.stderr && this.#drawn) this.io.err('\n');
  }
}

export async function usersImport(wb: Workbench, args: { file: string; size: number }, io: CommandIo): Promise<number> {
  const services = await wb.services();
  const counts: Counts = { lines: 0, imported: 0, present: 0, refused: 0 };
  const progress = new Progress(args.size, io);
  const refuse = (r: Refusal) => {
    counts.refused++;
    progress.say(`line ${r.line}: ${r.reason}`);
  };
  let batch: CheckedLine[] = [];
  const flush = async () => {
    const result = await services.userImport.importBatch(wb.ctx, batch);
    batch = [];
    counts.imported += result.imported;
    counts.present += result.alreadyPresent;
    for (const r of result.refused.sort((a, b) => a.line - b.line)) refuse(r);
  };
  let readError: Error | null = null;
  io.stdin.on('error', (error) => (readError = error));
  const lines = createInterface({ input: io.stdin, crlfDelay: Infinity });
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
    io.err(`users import: cannot read ${args.file}: ${(readError as Error).message}\n`);
    return 2;
  }
  await flush();
  progress.update(counts, args.size, true);
  progress.end();
  if (io.terminal.stderr) io.out(`${summary(counts)}\n`);
  return counts.refused > 0 ? 1 : 0;
}
