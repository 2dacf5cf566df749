/**
 * `npm run fake [-- --port N]`: the project's fake Feishu API (test/support/fake-feishu.ts) on
 * loopback, for the local runner and manual tries. Prints every request and, on Ctrl-C, the
 * messages the chats hold.
 */
import { startFakeFeishu } from '../test/support/fake-feishu.js';

export const FAKE_PORT = 4780;

const portArg = process.argv.indexOf('--port');
const port = portArg > 0 ? Number(process.argv[portArg + 1]) : FAKE_PORT;
const fake = await startFakeFeishu({ port });
console.log(`Fake Feishu API on ${fake.url} (app cli_test_app / test-secret, chat oc_test_chat)`);
let shown = 0;
setInterval(() => {
  for (const r of fake.requests.slice(shown)) console.log(`${r.method} ${r.path}`);
  shown = fake.requests.length;
}, 200).unref();
process.on('SIGINT', () => {
  for (const m of fake.messages()) console.log(`${m.message_id} in ${m.chat_id}: ${m.content}`);
  void fake.close().then(() => process.exit(0));
});
