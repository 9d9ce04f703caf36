/**
 * The Gatehouse image of deploy/Dockerfile without a container engine: the Dockerfile is parsed,
 * and the runtime stage's files are assembled into a directory exactly as its COPY lines say, so a
 * test can start the server from there with the image's CMD and ENV and see what the image would
 * do (a file the runtime needs but the image lacks shows up as the same failed start).
 *
 * The model: a plain `COPY` takes files from the build context (this checkout); `COPY --from=<stage>`
 * takes the files that stage holds — what its own COPY lines put there, plus what its `RUN npm ci`
 * produced: `dist/` (npm ci runs the `prepare` script, the TypeScript build; this checkout's built
 * dist/ stands for it) and `node_modules/` (only the production packages when the stage also runs
 * `npm prune --omit=dev`: each is linked from this checkout's node_modules, so a runtime import of a
 * dev-only package fails here as in the image). Symbolic links are resolved by Node to this
 * checkout, where a package's own dependencies are production packages too (package-lock.json
 * marks a package `dev` only when nothing else needs it). dist/ and every other file are copied, so
 * a path the code resolves relative to itself (../../assets/) looks inside the assembled image.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { root } from './entry-points.js';

export interface Instruction {
  op: string;
  args: string;
}

export interface Stage {
  name: string | null;
  instructions: Instruction[];
}

export interface Copy {
  from: string | null;
  sources: string[];
  dest: string;
}

/** the instructions of a Dockerfile, by stage (line continuations joined, comments dropped) */
export function parseDockerfile(text: string): Stage[] {
  const lines = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  const stages: Stage[] = [];
  for (const line of lines) {
    const [, op = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const instruction = { op: op.toUpperCase(), args };
    if (instruction.op === 'FROM') stages.push({ name: /\bAS\s+(\S+)\s*$/i.exec(args)?.[1] ?? null, instructions: [] });
    else if (stages.length === 0) throw new Error(`${op} before FROM`);
    stages.at(-1)!.instructions.push(instruction);
  }
  return stages;
}

/** `["a", "b"]` (exec form) or whitespace-separated words */
function words(args: string): string[] {
  return args.trimStart().startsWith('[') ? (JSON.parse(args) as string[]) : args.split(/\s+/).filter(Boolean);
}

/** COPY [--from=stage] [--chown=…] <source>… <dest> (ADD alike, for local files) */
export function copyOf(instruction: Instruction): Copy {
  const parts = words(instruction.args);
  const paths = parts.filter((p) => !p.startsWith('--'));
  const from = parts.find((f) => f.startsWith('--from='))?.slice('--from='.length) ?? null;
  return { from, sources: paths.slice(0, -1), dest: paths.at(-1)! };
}

/** ENV K=V K2="V 2" (and the legacy `ENV K V`) */
export function envOf(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const i of stage.instructions.filter((x) => x.op === 'ENV')) {
    if (!i.args.includes('=')) {
      const [k, ...v] = i.args.split(/\s+/);
      env[k!] = v.join(' ');
      continue;
    }
    for (const m of i.args.matchAll(/(\w+)=("([^"]*)"|\S*)/g)) env[m[1]!] = m[3] ?? m[2]!;
  }
  return env;
}

/** the argv the container runs: ENTRYPOINT (exec form) followed by CMD (exec form) */
export function commandOf(stage: Stage): string[] {
  const last = (op: string) => stage.instructions.filter((i) => i.op === op).at(-1);
  const exec = (i: Instruction | undefined) => {
    if (!i) return [];
    if (!i.args.trimStart().startsWith('[')) return ['/bin/sh', '-c', i.args];
    return JSON.parse(i.args) as string[];
  };
  return [...exec(last('ENTRYPOINT')), ...exec(last('CMD'))];
}

/** the shell command of HEALTHCHECK … CMD <command>, or null */
export function healthcheckOf(stage: Stage): string | null {
  const i = stage.instructions.filter((x) => x.op === 'HEALTHCHECK').at(-1);
  return i ? (/(?:^|\s)CMD\s+(.*)$/.exec(i.args)?.[1] ?? null) : null;
}

/** the stage's working directory after its last WORKDIR (relative ones resolve against the one before) */
function workdirAt(stage: Stage, index: number): string {
  let dir = '/';
  for (const i of stage.instructions.slice(0, index)) if (i.op === 'WORKDIR') dir = posix.resolve(dir, i.args.trim());
  return dir;
}

/** where a stage's file comes from on this machine: an image path mapped to a host path */
interface Layer {
  image: string;
  host: string;
  /** an installed node_modules: linked package by package (see the header), dev packages too unless pruned */
  modules?: 'production' | 'all';
}

function layersOf(stages: Stage[], stage: Stage): Layer[] {
  const layers: Layer[] = [];
  stage.instructions.forEach((instruction, index) => {
    const workdir = workdirAt(stage, index);
    if (instruction.op === 'COPY' || instruction.op === 'ADD') {
      const copy = copyOf(instruction);
      const dest = posix.resolve(workdir, copy.dest);
      const intoDirectory = copy.dest.endsWith('/') || copy.sources.length > 1;
      for (const source of copy.sources) {
        const found = copy.from === null ? { host: join(root, source) } : resolveIn(stages, copy.from, source);
        if (!existsSync(found.host)) throw new Error(`COPY ${source}: not in the build context`);
        // a directory's contents go into dest; a file goes to dest, or into it when dest is a directory
        const image = statSync(found.host).isDirectory() || !intoDirectory ? dest : posix.join(dest, posix.basename(source));
        layers.push({ ...found, image });
      }
    }
    if (instruction.op === 'RUN' && /\bnpm ci\b/.test(instruction.args)) {
      // npm ci installs the packages and runs the package's `prepare` script (tsc -p tsconfig.build.json)
      layers.push({ image: posix.join(workdir, 'node_modules'), host: join(root, 'node_modules'), modules: /npm prune --omit=dev/.test(instruction.args) ? 'production' : 'all' });
      layers.push({ image: posix.join(workdir, 'dist'), host: join(root, 'dist') });
    }
  });
  return layers;
}

function stageNamed(stages: Stage[], name: string): Stage {
  const stage = /^\d+$/.test(name) ? stages[Number(name)] : stages.find((s) => s.name === name);
  if (!stage) throw new Error(`no stage ${name}`);
  return stage;
}

/** where `path` of stage `from` comes from; throws when that stage has no such file */
function resolveIn(stages: Stage[], from: string, path: string): Omit<Layer, 'image'> {
  const stage = stageNamed(stages, from);
  const layers = layersOf(stages, stage).reverse();
  for (const layer of layers) {
    if (path === layer.image) return { host: layer.host, ...(layer.modules ? { modules: layer.modules } : {}) };
    if (path.startsWith(`${layer.image}/`)) {
      const host = join(layer.host, path.slice(layer.image.length));
      if (existsSync(host)) return { host };
    }
  }
  throw new Error(`COPY --from=${from} ${path}: the ${from} stage has no such file`);
}

/** the packages of package-lock.json installed here at the top of node_modules (without dev-only ones unless `all`) */
function installedPackages(which: 'production' | 'all'): string[] {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
  return Object.entries(lock.packages)
    .filter(([path, p]) => /^node_modules\/(@[^/]+\/)?[^/]+$/.test(path) && (which === 'all' || !p.dev) && existsSync(join(root, path)))
    .map(([path]) => path.slice('node_modules/'.length));
}

/**
 * Assembles the last stage's files under `rootfs` (an image path /x is `rootfs`/x) and returns the
 * image's working directory there, its ENV and its command.
 */
export function assembleImage(dockerfile: string, rootfs: string): { workdir: string; env: Record<string, string>; command: string[]; stages: Stage[] } {
  const stages = parseDockerfile(dockerfile);
  const runtime = stages.at(-1)!;
  for (const layer of layersOf(stages, runtime)) {
    const target = join(rootfs, layer.image);
    if (layer.modules) {
      for (const name of installedPackages(layer.modules)) {
        mkdirSync(dirname(join(target, name)), { recursive: true });
        symlinkSync(join(layer.host, name), join(target, name), 'dir');
      }
    } else {
      mkdirSync(dirname(target), { recursive: true });
      cpSync(layer.host, target, { recursive: true, dereference: false });
    }
  }
  return { workdir: join(rootfs, workdirAt(runtime, runtime.instructions.length)), env: envOf(runtime), command: commandOf(runtime), stages };
}
