// The dashboard app: a header with the pages, the user and the database; hash routes.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { Me, get } from './api';
import { ConsolePage } from './pages/console';
import { KeysPage } from './pages/keys';
import { OverviewPage } from './pages/overview';
import { PubsubPage } from './pages/pubsub';
import { SlowlogPage } from './pages/slowlog';

const PAGES = [
  ['overview', 'Overview'],
  ['keys', 'Keys'],
  ['slowlog', 'Slow log & latency'],
  ['console', 'Console'],
  ['pubsub', 'Pub/sub'],
] as const;

function route(): string {
  const h = location.hash.replace(/^#\/?/, '');
  return PAGES.some(([p]) => p === h) ? h : 'overview';
}

function App() {
  const [page, setPage] = useState(route());
  const [me, setMe] = useState<Me | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [db, setDb] = useState(0);
  useEffect(() => {
    const on = () => setPage(route());
    addEventListener('hashchange', on);
    get<Me>('/api/me').then(setMe, (e: Error) => setError(e.message));
    return () => removeEventListener('hashchange', on);
  }, []);
  if (me === null) return <p>{error ?? 'Loading…'}</p>;
  return (
    <>
      <header>
        <strong class="brand">respite</strong>
        <nav>
          {PAGES.map(([p, label]) => (
            <a href={`#/${p}`} class={p === page ? 'active' : ''}>
              {label}
            </a>
          ))}
        </nav>
        <span class="who">
          {me.user}
          {me.allowWrites ? '' : ' · read-only'}
          {me.loggedIn && (
            <form method="post" action="/logout">
              <button class="link">log out</button>
            </form>
          )}
        </span>
      </header>
      <main>
        {page === 'overview' && <OverviewPage />}
        {page === 'keys' && <KeysPage me={me} db={db} setDb={setDb} />}
        {page === 'slowlog' && <SlowlogPage me={me} />}
        {page === 'console' && <ConsolePage me={me} db={db} />}
        {page === 'pubsub' && <PubsubPage me={me} />}
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
