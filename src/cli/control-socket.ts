/**
 * The CLI's side of the control socket (src/commands/control-server.ts): on the embedded engine,
 * while a server holds DATA_DIR, a command is sent to it and carried out there. The command's input
 * (a password, the file to import) is streamed; its output is written here as it comes.
 */
import { lstatSync } from 'node:fs';
import { createConnection } from 'node:net';
import type { Readable } from 'node:stream';
import type { CommandRequest } from '../commands/command-io.js';
import { controlSocketPath, LineSplitter, STDIN_CHUNK_BYTES, type ClientMessage, type ServerMessage } from '../commands/control-protocol.js';

/** the socket cannot be used: nothing there, not a socket, not ours, nobody listening */
export class ControlSocketUnavailable extends Error {}

/**
 * Carries `request` out through the server listening in `dataDir`; resolves to the command's exit
 * code. Throws ControlSocketUnavailable before anything was sent when the socket cannot be used.
 */
export async function runThroughServer(dataDir: string, request: CommandRequest, input: Readable): Promise<number> {
  const path = controlSocketPath(dataDir);
  let stat;
  try {
    stat = lstatSync(path);
  } catch {
    throw new ControlSocketUnavailable(`there is no command socket at ${path} (the process holding DATA_DIR is not a server that accepts commands)`);
  }
  if (!stat.isSocket()) throw new ControlSocketUnavailable(`${path} is not a socket: refusing to send a command to it`);
  // the input may be a password: it goes only to a socket of this account
  if (typeof process.getuid === 'function' && stat.uid !== process.getuid()) {
    throw new ControlSocketUnavailable(`${path} belongs to another user (uid ${stat.uid}): refusing to send a command to it`);
  }
  const socket = createConnection(path);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', (error: NodeJS.ErrnoException) =>
      reject(new ControlSocketUnavailable(`cannot connect to ${path}: ${error.code === 'ECONNREFUSED' ? 'nobody listens there (left by a server that stopped?)' : error.message}`)),
    );
  });

  const send = (message: ClientMessage) => socket.write(`${JSON.stringify(message)}\n`);
  const finished = new Promise<number>((resolve, reject) => {
    const splitter = new LineSplitter();
    let exit: number | null = null;
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const line of splitter.push(chunk)) {
          const message = JSON.parse(line) as ServerMessage;
          if ('out' in message) process.stdout.write(message.out);
          else if ('err' in message) process.stderr.write(message.err);
          else if ('exit' in message && Number.isInteger(message.exit)) exit = message.exit;
        }
      } catch {
        socket.destroy(new Error('the server answered something that is not a control message'));
      }
    });
    socket.on('error', reject);
    socket.on('close', () => (exit === null ? reject(new Error('the server closed the command socket before the command finished')) : resolve(exit)));
  });
  send({ request, terminal: { stdout: Boolean(process.stdout.isTTY), stderr: Boolean(process.stderr.isTTY) } });
  try {
    for await (const chunk of input) {
      const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
      for (let at = 0; at < bytes.length; at += STDIN_CHUNK_BYTES) {
        if (!send({ stdin: bytes.subarray(at, at + STDIN_CHUNK_BYTES).toString('base64') })) await new Promise((resolve) => socket.once('drain', resolve));
      }
      if (socket.destroyed) break;
    }
    send({ end: true });
  } catch (error) {
    send({ abort: error instanceof Error ? error.message : String(error) });
  }
  return finished;
}
