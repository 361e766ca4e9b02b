import { createApp } from './app.ts';

/** Worker entry point (wrangler.toml `main`). */
export default createApp();
