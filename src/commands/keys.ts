/**
 * `gatehouse keys rotate | revoke <kid> | list` (signing keys). Revoke is the emergency for a key
 * that leaked: it leaves JWKS at once and every instance refuses its tokens within a second (they
 * hear it through Redis, and reload their key set every second anyway); when it is the active key,
 * a new one becomes active first. Users signed in with tokens of that key sign in again or refresh
 * (refresh tokens are not JWTs).
 */
import type { CommandIo, Workbench } from './command-io.js';

export async function keysRotate(wb: Workbench, io: CommandIo): Promise<number> {
  const services = await wb.services();
  const kid = await services.keys.rotate(wb.ctx);
  const { jwtAlg, accessTokenTtl } = services.config;
  io.out(`New signing key ${kid} (${jwtAlg}) is active. Previous keys stay published for ${accessTokenTtl} s plus a margin, until the tokens they signed have expired.\n`);
  return 0;
}

export async function keysRevoke(wb: Workbench, args: { kid: string }, io: CommandIo): Promise<number> {
  const services = await wb.services();
  const { found, rotatedTo } = await services.keys.revoke(args.kid, wb.ctx);
  if (!found) {
    io.err(`No signing key ${args.kid}.\n`);
    return 1;
  }
  io.out(`Signing key ${args.kid} revoked: gone from JWKS, its tokens refused.${rotatedTo ? ` It was the active key: ${rotatedTo} (${services.config.jwtAlg}) signs from now on.` : ''}\n`);
  return 0;
}

/** one key a line: kid, algorithm, state, created (ISO 8601); a table with a header on a terminal */
export async function keysList(wb: Workbench, io: CommandIo): Promise<number> {
  const services = await wb.services();
  const rows = (await services.keys.list()).map((k) => [k.kid, k.alg, k.state, k.createdAt.toISOString()]);
  if (!io.terminal.stdout) {
    for (const row of rows) io.out(`${row.join('\t')}\n`);
    return 0;
  }
  const table = [['KID', 'ALG', 'STATE', 'CREATED'], ...rows];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  for (const row of table) io.out(`${row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()}\n`);
  return 0;
}
