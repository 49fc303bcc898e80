// The provider's name and logo, the signed-in address, and whether the provider can be reached.
import { useAppState } from '../state/store.js';
import { Logo } from '../ui/Logo.js';

export function BrandHeader() {
  const { provider, me, online } = useAppState();
  return (
    <header class="brand">
      <Logo />
      <div class="brand-text">
        <span class="brand-name">{provider.name}</span>
        <span class="brand-me mono" title="Your address">
          {me}
        </span>
      </div>
      <span class={`status-dot ${online ? 'online' : 'offline'}`} role="status">
        <span class="visually-hidden">{online ? 'Connected' : 'Offline: messages will be sent later'}</span>
      </span>
    </header>
  );
}
