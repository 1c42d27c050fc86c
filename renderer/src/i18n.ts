// Every string on screen goes through this table. zh-CN is the default, English the second.
import type { FraudType, RiskLevel } from '../../shared/domain.js';
import type { SyncState } from '../../shared/contract.js';

export type Lang = 'zh-CN' | 'en';

const zh = {
  title: '资金预警劝阻指挥大屏',
  openLeads: '在办预警',
  timeLeft: '距反馈时限',
  overdueBy: '已超期',
  phoneClock: '电话劝阻',
  phoned: '已电话',
  amountAtRisk: '涉险金额',
  repeat: '第{n}次预警',
  noOpenLeads: '当前无在办预警',
  loading: '正在加载…',
  coreDown: '与数据核心的连接中断',
  dataAge: '数据时间 {age}',
  lag: '滞后 {n} 条',
  serverTime: '中心时间',
  more: '另有 {n} 条',
  'sync.connecting': '正在连接',
  'sync.catching-up': '正在追赶 {p}%',
  'sync.live': '实时',
  'sync.offline': '离线，自 {since}',
  'sync.stale': '数据已过期，正在重建',
  'sync.error': '同步错误：{reason}',
  'risk.urgent': '紧急',
  'risk.high': '高风险',
  'risk.medium': '中风险',
  'risk.low': '低风险',
  'fraud.rebate_task': '刷单返利',
  'fraud.investment': '虚假投资理财',
  'fraud.fake_shopping': '虚假购物服务',
  'fraud.fake_refund': '冒充电商物流客服',
  'fraud.loan': '虚假网络贷款',
  'fraud.fake_credit': '虚假征信',
  'fraud.impersonation_acquaintance': '冒充领导熟人',
  'fraud.impersonation_authority': '冒充公检法',
  'fraud.romance_investment': '网络交友诱导投资',
  'fraud.game_trade': '网络游戏虚假交易',
  'fraud.deposit': '保证金',
  'fraud.other': '其他',
} as const;

export type MessageKey = keyof typeof zh;

const en: Record<MessageKey, string> = {
  title: 'Funds early-warning command wall',
  openLeads: 'Open leads',
  timeLeft: 'to feedback deadline',
  overdueBy: 'overdue by',
  phoneClock: 'phone call',
  phoned: 'phoned',
  amountAtRisk: 'at risk',
  repeat: 'warning #{n}',
  noOpenLeads: 'No open leads',
  loading: 'Loading…',
  coreDown: 'Connection to the data core lost',
  dataAge: 'data as of {age}',
  lag: '{n} behind',
  serverTime: 'Centre time',
  more: '{n} more',
  'sync.connecting': 'Connecting',
  'sync.catching-up': 'Catching up {p}%',
  'sync.live': 'Live',
  'sync.offline': 'Offline since {since}',
  'sync.stale': 'Stale, rebuilding',
  'sync.error': 'Sync error: {reason}',
  'risk.urgent': 'Urgent',
  'risk.high': 'High',
  'risk.medium': 'Medium',
  'risk.low': 'Low',
  'fraud.rebate_task': 'Rebate task',
  'fraud.investment': 'Fake investment',
  'fraud.fake_shopping': 'Fake shopping',
  'fraud.fake_refund': 'Fake customer service',
  'fraud.loan': 'Fake loan',
  'fraud.fake_credit': 'Fake credit repair',
  'fraud.impersonation_acquaintance': 'Impersonating acquaintance',
  'fraud.impersonation_authority': 'Impersonating police',
  'fraud.romance_investment': 'Romance investment',
  'fraud.game_trade': 'Game trading',
  'fraud.deposit': 'Deposit',
  'fraud.other': 'Other',
};

const tables: Record<Lang, Record<MessageKey, string>> = { 'zh-CN': zh, en };

export function translate(lang: Lang, key: MessageKey, vars: Record<string, string | number> = {}): string {
  return tables[lang][key].replace(/\{(\w+)\}/g, (_, k: string) => String(vars[k] ?? ''));
}

export const riskKey = (r: RiskLevel): MessageKey => `risk.${r}`;
export const fraudKey = (f: FraudType): MessageKey => `fraud.${f}`;
export const syncKey = (s: SyncState): MessageKey => `sync.${s}`;
