import { UAParser } from 'ua-parser-js';

export interface Device {
  browser: string | null;
  os: string | null;
  type: 'mobile' | 'tablet' | 'desktop' | null;
}

// ua-parser-js 1.x leaves device.type undefined for desktops; we call it desktop when the OS is one
const DESKTOP_OS = new Set([
  'Windows', 'Mac OS', 'macOS', 'Linux', 'Ubuntu', 'Debian', 'Fedora', 'Chromium OS', 'Chrome OS', 'FreeBSD', 'OpenBSD',
  'NetBSD', 'Solaris', 'Mint', 'Arch', 'CentOS', 'Gentoo', 'SUSE', 'openSUSE', 'Red Hat', 'Slackware', 'Mandriva',
  'Kubuntu', 'Xubuntu', 'Lubuntu', 'Manjaro', 'elementary OS', 'Deepin', 'Unix', 'PCLinuxOS', 'Zenwalk', 'GNU',
]);

export function parseDevice(userAgent: string | null): Device {
  if (!userAgent) return { browser: null, os: null, type: null };
  const r = new UAParser(userAgent.slice(0, 1024)).getResult();
  const os = r.os.name ?? null;
  const t = r.device.type;
  const type = t === 'mobile' || t === 'tablet' ? t : t === undefined && os !== null && DESKTOP_OS.has(os) ? 'desktop' : null;
  return { browser: r.browser.name ?? null, os, type };
}
