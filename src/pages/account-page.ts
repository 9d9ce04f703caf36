/**
 * /account is a composition of sections (docs/architecture.md, docs/security.md): each section renders its own card
 * from the signed-in user and, after one of its own forms was posted, its own state (a TOTP
 * secret being set up, fresh recovery codes, an error). A feature adds its section to the list
 * wired in pages-routes.ts; the page itself knows none of them.
 *
 * A form that succeeded answers with a redirect (Post/Redirect/Get) to `/account?notice=<key>#<id>`;
 * the section that declares the key among its `notices` gets it (with its text in the reader's
 * language) and shows it.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { html, type Html } from '../http/html.js';
import { principalOf } from '../http/route-guard.js';
import type { MessageKey, Translator } from '../i18n/translator.js';
import type { Principal } from '../principal.js';
import type { UserRecord, UsersService } from '../users/users-service.js';
import { withNotice } from './console-kit.js';
import type { PageKit } from './page-kit.js';
import { page } from './views/layout.js';

export interface AccountSectionInput {
  principal: Principal;
  user: UserRecord;
  csrf: string;
  /** the reader's language */
  t: Translator;
  /** the notice a redirect carried to this section (one of its `notices`), with its text */
  notice: { key: string; text: string } | null;
}

export interface AccountSection {
  /** the section's id: its anchor on the page, and the key of its state */
  readonly id: string;
  /** the notices a redirect may carry to this section (`?notice=<key>`), as catalogue keys */
  readonly notices?: Readonly<Record<string, MessageKey>>;
  render(input: AccountSectionInput, state: unknown): Promise<Html>;
}

/** where a section's successful form sends the browser: the page, the notice, the section */
export function accountNotice(section: string, notice: string): string {
  return `${withNotice('/account', notice)}#${section}`;
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
    const { t } = chrome;
    const user = await this.users.get(principal.userId);
    const asked = (request.query as Record<string, unknown> | undefined)?.notice;
    const noticeFor = (s: AccountSection) => {
      if (options.section !== undefined || typeof asked !== 'string' || !s.notices || !Object.hasOwn(s.notices, asked)) return null;
      return { key: asked, text: t.t(s.notices[asked]!) };
    };
    const cards = await Promise.all(this.sections.map((s) => s.render({ principal, user, csrf: chrome.csrf, t, notice: noticeFor(s) }, s.id === options.section ? options.state : undefined)));
    const body = html`<h1>${t.t('account.heading')}</h1>
<p class="muted wrap">${t.t('account.signedInAs', { who: user.email ?? user.username ?? '' })}</p>
${cards}`;
    return this.kit.send(reply, options.status ?? 200, page({ title: t.t('account.title'), chrome, body, webauthn: true }), options.headers);
  }
}
