import { DomainError } from '../errors.js';

export const productsErrors = {
  notFound: () => new DomainError('not_found', 'Not Found', { detail: 'No such product.' }),
  /** the actor may write products, but not this one (docs/api.md: 403 ownership, after 404) */
  notOwner: () => new DomainError('forbidden', 'Forbidden', { detail: 'You can only change your own products.' }),
  /** the actor holds neither products:write nor products:write:any */
  cannotWrite: () => new DomainError('forbidden', 'Forbidden', { detail: 'You are not allowed to create or change products.' }),
};
