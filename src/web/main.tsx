import { render } from 'hono/jsx/dom';
import { App } from './app.tsx';

// Links made for a hash router (e.g. the connectors' "/#/connections?connected=epic" landing
// after an OAuth callback) become the real path this client routes on.
if (location.hash.startsWith('#/')) history.replaceState(null, '', location.hash.slice(1));

// The whole client: one root, rendered into the page the gateway serves for every non-API path.
render(<App />, document.getElementById('app')!);
