/**
 * The hello message (SPEC §4 GET /api/v1/hello), in one place: the API route answers it as JSON
 * and the dashboard shows it, so both say the same thing for the same signed-in user.
 */
import type { Principal } from '../principal.js';

export interface Hello {
  message: string;
  userId: string;
}

export function helloFor(principal: Pick<Principal, 'userId'>): Hello {
  return { message: 'hello world', userId: principal.userId };
}
