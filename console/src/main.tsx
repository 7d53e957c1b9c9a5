import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, permissionsOf, session, type Whoami } from './api.js';
import { ComparePage } from './compare-page.js';
import { DatasetsPage } from './datasets-page.js';
import { EnvironmentsPage } from './environments-page.js';
import { ExperimentPage } from './experiment-page.js';
import { ExperimentsPage } from './experiments-page.js';
import { ModelPage } from './model-page.js';
import { ModelsPage } from './models-page.js';
import { RunPage } from './run-page.js';
import { SchedulesPage } from './schedules-page.js';
import { RunsPage } from './runs-page.js';
import { SignIn } from './sign-in.js';
import './styles.css';

/** Hash routes (`#/runs/<id>`): the API serves one page at `/`, whatever the route. */
function useRoute(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const changed = () => setHash(location.hash);
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return hash.replace(/^#/, '') || '/runs';
}

/** The pages besides runs, in the header's order. */
const NAV = [
  ['/experiments', 'Experiments'],
  ['/models', 'Models'],
  ['/schedules', 'Schedules'],
  ['/environments', 'Environments'],
  ['/datasets', 'Datasets'],
] as const;

function App() {
  const [me, setMe] = useState<Whoami | null>();
  const [problem, setProblem] = useState<string>();
  const route = useRoute();
  useEffect(() => {
    if (!session.token()) return setMe(null);
    api<Whoami>('whoami').then(setMe, (error: unknown) => {
      if (error instanceof ApiError && error.status === 401) session.signOut();
      setProblem(error instanceof Error ? error.message : String(error));
      setMe(null);
    });
  }, []);
  if (me === undefined) return <p class="muted">Loading…</p>;
  if (me === null)
    return (
      <SignIn
        problem={problem}
        onSignedIn={(who) => {
          setProblem(undefined);
          setMe(who);
        }}
      />
    );
  const permissions = permissionsOf(me);
  const runMatch = /^\/runs\/([^/]+)$/.exec(route);
  const compareMatch = /^\/compare\/([^/]+)$/.exec(route);
  const experimentMatch = /^\/experiments\/([^/]+)$/.exec(route);
  const modelMatch = /^\/models\/([^/]+)$/.exec(route);
  const page = runMatch ? (
    <RunPage id={decodeURIComponent(runMatch[1]!)} permissions={permissions} />
  ) : compareMatch ? (
    <ComparePage ids={compareMatch[1]!.split(',').map(decodeURIComponent)} />
  ) : experimentMatch ? (
    <ExperimentPage id={decodeURIComponent(experimentMatch[1]!)} permissions={permissions} />
  ) : route === '/experiments' ? (
    <ExperimentsPage />
  ) : modelMatch ? (
    <ModelPage name={decodeURIComponent(modelMatch[1]!)} permissions={permissions} />
  ) : route === '/models' ? (
    <ModelsPage />
  ) : route === '/schedules' ? (
    <SchedulesPage permissions={permissions} />
  ) : route === '/environments' ? (
    <EnvironmentsPage />
  ) : route === '/datasets' ? (
    <DatasetsPage />
  ) : (
    <RunsPage permissions={permissions} />
  );
  return (
    <>
      <header class="top">
        <a href="#/runs" class="brand">
          Kiln
        </a>
        <nav aria-label="Main">
          <a href="#/runs" aria-current={route.startsWith('/runs') ? 'page' : undefined}>
            Runs
          </a>
          {NAV.map(([path, label]) => (
            <a key={path} href={`#${path}`} aria-current={route.startsWith(path) ? 'page' : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <span class="who">
          {me.principal}
          <button
            type="button"
            class="link"
            onClick={() => {
              session.signOut();
              setMe(null);
            }}
          >
            Sign out
          </button>
        </span>
      </header>
      <main>{page}</main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
