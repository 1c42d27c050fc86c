// bench:province's province-level display: a display's own core syncing the city scope (the
// token's, the whole province) from the centre into its replica, then timing its screen queries.
// The same measured process as bench:sync's (tests/bench/sync.child.ts), on the province's data.
import './sync.child.js';
