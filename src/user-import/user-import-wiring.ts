/** `gatehouse users import`'s wiring: accounts (and their linked identities) from a file, under DEFAULT_ROLE when a line names none. */
import type { Config } from '../config/load-config.js';
import { UserImportRepository } from './user-import-repository.js';
import { UserImportService, type UserImportDeps } from './user-import-service.js';

export type UserImportWiring = Omit<UserImportDeps, 'repo' | 'defaultRole'> & { config: Pick<Config, 'defaultRole'> };

export function wireUserImport({ config, ...deps }: UserImportWiring): UserImportService {
  return new UserImportService({ ...deps, repo: new UserImportRepository(), defaultRole: config.defaultRole });
}
