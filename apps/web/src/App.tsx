// The app's top level: a loading screen, the sign-in page, or the signed-in shell; a notice bar over all three.
import { SignInPage } from './auth/SignInPage.js';
import { Shell } from './layout/Shell.js';
import { useAppState } from './state/store.js';
import { NoticeBar } from './ui/NoticeBar.js';

export function App() {
  const s = useAppState();
  return (
    <>
      <NoticeBar />
      {s.phase === 'elsewhere' ? (
        <div class="splash" role="status">
          <p>
            {s.provider.name} is open in another tab of this browser. Use that one, or close it: this tab
            takes over then.
          </p>
        </div>
      ) : s.phase === 'loading' ? (
        <div class="splash" role="status">
          Loading…
        </div>
      ) : s.phase === 'signedOut' ? (
        <SignInPage />
      ) : (
        <Shell />
      )}
    </>
  );
}
