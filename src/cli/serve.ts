/** `gatehouse serve`: the one command that runs the server (the only CLI module that may import it; lint enforces it) */
import { serve as runServer } from '../server.js';

export async function serve(env: Record<string, string | undefined>): Promise<void> {
  await runServer(env);
}
