// Tells the Workers runtime types about this worker: what `env` holds and
// what the main module exports (the type of `exports` from cloudflare:workers).
declare namespace Cloudflare {
  interface Env extends import('./config.ts').EdgeEnv {}
  interface GlobalProps {
    mainModule: typeof import('./index.ts');
  }
}
