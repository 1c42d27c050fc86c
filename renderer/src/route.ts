// Screens are addressed by the URL's hash: #/wall, #/review?date=YYYY-MM-DD, #/rankings?branch=ID.
import { useSyncExternalStore } from 'react';

export type Route = { screen: 'wall' | 'review' | 'rankings' | 'setup'; params: URLSearchParams };

export function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#/, '').split('?');
  const name = path.replace(/^\//, '');
  const screen = name === 'review' || name === 'rankings' || name === 'setup' ? name : 'wall';
  return { screen, params: new URLSearchParams(query) };
}

/** The current URL's hash parameters (#/wall?lang=en&scenes=… → lang, scenes). */
export function hashParams(): URLSearchParams {
  return parseRoute(location.hash).params;
}

const subscribe = (fn: () => void) => {
  window.addEventListener('hashchange', fn);
  return () => window.removeEventListener('hashchange', fn);
};

export function useRoute(): Route {
  const hash = useSyncExternalStore(subscribe, () => location.hash);
  return parseRoute(hash);
}

export function go(screen: Route['screen'], params: Record<string, string | undefined> = {}): void {
  const q = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined));
  const lang = hashParams().get('lang');
  if (lang && !q.has('lang')) q.set('lang', lang);
  location.hash = `#/${screen}${q.size ? `?${q}` : ''}`;
}
