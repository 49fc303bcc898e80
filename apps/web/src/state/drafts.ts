// Drafts per room: what was typed and not sent stays when the person switches rooms or reloads the page.
import { forget, load, save } from './appDb.js';

const drafts = new Map<string, string>();
const timers = new Map<string, ReturnType<typeof setTimeout>>();

export async function loadDraft(room: string): Promise<string> {
  if (!drafts.has(room)) drafts.set(room, (await load<string>(`draft:${room}`)) ?? '');
  return drafts.get(room) ?? '';
}

export function keepDraft(room: string, text: string): void {
  drafts.set(room, text);
  clearTimeout(timers.get(room));
  timers.set(
    room,
    setTimeout(() => {
      (text ? save(`draft:${room}`, text) : forget(`draft:${room}`)).catch(() => {});
    }, 300),
  );
}
