/**
 * `mention: author` / `actor` without a hand-written map: the commit's author e-mail (from the
 * event, or from the commit through GitHub for a pull request) is looked up in the Feishu
 * tenant. The user map always wins; a GitHub no-reply address, a miss or a refused scope leave
 * the login shown as a name. Nothing here fails the step.
 */
import type { RunContext } from './context.js';
import type { FeishuClient } from './feishu/client.js';
import type { GitHubReads } from './github/reads.js';
import { eventFacts, pick } from './render/events.js';
import type { FeishuPerson, Settings } from './settings.js';

/** GitHub's private-address stand-ins: they reach nobody, so they are never looked up. */
const NO_REPLY = /(^|[@.])users\.noreply\.github\.com$|^noreply@github\.com$/i;

export function isNoReply(email: string): boolean {
  return NO_REPLY.test(email.trim());
}

/** The logins `mention` asks for that the user map does not know. */
export function unmappedLogins(
  settings: Settings,
  ctx: RunContext,
): { author?: string; actor?: string } {
  const unmapped = (login: string | undefined) =>
    login && !Object.hasOwn(settings.userMap, login.toLowerCase()) ? login : undefined;
  const wants = (kind: 'author' | 'actor') => settings.mentions.some((m) => m.kind === kind);
  return {
    author: wants('author') ? unmapped(eventFacts(ctx).authorLogin ?? ctx.actor) : undefined,
    actor: wants('actor') ? unmapped(ctx.actor) : undefined,
  };
}

/** The author's e-mail as the event tells it, when the event names the same person. */
export function emailInEvent(ctx: RunContext, login: string): string | undefined {
  const p = ctx.payload;
  const same = (other: string | undefined) => other?.toLowerCase() === login.toLowerCase();
  // A push's commit names its author's login; a workflow_run's or merge group's names none.
  const pushed = pick(p, 'head_commit.author.email');
  if (pushed && same(pick(p, 'head_commit.author.username'))) return pushed;
  for (const commit of ['workflow_run.head_commit', 'merge_group.head_commit']) {
    const email = pick(p, `${commit}.author.email`);
    if (email) return email;
  }
  if (same(pick(p, 'pusher.name'))) return pick(p, 'pusher.email');
  return undefined;
}

/** The head commit a pull request's author wrote, to ask GitHub for its author's e-mail. */
function pullRequestHead(ctx: RunContext): string | undefined {
  const sha = pick(ctx.payload, 'pull_request.head.sha');
  return sha && /^[0-9a-f]{40}$/i.test(sha) ? sha : undefined;
}

export async function findPeople(
  settings: Settings,
  ctx: RunContext,
  client: FeishuClient | undefined,
  github: GitHubReads,
  log: (line: string) => void,
): Promise<Record<string, FeishuPerson>> {
  const { author, actor } = unmappedLogins(settings, ctx);
  if ((!author && !actor) || !client) return {};
  const head = pullRequestHead(ctx);
  const emailOf = async (login: string) =>
    emailInEvent(ctx, login) ??
    (head && login === author ? await github.commitEmail(head) : undefined);
  const logins = [...new Set([author, actor].filter((l): l is string => Boolean(l)))];
  const emails = new Map<string, string>();
  for (const [i, email] of (await Promise.all(logins.map(emailOf))).entries()) {
    if (email && !isNoReply(email)) emails.set(logins[i] as string, email.trim().toLowerCase());
  }
  if (emails.size === 0) return {};
  let openIds: Map<string, string>;
  try {
    openIds = await client.openIdsByEmail([...new Set(emails.values())]);
  } catch (error) {
    log(
      `Could not look up ${[...emails.keys()].join(', ')} in Feishu by e-mail (${(error as Error).message}); shown by name. Add them to user-map, or grant the app the scope contact:user.id:readonly.`,
    );
    return {};
  }
  const people: Record<string, FeishuPerson> = {};
  for (const [login, email] of emails) {
    const id = openIds.get(email);
    if (id) people[login.toLowerCase()] = { kind: 'open_id', id };
  }
  return people;
}
