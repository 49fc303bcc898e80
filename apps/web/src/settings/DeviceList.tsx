// The account's devices: name (renamable), when added and last seen, and removal (this one: sign out instead).
import type { DeviceView } from '@parley/protocol';
import { useEffect, useState } from 'preact/hooks';
import { listDevices, removeDevice, renameDevice } from '../lib/devicesApi.js';
import { explain } from '../lib/errors.js';
import { notify } from '../state/store.js';
import { fullTime } from '../ui/time.js';

export function DeviceList() {
  const [devices, setDevices] = useState<DeviceView[] | undefined>();
  const [error, setError] = useState('');
  const reload = () =>
    listDevices()
      .then(setDevices)
      .catch((e) => setError(explain(e)));
  useEffect(() => void reload(), []);

  const rename = async (d: DeviceView) => {
    const name = prompt('New name for this device', d.name)?.trim();
    if (!name) return;
    await renameDevice(d.id, name).catch((e) => notify('error', explain(e)));
    await reload();
  };
  const remove = async (d: DeviceView) => {
    await removeDevice(d.id).then(
      () => notify('info', `“${d.name}” was removed. It can no longer read new messages.`),
      (e) => notify('error', explain(e)),
    );
    await reload();
  };

  if (error)
    return (
      <p class="form-error" role="alert">
        {error}
      </p>
    );
  if (!devices) return <p class="muted">Loading devices…</p>;
  return (
    <ul class="devices" aria-label="Devices">
      {devices.map((d) => (
        <li key={d.id} class="device">
          <div class="member-text">
            <strong>
              {d.name}
              {d.current ? ' (this browser)' : ''}
            </strong>
            <span class="muted small">
              Added {fullTime(d.createdAt)}
              {d.lastSeenAt ? ` · last seen ${fullTime(d.lastSeenAt)}` : ''}
            </span>
          </div>
          <button type="button" class="ghost" onClick={() => void rename(d)} aria-label={`Rename ${d.name}`}>
            Rename
          </button>
          {d.current ? null : (
            <button
              type="button"
              class="ghost danger"
              onClick={() => void remove(d)}
              aria-label={`Remove ${d.name}`}
            >
              Remove
            </button>
          )}
        </li>
      ))}
    </ul>
  );
}
