/** The fakes a test starts, each closed after the test, and the app inputs that reach them. */
import { afterEach } from 'vitest';
import { type FakeFeishu, type FakeOptions, startFakeFeishu } from './fake-feishu.js';
import { type FakeGitHub, type FakeGitHubOptions, startFakeGitHub } from './fake-github.js';

export function fakesPerTest() {
  const open: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((fake) => fake.close()));
  });
  const kept = <T extends { close(): Promise<void> }>(fake: T) => {
    open.push(fake);
    return fake;
  };
  return {
    feishu: async (options?: FakeOptions): Promise<FakeFeishu> =>
      kept(await startFakeFeishu(options)),
    github: async (options?: FakeGitHubOptions): Promise<FakeGitHub> =>
      kept(await startFakeGitHub(options)),
  };
}

/** The inputs of the fake's app. */
export const appOf = (feishu: FakeFeishu) => ({
  'app-id': 'cli_test_app',
  'app-secret': 'test-secret',
  domain: feishu.url,
});
