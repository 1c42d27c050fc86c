import { RankingsScreen } from './review/RankingsScreen.js';
import { ReviewScreen } from './review/ReviewScreen.js';
import { SetupScreen } from './review/SetupScreen.js';
import { useRoute } from './route.js';
import { Unattended } from './wall/Scenes.js';

/** Screens are addressed by the URL's hash (#/wall, #/review?date=…, #/rankings?branch=…). */
export function App() {
  const route = useRoute();
  if (route.screen === 'review') return <ReviewScreen params={route.params} />;
  if (route.screen === 'rankings') return <RankingsScreen params={route.params} />;
  if (route.screen === 'setup') return <SetupScreen params={route.params} />;
  return <Unattended params={route.params} />;
}
