import { describe, expect, it } from 'vitest';
import type { LeadEvent } from './protocol.js';
import { bankName, describeDetail } from './vocabulary.js';

const ev = (kind: LeadEvent['kind'], detail: string | undefined, unitId = 'SZ-GM'): Pick<LeadEvent, 'kind' | 'detail' | 'unitId'> => ({ kind, unitId, ...(detail === undefined ? {} : { detail }) });

describe('an event’s detail', () => {
  it('becomes words for the codes the centre writes, per kind', () => {
    expect(describeDetail(ev('feedback', 'dissuaded'))).toEqual({ kind: 'word', key: 'outcome.dissuaded' });
    expect(describeDetail(ev('dispatch', 'patrol'))).toEqual({ kind: 'word', key: 'dispatch.patrol' });
    expect(describeDetail(ev('dispatch', 'beat'))).toEqual({ kind: 'word', key: 'dispatch.beat' });
    expect(describeDetail(ev('revisit', 'phone'))).toEqual({ kind: 'word', key: 'method.phone' });
    expect(describeDetail(ev('revisit', 'visit'))).toEqual({ kind: 'word', key: 'method.visit' });
    expect(describeDetail(ev('escalation', '3h'))).toEqual({ kind: 'word', key: 'hoursLeft', vars: { n: 3 } });
    // reassign: the detail is the unit that passed it on, the event's unit the one that received it.
    expect(describeDetail(ev('reassign', 'SZ', 'SZ-GM'))).toEqual({ kind: 'reassign', from: 'SZ', to: 'SZ-GM' });
    expect(describeDetail(ev('stop_payment', '工商银行'))).toEqual({ kind: 'bank', name: '工商银行' });
  });

  it('stays as the centre sent it where it is free text, and is nothing where absent', () => {
    expect(describeDetail(ev('call', '已电话劝阻'))).toEqual({ kind: 'text', text: '已电话劝阻' });
    expect(describeDetail(ev('feedback', '家属代为反馈'))).toEqual({ kind: 'text', text: '家属代为反馈' });
    expect(describeDetail(ev('dispatch', '派特警'))).toEqual({ kind: 'text', text: '派特警' });
    expect(describeDetail(ev('escalation', 'soon'))).toEqual({ kind: 'text', text: 'soon' });
    expect(describeDetail(ev('met', undefined))).toEqual({ kind: 'none' });
    expect(describeDetail(ev('met', ''))).toEqual({ kind: 'none' });
  });

  it('names a bank in English where it is known, and as sent where not', () => {
    expect(bankName('工商银行', 'en')).toBe('ICBC');
    expect(bankName('工商银行', 'zh-CN')).toBe('工商银行');
    expect(bankName('某商业银行', 'en')).toBe('某商业银行');
    expect(bankName('toString', 'en')).toBe('toString');
  });
});
