// The provider's look: its accent colour (with a readable text colour on it), its name in the title, and its logo
// letter as the tab icon. Each provider's app looks like its own platform.
import type { ProviderInfo } from '../state/types.js';

function readableOn(hex: string): string {
  const n = Number.parseInt(hex.slice(1), 16);
  const [r, g, b] = [(n >> 16) & 255, (n >> 8) & 255, n & 255].map((c) => {
    const v = c / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  return luminance > 0.4 ? '#111111' : '#ffffff';
}

export function applyBranding(p: ProviderInfo): void {
  const accent = /^#[0-9a-f]{6}$/i.test(p.accent) ? p.accent : '#3b6ef5';
  const root = document.documentElement.style;
  root.setProperty('--accent', accent);
  root.setProperty('--on-accent', readableOn(accent));
  document.title = p.name;
  const letter = p.logo.replace(/[<>&"']/g, '').slice(0, 2);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" rx="14" fill="${accent}"/><text x="32" y="44" font-family="system-ui,sans-serif" font-size="34" font-weight="700" text-anchor="middle" fill="${readableOn(accent)}">${letter}</text></svg>`;
  let icon = document.querySelector<HTMLLinkElement>('link[rel="icon"]');
  if (!icon) {
    icon = document.createElement('link');
    icon.rel = 'icon';
    document.head.append(icon);
  }
  icon.href = `data:image/svg+xml,${encodeURIComponent(svg)}`;
}
