// Settings: this account's devices, the identity key for signing in elsewhere, notifications, and signing out.
import { useState } from 'preact/hooks';
import { enableNotifications, notificationsSupported } from '../lib/notifications.js';
import { useAppState } from '../state/store.js';
import { PaneHeader } from '../ui/PaneHeader.js';
import { DeviceList } from './DeviceList.js';
import { IdentityKey } from './IdentityKey.js';
import { SignOut } from './SignOut.js';

function Notifications() {
  const [permission, setPermission] = useState(notificationsSupported() ? Notification.permission : 'denied');
  if (!notificationsSupported()) return <p class="muted">This browser cannot show notifications.</p>;
  if (permission === 'granted')
    return <p>Notifications are on: new messages show while this tab is hidden.</p>;
  if (permission === 'denied')
    return <p class="muted">Notifications are blocked for this site in the browser's settings.</p>;
  return (
    <button type="button" onClick={() => void enableNotifications().then(setPermission)}>
      Turn on notifications
    </button>
  );
}

export function SettingsPanel() {
  const { me, provider } = useAppState();
  return (
    <section class="panel" aria-labelledby="settings-title">
      <PaneHeader id="settings-title" title="Settings" />
      <div class="panel-body">
        <p>
          Signed in as <strong class="mono">{me}</strong> on {provider.name}.
        </p>
        <h3>Devices</h3>
        <DeviceList />
        <h3>Identity key</h3>
        <IdentityKey />
        <h3>Notifications</h3>
        <Notifications />
        <h3>Sign out</h3>
        <SignOut />
      </div>
    </section>
  );
}
