/**
 * Every word the action itself writes on a notice, in each language it writes. A new phrase is
 * one entry here with its three languages; `{name}` marks a value filled in by `words()`.
 * Written to read naturally in each language, not word for word: Chinese puts a space between
 * CJK and Latin text and uses full-width brackets; Japanese uses none of either.
 */
import type { Text, Words } from '../language.js';
import type { Streak } from '../notify-on.js';
import { parseStatus, type Status } from '../status.js';

/** The default title per status: "Deploy succeeded" / "Deploy 运行成功" / "Deploy が成功しました". */
export const STATUS_TITLE: Record<Status, Words> = {
  success: {
    en_us: '{workflow} succeeded',
    zh_cn: '{workflow} 运行成功',
    ja_jp: '{workflow} が成功しました',
  },
  failure: {
    en_us: '{workflow} failed',
    zh_cn: '{workflow} 运行失败',
    ja_jp: '{workflow} が失敗しました',
  },
  cancelled: {
    en_us: '{workflow} was cancelled',
    zh_cn: '{workflow} 已取消',
    ja_jp: '{workflow} がキャンセルされました',
  },
  skipped: {
    en_us: '{workflow} was skipped',
    zh_cn: '{workflow} 已跳过',
    ja_jp: '{workflow} はスキップされました',
  },
  in_progress: {
    en_us: '{workflow} in progress',
    zh_cn: '{workflow} 正在运行',
    ja_jp: '{workflow} を実行中',
  },
  warning: {
    en_us: '{workflow} needs attention',
    zh_cn: '{workflow} 需要关注',
    ja_jp: '{workflow} に確認が必要です',
  },
  info: { en_us: '{workflow} update', zh_cn: '{workflow} 通知', ja_jp: '{workflow} のお知らせ' },
};

/** The header tag and a job's result: one or two words. */
export const STATUS_LABEL: Record<Status, Words> = {
  success: { en_us: 'Succeeded', zh_cn: '成功', ja_jp: '成功' },
  failure: { en_us: 'Failed', zh_cn: '失败', ja_jp: '失敗' },
  cancelled: { en_us: 'Cancelled', zh_cn: '已取消', ja_jp: 'キャンセル' },
  skipped: { en_us: 'Skipped', zh_cn: '已跳过', ja_jp: 'スキップ' },
  in_progress: { en_us: 'In progress', zh_cn: '进行中', ja_jp: '実行中' },
  warning: { en_us: 'Warning', zh_cn: '警告', ja_jp: '警告' },
  info: { en_us: 'Info', zh_cn: '通知', ja_jp: 'お知らせ' },
};

/** A recovery or a repeated failure against the key's previous notice (notify-on). */
export const STREAK_TITLE: Record<Streak, Words> = {
  fixed: {
    en_us: '{workflow} fixed',
    zh_cn: '{workflow} 已恢复',
    ja_jp: '{workflow} が復旧しました',
  },
  'still-failing': {
    en_us: '{workflow} still failing',
    zh_cn: '{workflow} 仍然失败',
    ja_jp: '{workflow} は引き続き失敗しています',
  },
};

export const STREAK_LABEL: Record<Streak, Words> = {
  fixed: { en_us: 'Fixed', zh_cn: '已恢复', ja_jp: '復旧' },
  'still-failing': { en_us: 'Still failing', zh_cn: '仍失败', ja_jp: '失敗が継続' },
};

