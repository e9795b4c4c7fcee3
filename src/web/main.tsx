import { render } from 'hono/jsx/dom';
import { App } from './app.tsx';

// The whole client: one root, rendered into the page the gateway serves for every non-API path.
render(<App />, document.getElementById('app')!);
