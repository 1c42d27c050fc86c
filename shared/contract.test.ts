import { describe, expect, it } from 'vitest';
import { eventChannels, requestChannels } from './channels.js';
import { ContractError, eventNames, parseRequest, requests } from './contract.js';

describe('the app contract', () => {
  it('lists the same channels for the preload as the contract defines', () => {
    expect([...requestChannels].sort()).toEqual(Object.keys(requests).sort());
    expect([...eventChannels].sort()).toEqual([...eventNames].sort());
  });

  it('validates arguments and names the problem', () => {
    expect(parseRequest('countdowns:list', { limit: 10 })).toEqual({ channel: 'countdowns:list', args: { limit: 10 } });
    expect(() => parseRequest('countdowns:list', { limit: -1 })).toThrow(/countdowns:list: limit/);
    expect(() => parseRequest('countdowns:list', { limit: 10, sql: 'drop table lead' })).toThrow(ContractError);
    expect(() => parseRequest('db:exec', {})).toThrow(/unknown channel "db:exec"/);
    expect(() => parseRequest('__proto__', {})).toThrow(/unknown channel/);
  });
});
