/**
 * The facts a reader needs about the run, chosen per event. Everything read from the
 * payload is untrusted and goes into Spans as literal text; URLs pass through safeUrl.
 */
import type { Payload, RunContext } from '../context.js';
import { type Text, words } from '../language.js';
import { safeUrl } from './escape.js';
import type { NoticeButton, NoticeFact, NoticeList, Span } from './model.js';
import { PULL_REQUEST_ACTION, resultWord, W } from './words.js';

export interface EventFacts {
  facts: NoticeFact[];
  lists: NoticeList[];
  buttons: NoticeButton[];
  /** The GitHub login of whoever wrote the change, when the event names one. */
  authorLogin?: string;
  /** The branch the notice is about (the triggering run's, for workflow_run). */
  branch: string;
}

/** A string (or number) at a dotted path of the payload; undefined for anything else. */
export function pick(payload: unknown, path: string): string | undefined {
  let node: unknown = payload;
  for (const part of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  if (typeof node === 'string') return node || undefined;
  if (typeof node === 'number' && Number.isFinite(node)) return String(node);
  if (typeof node === 'boolean') return String(node);
  return undefined;
}

function objectAt(payload: unknown, path: string): Record<string, unknown> | undefined {
  let node: unknown = payload;
  for (const part of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node && typeof node === 'object' && !Array.isArray(node)
    ? (node as Record<string, unknown>)
    : undefined;
}

const text = (value: Text): Span => ({ text: value });
const link = (value: string, href?: string): Span =>
  href ? { text: value, href } : { text: value };

function fact(label: Text, ...value: (Span | undefined)[]): NoticeFact | undefined {
  const spans = value.filter((span): span is Span => span !== undefined && span.text !== '');
  return spans.length > 0 ? { label, value: spans } : undefined;
}

function firstLine(message: string | undefined): string | undefined {
  return message?.split(/\r?\n/, 1)[0]?.trim() || undefined;
}

function shortSha(sha: string | undefined): string | undefined {
  return sha && /^[0-9a-f]{7,64}$/i.test(sha) ? sha.slice(0, 7) : undefined;
}

export function eventFacts(ctx: RunContext): EventFacts {
  const p = ctx.payload;
  const repoUrl = ctx.repository ? `${ctx.serverUrl}/${ctx.repository}` : undefined;
  const specific = perEvent(ctx, p);
  const branch = specific.branch ?? (ctx.refName || ctx.ref);
  const result: EventFacts = { facts: [], lists: [], buttons: [], branch };
  const add = (...facts: (NoticeFact | undefined)[]) => {
    for (const f of facts) {
      // One line per label: a release's own Tag says what the generic ref line would repeat.
      const same = result.facts.findIndex((existing) => existing.label === f?.label);
      if (f && same >= 0) result.facts[same] = f;
      else if (f) result.facts.push(f);
    }
  };
  const button = (label: Text, url: string | undefined) => {
    const safe = safeUrl(url);
    if (safe) result.buttons.push({ label, url: safe });
  };

  const sha = specific.sha ?? ctx.sha;
  const commitUrl = repoUrl && shortSha(sha) ? `${repoUrl}/commit/${sha}` : undefined;
  const headMessage = specific.commitMessage ?? firstLine(pick(p, 'head_commit.message'));

  add(
    fact(W.repository, link(ctx.repository, safeUrl(repoUrl))),
    fact(ctx.refType === 'tag' && !specific.branch ? W.tag : W.branch, link(branch)),
    fact(
      W.commit,
      link(shortSha(sha) ?? '', safeUrl(commitUrl)),
      headMessage ? text(` ${headMessage}`) : undefined,
    ),
    ...specific.facts,
    fact(W.actor, text(ctx.actor)),
    fact(W.event, text(ctx.eventName)),
    fact(W.workflow, text(ctx.workflow)),
    fact(W.job, text(ctx.job)),
    fact(
      W.run,
      link(ctx.runNumber ? `#${ctx.runNumber}` : ctx.runId, safeUrl(ctx.runUrl)),
      ctx.runAttempt !== '1' ? text(words(W.attempt, { n: ctx.runAttempt })) : undefined,
    ),
  );
  result.lists.push(...specific.lists);
  button(W.viewRun, ctx.runUrl);
  for (const b of specific.buttons) button(b.label, b.url);
  if (!specific.buttons.some((b) => b.label === W.viewCommit)) button(W.viewCommit, commitUrl);
  result.authorLogin = specific.authorLogin;
  return result;
}

interface Specific {
  facts: (NoticeFact | undefined)[];
  lists: NoticeList[];
  buttons: { label: Text; url: string | undefined }[];
  sha?: string;
  commitMessage?: string;
  authorLogin?: string;
  /** The branch of the commit shown, when it is not this run's own. */
  branch?: string;
}

function perEvent(ctx: RunContext, p: Payload): Specific {
  const none: Specific = { facts: [], lists: [], buttons: [] };
  switch (ctx.eventName) {
    case 'push':
      return push(p);
    case 'pull_request':
    case 'pull_request_target':
    case 'pull_request_review':
    case 'pull_request_review_comment':
      return pullRequest(p);
    case 'release':
      return release(p);
    case 'workflow_dispatch':
      return dispatch(p);
    case 'workflow_run':
      return workflowRun(p);
    case 'deployment':
    case 'deployment_status':
      return deployment(p);
    case 'schedule':
      return { ...none, facts: [fact(W.schedule, link(pick(p, 'schedule') ?? ''))] };
    case 'merge_group':
      return {
        ...none,
        sha: pick(p, 'merge_group.head_sha'),
        commitMessage: firstLine(pick(p, 'merge_group.head_commit.message')),
        facts: [
          fact(
            W.mergeQueue,
            link(pick(p, 'merge_group.base_ref')?.replace(/^refs\/heads\//, '') ?? ''),
          ),
        ],
      };
    case 'issues':
    case 'issue_comment':
      return {
        ...none,
        facts: [
          fact(
            W.issue,
            link(
              `#${pick(p, 'issue.number') ?? ''} ${pick(p, 'issue.title') ?? ''}`.trim(),
              safeUrl(pick(p, 'issue.html_url')),
            ),
          ),
        ],
        authorLogin: pick(p, 'issue.user.login'),
      };
    default:
      return none;
  }
}

function push(p: Payload): Specific {
  const commits = Array.isArray(p.commits) ? (p.commits as unknown[]) : [];
  const compare = pick(p, 'compare');
  const list: NoticeList = {
    title: W.commits,
    total: commits.length,
    items: commits.map((c) => ({
      spans: [
        link(shortSha(pick(c, 'id')) ?? '', safeUrl(pick(c, 'url'))),
        text(` ${firstLine(pick(c, 'message')) ?? ''}`),
        ...(pick(c, 'author.name') ? [text(` — ${pick(c, 'author.name')}`)] : []),
      ],
    })),
  };
  return {
    facts: [
      commits.length > 1
        ? fact(W.commitCount, link(String(commits.length), safeUrl(compare)))
        : undefined,
      pick(p, 'forced') === 'true' ? fact(W.forcePush, text(W.yes)) : undefined,
    ],
    lists: commits.length > 1 ? [list] : [],
    buttons: commits.length > 1 ? [{ label: W.compare, url: compare }] : [],
    authorLogin: pick(p, 'head_commit.author.username') ?? pick(p, 'pusher.name'),
  };
}

/** GitHub's word for what happened to a pull request, in the reader's language. */
function pullRequestAction(action: string): Text {
  return Object.hasOwn(PULL_REQUEST_ACTION, action)
    ? (PULL_REQUEST_ACTION[action] as Text)
    : action;
}

function pullRequest(p: Payload): Specific {
  const number = pick(p, 'pull_request.number') ?? pick(p, 'number');
  const url = safeUrl(pick(p, 'pull_request.html_url'));
  const base = pick(p, 'pull_request.base.ref');
  const head = pick(p, 'pull_request.head.label') ?? pick(p, 'pull_request.head.ref');
  const merged = pick(p, 'pull_request.merged') === 'true';
  return {
    facts: [
      fact(
        W.pullRequest,
        link(`#${number ?? '?'}`, url),
        text(` ${pick(p, 'pull_request.title') ?? ''}`),
      ),
      fact(W.author, text(pick(p, 'pull_request.user.login') ?? '')),
      base && head ? fact(W.merge, link(base), text(' ← '), link(head)) : undefined,
      fact(W.action, text(pullRequestAction(merged ? 'merged' : (pick(p, 'action') ?? '')))),
    ],
    lists: [],
    buttons: [{ label: W.viewPullRequest, url }],
    sha: pick(p, 'pull_request.head.sha'),
    authorLogin: pick(p, 'pull_request.user.login'),
  };
}

function release(p: Payload): Specific {
  const url = safeUrl(pick(p, 'release.html_url'));
  return {
    facts: [
      fact(W.release, link(pick(p, 'release.name') ?? pick(p, 'release.tag_name') ?? '', url)),
      fact(W.tag, link(pick(p, 'release.tag_name') ?? '')),
      pick(p, 'release.prerelease') === 'true' ? fact(W.prerelease, text(W.yes)) : undefined,
    ],
    lists: [],
    buttons: [{ label: W.viewRelease, url }],
    authorLogin: pick(p, 'release.author.login'),
  };
}

function dispatch(p: Payload): Specific {
  const inputs = objectAt(p, 'inputs') ?? {};
  const items = Object.entries(inputs)
    .filter(([, v]) => v !== null && v !== '' && typeof v !== 'object')
    .map(([k, v]) => ({ spans: [link(k), text(`: ${String(v)}`)] }));
  return {
    facts: [],
    lists: items.length > 0 ? [{ title: W.inputs, items, total: items.length }] : [],
    buttons: [],
  };
}

function workflowRun(p: Payload): Specific {
  const url = safeUrl(pick(p, 'workflow_run.html_url'));
  const commitMessage = firstLine(pick(p, 'workflow_run.head_commit.message'));
  // The run's title (a pull request's title, say) when it says more than the commit's.
  const displayTitle = firstLine(pick(p, 'workflow_run.display_title'));
  const title = displayTitle !== commitMessage ? displayTitle : undefined;
  return {
    facts: [
      fact(
        W.triggeredBy,
        link(pick(p, 'workflow_run.name') ?? '', url),
        text(pick(p, 'workflow_run.run_number') ? ` #${pick(p, 'workflow_run.run_number')}` : ''),
        text(title ? ` · ${title}` : ''),
      ),
      fact(
        W.conclusion,
        text(
          resultWord(pick(p, 'workflow_run.conclusion') ?? pick(p, 'workflow_run.status') ?? ''),
        ),
      ),
    ],
    lists: [],
    buttons: [{ label: W.triggeringRun, url }],
    // The commit, its branch and its title are the triggering run's, shown together: this
    // workflow's own ref is the default branch, which has nothing to do with that commit.
    sha: pick(p, 'workflow_run.head_sha'),
    branch: pick(p, 'workflow_run.head_branch'),
    commitMessage,
    authorLogin: pick(p, 'workflow_run.actor.login'),
  };
}

function deployment(p: Payload): Specific {
  const target = safeUrl(
    pick(p, 'deployment_status.environment_url') ?? pick(p, 'deployment_status.target_url'),
  );
  return {
    facts: [
      fact(
        W.environment,
        link(pick(p, 'deployment.environment') ?? pick(p, 'deployment_status.environment') ?? ''),
      ),
      fact(W.state, text(resultWord(pick(p, 'deployment_status.state') ?? ''))),
      fact(
        W.description,
        text(pick(p, 'deployment_status.description') ?? pick(p, 'deployment.description') ?? ''),
      ),
    ],
    lists: [],
    buttons: [{ label: W.openEnvironment, url: target }],
    sha: pick(p, 'deployment.sha'),
    authorLogin: pick(p, 'deployment.creator.login'),
  };
}
