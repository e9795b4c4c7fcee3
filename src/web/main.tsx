import { render } from 'hono/jsx/dom';
import { App } from './app.tsx';

// Links made for a hash router (e.g. the connectors' "/#/connections?connected=epic" landing
// after an OAuth callback) become the real path this client routes on.
if (location.hash.startsWith('#/')) history.replaceState(null, '', location.hash.slice(1));
// The wearable connectors' callback lands on "/?wearable=oura&status=connected&jobId=…".
const landing = new URLSearchParams(location.search);
if (location.pathname === '/' && landing.has('wearable')) {
  const id = landing.get('wearable')!;
  const ok = landing.get('status') === 'connected';
  const q = new URLSearchParams(ok ? { connected: id, jobId: landing.get('jobId') ?? '' } : { error: landing.get('status') ?? 'failed', provider: id });
  history.replaceState(null, '', `/connections?${q}`);
}

// The whole client: one root, rendered into the page the gateway serves for every non-API path.
render(<App />, document.getElementById('app')!);
