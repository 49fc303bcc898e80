// Browser notifications for messages that arrive while the tab is hidden. Permission is asked only when the
// person turns them on (a click in Settings); the text shown never leaves the device.
import { roomTitle } from '../state/rooms.js';
import { href } from './route.js';

export function notificationsSupported(): boolean {
  return typeof Notification !== 'undefined';
}

export async function enableNotifications(): Promise<NotificationPermission> {
  if (!notificationsSupported()) return 'denied';
  return Notification.requestPermission();
}

export function notifyMessage(room: string, sender: string, text: string, hasFile: boolean): void {
  if (!notificationsSupported() || Notification.permission !== 'granted') return;
  if (document.visibilityState === 'visible') return;
  const title = roomTitle(room);
  const body = `${sender}: ${text.slice(0, 140) || (hasFile ? 'sent a file' : '')}`;
  const n = new Notification(title, { body, tag: room });
  n.onclick = () => {
    window.focus();
    location.hash = href({ view: 'chat', room });
    n.close();
  };
}
