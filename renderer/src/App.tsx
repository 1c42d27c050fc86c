import { Wall } from './wall/Wall.js';

/** Screens are addressed by the URL's hash (#/wall, …); the wall is the default. */
export function App() {
  return <Wall />;
}
