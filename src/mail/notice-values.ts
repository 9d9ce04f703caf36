/**
 * A security notice's values in words, in the mail's language, when the mail is rendered: the
 * queued message keeps data (sessions-service.ts NoticeOrigin: an ISO time, the device's parts,
 * null for what is not known; the change and what a reset removed as codes), so a German reader's
 * notice has no English in it. A value that is already text — a message queued by a version that
 * filled in English words — is shown as it is.
 */
import type { MessageKey, Translator } from '../i18n/translator.js';

/** the changes to sign-in factors a notice tells (mfa-service.ts), by their audit event */
const CHANGES: Record<string, MessageKey> = {
  'mfa.enabled': 'mail.notice.change.mfaEnabled',
  'mfa.disabled': 'mail.notice.change.mfaDisabled',
  'mfa.recovery_codes_generated': 'mail.notice.change.recoveryCodesGenerated',
  'mfa.recovery_code_used': 'mail.notice.change.recoveryCodeUsed',
  'passkey.added': 'mail.notice.change.passkeyAdded',
  'passkey.removed': 'mail.notice.change.passkeyRemoved',
  'mfa.reset': 'mail.notice.change.mfaReset',
};

/** the ways in a reset of an unverified account removes (email-ownership/other-ways-in.ts), by kind */
const REMOVED: Record<string, MessageKey> = {
  identity: 'mail.notice.removed.identity',
  totp: 'mail.notice.removed.totp',
  passkey: 'mail.notice.removed.passkey',
  recovery_codes: 'mail.notice.removed.recoveryCodes',
};

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$/;

type Parts = Record<string, unknown>;

function isParts(value: unknown): value is Parts {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function device(t: Translator, value: Parts): string | null {
  const browser = text(value['browser']);
  const os = text(value['os']);
  const type = text(value['type']);
  const name = browser && os ? t.t('mail.notice.deviceOn', { browser, os }) : (browser ?? os);
  const kind = type ? t.t('mail.notice.deviceType', { type }) : null;
  if (name && kind) return `${name} (${kind})`;
  return name ?? kind;
}

function location(value: Parts): string | null {
  return [text(value['city']), text(value['country'])].filter(Boolean).join(', ') || null;
}

function change(t: Translator, value: Parts): string | null {
  const event = text(value['event']);
  const key = event !== null && Object.hasOwn(CHANGES, event) ? CHANGES[event]! : null;
  return key ? t.t(key, { left: typeof value['left'] === 'number' ? t.number(value['left']) : '0' }) : event;
}

function removed(t: Translator, list: unknown[]): string {
  return list
    .filter(isParts)
    .map((w) => {
      const kind = text(w['kind']) ?? '';
      const name = String(w['name'] ?? '');
      return Object.hasOwn(REMOVED, kind) ? t.t(REMOVED[kind]!, { name, left: name }) : `- ${kind} ${name}`.trimEnd();
    })
    .join('\n');
}

/**
 * `data` with its notice values (time, ip, device, location, change, removed) in words; other
 * values, and values that are text already, unchanged
 */
export function noticeValues(t: Translator, data: Record<string, unknown>): Record<string, unknown> {
  const out = { ...data };
  const unknown = () => t.t('mail.notice.unknown');
  if ('time' in data && typeof data['time'] === 'string' && ISO_TIME.test(data['time'])) out['time'] = t.dateTime(data['time']);
  for (const key of ['ip', 'device', 'location'] as const) {
    if (!(key in data)) continue;
    const value = data[key];
    if (typeof value === 'string' && value !== '') continue;
    const words = isParts(value) ? (key === 'device' ? device(t, value) : key === 'location' ? location(value) : null) : null;
    out[key] = words ?? unknown();
  }
  if (isParts(data['change'])) out['change'] = change(t, data['change']);
  if (Array.isArray(data['removed'])) out['removed'] = removed(t, data['removed']);
  return out;
}
