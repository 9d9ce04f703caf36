/** every command the CLI can have carried out, by name: the one place both the CLI and the control socket dispatch through */
import { auditVerify } from './audit-verify.js';
import type { CommandIo, CommandRequest, Workbench } from './command-io.js';
import { createAdmin } from './create-admin.js';
import { keysList, keysRevoke, keysRotate } from './keys.js';
import { migrate } from './migrate.js';
import { secretsRekey } from './secrets-rekey.js';
import { usersImport } from './users-import.js';

/** carries `request` out; its exit code */
export function runCommand(wb: Workbench, request: CommandRequest, io: CommandIo): Promise<number> {
  switch (request.command) {
    case 'create-admin':
      return createAdmin(wb, request, io);
    case 'users import':
      return usersImport(wb, request, io);
    case 'keys rotate':
      return keysRotate(wb, io);
    case 'keys revoke':
      return keysRevoke(wb, request, io);
    case 'keys list':
      return keysList(wb, io);
    case 'audit verify':
      return auditVerify(wb, io);
    case 'migrate':
      return migrate(wb, io);
    case 'secrets rekey':
      return secretsRekey(wb, io);
  }
}
