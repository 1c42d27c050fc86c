import { LeadTiles } from './panels/LeadTiles.js';
import { StatusBar } from './panels/StatusBar.js';

export function App() {
  return (
    <div className="wall">
      <StatusBar />
      <main className="wall-body">
        <LeadTiles />
      </main>
    </div>
  );
}
