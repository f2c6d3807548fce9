// Pulls every follower of a channel with @twurple/api from the Helix fake
// (its mockServerPort mode: http://localhost:PORT/mock/...), and prints
// "followers=N wall_ms=W cpu_ms=C" on one line. Used by
// bench-helix-followers; run with node --dns-result-order=ipv4first.
import { ApiClient } from '@twurple/api';

const port = Number(process.env.HELIX_FAKE_PORT);
const clientId = process.env.TWITCH_CLIENT_ID;
const token = process.env.TWITCH_OAUTH_TOKEN;
const broadcaster = process.env.BROADCASTER_ID ?? '141981764';
const scopes = ['moderator:read:followers'];

// A token known up front: no validation round trip (the Helix client
// validates once per run, 1 request in 1001).
const tokenInfo = {
  accessToken: token,
  refreshToken: null,
  scope: scopes,
  expiresIn: null,
  obtainmentTimestamp: Date.now(),
  userId: broadcaster,
};
const authProvider = {
  clientId,
  authorizationType: 'Bearer',
  getCurrentScopesForUser: () => scopes,
  getAccessTokenForUser: async () => tokenInfo,
  getAccessTokenForIntent: async () => tokenInfo,
  getAnyAccessToken: async () => tokenInfo,
};

const api = new ApiClient({ authProvider, mockServerPort: port });
const startCpu = process.cpuUsage();
const start = performance.now();
let n = 0;
const seen = new Set();
for await (const follower of api.channels.getChannelFollowersPaginated(broadcaster)) {
  seen.add(follower.userId);
  n++;
}
const wallMs = performance.now() - start;
const cpu = process.cpuUsage(startCpu);
if (seen.size !== n) {
  console.error(`duplicates: ${n} rows, ${seen.size} distinct`);
  process.exit(1);
}
console.log(`followers=${n} wall_ms=${wallMs.toFixed(1)} cpu_ms=${((cpu.user + cpu.system) / 1000).toFixed(1)}`);
