/**
 * The control socket's protocol: JSON, one message a line. The CLI sends the request first
 * (`{"request": {...}, "terminal": {...}}`), then the command's input in chunks
 * (`{"stdin": "<base64>"}`) and `{"end": true}` — or `{"abort": "<why>"}` when its input failed;
 * the server answers with the command's output as it comes (`{"out": "…"}`, `{"err": "…"}`) and
 * ends with `{"exit": <code>}`.
 */
import { join, resolve } from 'node:path';
import type { CommandRequest } from './command-io.js';

/** the socket's name in DATA_DIR */
export const CONTROL_SOCKET_NAME = 'gatehouse.sock';

export function controlSocketPath(dataDir: string): string {
  return join(resolve(dataDir), CONTROL_SOCKET_NAME);
}

export type ClientMessage = { request: CommandRequest; terminal: { stdout: boolean; stderr: boolean } } | { stdin: string } | { end: true } | { abort: string };

export type ServerMessage = { out: string } | { err: string } | { exit: number };

/** the longest line either side accepts (a chunk of input is sent well below it) */
export const MAX_LINE_BYTES = 1 << 20;
/** the bytes of input per message */
export const STDIN_CHUNK_BYTES = 64 * 1024;

/** splits a byte stream into lines; throws on a line longer than MAX_LINE_BYTES */
export class LineSplitter {
  #pending: Buffer[] = [];
  #size = 0;

  push(chunk: Buffer): string[] {
    const lines: string[] = [];
    let start = 0;
    for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, start)) {
      this.#pending.push(chunk.subarray(start, i));
      lines.push(Buffer.concat(this.#pending).toString('utf8'));
      this.#pending = [];
      this.#size = 0;
      start = i + 1;
    }
    if (start < chunk.length) {
      this.#pending.push(chunk.subarray(start));
      this.#size += chunk.length - start;
      if (this.#size > MAX_LINE_BYTES) throw new Error('a control message longer than the limit');
    }
    return lines;
  }
}
