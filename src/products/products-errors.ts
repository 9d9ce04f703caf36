import { DomainError } from '../errors.js';

export const productsErrors = {
  notFound: () => new DomainError('not_found', 404, 'Not Found', { detail: 'No such product.' }),
  notOwner: () => new DomainError('forbidden', 403, 'Forbidden', { detail: 'Only the seller who owns this product (or an admin) may change it.' }),
};
