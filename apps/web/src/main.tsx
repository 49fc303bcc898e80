// The web app's entry: render at once (a loading screen), then learn which provider this is and whether this
// browser holds a signed-in device.
import { render } from 'preact';
import { App } from './App.js';
import { applyBranding } from './lib/branding.js';
import { explain } from './lib/errors.js';
import { boot } from './state/session.js';
import { notify, setState } from './state/store.js';
import './styles/base.css';
import './styles/layout.css';
import './styles/chat.css';
import './styles/forms.css';

render(<App />, document.getElementById('root')!);

boot()
  .then(applyBranding)
  .catch((error: unknown) => {
    setState({ phase: 'signedOut' });
    notify('error', explain(error));
  });
