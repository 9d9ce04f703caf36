/**
 * The hello message of GET /api/v1/hello: the smallest signed-in API call, for checking that a
 * client's access token is accepted.
 */
import type { Principal } from '../principal.js';

export interface Hello {
  message: string;
  userId: string;
}

export function helloFor(principal: Pick<Principal, 'userId'>): Hello {
  return { message: 'hello world', userId: principal.userId };
}
