/**
 * Who is acting and from where: built at the edge (an HTTP route, a CLI command) and passed down
 * to the services, which record it with audit events and sessions. No HTTP types here, so the
 * same services serve the API, the pages and the CLI.
 */
export interface RequestContext {
  /** the user acting (the signed-in user, an admin), or null (anonymous, the system) */
  actorId: string | null;
  ip: string | null;
  userAgent: string | null;
  /**
   * the reader's language when the request names one Gatehouse speaks (the language switch's
   * cookie, else Accept-Language); mail the request causes to its own account is written in it
   * (mail to another account, in that account's stored language: `readerData` in
   * mail/mail-service.ts). Absent for the CLI and the system.
   */
  locale?: string;
}

/** start-up tasks and maintenance: no user, no address */
export const systemContext: RequestContext = { actorId: null, ip: null, userAgent: null };
