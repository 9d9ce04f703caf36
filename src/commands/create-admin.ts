/** `gatehouse create-admin`: the password is the command's input (stdin or a prompt on the CLI side), never an argument */
import { DomainError } from '../errors.js';
import { normalizeEmail } from '../users/user-fields.js';
import { readAll, type CommandIo, type Workbench } from './command-io.js';

export async function createAdmin(wb: Workbench, args: { email: string; username: string | null }, io: CommandIo): Promise<number> {
  const password = await readAll(io.stdin);
  const services = await wb.services();
  try {
    const result = await services.users.ensureAdmin(wb.ctx, { email: args.email, password, username: args.username }, 'cli');
    if (!result.created) {
      io.err(`Not created: ${result.reason}\n`);
      return 1;
    }
    io.out(`Admin ${normalizeEmail(args.email)} created.\n`);
    return 0;
  } catch (error) {
    if (error instanceof DomainError && error.status < 500) {
      io.err(`${error.code}: ${error.detail ?? error.title}${error.errors ? ' ' + JSON.stringify(error.errors) : ''}\n`);
      return 1;
    }
    throw error;
  }
}