export const W = {
  workflow: { en_us: 'Workflow', zh_cn: '工作流', ja_jp: 'ワークフロー' },
  /** Subtitle and footer: which run of the workflow. */
  runNumber: { en_us: 'run #{n}', zh_cn: '第 {n} 次运行', ja_jp: '実行 #{n}' },

  // Fact labels
  duration: { en_us: 'Duration', zh_cn: '耗时', ja_jp: '所要時間' },
  repository: { en_us: 'Repository', zh_cn: '仓库', ja_jp: 'リポジトリ' },
  branch: { en_us: 'Branch', zh_cn: '分支', ja_jp: 'ブランチ' },
  tag: { en_us: 'Tag', zh_cn: '标签', ja_jp: 'タグ' },
  commit: { en_us: 'Commit', zh_cn: '提交', ja_jp: 'コミット' },
  actor: { en_us: 'Actor', zh_cn: '触发者', ja_jp: '実行者' },
  event: { en_us: 'Event', zh_cn: '事件', ja_jp: 'イベント' },
  job: { en_us: 'Job', zh_cn: '作业', ja_jp: 'ジョブ' },
  run: { en_us: 'Run', zh_cn: '运行', ja_jp: '実行' },
  attempt: { en_us: ' (attempt {n})', zh_cn: '（第 {n} 次尝试）', ja_jp: '（{n} 回目の試行）' },
  commitCount: { en_us: 'Commits', zh_cn: '提交数', ja_jp: 'コミット数' },
  forcePush: { en_us: 'Force push', zh_cn: '强制推送', ja_jp: '強制プッシュ' },
  yes: { en_us: 'yes', zh_cn: '是', ja_jp: 'はい' },
  pullRequest: { en_us: 'Pull request', zh_cn: '拉取请求', ja_jp: 'プルリクエスト' },
  author: { en_us: 'Author', zh_cn: '作者', ja_jp: '作成者' },
  merge: { en_us: 'Merge', zh_cn: '合并', ja_jp: 'マージ' },
  action: { en_us: 'Action', zh_cn: '操作', ja_jp: 'アクション' },
  release: { en_us: 'Release', zh_cn: '版本发布', ja_jp: 'リリース' },
  prerelease: { en_us: 'Pre-release', zh_cn: '预发布', ja_jp: 'プレリリース' },
  triggeredBy: { en_us: 'Triggered by', zh_cn: '触发来源', ja_jp: 'トリガー元' },
  conclusion: { en_us: 'Conclusion', zh_cn: '结果', ja_jp: '結果' },
  environment: { en_us: 'Environment', zh_cn: '环境', ja_jp: '環境' },
  state: { en_us: 'State', zh_cn: '状态', ja_jp: '状態' },
  description: { en_us: 'Description', zh_cn: '描述', ja_jp: '説明' },
  schedule: { en_us: 'Schedule', zh_cn: '定时计划', ja_jp: 'スケジュール' },
  mergeQueue: { en_us: 'Merge queue', zh_cn: '合并队列', ja_jp: 'マージキュー' },
  issue: { en_us: 'Issue', zh_cn: '议题', ja_jp: 'Issue' },

  // List headings
  commits: { en_us: 'Commits', zh_cn: '提交记录', ja_jp: 'コミット' },
  jobs: { en_us: 'Jobs', zh_cn: '作业', ja_jp: 'ジョブ' },
  inputs: { en_us: 'Inputs', zh_cn: '输入参数', ja_jp: '入力パラメーター' },
  /** A list's heading with its length; `{title}` arrives already formatted (bold in cards). */
  listHeading: {
    en_us: '{title} ({total})',
    zh_cn: '{title}（共 {total} 条）',
    ja_jp: '{title}（{total} 件）',
  },
  moreItems: {
    en_us: '{n} more not shown',
    zh_cn: '还有 {n} 条未显示',
    ja_jp: 'ほか {n} 件は省略',
  },

  // What failed (read from GitHub): each failed job, its failed steps and annotations
  whatFailed: { en_us: 'What failed', zh_cn: '失败详情', ja_jp: '失敗の詳細' },
  failedAt: { en_us: ' — failed at ', zh_cn: ' — 失败于 ', ja_jp: ' — 失敗箇所: ' },
  step: { en_us: 'step {n}: {name}', zh_cn: '第 {n} 步：{name}', ja_jp: 'ステップ {n}: {name}' },
  moreFailedJobs: {
    en_us: 'and {n} more failed jobs',
    zh_cn: '另有 {n} 个作业失败',
    ja_jp: 'ほか {n} 件のジョブが失敗',
  },

  /** A run card's row whose job ended without reporting (no post step). */
  noResult: { en_us: 'No result reported', zh_cn: '未报告结果', ja_jp: '結果の報告なし' },

  // Buttons
  viewRun: { en_us: 'View run', zh_cn: '查看运行', ja_jp: '実行を表示' },
  viewCommit: { en_us: 'Commit', zh_cn: '查看提交', ja_jp: 'コミットを表示' },
  compare: { en_us: 'Compare', zh_cn: '查看改动', ja_jp: '差分を表示' },
  viewPullRequest: { en_us: 'Pull request', zh_cn: '查看拉取请求', ja_jp: 'プルリクエストを表示' },
  viewRelease: { en_us: 'Release', zh_cn: '查看版本', ja_jp: 'リリースを表示' },
  triggeringRun: { en_us: 'Triggering run', zh_cn: '查看上游运行', ja_jp: 'トリガー元の実行' },
  openEnvironment: { en_us: 'Environment', zh_cn: '打开环境', ja_jp: '環境を開く' },

  // A notice a later run took over (replace) or a recall by key withdrew, past recalling
  superseded: { en_us: 'Superseded', zh_cn: '已取代', ja_jp: '置き換え済み' },
  withdrawn: { en_us: 'Withdrawn', zh_cn: '已撤回', ja_jp: '取り下げ' },
  supersededBy: {
    en_us: 'Superseded by {run}.',
    zh_cn: '已由{run}取代。',
    ja_jp: '{run} に置き換えられました。',
  },
  withdrawnLine: { en_us: 'Withdrawn.', zh_cn: '已撤回。', ja_jp: '取り下げられました。' },
  newerRun: { en_us: 'a newer run', zh_cn: '更新的一次运行', ja_jp: '新しい実行' },

  // Durations: "3m 12s", "3 分 12 秒", "3分12秒"
  hours: { en_us: '{n}h', zh_cn: '{n} 小时', ja_jp: '{n}時間' },
  minutes: { en_us: '{n}m', zh_cn: '{n} 分', ja_jp: '{n}分' },
  seconds: { en_us: '{n}s', zh_cn: '{n} 秒', ja_jp: '{n}秒' },
  /** After a label in text and posts: "Repository: ", "仓库：", "リポジトリ：". */
  colon: { en_us: ': ', zh_cn: '：', ja_jp: '：' },
  /** Between the parts of a duration. */
  durationGap: { en_us: ' ', zh_cn: ' ', ja_jp: '' },
} as const satisfies Record<string, Words>;

