/** `gatehouse migrate`: apply the migrations not applied yet (they also run at every start). */
import type { CommandIo, Workbench } from './command-io.js';

export async function migrate(wb: Workbench, io: CommandIo): Promise<number> {
  const applied = await wb.migrate();
  io.out(applied.length > 0 ? `Applied: ${applied.join(', ')}\n` : 'Database is up to date.\n');
  return 0;
}
