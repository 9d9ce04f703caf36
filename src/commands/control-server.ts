/**
 * The serving process's control socket, on the embedded engine: `<DATA_DIR>/gatehouse.sock`. PGlite
 * lets one process at a time open DATA_DIR, so while `serve` runs, the CLI's commands that need the
 * database are carried out here, by the same code (commands.ts) the CLI runs when it holds the
 * database itself, against this process's services.
 *
 * Owner-only: the socket is created 0600 (under a umask, then checked with chmod) inside DATA_DIR,
 * which is 0700. Node cannot read a Unix socket peer's credentials (SO_PEERCRED), so the file mode
 * is the check: only the account that runs the server (and root) can connect. A stale socket is
 * removed at start only by the process holding the DATA_DIR lock (the caller); anything else at
 * that path is left alone and no socket is opened.
 */
import { chmodSync, lstatSync, renameSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { Services } from '../services.js';
import { parseRequest, type CommandIo, type Workbench } from './command-io.js';
import { runCommand } from './commands.js';
import { controlSocketPath, LineSplitter, type ServerMessage } from './control-protocol.js';

export interface ControlLog {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
}

export interface ControlSocket {
  path: string;
  /** stops accepting, ends the connections, removes the socket */
  close(): Promise<void>;
}

/**
 * Listens on DATA_DIR/gatehouse.sock. The caller holds DATA_DIR's lock (it opened the embedded
 * database), so a socket already there was left by a process that is gone and is replaced.
 */
export async function startControlSocket(o: { dataDir: string; services: Services; log: ControlLog }): Promise<ControlSocket> {
  const path = controlSocketPath(o.dataDir);
  let existing: ReturnType<typeof lstatSync> | undefined;
  try {
    existing = lstatSync(path);
  } catch {
    existing = undefined;
  }
  if (existing && !existing.isSocket()) throw new Error(`${path} exists and is not a socket: left alone, and the command line cannot reach this server (move it away and restart)`);
  if (existing) rmSync(path, { force: true });

  const workbench: Workbench = {
    services: async () => o.services,
    audit: async () => o.services.audit,
    migrate: () => o.services.migrate(),
    ctx: { actorId: null, ip: null, userAgent: 'gatehouse-cli' },
  };
  const connections = new Set<Socket>();
  const server = createServer((socket) => {
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
    serveConnection(socket, workbench, o.log);
  });
  // bound under a private name, made owner-only, then moved into place: nobody else can ever connect
  const temporary = join(dirname(path), `.${process.pid}.gatehouse.sock`);
  rmSync(temporary, { force: true });
  await listenOwnerOnly(server, temporary);
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
  const inode = statSync(path).ino;
  o.log.info({ path }, 'command line socket open: commands run beside this server are carried out here');

  return {
    path,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of connections) socket.destroy();
      await closed;
      // only the socket this process made (not one a later process put there)
      try {
        if (statSync(path).ino === inode) rmSync(path, { force: true });
      } catch {
        // already gone
      }
    },
  };
}

function listenOwnerOnly(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    // the socket file takes its mode from the umask when it is bound, which happens within listen()
    const umask = process.umask(0o177);
    try {
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    } finally {
      process.umask(umask);
    }
  });
}

function serveConnection(socket: Socket, workbench: Workbench, log: ControlLog): void {
  const send = (message: ServerMessage) => {
    if (!socket.destroyed && socket.writable) socket.write(`${JSON.stringify(message)}\n`);
  };
  const stdin = new PassThrough();
  // a client that goes away destroys the command's input with an error: the command reading it
  // hears of it; with no command reading yet, the error must not become an uncaught exception
  // (a connection opened and closed without a request used to bring the whole server down)
  stdin.on('error', () => {});
  const splitter = new LineSplitter();
  let stage: 'request' | 'input' | 'done' = 'request';
  socket.on('error', () => {});
  socket.on('close', () => {
    if (stage !== 'done') stdin.destroy(new Error('the command line disconnected'));
  });
  const refuse = (why: string) => {
    stage = 'done';
    send({ err: `${why}\n` });
    send({ exit: 2 });
    socket.end();
  };
  socket.on('data', (chunk: Buffer) => {
    let lines: string[];
    try {
      lines = splitter.push(chunk);
    } catch (error) {
      return refuse((error as Error).message);
    }
    for (const line of lines) {
      if (stage === 'done') return;
      let message: Record<string, unknown>;
      try {
        message = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return refuse('not a control message');
      }
      if (stage === 'request') {
        const request = parseRequest(message.request);
        if (!request) return refuse('unknown command or malformed request');
        const terminal = (message.terminal ?? {}) as { stdout?: unknown; stderr?: unknown };
        const io: CommandIo = {
          out: (text) => send({ out: text }),
          err: (text) => send({ err: text }),
          stdin,
          terminal: { stdout: terminal.stdout === true, stderr: terminal.stderr === true },
        };
        stage = 'input';
        log.info({ command: request.command }, 'command from the command line');
        runCommand(workbench, request, io)
          .then(
            (code) => send({ exit: code }),
            (error: unknown) => {
              send({ err: `${error instanceof Error ? error.message : String(error)}\n` });
              send({ exit: 1 });
            },
          )
          .finally(() => {
            stage = 'done';
            socket.end();
          });
      } else if (typeof message.stdin === 'string') {
        if (!stdin.write(Buffer.from(message.stdin, 'base64'))) {
          socket.pause();
          stdin.once('drain', () => socket.resume());
        }
      } else if (message.end === true) stdin.end();
      else if (typeof message.abort === 'string') stdin.destroy(new Error(message.abort.slice(0, 500)));
      else return refuse('not a control message');
    }
  });
}