/**
 * GitHub's own words for a pull request's action, as a reader of each language says them.
 * English keeps GitHub's word; an action not listed is shown as GitHub wrote it.
 */
export const PULL_REQUEST_ACTION: Record<string, Words> = {
  opened: { en_us: 'opened', zh_cn: '已创建', ja_jp: 'オープン' },
  reopened: { en_us: 'reopened', zh_cn: '已重新打开', ja_jp: '再オープン' },
  closed: { en_us: 'closed', zh_cn: '已关闭', ja_jp: 'クローズ' },
  merged: { en_us: 'merged', zh_cn: '已合并', ja_jp: 'マージ済み' },
  synchronize: { en_us: 'synchronize', zh_cn: '有新提交', ja_jp: '新しいコミット' },
  edited: { en_us: 'edited', zh_cn: '已编辑', ja_jp: '編集' },
  ready_for_review: { en_us: 'ready_for_review', zh_cn: '待审查', ja_jp: 'レビュー待ち' },
  review_requested: { en_us: 'review_requested', zh_cn: '请求审查', ja_jp: 'レビュー依頼' },
  submitted: { en_us: 'submitted', zh_cn: '已提交', ja_jp: '送信' },
  created: { en_us: 'created', zh_cn: '已创建', ja_jp: '作成' },
};

/**
 * GitHub's word for a result ("failure"), in the reader's language. English keeps GitHub's
 * word; one no status matches is shown as written.
 */
export function resultWord(result: string): Text {
  const status = parseStatus(result);
  return status ? { ...STATUS_LABEL[status], en_us: result } : result;
}
