import { parseArgs } from 'node:util';
import { createInterface } from 'node:readline';
import { createServices } from '../services.js';
import type { Config } from '../config/load-config.js';
import { DomainError } from '../errors.js';
import { systemContext } from '../request-context.js';
import { normalizeEmail } from '../users/user-fields.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** prompts without echoing what is typed */
async function prompt(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  const write = (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput;
  let asked = false;
  (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => {
    if (!asked) {
      asked = true;
      write.call(rl, s);
    }
  };
  return new Promise((resolve) =>
    rl.question(question, (answer) => {
      rl.close();
      process.stdout.write('\n');
      resolve(answer);
    }),
  );
}

export async function createAdmin(config: Config, args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { email: { type: 'string' }, username: { type: 'string' }, 'password-stdin': { type: 'boolean', default: false } },
    strict: true,
  });
  if (!values.email) {
    console.error('create-admin: --email is required');
    return 2;
  }
  // the address as every other path stores it (one plain address, lower-cased, NFC), checked
  // before a password is asked for
  let email: string;
  try {
    email = normalizeEmail(values.email);
  } catch (error) {
    if (error instanceof DomainError) {
      console.error('create-admin: --email must be one plain email address (local@domain)');
      return 2;
    }
    throw error;
  }
  let password: string;
  if (values['password-stdin']) password = await readStdin();
  else if (process.stdin.isTTY) {
    password = await prompt('Password: ');
    if ((await prompt('Repeat password: ')) !== password) {
      console.error('Passwords do not match.');
      return 2;
    }
  } else {
    console.error('create-admin: use --password-stdin or run in a terminal (passwords are never read from arguments)');
    return 2;
  }

  const services = await createServices(config);
  try {
    const result = await services.users.ensureAdmin(
      { ...systemContext, userAgent: 'gatehouse-cli' },
      { email, password, username: values.username ?? null },
      'cli',
    );
    if (!result.created) {
      console.error(`Not created: ${result.reason}`);
      return 1;
    }
    console.log(`Admin ${email} created.`);
    return 0;
  } catch (error) {
    if (error instanceof DomainError && error.status < 500) {
      console.error(`${error.code}: ${error.detail ?? error.title}${error.errors ? ' ' + JSON.stringify(error.errors) : ''}`);
      return 1;
    }
    throw error;
  } finally {
    await services.close();
  }
}
