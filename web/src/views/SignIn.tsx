import { KiteEdgeApiError } from '@kite-edge/client';
import { useState } from 'preact/hooks';
import { explain } from '../problems.ts';
import { ended, signIn, signUp } from '../session.ts';
import { useStore } from '../store.ts';

/** Sign in, or create an account (docs/auth.md): one form, two modes; why the last session ended above it. */
export function SignIn() {
  const [mode, setMode] = useState<'sign-in' | 'sign-up'>('sign-in');
  const [problem, setProblem] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const lastEnd = useStore(ended);

  const submit = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const email = String(form.get('email') ?? '').trim();
    const password = String(form.get('password') ?? '');
    setBusy(true);
    setProblem(undefined);
    try {
      await (mode === 'sign-in' ? signIn(email, password) : signUp(email, password));
    } catch (error) {
      setProblem(mode === 'sign-up' && isWrongPassword(error) ? 'That address already has an account with another password: sign in instead.' : explain(error));
      setBusy(false);
    }
  };

  const title = mode === 'sign-in' ? 'Sign in' : 'Create an account';
  return (
    <main class="sign-in" aria-labelledby="sign-in-title">
      <h1 id="sign-in-title">{title}</h1>
      {lastEnd && (
        <p class={`notice notice-${lastEnd.tone}`} role="status" data-testid="session-ended">
          {lastEnd.why}
        </p>
      )}
      <form onSubmit={submit} aria-describedby={problem ? 'sign-in-problem' : undefined}>
        <label>
          E-mail address
          <input name="email" type="email" autocomplete="username" required data-testid="auth-email" />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autocomplete={mode === 'sign-in' ? 'current-password' : 'new-password'}
            minLength={mode === 'sign-up' ? 10 : undefined}
            required
            data-testid="auth-password"
          />
        </label>
        {mode === 'sign-up' && <p class="hint">At least 10 characters, and not an easy one to guess: a few unrelated words work well.</p>}
        {problem && (
          <p id="sign-in-problem" class="notice notice-problem" role="alert">
            {problem}
          </p>
        )}
        <button type="submit" disabled={busy} data-testid="auth-submit">
          {busy ? 'Please wait…' : title}
        </button>
      </form>
      <p>
        {mode === 'sign-in' ? 'New here? ' : 'Have an account? '}
        <button
          type="button"
          class="link"
          onClick={() => {
            setMode(mode === 'sign-in' ? 'sign-up' : 'sign-in');
            setProblem(undefined);
          }}
        >
          {mode === 'sign-in' ? 'Create an account' : 'Sign in'}
        </button>
      </p>
    </main>
  );
}

function isWrongPassword(error: unknown): boolean {
  return error instanceof KiteEdgeApiError && error.code === 'invalid_credentials';
}
