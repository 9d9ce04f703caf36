/**
 * /account is a composition of sections (docs/architecture.md, docs/security.md): each section renders its own card
 * from the signed-in user and, after one of its own forms was posted, its own state (a TOTP
 * secret being set up, fresh recovery codes, an error). A feature adds its section to the list
 * wired in pages-routes.ts; the page itself knows none of them.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { html, type Html } from '../http/html.js';
import { principalOf } from '../http/route-guard.js';
import type { Principal } from '../principal.js';
import type { UserRecord, UsersService } from '../users/users-service.js';
import type { Translator } from '../i18n/translator.js';
import type { PageKit } from './page-kit.js';
import { page } from './views/layout.js';

export interface AccountSectionInput {
  principal: Principal;
  user: UserRecord;
  csrf: string;
  /** the reader's language */
  t: Translator;
}

export interface AccountSection {
  /** the section's id: its anchor on the page, and the key of its state */
  readonly id: string;
  render(input: AccountSectionInput, state: unknown): Promise<Html>;
}

export class AccountPage {
  constructor(
    private readonly kit: PageKit,
    private readonly users: UsersService,
    private readonly sections: readonly AccountSection[],
  ) {}

  /** the page, with `state` handed to the section it belongs to */
  async send(request: FastifyRequest, reply: FastifyReply, options: { status?: number; section?: string; state?: unknown; headers?: Record<string, string> } = {}): Promise<FastifyReply> {
    const principal = principalOf(request);
    const chrome = await this.kit.chrome(request, reply);
    const user = await this.users.get(principal.userId);
    const input = { principal, user, csrf: chrome.csrf, t: chrome.t };
    const cards = await Promise.all(this.sections.map((s) => s.render(input, s.id === options.section ? options.state : undefined)));
    const body = html`<h1>Your account</h1>
<p class="muted">Signed in as ${user.email ?? user.username}</p>
${cards}`;
    return this.kit.send(reply, options.status ?? 200, page({ title: 'Account', chrome, body, webauthn: true }), options.headers);
  }
}
