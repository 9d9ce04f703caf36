/**
 * `gatehouse audit verify`: exit 0 when the chain is intact, 1 at the first broken link, 2 when it
 * could not be checked at all (database unreachable, not migrated, no key) — so a script can tell
 * tampering from an outage. Needs the database and the keys the links are made with (SECRETS_KEY,
 * or DATA_DIR/secrets.key on the embedded default; SECRETS_KEY_PREVIOUS until `secrets rekey` ran).
 */
import type { CommandIo, Workbench } from './command-io.js';

export async function auditVerify(wb: Workbench, io: CommandIo): Promise<number> {
  try {
    const result = await (await wb.audit()).verify();
    if (result.ok) {
      io.out(`Audit chain intact: ${result.checked} events verified.\n`);
      return 0;
    }
    io.err(`Audit chain BROKEN at event seq=${result.brokenAt.seq} id=${result.brokenAt.id}: ${result.brokenAt.reason}. ${result.checked} events before it verified.\n`);
    return 1;
  } catch (error) {
    io.err(`Could not verify the audit chain: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
}
