import { useState } from 'preact/hooks';
import { api, session, type Whoami } from './api.js';

/** A token from `kiln token create` (or the admin token `kiln up` wrote), kept for this tab only. */
export function SignIn({ problem, onSignedIn }: { problem: string | undefined; onSignedIn(who: Whoami): void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState(problem);
  const submit = async (event: Event) => {
    event.preventDefault();
    session.signIn(token.trim());
    try {
      onSignedIn(await api<Whoami>('whoami'));
    } catch (thrown) {
      session.signOut();
      setError(thrown instanceof Error ? thrown.message : String(thrown));
    }
  };
  return (
    <main class="sign-in">
      <h1>Kiln console</h1>
      <form onSubmit={submit}>
        <label for="token">API token</label>
        <input id="token" name="token" type="password" autocomplete="off" required value={token} onInput={(e) => setToken(e.currentTarget.value)} />
        <button type="submit">Sign in</button>
        {error && (
          <p role="alert" class="error">
            {error}
          </p>
        )}
        <p class="muted">The token stays in this tab's session storage and is sent to the API only.</p>
      </form>
    </main>
  );
}
