// The provider's logo: its letter on its accent colour.
import { useAppState } from '../state/store.js';

export function Logo({ size = 36 }: { size?: number }) {
  const { provider } = useAppState();
  return (
    <span class="logo" aria-hidden="true" style={{ width: size, height: size, fontSize: size * 0.55 }}>
      {provider.logo}
    </span>
  );
}
