// Reads a blast of channel.chat.message notifications with
// @twurple/eventsub-ws from the Helix fake's EventSub stand-in (helix-fake
// --eventsub-blast N: the blast starts when the subscription is made) and
// prints one line:
//   messages=N secs=S rate=R cpu_ms=C rss_start_mib=A rss_max_mib=B rss_end_mib=E
// Used by chat-eventsub-bench; run with node --dns-result-order=ipv4first.
//
// twurple's EventSubWsListener connects to ws://127.0.0.1:PORT/ws when its
// ApiClient has mockServerPort (the URL is also given as `url`), and the
// ApiClient sends Helix calls to http://localhost:PORT/mock/..., which the
// fake serves as /helix/....
import { ApiClient } from '@twurple/api';
import { EventSubWsListener } from '@twurple/eventsub-ws';

const port = Number(process.env.HELIX_FAKE_PORT);
const count = Number(process.env.BLAST_COUNT);
const clientId = process.env.TWITCH_CLIENT_ID;
const token = process.env.TWITCH_OAUTH_TOKEN;
const broadcaster = process.env.BROADCASTER_ID ?? '141981764';
const scopes = ['user:read:chat', 'user:write:chat'];

// A token known up front, as in twurple_followers.mjs.
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
  tokenType: 'user',
  authorizationType: 'Bearer',
  getCurrentScopesForUser: () => scopes,
  getAccessTokenForUser: async () => tokenInfo,
  getAccessTokenForIntent: async () => tokenInfo,
  getAnyAccessToken: async () => tokenInfo,
};

const rssMiB = () => process.memoryUsage().rss / (1024 * 1024);
const apiClient = new ApiClient({ authProvider, mockServerPort: port });
const listener = new EventSubWsListener({ apiClient, url: `ws://127.0.0.1:${port}/ws` });

const rssStart = rssMiB();
let rssMax = rssStart;
const sampler = setInterval(() => {
  rssMax = Math.max(rssMax, rssMiB());
}, 100);
const giveUp = setTimeout(() => {
  console.error(`timed out: ${received} of ${count} notifications`);
  process.exit(1);
}, 600_000);

let received = 0;
let first = 0;
let cpuStart = null;
let chars = 0;
listener.onChannelChatMessage(broadcaster, broadcaster, event => {
  if (received === 0) {
    first = performance.now();
    cpuStart = process.cpuUsage();
  }
  // Handle it as a chat client would: text, who, badges, reply.
  chars += event.messageText.length + event.chatterDisplayName.length;
  if (event.parentMessageId) chars += 1;
  chars += Object.keys(event.badges).length;
  received++;
  if (received === count) {
    const secs = (performance.now() - first) / 1000;
    const cpu = process.cpuUsage(cpuStart);
    rssMax = Math.max(rssMax, rssMiB());
    clearInterval(sampler);
    clearTimeout(giveUp);
    console.log(
      `messages=${received} secs=${secs.toFixed(3)} rate=${(received / secs).toFixed(0)} ` +
        `cpu_ms=${((cpu.user + cpu.system) / 1000).toFixed(0)} rss_start_mib=${rssStart.toFixed(1)} ` +
        `rss_max_mib=${rssMax.toFixed(1)} rss_end_mib=${rssMiB().toFixed(1)} chars=${chars}`,
    );
    process.exit(0);
  }
});
listener.start();
